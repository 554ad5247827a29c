"""Edits a rule asks for, and the transformer that applies them without disturbing the file's layout.

Rules never rebuild code: they name the node to change (a call that gets a keyword, an expression
that is replaced, a statement after which new statements go) and the applier makes the change in the
layout the file already uses (one argument per line with a trailing comma stays that way).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import CodeRange

# Keywords we add, in the order a reader expects them after the user's own.
_KEYWORD_ORDER = ["nullable", "index", "ondelete", "cascade", "cascade_delete", "passive_deletes"]


@dataclass
class EditPlan:
    keywords: dict[cst.Call, list[tuple[str, cst.BaseExpression]]] = field(default_factory=lambda: defaultdict(list))
    replacements: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    statements_after: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=lambda: defaultdict(list))
    arguments: dict[cst.Call, list[cst.BaseExpression]] = field(default_factory=lambda: defaultdict(list))
    imports: list[tuple[str, str]] = field(default_factory=list)

    def add_keyword(self, call: cst.Call, name: str, value: str | cst.BaseExpression) -> None:
        """Ask for `name=value` on `call`, once: two fixes may want the same keyword on one call."""
        if any(arg.keyword is not None and arg.keyword.value == name for arg in call.args):
            return
        if any(existing == name for existing, _ in self.keywords.get(call, ())):
            return
        if isinstance(value, str):
            value = cst.parse_expression(value)
        self.keywords[call].append((name, value))

    def replace(self, node: cst.CSTNode, new: str | cst.CSTNode) -> None:
        self.replacements[node] = cst.parse_expression(new) if isinstance(new, str) else new

    def add_statement_after(self, anchor: cst.CSTNode, code: str) -> None:
        self.statements_after[anchor].append(cst.parse_statement(code))

    def add_argument(self, call: cst.Call, code: str) -> None:
        self.arguments[call].append(cst.parse_expression(code))

    def add_import(self, module: str, name: str) -> None:
        if (module, name) not in self.imports:
            self.imports.append((module, name))

    def __bool__(self) -> bool:
        return bool(self.keywords or self.replacements or self.statements_after or self.arguments or self.imports)


@dataclass
class Layout:
    """What the applier needs to keep lines within the project's line length."""

    line_length: int
    lines: list[str]  # the original source, line by line
    positions: Mapping[cst.CSTNode, CodeRange]
    unit: str  # one level of indentation


def apply(module: cst.Module, plan: EditPlan, layout: Layout | None = None) -> cst.Module:
    wrapped = _calls_to_wrap(plan, layout) if layout else {}
    module = module.visit(_Applier(plan, wrapped, layout))
    return add_imports(module, plan.imports)


def _calls_to_wrap(plan: EditPlan, layout: Layout) -> dict[cst.Call, str]:
    """One-line calls that our additions push past the line length, with their line's indentation.

    Where several calls share a line, the outermost is wrapped (black's layout) and the inner ones stay
    on one line.
    """
    added: dict[int, int] = defaultdict(int)
    on_line: dict[int, list[cst.Call]] = defaultdict(list)
    for call in {*plan.keywords, *plan.arguments}:
        where = layout.positions.get(call)
        if where is None or where.start.line != where.end.line:
            continue
        added[where.start.line] += sum(len(f", {name}={_code(value)}") for name, value in plan.keywords.get(call, ()))
        added[where.start.line] += sum(len(f", {_code(value)}") for value in plan.arguments.get(call, ()))
        on_line[where.start.line].append(call)
    for old, new in plan.replacements.items():
        where = layout.positions.get(old)
        if where is not None and where.start.line == where.end.line:
            added[where.start.line] += len(_code(new)) - len(_code(old))
            on_line[where.start.line].append(old)
    too_long = {
        line for line in on_line if added[line] > 0 and len(layout.lines[line - 1]) + added[line] > layout.line_length
    }
    if not too_long:
        return {}
    # The outermost call of the line is wrapped (the statement's own call, edited or not), as black would;
    # within a call that already spans lines, only an argument that stands on a line of its own is:
    # a hanging layout is the author's, and is left as it is.
    outermost: dict[int, cst.Call] = {}
    spanning: list[CodeRange] = []
    for node, where in layout.positions.items():
        if not isinstance(node, cst.Call):
            continue
        line = where.start.line
        if where.end.line != line:
            spanning.append(where)
        elif line in too_long:
            current = outermost.get(line)
            if current is None or where.start.column < layout.positions[current].start.column:
                outermost[line] = node
    wrapped = {}
    for line, call in outermost.items():
        where = layout.positions[call]
        text = layout.lines[line - 1]
        starts_its_line = not text[: where.start.column].strip()  # an argument on a line of its own
        if not starts_its_line and any(_contains(outer, where) for outer in spanning):
            continue
        wrapped[call] = text[: len(text) - len(text.lstrip())]
    return wrapped


def _contains(outer: CodeRange, inner: CodeRange) -> bool:
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) and (
        outer.end.line, outer.end.column) >= (inner.end.line, inner.end.column)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _line_break(indentation: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=False, last_line=cst.SimpleWhitespace(indentation)
    )


def wrap_call(call: cst.Call, indentation: str, unit: str, line_length: int) -> cst.Call:
    """Black's layout: the arguments on one line of their own if they fit, else one per line."""
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))
            for arg in call.args]
    if not args:
        return call
    inner = indentation + unit
    if len(inner) + len(", ".join(_code(arg) for arg in args)) <= line_length:
        args = [arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for arg in args[:-1]] + [
            args[-1].with_changes(whitespace_after_arg=_line_break(indentation))
        ]
    else:
        args = [arg.with_changes(comma=cst.Comma(whitespace_after=_line_break(inner))) for arg in args[:-1]] + [
            args[-1].with_changes(comma=cst.Comma(whitespace_after=_line_break(indentation)))
        ]
    return call.with_changes(whitespace_before_args=_line_break(inner), args=args)


class _Applier(cst.CSTTransformer):
    def __init__(self, plan: EditPlan, wrapped: dict[cst.Call, str], layout: Layout | None):
        super().__init__()
        self.plan = plan
        self.wrapped = wrapped
        self.layout = layout

    def on_leave(self, original_node, updated_node):
        replacement = self.plan.replacements.get(original_node)
        if replacement is not None:
            return replacement
        if isinstance(original_node, cst.Call):
            new_args = [
                _keyword_arg(name, value)
                for name, value in sorted(
                    self.plan.keywords.get(original_node, ()),
                    key=lambda kv: _KEYWORD_ORDER.index(kv[0]) if kv[0] in _KEYWORD_ORDER else len(_KEYWORD_ORDER),
                )
            ]
            new_args += [cst.Arg(value=value) for value in self.plan.arguments.get(original_node, ())]
            if new_args:
                updated_node = append_arguments(updated_node, new_args)
            if original_node in self.wrapped:
                updated_node = wrap_call(
                    updated_node, self.wrapped[original_node], self.layout.unit, self.layout.line_length
                )
        if isinstance(original_node, cst.IndentedBlock):
            updated_node = self._insert_statements(original_node, updated_node)
        return super().on_leave(original_node, updated_node)

    def _insert_statements(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(statement in self.plan.statements_after for statement in original.body):
            return updated
        body: list[cst.BaseStatement] = []
        for before, after in zip(original.body, updated.body, strict=True):
            body.append(after)
            body.extend(self.plan.statements_after.get(before, ()))
        return updated.with_changes(body=body)


def _keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


# -- layout-preserving append --------------------------------------------------------------------------
def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
    return whitespace


def _inner_separator(items, opening: cst.BaseParenthesizableWhitespace) -> cst.Comma:
    """The separator the sequence already uses between two items (comments dropped)."""
    for item in reversed(items[:-1]):
        if isinstance(item.comma, cst.Comma):
            return item.comma.with_changes(whitespace_after=_without_comment(item.comma.whitespace_after))
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_without_comment(opening))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def append_arguments(call: cst.Call, new_args: list[cst.Arg]) -> cst.Call:
    args = list(call.args)
    for new in new_args:
        if not args:
            args = [new]
            continue
        last = args[-1]
        trailing = isinstance(last.comma, cst.Comma)
        closing = last.comma.whitespace_after if trailing else last.whitespace_after_arg
        inner = _inner_separator(args, call.whitespace_before_args)
        if isinstance(closing, cst.ParenthesizedWhitespace):
            # The closing parenthesis sits on a line of its own: the new argument gets a line of its own,
            # and a comment that followed the last argument stays with it.
            inner_ws = inner.whitespace_after
            if not isinstance(inner_ws, cst.ParenthesizedWhitespace):
                inner_ws = closing
            kept = closing.with_changes(indent=inner_ws.indent, last_line=inner_ws.last_line)
            new_closing = _without_comment(closing)
            before_comma = last.comma.whitespace_before if trailing else cst.SimpleWhitespace("")
            last = last.with_changes(
                comma=cst.Comma(whitespace_before=before_comma, whitespace_after=kept),
                whitespace_after_arg=last.whitespace_after_arg if trailing else cst.SimpleWhitespace(""),
            )
            if trailing:
                new = new.with_changes(comma=cst.Comma(whitespace_after=new_closing))
            else:
                new = new.with_changes(whitespace_after_arg=new_closing)
        else:
            if trailing:
                new = new.with_changes(comma=last.comma)
            else:
                new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
            last = last.with_changes(comma=inner, whitespace_after_arg=cst.SimpleWhitespace(""))
        args[-1] = last
        args.append(new)
    return call.with_changes(args=args)


# -- imports -------------------------------------------------------------------------------------------
def add_imports(module: cst.Module, imports: list[tuple[str, str]]) -> cst.Module:
    """Merge `from module import name` into the file's existing import line, or add one line."""
    missing: list[tuple[str, str]] = []
    for module_name, name in imports:
        merged = _merge_into_existing(module, module_name, name)
        if merged is None:
            missing.append((module_name, name))
        else:
            module = merged
    if missing:
        context = CodemodContext()
        for module_name, name in missing:
            AddImportsVisitor.add_needed_import(context, module_name, name)
        module = AddImportsVisitor(context).transform_module(module)
    return module


def _merge_into_existing(module: cst.Module, module_name: str, name: str) -> cst.Module | None:
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small_index, small in enumerate(statement.body):
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and not isinstance(small.names, cst.ImportStar)
                and small.module is not None
                and cst.Module([]).code_for_node(small.module) == module_name
            ):
                names = list(small.names)
                if any(alias.asname is None and alias.evaluated_name == name for alias in names):
                    return module
                new_import = _append_alias(small, names, cst.ImportAlias(name=cst.Name(name)))
                new_statement = statement.with_changes(
                    body=[*statement.body[:small_index], new_import, *statement.body[small_index + 1 :]]
                )
                return module.with_changes(body=[*module.body[:index], new_statement, *module.body[index + 1 :]])
    return None


def _append_alias(statement: cst.ImportFrom, names: list[cst.ImportAlias], new: cst.ImportAlias) -> cst.ImportFrom:
    last = names[-1]
    opening = statement.lpar.whitespace_after if statement.lpar else cst.SimpleWhitespace("")
    inner = _inner_separator(names, opening)
    if isinstance(last.comma, cst.Comma):
        closing = last.comma.whitespace_after
        if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(inner.whitespace_after, cst.ParenthesizedWhitespace):
            kept = closing.with_changes(indent=inner.whitespace_after.indent, last_line=inner.whitespace_after.last_line)
            last = last.with_changes(comma=last.comma.with_changes(whitespace_after=kept))
            new = new.with_changes(comma=cst.Comma(whitespace_after=_without_comment(closing)))
        else:
            new = new.with_changes(comma=last.comma)
            last = last.with_changes(comma=inner)
    else:
        last = last.with_changes(comma=inner)
    return statement.with_changes(names=[*names[:-1], last, new])
