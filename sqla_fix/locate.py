"""Find, in LibCST's tree of a file that is rewritten, the nodes that the facts (read from `ast`) name.

Positions come from one pass of LibCST's code generator with a light position recorder: the same
ranges as LibCST's PositionProvider (statements and expressions without their whitespace), in about a
fifth of its time, and no metadata wrapper. An `ast` node and a LibCST node are the same node when
they are of corresponding kinds and span the same characters.
"""

from __future__ import annotations

import ast
from contextlib import contextmanager
from typing import NamedTuple

import libcst as cst

try:  # the code generator's state is LibCST's own (not exported): without it, its PositionProvider
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a LibCST that moved it
    CodegenState = None

from .syntax import SourceText


class Position(NamedTuple):
    line: int  # 1-based
    column: int  # 0-based, in characters


class Range(NamedTuple):
    start: Position
    end: Position


class _RecordingState(CodegenState or object):
    """LibCST's code generator, recording where each node starts and ends (PositionProvider's ranges)."""

    def __init__(self, module: cst.Module):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.column = 0
        self.starts: list[Position] = []
        self.ranges: dict[cst.CSTNode, Range] = {}

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        breaks = value.count("\n") + value.count("\r") - value.count("\r\n")
        if breaks:
            self.line += breaks
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(Position(self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.starts.pop()
        if node not in self.ranges:  # a syntactic position recorded inside wins
            self.ranges[node] = Range(start, Position(self.line, self.column))

    @contextmanager
    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        start = Position(self.line, self.column)
        yield
        start = self.ranges[start_node].start if start_node is not None else start
        end = self.ranges[end_node].end if end_node is not None else Position(self.line, self.column)
        self.ranges[node] = Range(start, end)


def positions(module: cst.Module) -> dict[cst.CSTNode, Range]:
    if CodegenState is None or not hasattr(module, "_codegen"):
        from libcst.metadata import MetadataWrapper, PositionProvider

        found = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return {node: Range(Position(r.start.line, r.start.column), Position(r.end.line, r.end.column))
                for node, r in found.items()}
    state = _RecordingState(module)
    module._codegen(state)
    return state.ranges


# What each kind of `ast` node is in LibCST's tree.
_KINDS: dict[type, tuple[type, ...]] = {
    ast.Call: (cst.Call,),
    ast.Name: (cst.Name,),
    ast.Attribute: (cst.Attribute,),
    ast.Constant: (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary, cst.Name),
    ast.Subscript: (cst.Subscript,),
    ast.Dict: (cst.Dict,),
    ast.List: (cst.List,),
    ast.Tuple: (cst.Tuple,),
    ast.AnnAssign: (cst.AnnAssign,),
    ast.Assign: (cst.Assign,),
    ast.Expr: (cst.Expr,),
    ast.Pass: (cst.Pass,),
    ast.BinOp: (cst.BinaryOperation,),
    ast.UnaryOp: (cst.UnaryOperation,),
}


class Locator:
    """The LibCST node of each `ast` node of the same file."""

    def __init__(self, module: cst.Module, source: SourceText):
        self.module = module
        self.source = source
        self.ranges = positions(module)
        self._nodes: dict[tuple, cst.CSTNode] = {}
        self._statements: dict[Position, cst.CSTNode] = {}
        for node, where in self.ranges.items():
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                self._statements.setdefault(where.start, node)
            else:
                self._nodes.setdefault((where.start, where.end, type(node)), node)

    def node(self, node: ast.AST) -> cst.CSTNode:
        """The LibCST node that is `node` (an expression, or a statement's small statement)."""
        start, end = Position(*self.source.start(node)), Position(*self.source.end(node))
        for kind in _KINDS.get(type(node), ()):
            found = self._nodes.get((start, end, kind))
            if found is not None:
                return found
        raise LookupError(f"no {type(node).__name__} at {start.line}:{start.column} in LibCST's tree")

    def statement(self, node: ast.stmt) -> cst.CSTNode:
        """The statement line (or compound statement) that begins with `node`."""
        found = self._statements.get(Position(*self.source.start(node)))
        if found is None:
            raise LookupError(f"no statement at {node.lineno} in LibCST's tree")
        return found
