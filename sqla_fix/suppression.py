"""`# noqa: SQF001` on a statement's lines, and `# sqla-fix: noqa[: codes]` anywhere in a file."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import libcst as cst
from libcst.metadata import CodeRange

_CODES = r"(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?"
_NOQA = re.compile(r"#\s*noqa" + _CODES, re.IGNORECASE)
_FILE_NOQA = re.compile(r"#\s*sqla-fix:\s*noqa" + _CODES, re.IGNORECASE)


def _codes(match: re.Match) -> set[str] | None:
    """None means every code."""
    if match.group("codes") is None:
        return None
    return {code.upper() for code in re.split(r"[\s,]+", match.group("codes")) if code}


class Suppressions:
    def __init__(self, lines: list[str], positions: Callable[[], Mapping[cst.CSTNode, CodeRange]]):
        self.lines = lines
        self._positions = positions  # computed only when a finding there is looked at
        self._file = [_codes(match) for line in lines if (match := _FILE_NOQA.search(line))]

    def suppressed(self, code: str, node: cst.CSTNode) -> bool:
        if any(codes is None or code in codes for codes in self._file):
            return True
        positions = self._positions()
        if isinstance(node, cst.ClassDef):
            first = last = positions[node.name].start.line  # the class line, not its whole body
        else:
            first, last = positions[node].start.line, positions[node].end.line
        for line in self.lines[first - 1 : last]:
            match = _NOQA.search(line)
            if match and ((codes := _codes(match)) is None or code in codes):
                return True
        return False
