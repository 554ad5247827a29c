"""`# noqa: SQF001` on a statement's lines, and `# sqla-fix: noqa[: codes]` anywhere in a file."""

from __future__ import annotations

import ast
import re

_CODES = r"(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
_NOQA = re.compile(r"#\s*noqa" + _CODES, re.IGNORECASE)
_FILE_NOQA = re.compile(r"#\s*sqla-fix:\s*noqa" + _CODES, re.IGNORECASE)


def _codes(match: re.Match) -> set[str] | None:
    """None means every code."""
    if match.group("codes") is None:
        return None
    return {code.upper() for code in re.split(r"[\s,]+", match.group("codes")) if code}


class Suppressions:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self._file = [_codes(match) for line in lines if "noqa" in line.lower() and (match := _FILE_NOQA.search(line))]

    def suppressed(self, code: str, node: ast.AST) -> bool:
        if any(codes is None or code in codes for codes in self._file):
            return True
        if isinstance(node, ast.ClassDef):
            first = last = node.lineno  # the class line, not its whole body
        else:
            first, last = node.lineno, node.end_lineno
        for line in self.lines[first - 1 : last]:
            match = _NOQA.search(line)
            if match and ((codes := _codes(match)) is None or code in codes):
                return True
        return False
