"""SQF008 money stored as a float.

A binary float cannot hold 0.10 or 0.20 exactly, so a price, an amount or a balance kept in ``Float``
drifts by fractions of a cent that add up: sums no longer match the ledger, and ``==`` on a total fails.
Observed with SQLAlchemy 2.1.9 on PostgreSQL 15 and MariaDB 10.11 (one table with a ``Float``, a
``Double`` and a ``Numeric(12, 2)`` column):

- inserting ``0.1 + 0.2``: PostgreSQL ``Float`` (``double precision``) gave back ``0.30000000000000004``;
  ``Numeric(12, 2)`` gave ``Decimal('0.30')`` on both servers;
- the ``sum()`` of ten inserted ``0.1``: ``Float`` gave ``0.9999999999999999`` on PostgreSQL and
  ``1.0000000149011612`` on MariaDB (its ``FLOAT`` is single precision); ``Numeric(12, 2)`` gave
  ``Decimal('1.00')`` on both (rulebook §7; PostgreSQL's docs recommend ``numeric`` for money).

Fix: ``Numeric(12, 2)`` (setting ``money-type``: ``Numeric(19, 4)`` for several currencies or FX), in the
file's spelling (``Numeric``, ``sa.Numeric``, ``db.Numeric``), for ``Float``, ``Double``, ``REAL`` and
``DOUBLE_PRECISION`` columns whose name says money (setting ``money-names``; the last word of the
snake-case name counts: ``unit_price``, ``account_balance``, ``shipping_fee``). A typed
``Mapped[float]`` becomes ``Mapped[Decimal]`` (``from decimal import Decimal`` is added), and a
``Mapped[float]`` with no type of its own (the type annotation map makes it ``Float``) gets
``mapped_column(Numeric(12, 2))``. A literal ``server_default=`` and an integer ``default=`` stay:
``Numeric`` takes them (``default=9.99`` and ``server_default="0.0"`` read back as ``Decimal('9.99')`` and
``Decimal('0.00')`` on PostgreSQL, MariaDB and SQLite). A Python-side ``default=4.99`` is reported, not
fixed: after ``session.flush()`` the attribute held the float ``4.99`` (PostgreSQL), and only after the
commit expired it ``Decimal('4.99')``; code adding Decimals to it in between raises (an int mixes with
Decimal, a float does not).

The fix is unsafe, applied only with ``--unsafe-fixes``: the column's Python type becomes ``Decimal``,
and code that mixes it with floats breaks (``Decimal('19.99') * 1.2`` raised ``TypeError: unsupported
operand type(s) for *: 'decimal.Decimal' and 'float'``; ``json.dumps`` of a ``Decimal`` raised
``TypeError: Object of type Decimal is not JSON serializable``). And the migration rewrites the table on
PostgreSQL: ``ALTER TABLE ... ALTER COLUMN price TYPE numeric(12,2)`` changed the table's
``pg_class.relfilenode`` (109529 to 109535, a new file: an ACCESS EXCLUSIVE lock for the whole copy),
where ``numeric(12,2)`` to ``numeric(14,2)`` kept it. Values with more than two decimals are rounded.

Not money (no finding): names with a word that says a ratio or a measure (``rate``, ``ratio``, ``pct``,
``percent``, ``score``, ``lat``/``lng``/``lon``, ``latitude``/``longitude``, ``weight``, ``factor``,
``multiplier``, ``probability``: ``tax_rate``, ``price_factor``), integer columns (``price_cents`` is
exact already), and ``Numeric``.

Not fixed (reported): a SQLModel field (``price: float``: its Pydantic type would have to become
``Decimal`` too: ``price: Decimal = Field(max_digits=12, decimal_places=2)``), a ``Float`` given more
than its precision (``asdecimal=``, ``decimal_return_scale=``: the author configured it), a key column
(its type must match the other side's), a default that is not a literal, ``**kwargs``, an annotation
other than a plain ``float``, a typed ``Mapped[float]`` whose base's type annotation map cannot be read
(what the column is, is not known), a table whose definition cannot be read whole (a base sqla-fix
cannot see, a computed ``__table_args__``), and a library's mixin.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..names import prefix_of
from ..picture import ColumnFact, ModelClass, Style
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import unknown_definition
from .sqf006_string_length import _annotation_map_says

# The float types of SQLAlchemy (canonical names).
FLOAT_TYPES = frozenset({"sa.Float", "sa.FLOAT", "sa.Double", "sa.DOUBLE", "sa.DOUBLE_PRECISION", "sa.REAL"})
# Words that make a name a ratio, a score or a measure: not money, whatever else the name says.
NOT_MONEY = frozenset({
    "rate", "rates", "ratio", "pct", "percent", "percentage", "score", "lat", "lng", "lon", "latitude",
    "longitude", "weight", "factor", "multiplier", "probability",
})
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words_of(name: str) -> list[str]:
    """`unitPrice`, `unit_price` -> ["unit", "price"]."""
    return [word for word in _WORD_BREAK.sub("_", name).lower().split("_") if word]


def is_money(name: str, money: list[str]) -> bool:
    words = words_of(name)
    if not words or any(word in NOT_MONEY for word in words):
        return False
    return "_".join(words) in money or words[-1] in money


def money_type(text: str) -> tuple[int, int]:
    """`Numeric(12, 2)` -> (12, 2); ValueError with a one-line reason otherwise (the setting's check)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if (not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.func.id != "Numeric"
            or node.keywords or len(node.args) != 2
            or not all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args)):
        raise ValueError(f"expected `Numeric(precision, scale)` with two integers, got {text!r}")
    precision, scale = (a.value for a in node.args)
    if not 1 <= precision <= 1000 or not 0 <= scale <= precision:
        raise ValueError(f"expected 1 <= precision <= 1000 and 0 <= scale <= precision, got {text!r}")
    return precision, scale


def _literal_number(node: ast.expr | None) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return False
            return True
        return type(value) in (int, float)
    return False


def _integer(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


def _float_name(annotation: ast.expr | None) -> ast.Name | None:
    """The `float` of `Mapped[float]`, `Mapped[Optional[float]]`, `Mapped[float | None]`; None otherwise."""
    if not isinstance(annotation, ast.Subscript):
        return None
    inner = annotation.slice
    if isinstance(inner, ast.Subscript) and isinstance(inner.value, (ast.Name, ast.Attribute)):
        if ast.unparse(inner.value).rsplit(".", 1)[-1] != "Optional":
            return None
        inner = inner.slice
    elif isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr):
        sides = [inner.left, inner.right]
        nones = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        if len(nones) != 1:
            return None
        inner = next(s for s in sides if s is not nones[0])
    return inner if isinstance(inner, ast.Name) and inner.id == "float" else None


class MoneyAsFloat(Rule):
    code = "SQF008"
    name = "money-as-float"
    summary = "money stored as a float (Float on price, amount, balance, ...)"
    fix_safety = UNSAFE
    deciding = """\
Say what the column holds:
- money: `Numeric(12, 2)` (`Numeric(19, 4)` for several currencies or exchange rates) and `Decimal` in
  Python: `price: Mapped[Decimal] = mapped_column(Numeric(12, 2))`, `db.Column(db.Numeric(12, 2))`, SQLModel
  `price: Decimal = Field(max_digits=12, decimal_places=2)`; or whole minor units in an integer,
  `price_cents: Mapped[int]`. On PostgreSQL the type change rewrites the table;
- not money (a measure, a ratio, a score that happens to have such a name): keep the float with
  `# noqa: SQF008` on the reported line."""
    examples = [
        Valid('from decimal import Decimal\nfrom sqlalchemy import Float, Numeric\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))\n'
              '    price_cents: Mapped[int]\n    tax_rate: Mapped[float] = mapped_column(Float)\n'
              '    latitude: Mapped[float]\n    score: Mapped[float]\n'),
        Invalid('from decimal import Decimal\nfrom sqlalchemy import Float, Numeric\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    price: Mapped[float] = mapped_column(Float, nullable=False)  # per item\n'
                '    balance: Mapped[Optional[float]]\n    fee: Mapped[float] = mapped_column(default=1)\n',
                'from decimal import Decimal\nfrom sqlalchemy import Float, Numeric\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)  # per item\n'
                '    balance: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))\n'
                '    fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=1)\n',
                unsafe=True),
        Invalid('import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    total = sa.Column(sa.Float(), default=0)\n',
                'import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    total = sa.Column(sa.Numeric(12, 2), default=0)\n',
                unsafe=True),
        Invalid('from sqlmodel import Field, SQLModel\n'
                'class Item(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
                '    price: float\n'),
        Invalid('from sqlalchemy import Float\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    amount = Column(Float(asdecimal=True))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        config = context.config
        precision, scale = money_type(config.money_type)
        numeric = f"Numeric({precision}, {scale})"
        for owner in context.owners():
            if isinstance(owner, ModelClass) and owner.sqlmodel:
                yield from self._sqlmodel(owner, config, numeric)
                continue
            for column in owner.columns.values():
                if not is_money(column.name, config.money_names):
                    continue
                finding = self._column(context, owner, column, numeric, precision, scale)
                if finding is not None:
                    yield finding

    def _sqlmodel(self, owner: ModelClass, config, numeric: str) -> Iterator[Finding]:
        for column in owner.sqlmodel_fields.values():
            if not is_money(column.name, config.money_names):
                continue
            inner = column.sa_column
            floating = (inner.type_name in FLOAT_TYPES if inner is not None
                        else column.type_name == "float" and "sa_type" not in column.keywords)
            if not floating:
                continue
            yield Finding(self.code, column.statement, (
                f"`{owner.name}.{column.name}` holds money in a float: sums drift by fractions of a cent; not "
                "fixed: on SQLModel the field's Pydantic type would have to change too; decide: "
                f"`{column.name}: Decimal = Field(max_digits={numeric[8:-1].split(', ')[0]}, "
                f"decimal_places={numeric[8:-1].split(', ')[1]})`, an integer of cents, or # noqa: SQF008"))

    def _column(self, context: RuleContext, owner, column: ColumnFact, numeric: str, precision: int,
                scale: int) -> Finding | None:
        where = f"`{owner.name}.{column.name}`"
        typed_bare = (column.type_call is None and column.style is Style.TYPED and column.python_type == "float"
                      and not column.foreign_keys and "type_" not in column.keywords)
        if column.type_name in FLOAT_TYPES:
            declared = context.source.segment(column.type_call)
        elif typed_bare and isinstance(owner, ModelClass):
            declared = "Mapped[float] (Float by the type annotation map)"
        else:
            return None
        label = (f"{where} holds money in {declared}: a float cannot hold cents exactly, and sums drift "
                 f"(0.1 + 0.2 is stored as 0.30000000000000004)")
        decide = (f"decide: {numeric} with Decimal in Python, an integer of cents, or # noqa: SQF008 if it is "
                  "not money")
        blocker = self._blocker(context, owner, column, typed_bare)
        if blocker:
            return Finding(self.code, column.statement, f"{label}; not fixed: {blocker}; {decide}")
        fix = _fix(context, column, precision, scale, typed_bare)
        if fix is None:
            return Finding(self.code, column.statement,
                           f"{label}; not fixed: the fix cannot be written in this file's names; {decide}")
        return Finding(self.code, column.statement,
                       f"{label}; {numeric} makes it Decimal in Python (Decimal * float and json.dumps of a Decimal "
                       "raise TypeError), and on "
                       "PostgreSQL the migration rewrites the table", fix=fix, safety=UNSAFE)

    def _blocker(self, context: RuleContext, owner, column: ColumnFact, typed_bare: bool) -> str | None:
        if column.star_kwargs:
            return "its keywords include **kwargs that sqla-fix cannot read"
        if column.primary_key or column.foreign_keys:
            return "it is a key, whose type must match the other side's"
        type_call = column.type_call
        if isinstance(type_call, ast.Call):
            extra = [k.arg for k in type_call.keywords if k.arg != "precision"]
            if extra or len(type_call.args) > 1 or any(k.arg is None for k in type_call.keywords):
                return f"its type is configured ({context.source.segment(type_call)})"
        for keyword in ("default", "server_default", "onupdate", "insert_default"):
            value = column.keywords.get(keyword)
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                continue
            if not _literal_number(value):
                return f"its {keyword}= is not a number literal, and what Numeric makes of it is not certain"
            if keyword != "server_default" and not _integer(value):
                # a Python-side default stays in the attribute after a flush: 4.99 stays a float until reloaded
                return (f"its {keyword}={context.source.segment(value)} would stay a float in the attribute after "
                        f"a flush (until it is reloaded), next to Decimals; write it as Decimal(\"...\")")
        statement = column.statement
        annotation = statement.annotation if isinstance(statement, ast.AnnAssign) else None
        if (annotation is not None and column.style is Style.TYPED and _float_name(annotation) is None
                and (typed_bare or column.python_type == "float")):
            return "its annotation is not a plain Mapped[float]"
        if typed_bare:
            if not isinstance(statement, ast.AnnAssign) or (statement.value is not None and column.call is None):
                return "its declaration cannot be rewritten"
            said = _annotation_map_says(context.picture, owner, ("float", "builtins.float"))
            if said == "mapped":
                return "the type annotation map gives float a type of its own"
            if said is None:
                return "its base's type annotation map cannot be read, so its type is not known"
            if column.call is not None and column.call.args:
                return "its mapped_column() has positional arguments"
        return unknown_definition(context.picture, owner)


def _fix(context: RuleContext, column: ColumnFact, precision: int, scale: int, typed_bare: bool):
    imports: list[tuple[str, str]] = []
    prefer = prefix_of(column.type_call.func if isinstance(column.type_call, ast.Call) else column.type_call) \
        if column.type_call is not None else (prefix_of(column.call.func) if column.call is not None else None)
    spelled = context.spelling.sqlalchemy("Numeric", prefer, imports)
    if spelled is None:
        return None
    numeric = f"{spelled}({precision}, {scale})"
    statement = column.statement
    annotation = statement.annotation if isinstance(statement, ast.AnnAssign) else None
    float_node = _float_name(annotation) if annotation is not None and column.style is Style.TYPED else None
    decimal = None
    if float_node is not None:
        decimal = context.name_for("decimal", "Decimal", context.spelling.bound)
        if decimal is None:
            return None
    mapped_column = None
    if typed_bare and column.call is None:
        mapped_column = context.spelling.sqlalchemy("mapped_column", None, imports)
        if mapped_column is None:
            return None

    def fix(plan) -> bool:
        if decimal is not None and decimal[1]:
            plan.add_import("decimal", "Decimal")
        if typed_bare and column.call is None:
            # `x: Mapped[float]` -> `x: Mapped[Decimal] = mapped_column(Numeric(12, 2))`: one statement's edit
            plan.replace(statement, _with_value(f"{mapped_column}({numeric})", decimal[0] if decimal else None))
        elif decimal is not None:
            plan.replace(float_node, decimal[0])
        if not typed_bare:
            plan.replace(column.type_call, numeric)
        elif column.call is not None:  # `mapped_column(default=0.0)` -> `mapped_column(Numeric(12, 2), default=0.0)`
            plan.replace(column.call, _with_first_argument(numeric))
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix


def _with_value(code: str, decimal: str | None):
    def rebuilt(assignment):
        import libcst as cst

        changes = {"value": cst.parse_expression(code), "equal": cst.AssignEqual()}
        if decimal is not None:
            changes["annotation"] = assignment.annotation.visit(_float_to_decimal(decimal))
        return assignment.with_changes(**changes)

    return rebuilt


def _with_first_argument(code: str):
    def rebuilt(call):
        import libcst as cst

        first = cst.Arg(value=cst.parse_expression(code), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(args=[first, *call.args])

    return rebuilt


def _float_to_decimal_transformer():
    import libcst as cst

    class FloatToDecimal(cst.CSTTransformer):
        def __init__(self, decimal: str):
            super().__init__()
            self.decimal = decimal

        def leave_Name(self, original_node, updated_node):
            if original_node.value == "float":
                return cst.parse_expression(self.decimal)
            return updated_node

    return FloatToDecimal


def _float_to_decimal(decimal: str):
    """A LibCST transformer that writes `decimal` for every `float` (made where LibCST is imported)."""
    return _float_to_decimal_transformer()(decimal)
