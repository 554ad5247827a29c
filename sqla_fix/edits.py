"""Edits a rule asks for, and the transformer that applies them without disturbing the file's layout.

Rules never rebuild code: they name the node to change (a call that gets a keyword, an expression
that is replaced, a statement after which new statements go) and the applier makes the change in the
layout the file already uses (one argument per line with a trailing comma stays that way). A statement
that ruff format (or black) laid out is laid out again as the formatter would lay out the edited
statement, so that a formatter-clean file stays clean; the user's own layouts are left as they are.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from .locate import Range as CodeRange

# Keywords we add, in the order a reader expects them after the user's own.
_KEYWORD_ORDER = ["nullable", "index", "ondelete", "cascade", "cascade_delete", "passive_deletes"]


@dataclass
class CstEdits:
    """Edits on LibCST's tree: what the applier makes."""

    keywords: dict[cst.Call, list[tuple[str, cst.BaseExpression]]] = field(default_factory=lambda: defaultdict(list))
    replacements: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    statements_after: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=lambda: defaultdict(list))
    arguments: dict[cst.Call, list[cst.BaseExpression]] = field(default_factory=lambda: defaultdict(list))
    imports: list[tuple[str, str]] = field(default_factory=list)
    withs: set[cst.CSTNode] = field(default_factory=set)  # statement lines made `with <value> as <name>:`

    def add_keyword(self, call: cst.Call, name: str, value: str | cst.BaseExpression) -> None:
        if any(arg.keyword is not None and arg.keyword.value == name for arg in call.args):
            return
        if any(existing == name for existing, _ in self.keywords.get(call, ())):
            return
        self.keywords[call].append((name, cst.parse_expression(value) if isinstance(value, str) else value))

    def add_argument(self, call: cst.Call, code: str) -> None:
        self.arguments[call].append(cst.parse_expression(code))

    def replace(self, node: cst.CSTNode, new: str | cst.CSTNode) -> None:
        self.replacements[node] = cst.parse_expression(new) if isinstance(new, str) else new

    def add_statement_after(self, anchor: cst.CSTNode, code: str) -> None:
        self.statements_after[anchor].append(cst.parse_statement(code))

    def __bool__(self) -> bool:
        return bool(self.keywords or self.replacements or self.statements_after or self.arguments or self.imports
                    or self.withs)


@dataclass
class Layout:
    """What the applier needs to keep lines within the project's line length."""

    line_length: int
    lines: list[str]  # the original source, line by line
    positions: Mapping[cst.CSTNode, CodeRange]
    unit: str  # one level of indentation


def apply(module: cst.Module, plan: CstEdits, layout: Layout | None = None) -> cst.Module:
    clean = _formatter_clean_statements(plan, layout) if layout else {}
    wrapped = _calls_to_wrap(plan, layout) if layout else {}
    if clean:  # those statements get the formatter's layout as a whole, once edited
        covered = {line for statement in clean for line in _lines_of(layout.positions[statement])}
        wrapped = {call: indent for call, indent in wrapped.items()
                   if layout.positions[call].start.line not in covered}
    module = module.visit(_Applier(plan, wrapped, layout, clean))
    return add_imports(module, plan.imports, layout.line_length if layout else None)


def _calls_to_wrap(plan: CstEdits, layout: Layout) -> dict[cst.Call, tuple[str, str | None]]:
    """One-line calls that our additions push past the line length, with their line's indentation (and
    calls whose arguments stand together on a line of their own, with that line's indentation too).

    Where several calls share a line, the outermost is wrapped (black's layout) and the inner ones stay
    on one line.
    """
    added: dict[int, int] = defaultdict(int)
    on_line: dict[int, list[cst.Call]] = defaultdict(list)
    hugged: dict[int, cst.Call] = {}  # the line of the arguments -> the call
    for call in {*plan.keywords, *plan.arguments}:
        where = layout.positions.get(call)
        if where is None:
            continue
        line = where.start.line
        if where.end.line != line:
            if where.end.line != line + 2 or not _hugged_call(call):
                continue
            line += 1
            hugged[line] = call
        added[line] += sum(len(f", {name}={_code(value)}") for name, value in plan.keywords.get(call, ()))
        added[line] += sum(len(f", {_code(value)}") for value in plan.arguments.get(call, ()))
        on_line[line].append(call)
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
    wrapped: dict[cst.Call, tuple[str, str | None]] = {}
    for line in too_long & set(hugged):  # `f(\n    a, b\n)` pushed past the line length: one per line
        call = hugged.pop(line)
        closing = layout.lines[layout.positions[call].end.line - 1]
        wrapped[call] = (_leading_whitespace(closing), _leading_whitespace(layout.lines[line - 1]))
        too_long.discard(line)
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
    for line, call in outermost.items():
        where = layout.positions[call]
        text = layout.lines[line - 1]
        starts_its_line = not text[: where.start.column].strip()  # an argument on a line of its own
        if not starts_its_line and any(_contains(outer, where) for outer in spanning):
            continue
        wrapped[call] = (_leading_whitespace(text), None)
    return wrapped


def _leading_whitespace(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _hugged_call(call: cst.Call) -> bool:
    if not call.args:
        return False
    last = call.args[-1]
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else last.whitespace_after_arg
    return _hugged(call.args, call.whitespace_before_args, closing)


def _contains(outer: CodeRange, inner: CodeRange) -> bool:
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) and (
        outer.end.line, outer.end.column) >= (inner.end.line, inner.end.column)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _line_break(indentation: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=False, last_line=cst.SimpleWhitespace(indentation)
    )


def wrap_call(call: cst.Call, indentation: str, unit: str, line_length: int, inner: str | None = None) -> cst.Call:
    """Black's layout: the arguments on one line of their own if they fit, else one per line.

    (`inner`: the arguments' indentation, where it is not `indentation` and one `unit` more.)
    """
    args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace(""))
            for arg in call.args]
    if not args:
        return call
    inner = indentation + unit if inner is None else inner
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
    def __init__(
        self,
        plan: CstEdits,
        wrapped: dict[cst.Call, tuple[str, str | None]],
        layout: Layout | None,
        clean: dict[cst.SimpleStatementLine, str] | None = None,
    ):
        super().__init__()
        self.plan = plan
        self.wrapped = wrapped
        self.layout = layout
        self.clean = clean or {}

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
                indentation, inner = self.wrapped[original_node]
                updated_node = wrap_call(updated_node, indentation, self.layout.unit, self.layout.line_length, inner)
        if isinstance(original_node, cst.SimpleStatementLine) and original_node in self.clean:
            updated_node = _reformatted(updated_node, self.clean[original_node], self.layout)
        if isinstance(original_node, cst.IndentedBlock):
            updated_node = self._insert_statements(original_node, updated_node)
            updated_node = self._open_with(original_node, updated_node)
        return super().on_leave(original_node, updated_node)

    def _insert_statements(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(statement in self.plan.statements_after for statement in original.body):
            return updated
        body: list[cst.BaseStatement] = []
        for before, after in zip(original.body, updated.body, strict=True):
            body.append(after)
            body.extend(self.plan.statements_after.get(before, ()))
        return updated.with_changes(body=body)

    def _open_with(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        """`db = SessionLocal()` and the statements after it -> `with SessionLocal() as db:` over them (SQF015).
        LibCST indents a block relative to its parent: the moved statements, their comments and blank
        lines keep their layout one level deeper (the text of a string, and lines inside brackets, as is);
        the assignment's own comments go with the `with`."""
        if any(statement in self.plan.statements_after for statement in original.body):
            return updated  # (no fix adds statements to a function's body)
        for index, statement in enumerate(original.body):
            if statement not in self.plan.withs:
                continue
            line = updated.body[index]
            assignment = line.body[0]
            item = cst.WithItem(item=assignment.value, asname=cst.AsName(name=assignment.targets[0].target))
            block = cst.IndentedBlock(body=list(updated.body[index + 1 :]), header=line.trailing_whitespace)
            opened = cst.With(items=[item], body=block, leading_lines=line.leading_lines)
            return updated.with_changes(body=[*updated.body[:index], opened])
        return updated


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


def _hugged(items, opening: cst.BaseParenthesizableWhitespace, closing: cst.BaseParenthesizableWhitespace) -> bool:
    """The items stand together on one line between a line break after the opening bracket and one before
    the closing bracket (black's layout of a call that does not fit on its line), with no comment."""
    if not (isinstance(opening, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace)):
        return False
    if opening.first_line.comment or opening.empty_lines or closing.first_line.comment or closing.empty_lines:
        return False
    return not any(
        isinstance(item.comma, cst.Comma) and isinstance(item.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for item in items[:-1]
    ) and not isinstance(items[-1].comma, cst.Comma)


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
        hugged = _hugged(args, call.whitespace_before_args, closing)
        if hugged:  # `f(\n    a, b\n)`: the arguments share a line of their own, and the new one joins them
            inner = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if isinstance(closing, cst.ParenthesizedWhitespace) and not hugged:
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


# -- the formatter's layout ----------------------------------------------------------------------------
# A statement laid out as ruff format (black's style) lays it out gets, once edited, the layout ruff format
# gives the edited statement, so that a formatter-clean file stays clean. What is modelled: calls (on one
# line if they fit, else the arguments on one line of their own, else one per line with a trailing comma;
# a magic trailing comma or a comment keeps them one per line), list, tuple, set and dict displays (on one
# line, else one item per line), the comments between arguments and pragma comments, which do not count
# in a line's width. Anything else must stand on one line; where it does not, the statement is not the
# formatter's (or not modelled here) and keeps the applier's layout-preserving edits.


class _NoLayout(Exception):
    """A construct the formatter model does not cover."""


_PRAGMA_TOOLS = {"isort", "type", "pyright", "pyrefly", "pylint", "flake8", "ruff", "ty"}


def _is_pragma(comment: str) -> bool:
    """`# noqa`, `# type: ignore`, ...: ruff format leaves them out of a line's width."""
    content = comment[1:].lstrip()
    return (
        content[:4].lower() == "noqa"
        or content.startswith("nosec")
        or (":" in content and content.split(":", 1)[0] in _PRAGMA_TOOLS)
    )


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text
    )


def _comment_width(comment: str | None) -> int:
    """What a trailing comment adds to its line's width for the formatter."""
    return 0 if comment is None or _is_pragma(comment) else 2 + _width(comment)


def _lines_of(where: CodeRange) -> range:
    return range(where.start.line, where.end.line + 1)


def _simple(whitespace: cst.BaseParenthesizableWhitespace) -> None:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        raise _NoLayout


def _opaque(node: cst.CSTNode) -> str:
    """A node the model does not lay out: it stays as written, on one line."""
    text = _code(node)
    if "\n" in text or "\r" in text:
        raise _NoLayout
    return text


@dataclass
class _Items:
    """The items of a bracketed sequence, as (text before the value, value), and the comments among them."""

    entries: list[tuple[str, cst.BaseExpression]]
    magic: bool  # a magic trailing comma: one item per line whatever fits
    opening: str | None = None  # the comment after the opening bracket: the brackets break, the items may hug
    leading: list[list[str]] = field(default_factory=list)  # own-line comments before each item
    trailing: list[str | None] = field(default_factory=list)  # the comment after each item
    closing: list[str] = field(default_factory=list)  # own-line comments before the closing bracket

    @property
    def commented(self) -> bool:
        """A comment among the items: one item per line."""
        return bool(any(self.leading) or any(self.trailing) or self.closing)


def _items(
    opening: cst.BaseParenthesizableWhitespace,
    entries: list[tuple[str, cst.BaseExpression]],
    after: list[list[cst.BaseParenthesizableWhitespace]],
    magic: bool,
) -> _Items:
    """`after[i]` are the whitespace nodes between item i and the next item (or the closing bracket)."""
    items = _Items(entries, magic, leading=[[] for _ in entries], trailing=[None] * len(entries))
    if isinstance(opening, cst.ParenthesizedWhitespace):
        if not entries:
            if opening.first_line.comment or any(line.comment for line in opening.empty_lines):
                raise _NoLayout  # `f(  # why\n)`: not modelled
            return items
        items.opening = opening.first_line.comment.value if opening.first_line.comment else None
        items.leading[0] = [line.comment.value for line in opening.empty_lines if line.comment]
    for index, spaces in enumerate(after):
        own: list[str] = []
        for whitespace in spaces:
            if not isinstance(whitespace, cst.ParenthesizedWhitespace):
                continue
            if whitespace.first_line.comment:
                if items.trailing[index] is not None or own:
                    raise _NoLayout
                items.trailing[index] = whitespace.first_line.comment.value
            own += [line.comment.value for line in whitespace.empty_lines if line.comment]
        if index + 1 < len(entries):
            items.leading[index + 1] = own
        else:
            items.closing = own
    return items


def _call_items(call: cst.Call) -> _Items:
    if call.lpar or not _is_dotted_name(call.func):
        raise _NoLayout  # a parenthesised call, a call chain: not modelled
    _simple(call.whitespace_after_func)
    entries, after = [], []
    for index, arg in enumerate(call.args):
        if isinstance(arg.value, cst.GeneratorExp) and not arg.value.lpar:
            raise _NoLayout
        _simple(arg.whitespace_after_star)
        if arg.equal is not cst.MaybeSentinel.DEFAULT and isinstance(arg.equal, cst.AssignEqual):
            _simple(arg.equal.whitespace_before)
            _simple(arg.equal.whitespace_after)
        prefix = arg.star + (f"{arg.keyword.value}=" if arg.keyword is not None else "")
        entries.append((prefix, arg.value))
        spaces = [arg.whitespace_after_arg]
        if isinstance(arg.comma, cst.Comma):
            _simple(arg.comma.whitespace_before)
            spaces.append(arg.comma.whitespace_after)
        if index + 1 < len(call.args):
            _simple(arg.whitespace_after_arg)
        after.append(spaces)
    magic = bool(call.args) and isinstance(call.args[-1].comma, cst.Comma)
    return _items(call.whitespace_before_args, entries, after, magic)


def _is_dotted_name(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute) and not node.lpar:
        node = node.value
    return isinstance(node, cst.Name) and not node.lpar


_DISPLAYS = (cst.List, cst.Tuple, cst.Set, cst.Dict)


def _display_items(node: cst.BaseExpression) -> tuple[str, str, _Items]:
    """The brackets and items of a list, parenthesised tuple, set or dict display."""
    if isinstance(node, cst.Tuple):
        if len(node.lpar) != 1:
            raise _NoLayout  # a tuple without parentheses, or with two pairs
        opening, closing, brackets = node.lpar[0].whitespace_after, node.rpar[0].whitespace_before, ("(", ")")
    else:
        if node.lpar:
            raise _NoLayout
        left, right = (node.lbracket, node.rbracket) if isinstance(node, cst.List) else (node.lbrace, node.rbrace)
        opening, closing = left.whitespace_after, right.whitespace_before
        brackets = ("[", "]") if isinstance(node, cst.List) else ("{", "}")
    entries, after = [], []
    for index, element in enumerate(node.elements):
        if isinstance(element, cst.DictElement):
            _simple(element.whitespace_before_colon)
            _simple(element.whitespace_after_colon)
            entries.append((f"{_opaque(element.key)}: ", element.value))
        elif isinstance(element, cst.StarredDictElement):
            _simple(element.whitespace_before_value)
            entries.append(("**", element.value))
        elif isinstance(element, cst.StarredElement):
            _simple(element.whitespace_before_value)
            entries.append(("*", element.value))
        else:
            entries.append(("", element.value))
        spaces = []
        if isinstance(element.comma, cst.Comma):
            _simple(element.comma.whitespace_before)
            spaces.append(element.comma.whitespace_after)
        if index + 1 == len(node.elements):
            spaces.append(closing)
        after.append(spaces)
    if not node.elements:
        _simple(closing)
    magic = bool(node.elements) and isinstance(node.elements[-1].comma, cst.Comma)
    if isinstance(node, cst.Tuple) and len(node.elements) == 1:
        magic = False  # `(a,)`: the comma makes the tuple
    return brackets[0], brackets[1], _items(opening, entries, after, magic)


def _flat(node: cst.BaseExpression) -> str | None:
    """`node` on one line as the formatter writes it; None when it cannot be (a magic trailing comma or a
    comment inside it)."""
    if isinstance(node, cst.Call):
        head, close, items = _opaque(node.func) + "(", ")", _call_items(node)
    elif isinstance(node, _DISPLAYS):
        head, close, items = _display_items(node)
    else:
        return _opaque(node)
    if items.magic or items.commented or items.opening:
        return None
    parts = []
    for prefix, value in items.entries:
        flat = _flat(value)
        if flat is None:
            return None
        parts.append(prefix + flat)
    text = ", ".join(parts)
    if isinstance(node, cst.Tuple) and len(parts) == 1:
        text += ","
    return head + text + close


@dataclass
class _Formatter:
    base: int  # the width of the statement's indentation
    unit: str  # one level of indentation
    line_length: int

    def expression(self, node: cst.BaseExpression, column: int, level: int, after: int) -> str:
        """`node` starting at `column`, followed on its last line by `after` columns (a comma, a comment)."""
        flat = _flat(node)
        if flat is not None and column + _width(flat) + after <= self.line_length:
            return flat
        if isinstance(node, cst.Call):
            head = _opaque(node.func)
            return head + self._bracketed("(", ")", _call_items(node), level, hug=True)
        if isinstance(node, _DISPLAYS):
            opening, closing, items = _display_items(node)
            return self._bracketed(opening, closing, items, level, hug=False)
        return flat  # an atom that does not fit stays as it is

    def _bracketed(self, opening: str, closing: str, items: _Items, level: int, hug: bool) -> str:
        if not items.entries:
            return opening + closing
        inner = self.unit * (level + 1)
        column = self.base + _width(inner)
        first = opening + (f"  {items.opening}" if items.opening else "")
        if hug and not items.magic and not items.commented:
            flats = [_flat(value) for _, value in items.entries]
            if None not in flats:
                text = ", ".join(prefix + flat for (prefix, _), flat in zip(items.entries, flats, strict=True))
                if column + _width(text) <= self.line_length:
                    return f"{first}\n{inner}{text}\n{self.unit * level}{closing}"
        # One item per line; the trailing comma only where there are two or more (or was one already).
        comma_after_last = items.magic or len(items.entries) > 1
        lines = []
        for index, (prefix, value) in enumerate(items.entries):
            lines += [inner + comment for comment in items.leading[index]]
            comma = "," if comma_after_last or index + 1 < len(items.entries) else ""
            comment = items.trailing[index]
            after = len(comma) + _comment_width(comment)
            text = prefix + self.expression(value, column + _width(prefix), level + 1, after) + comma
            lines.append(inner + text + (f"  {comment}" if comment else ""))
        lines += [inner + comment for comment in items.closing]
        return first + "\n" + "\n".join(lines) + "\n" + self.unit * level + closing

    def statement(self, statement: cst.SimpleStatementLine) -> str:
        """The statement's text, its continuation lines indented relative to its own line, without its
        trailing comment."""
        if len(statement.body) != 1 or isinstance(statement.body[0].semicolon, cst.Semicolon):
            raise _NoLayout
        small = statement.body[0]
        comment = statement.trailing_whitespace.comment
        after = _comment_width(comment.value if comment else None)
        if isinstance(small, cst.Assign):
            for target in small.targets:
                _simple(target.whitespace_before_equal)
                _simple(target.whitespace_after_equal)
            head = "".join(f"{_opaque(target.target)} = " for target in small.targets)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            head = f"{_opaque(small.target)}: {_opaque(small.annotation.annotation)} = "
        elif isinstance(small, cst.Expr):
            head = ""
        else:
            raise _NoLayout
        value = small.value
        if value.lpar:  # the formatter's own parentheses around a value: it decides afresh whether they stay
            if len(value.lpar) != 1 or not head:
                raise _NoLayout
            for whitespace in (value.lpar[0].whitespace_after, value.rpar[0].whitespace_before):
                if isinstance(whitespace, cst.ParenthesizedWhitespace) and (
                    whitespace.first_line.comment or any(line.comment for line in whitespace.empty_lines)
                ):
                    raise _NoLayout
            value = value.with_changes(lpar=[], rpar=[])
        column = self.base + _width(head)
        flat = _flat(value)
        if flat is not None and column + _width(flat) + after <= self.line_length:
            return head + flat
        if isinstance(value, _DISPLAYS) and value.elements:
            return head + self.expression(value, column, 0, after)
        if not isinstance(value, cst.Call):
            raise _NoLayout
        # The call's own arguments are split where `target = func(` fits (with a comment after the bracket);
        # else the value goes in parentheses where every line of that fits; else the arguments are split anyway.
        opening = _call_items(value).opening
        first_line = column + _width(_opaque(value.func)) + 1 + _comment_width(opening)
        if value.args and first_line <= self.line_length:
            return head + self.expression(value, column, 0, after)
        # (Behind an annotation with brackets, such as `Mapped[int]`, the parentheses win wherever `target: T = (`
        # fits, and the annotation's brackets are split where it does not: not modelled.)
        subscripted = isinstance(small, cst.AnnAssign) and isinstance(small.annotation.annotation, cst.Subscript)
        if head:
            inner = self.unit
            text = f"{head}(\n{inner}{self.expression(value, self.base + _width(inner), 1, 0)}\n)"
            if (column + 1 <= self.line_length) if subscripted else self._fits(text, after, statement):
                return text
        if value.args and not subscripted:
            return head + self.expression(value, column, 0, after)
        raise _NoLayout

    def _fits(self, text: str, after: int, statement: cst.SimpleStatementLine) -> bool:
        """Every line of `text` (the statement's, followed by `after` columns) within the line length, pragma
        comments left out."""
        pragmas = {f"  {comment}" for comment in _comments_in(statement) if _is_pragma(comment)}
        lines = text.split("\n")
        for index, line in enumerate(lines):
            for pragma in pragmas:
                if line.endswith(pragma):
                    line = line[: -len(pragma)]
                    break
            if self.base + _width(line) + (after if index + 1 == len(lines) else 0) > self.line_length:
                return False
        return True


def _comments_in(node: cst.CSTNode) -> list[str]:
    comments: list[str] = []

    class _Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            comments.append(comment.value)

    node.visit(_Comments())
    return comments


def _absolute(text: str, indentation: str) -> str:
    return indentation + text.replace("\n", "\n" + indentation)


def _formatter_clean_statements(plan: CstEdits, layout: Layout) -> dict[cst.SimpleStatementLine, str]:
    """The statements with an edit that are laid out as the formatter lays them out, with their indentation."""
    if any("fmt: off" in line or "fmt: skip" in line or "fmt:off" in line or "fmt:skip" in line
           for line in layout.lines):
        return {}
    edited: set[int] = set()
    for node in (*plan.keywords, *plan.arguments, *plan.replacements):
        where = layout.positions.get(node)
        if where is not None:
            edited.add(where.start.line)
    clean = {}
    for node, where in layout.positions.items():
        if not isinstance(node, cst.SimpleStatementLine) or not any(line in edited for line in _lines_of(where)):
            continue
        indentation = _formatter_indentation(node, where, layout)
        if indentation is not None:
            clean[node] = indentation
    return clean


def _formatter_indentation(statement: cst.SimpleStatementLine, where: CodeRange, layout: Layout) -> str | None:
    """The statement's indentation if the formatter would leave the statement as it is, else None."""
    lines = layout.lines[where.start.line - 1 : where.end.line]
    indentation = lines[0][: where.start.column]
    if indentation.strip():
        return None
    trailing = statement.trailing_whitespace
    suffix = f"  {trailing.comment.value}" if trailing.comment else ""
    if trailing.whitespace.value != ("  " if trailing.comment else ""):
        return None
    try:
        text = _Formatter(_width(indentation), layout.unit, layout.line_length).statement(statement)
    except _NoLayout:
        return None
    return indentation if _absolute(text, indentation) + suffix == "\n".join(lines) else None


def _reformatted(statement: cst.SimpleStatementLine, indentation: str, layout: Layout) -> cst.SimpleStatementLine:
    """The edited statement in the formatter's layout (as it was before the edit)."""
    try:
        text = _Formatter(_width(indentation), layout.unit, layout.line_length).statement(statement)
        new = cst.parse_statement(text + "\n")
    except (_NoLayout, cst.ParserSyntaxError):
        return statement
    if not isinstance(new, cst.SimpleStatementLine):
        return statement
    return new.with_changes(leading_lines=statement.leading_lines, trailing_whitespace=statement.trailing_whitespace)


def formatted(code: str, indentation: str, unit: str, line_length: int, after: int = 0) -> str | None:
    """`code` (one statement, or an expression followed by `after` columns), laid out as the formatter lays
    it out at `indentation`: its continuation lines indented relative to its first; None if not modelled."""
    try:
        statement = cst.parse_statement(code + "\n")
    except cst.ParserSyntaxError:
        return None
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    formatter = _Formatter(_width(indentation), unit, line_length)
    try:
        small = statement.body[0] if len(statement.body) == 1 else None
        if after and isinstance(small, cst.Expr):
            return formatter.expression(small.value, formatter.base, 0, after)
        return formatter.statement(statement)
    except _NoLayout:
        return None


# -- imports -------------------------------------------------------------------------------------------
def add_imports(module: cst.Module, imports: list[tuple[str, str]], line_length: int | None = None) -> cst.Module:
    """Merge `from module import name` into the file's existing import line, or add one line.

    With `line_length`, an import line that fitted and no longer does is parenthesised, one name per line
    with a trailing comma, as the formatter writes it.
    """
    missing: list[tuple[str, str]] = []
    for module_name, name in imports:
        merged = _merge_into_existing(module, module_name, name, line_length)
        if merged is None:
            missing.append((module_name, name))
        else:
            module = merged
    if missing:
        module = _add_import_lines(module, missing)
    return module


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom))


def _add_import_lines(module: cst.Module, imports: list[tuple[str, str]]) -> cst.Module:
    """New `from module import a, b` lines at the end of the file's first block of imports (after its
    docstring), as LibCST's AddImportsVisitor places them, with a blank line before the code after them."""
    body = list(module.body)
    first = 1 if body and _is_docstring_or_strict(body[0]) else 0
    end = first
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    starred = {
        cst.Module([]).code_for_node(small.module) for statement in body[first:end] for small in statement.body
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar) and small.module is not None
        and not small.relative
    }
    names: dict[str, set[str]] = {}
    for module_name, name in imports:
        if module_name not in starred:  # `from sqlalchemy import *` imports it already
            names.setdefault(module_name, set()).add(name)
    if not names:
        return module
    lines = [
        cst.parse_statement(f"from {module_name} import {', '.join(sorted(names[module_name]))}",
                            config=module.config_for_parsing)
        for module_name in sorted(names)
    ]
    after = body[end:]
    if after:
        leading = after[0].leading_lines
        if not leading or leading[0].comment is not None:
            after[0] = after[0].with_changes(leading_lines=(cst.EmptyLine(), *leading))
    return module.with_changes(body=[*body[:end], *lines, *after])


def _is_docstring_or_strict(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
        return True
    return isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(
        small.targets[0].target, cst.Name) and small.targets[0].target.value == "__strict__"


def _merge_into_existing(module: cst.Module, module_name: str, name: str, line_length: int | None = None) -> cst.Module | None:
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
                if line_length is not None and len(statement.body) == 1:
                    new_import = _exploded_if_too_long(small, new_import, statement, module.default_indent, line_length)
                new_statement = statement.with_changes(
                    body=[*statement.body[:small_index], new_import, *statement.body[small_index + 1 :]]
                )
                return module.with_changes(body=[*module.body[:index], new_statement, *module.body[index + 1 :]])
    return None


def _exploded_if_too_long(
    old: cst.ImportFrom, new: cst.ImportFrom, statement: cst.SimpleStatementLine, unit: str, line_length: int
) -> cst.ImportFrom:
    """A one-line `from m import a, b` that our name pushes past the line length, as the formatter writes
    it: in parentheses, one name per line, with a trailing comma. (A line too long already is the author's.)"""
    if old.lpar is not None:
        return new
    comment = statement.trailing_whitespace.comment
    extra = _comment_width(comment.value if comment else None)
    old_code, new_code = _code(old), _code(new)
    if "\n" in old_code or _width(new_code) + extra <= line_length or _width(old_code) + extra > line_length:
        return new
    names = list(new.names)
    names = [
        alias.with_changes(comma=cst.Comma(whitespace_after=_line_break(unit if i + 1 < len(names) else "")))
        for i, alias in enumerate(names)
    ]
    return new.with_changes(
        names=names,
        lpar=cst.LeftParen(whitespace_after=_line_break(unit)),
        rpar=cst.RightParen(),
        whitespace_after_import=cst.SimpleWhitespace(" "),
    )


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
