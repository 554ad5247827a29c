"""Read and parse: a file's bytes, and Python's own syntax tree of them, with what the later stages need.

Python's parser (C, positions included) reads every file; LibCST reads only the files that are rewritten
(see edit.py), and the files whose syntax is newer than the running Python: those are read through
LibCST's parser, which knows every version's grammar, with the newer constructs blanked out, and are
checked, never written.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

from .collect import assignment_kind
from .markers import FLASK_HINTS, MARKERS, may_define_models
from .names import Resolver
from .picture import ModuleFacts
from .project import ModuleIndex, index_bindings, module_name, project_root, resolved
from .syntax import ModuleScope, SourceText

__all__ = ["FLASK_HINTS", "MARKERS", "LoadError", "LoadedFile", "decode", "may_define_models", "parse", "read"]

# What Python rejects for its limits, not its grammar: never handed to LibCST's native parser.
_LIMITS = ("too many", "nested too deeply")


class LoadError(Exception):
    pass


@dataclass
class LoadedFile:
    path: Path
    source: bytes
    tree: ast.Module
    text: SourceText
    scope: ModuleScope
    index: ModuleIndex
    resolver: Resolver | None = None
    facts: ModuleFacts | None = None
    # Python's parser rejects the file (syntax newer than this Python) where LibCST reads it: checked,
    # never written, since the pre-write verifier needs Python's AST. Python's message.
    newer_syntax: str | None = None


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read: {error.strerror or error}") from error


def decode(source: bytes) -> str:
    """The text of a Python file, in the encoding it declares (PEP 263), without its byte-order mark."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    return source.decode(encoding)


def parse(path: Path, source: bytes) -> LoadedFile:
    # Python's own parser first: it rejects what LibCST's native parser may not survive (nesting
    # deeper than Python allows, NUL bytes), and its messages are the ones users know. Any other
    # syntax error may be syntax newer than this Python (`type X = int`, `class A[T]`, t-strings):
    # then LibCST, which knows every version's grammar, decides, and the file is only checked.
    newer_syntax = None
    try:
        tree = ast.parse(source, filename=str(path))
        text = decode(source)
    except SyntaxError as error:
        where = f" at line {error.lineno}" if error.lineno else ""
        if b"\0" in source or any(limit in str(error.msg) for limit in _LIMITS):
            raise LoadError(f"cannot parse: {error.msg}{where}") from error
        newer_syntax = f"{error.msg}{where}"
        text, tree = _read_newer_syntax(source, newer_syntax)
    except (ValueError, UnicodeError, LookupError) as error:
        raise LoadError(f"cannot parse: {error}") from error
    except (RecursionError, MemoryError) as error:
        raise LoadError("cannot parse: nested too deeply") from error
    index = ModuleIndex(module_name(path), path.name == "__init__.py", root=project_root(resolved(path).parent))
    scope = ModuleScope(tree)
    local = Resolver(scope)
    index_bindings(index, tree, lambda value: assignment_kind(local, value))
    return LoadedFile(path, source, tree, SourceText(text), scope, index, newer_syntax=newer_syntax)


def _read_newer_syntax(source: bytes, python_message: str) -> tuple[str, ast.Module]:
    """LibCST's reading of a file in newer syntax, as a tree of this Python's: the constructs this Python
    does not know are blanked out, in place, so that every other position stays where it is."""
    import libcst as cst

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:  # no Python's syntax either: Python's message
        raise LoadError(f"cannot parse: {python_message}") from error
    except (UnicodeError, LookupError, SyntaxError, ValueError) as error:
        raise LoadError(f"cannot parse: {error}") from error
    except (RecursionError, MemoryError) as error:
        raise LoadError("cannot parse: nested too deeply") from error
    text = module.code
    try:
        return text, ast.parse(_blanked(module, text))
    except (SyntaxError, ValueError) as error:
        raise LoadError(f"cannot parse: {python_message}") from error


def _blanked(module, text: str) -> str:
    import libcst as cst

    from .locate import positions
    from .syntax import split_lines

    def kinds(*names):
        return tuple(kind for kind in (getattr(cst, name, None) for name in names) if kind is not None)

    statements, parameters, strings = kinds("TypeAlias"), kinds("TypeParameters"), kinds(
        "FormattedString", "TemplatedString")
    spans = [(where, node) for node, where in positions(module).items()
             if isinstance(node, (*statements, *parameters, *strings))]
    lines = split_lines(text)
    for where, node in sorted(spans, key=lambda span: span[0], reverse=True):
        first, last = where.start.line - 1, where.end.line - 1
        head, tail = lines[first][: where.start.column], lines[last][where.end.column :]
        width = where.end.column - where.start.column
        if isinstance(node, parameters):  # `class Box[T]:` -> `class Box   :`
            filler, opening, closing = " " * width, "", ""
        elif isinstance(node, statements):  # `type X = int` -> `pass`
            filler, opening, closing = "pass".ljust(width), "pass", ""
        else:  # an f-string of newer syntax -> an empty string
            filler, opening, closing = '""'.ljust(width), '(""', ")"
        if first == last:
            lines[first] = head + filler + tail
            continue
        lines[first] = head + opening
        for number in range(first + 1, last):
            lines[number] = ""
        lines[last] = " " * max(where.end.column - len(closing), 0) + closing + tail
    return "\n".join(lines) + "\n"
