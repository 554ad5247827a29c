"""Reading Python's own syntax tree: literals, call arguments, and the module's text behind each node.

Facts are collected from `ast` (Python's C parser, about eight times faster than LibCST's); only the files
that are rewritten are parsed again with LibCST, where the edits are located by these positions.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import NamedTuple

# The line breaks of Python's tokenizer (str.splitlines also breaks at form feeds and others, which
# Python does not count: line numbers would drift).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their line breaks, as Python numbers them."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class SourceText:
    """A module's text: lines, character columns of `ast`'s byte offsets, and each node's exact text."""

    def __init__(self, text: str):
        self.text = text
        self.lines = split_lines(text)

    def column(self, line: int, offset: int) -> int:
        """The character column of `ast`'s UTF-8 byte offset `offset` on line `line` (1-based)."""
        if line < 1 or line > len(self.lines):
            return offset
        text = self.lines[line - 1]
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))

    def start(self, node: ast.AST) -> tuple[int, int]:
        return node.lineno, self.column(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> tuple[int, int]:
        return node.end_lineno, self.column(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        """The node's text as written (without the parentheses around it)."""
        (first, start), (last, end) = self.start(node), self.end(node)
        if first == last:
            return self.lines[first - 1][start:end]
        parts = [self.lines[first - 1][start:], *self.lines[first : last - 1], self.lines[last - 1][:end]]
        return "\n".join(parts)

    def class_name_position(self, node: ast.ClassDef) -> tuple[int, int]:
        """Where the class's name stands (ast gives the `class` keyword's position only)."""
        line, column = self.start(node)
        match = re.compile(r"class\s+").match(self.lines[line - 1], column)
        return line, (match.end() if match else column)


def literal_string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def literal_int(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def is_constant(node: ast.AST | None, value) -> bool:
    """`True`, `False`, `None` written as such."""
    return isinstance(node, ast.Constant) and node.value is value


def keywords_of(call: ast.Call) -> dict[str, ast.expr]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg is not None}


def positional_of(call: ast.Call) -> list[ast.expr]:
    return [arg for arg in call.args if not isinstance(arg, ast.Starred)]


def has_double_star(call: ast.Call) -> bool:
    return any(keyword.arg is None for keyword in call.keywords)


def has_star(call: ast.Call) -> bool:
    return has_double_star(call) or any(isinstance(arg, ast.Starred) for arg in call.args)


class Argument(NamedTuple):
    keyword: str | None
    value: ast.expr
    node: ast.AST  # the keyword node (`name=value`, positioned on all of it) or the value


def arguments_in_order(call: ast.Call) -> list[Argument]:
    """The call's arguments as written, positional and keyword interleaved."""
    arguments = [Argument(None, arg, arg) for arg in call.args]
    arguments += [Argument(keyword.arg, keyword.value, keyword) for keyword in call.keywords]
    arguments.sort(key=lambda a: (a.node.lineno, a.node.col_offset))
    return arguments


def dotted(node: ast.AST | None) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def last_name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def parse_expression(text: str) -> ast.expr | None:
    """The expression inside a string annotation; None when it is not one."""
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@dataclass(frozen=True)
class QName:
    """What a name in the module refers to, as LibCST's QualifiedNameProvider names it."""

    name: str  # "sqlalchemy.Column", ".base.Base" (a relative import), "db.Column" (a local)
    source: str  # "IMPORT", "LOCAL", "BUILTIN"


_BUILTINS = frozenset(dir(__import__("builtins")))


class ModuleScope:
    """The names a module binds at its top level (in its `if`/`try`/`with` blocks too), each with every
    binding it has: a name imported in a `try` and defined in the `except` is both."""

    def __init__(self, module: ast.Module):
        self.bindings: dict[str, list[QName]] = {}
        self._walk(module.body)

    def _bind(self, name: str, qualified: QName) -> None:
        known = self.bindings.setdefault(name, [])
        if qualified not in known:
            known.append(qualified)

    def _walk(self, statements) -> None:
        for statement in statements:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname is not None:
                        self._bind(alias.asname, QName(alias.name, "IMPORT"))
                    else:
                        top = alias.name.split(".")[0]
                        self._bind(top, QName(top, "IMPORT"))
            elif isinstance(statement, ast.ImportFrom):
                source = "." * statement.level + (statement.module or "")
                separator = "" if source.endswith(".") else "."
                for alias in statement.names:
                    if alias.name == "*":
                        continue
                    self._bind(alias.asname or alias.name, QName(f"{source}{separator}{alias.name}", "IMPORT"))
            elif isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                self._bind(statement.name, QName(statement.name, "LOCAL"))
            else:
                for target in _targets(statement):
                    for name in _names_in(target):
                        self._bind(name, QName(name, "LOCAL"))
                for block in _blocks(statement):
                    self._walk(block)

    def qualified(self, node: ast.AST | None) -> list[QName]:
        """The qualified names of a name or a chain of attributes on one. As for LibCST, a call is named
        by what it calls and a subscript by what it subscripts (`typing.Generic[T]` is `typing.Generic`)."""
        attributes = []
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            if isinstance(node, ast.Attribute):
                attributes.append(node.attr)
                node = node.value
            else:
                node = node.func if isinstance(node, ast.Call) else node.value
        if not isinstance(node, ast.Name):
            return []
        suffix = "".join(f".{attribute}" for attribute in reversed(attributes))
        bound = self.bindings.get(node.id)
        if bound is None:
            return [QName(f"builtins.{node.id}{suffix}", "BUILTIN")] if node.id in _BUILTINS else []
        return [QName(q.name + suffix, q.source) for q in bound]


def _targets(statement: ast.stmt) -> list[ast.AST]:
    if isinstance(statement, ast.Assign):
        return list(statement.targets)
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        return [statement.target]  # `x: int` binds `x` too, for LibCST as for a reader
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
        return [ast.Name(handler.name) for handler in statement.handlers if handler.name]
    return []


def _names_in(target: ast.AST):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names_in(element)
    elif isinstance(target, ast.Starred):
        yield from _names_in(target.value)


def _blocks(statement: ast.stmt):
    for attribute in ("body", "orelse", "finalbody"):
        block = getattr(statement, attribute, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for case in getattr(statement, "cases", ()):
        yield case.body


def _leading_whitespace(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def indent_unit(module: ast.Module, source: SourceText) -> str:
    """The file's unit of indentation, as LibCST infers it: the first indented block's indentation beyond
    its header's; four spaces in a file with none."""
    first: tuple[int, str] | None = None
    for node in ast.walk(module):
        body = getattr(node, "body", None)
        if not isinstance(node, ast.stmt) or not isinstance(body, list) or not body:
            continue
        if body[0].lineno == node.lineno or (first is not None and node.lineno >= first[0]):
            continue
        header = _leading_whitespace(source.lines[node.lineno - 1])
        inner = _leading_whitespace(source.lines[body[0].lineno - 1])
        if inner.startswith(header) and len(inner) > len(header):
            first = (node.lineno, inner[len(header):])
    return first[1] if first is not None else "    "
