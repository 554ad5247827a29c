"""SQF007 column default called once, at import.

``default=datetime.utcnow()`` is not the time of the insert: the call runs once, when the class body
(or the ``Table(...)`` call) is executed at import, and SQLAlchemy stores its result as a constant
(``ScalarElementColumnDefault(datetime(...))``). Every row inserted by that process gets the import's
time; ``onupdate=datetime.utcnow()`` writes that same time on every update. Inserting two rows 1.1 s
apart on SQLite gave two equal timestamps, both the import's (SQLAlchemy 2.1.9); with the function
itself, ``default=datetime.utcnow`` (a ``CallableColumnDefault``), they differed by the 1.1 s, and so
did the updates with ``onupdate=datetime.utcnow``. ``default=uuid.uuid4()`` is the same bug: every row
gets the same UUID, so on a primary key (or a unique column) the second insert fails
(``IntegrityError: UNIQUE constraint failed``); ``default=uuid.uuid4`` gave each row its own. The same
holds for ``datetime.now()``, ``datetime.now(timezone.utc)``, ``datetime.today()``, ``date.today()``,
``time.time()``, ``uuid.uuid1()``, and for an expression made of such a call (``str(uuid.uuid4())``,
``uuid.uuid4().hex``, ``datetime.utcnow() + timedelta(days=30)``). Django has the same check (fields.W161).

Fix: the function itself where the call has no arguments (``default=datetime.utcnow``), else a
function of no arguments (``default=lambda: datetime.now(timezone.utc)``): SQLAlchemy calls a Python
callable default at each insert (one that takes no argument, or the execution context). The callee's
names resolve through the file's imports (``from datetime import datetime``, ``import datetime as dt``,
``from uuid import uuid4``), never by their spelling. SQLModel's ``Field(default=datetime.utcnow())`` is
also the Pydantic default, evaluated once for every instance: it becomes
``Field(default_factory=datetime.utcnow)``, which SQLModel also turns into the column's callable default
(a Core ``insert()`` without the value gets a fresh one too); a bare ``x: datetime = datetime.utcnow()``
on a SQLModel class becomes ``Field(default_factory=...)``. ``Field(sa_column=Column(...))`` and
``sa_column_kwargs={"default": ...}`` are read as the columns they make.

The fix is safe: the table's DDL does not change (a Python-side default is not in the schema), and the
only run-time change is the one the code asks for, a value per row instead of one per process. A value
that is meant to be the process's (a run's id) is written as a module constant, which this rule leaves
alone.

Not fixed (reported): a name that does not resolve for certain to the standard library's function (a
name bound twice, or shadowed in the class body), a default given through ``**{...}``, a ``lambda``
whose names the class body binds (a lambda in a class body does not see them), ``mapped_column(default=...)``
on a ``MappedAsDataclass`` model (there ``default=`` is also the dataclass field's default, and a
function becomes the attribute's value: the insert fails; SQLAlchemy asks for ``default_factory=`` or
``insert_default=``), and SQLModel's ``Field()`` with its default as the first positional argument or
with a ``default_factory=`` already.

With unsafe fixes on, a naive ``DateTime`` column that SQF010 fixes is left to it: SQF010 makes
``default=datetime.utcnow()`` the aware ``lambda: datetime.now(timezone.utc)`` and the column
``DateTime(timezone=True)`` in one edit, so that one rule edits a column in a run (without unsafe fixes this
rule makes it ``datetime.utcnow``, and SQF010's fix waits for ``--unsafe-fixes``).

Not this rule's business: ``default=datetime.utcnow`` (a function, called per insert),
``default=func.now()`` and ``server_default=func.now()`` (SQL that the database evaluates per row),
and naive versus aware datetimes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..picture import ClassKind, ColumnFact, ModelClass, Style
from ..syntax import _names_in, _targets, literal_string, positional_of
from .base import SAFE, Finding, Invalid, Rule, RuleContext, Valid

# The standard library's functions whose value changes from call to call: called in a default, the
# value of one call is every row's.
_TIMES = {
    "datetime.datetime.utcnow": "time",
    "datetime.datetime.now": "time",
    "datetime.datetime.today": "time",
    "datetime.date.today": "date",
    "time.time": "time",
    "time.time_ns": "time",
    "uuid.uuid4": "UUID",
    "uuid.uuid1": "UUID",
}
# Column keywords whose value is a default evaluated at each insert or update.
_COLUMN_KEYWORDS = ("default", "insert_default", "onupdate")
_SA_COLUMN_KWARGS_KEYS = ("default", "onupdate")
# Builtins that wrap the value (`str(uuid.uuid4())`): the expression is still evaluated once.
_WRAPPERS = frozenset({"builtins.str", "builtins.int", "builtins.float", "builtins.round"})


@dataclass
class _Once:
    """A default whose value is the result of one call, made at import."""

    expression: ast.expr  # the keyword's value
    call: ast.Call  # the call of the standard library's function inside it
    function: str  # its canonical name: datetime.datetime.utcnow
    certain: bool  # every binding of the callee's name is that function
    why_uncertain: str = ""


class DefaultCalledOnce(Rule):
    code = "SQF007"
    name = "default-called-once"
    summary = "column default called once, at import (default=datetime.utcnow())"
    fix_safety = SAFE
    deciding = """\
Where sqla-fix does not rewrite the default (a name it cannot resolve for certain, a default behind
`**{...}`, a `MappedAsDataclass` model, SQLModel's positional default), write what is meant:
- the function, called at each insert: `default=datetime.utcnow`, `default=uuid.uuid4`, or a function of
  no arguments, `default=lambda: datetime.now(timezone.utc)`; on a `MappedAsDataclass` model
  `mapped_column(insert_default=datetime.utcnow, init=False)` or `default_factory=datetime.utcnow`; on
  SQLModel `Field(default_factory=datetime.utcnow)`;
- or a time the database sets: `server_default=func.now()`;
- or, where one value per process is meant (a run's id), a module constant, `STARTED = datetime.now(timezone.utc)`
  and `default=STARTED`, or `# noqa: SQF007` on the reported line."""
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    at: Mapped[datetime] = mapped_column(default=datetime.utcnow, onupdate=datetime.utcnow)\n'
              '    db_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())\n'
              '    sql_at: Mapped[datetime] = mapped_column(default=func.now())\n'),
        Valid('def utcnow():\n    return datetime.utcnow()\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    at: Mapped[datetime] = mapped_column(default=lambda: datetime.utcnow())\n'
              '    later: Mapped[datetime] = mapped_column(default=utcnow)\n'),
        Valid('STARTED = datetime.utcnow()\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    run_started: Mapped[datetime] = mapped_column(default=STARTED)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    at: Mapped[datetime] = mapped_column(default=datetime.utcnow())  # stamped\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    at: Mapped[datetime] = mapped_column(default=datetime.utcnow)  # stamped\n'),
        Invalid('import datetime as dt\nclass C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime(timezone=True), default=dt.datetime.now(dt.timezone.utc),\n'
                '                onupdate=dt.datetime.now(dt.timezone.utc))\n',
                'import datetime as dt\nclass C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime(timezone=True), default=lambda: dt.datetime.now(dt.timezone.utc),\n'
                '                onupdate=lambda: dt.datetime.now(dt.timezone.utc))\n'),
        Invalid('import uuid\nclass C(Base):\n    __tablename__ = "c"\n'
                '    id: Mapped[str] = mapped_column(primary_key=True, default=str(uuid.uuid4()))\n',
                'import uuid\nclass C(Base):\n    __tablename__ = "c"\n'
                '    id: Mapped[str] = mapped_column(primary_key=True, default=lambda: str(uuid.uuid4()))\n'),
        Invalid('from uuid import uuid4\nt = Table("t", Base.metadata, Column("id", Integer, primary_key=True),\n'
                '          Column("token", String(32), default=uuid4().hex))\n',
                'from uuid import uuid4\nt = Table("t", Base.metadata, Column("id", Integer, primary_key=True),\n'
                '          Column("token", String(32), default=lambda: uuid4().hex))\n'),
        Invalid('from sqlalchemy.orm import MappedAsDataclass\n'
                'class DBase(MappedAsDataclass, DeclarativeBase):\n    pass\n'
                'class C(DBase):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True, init=False)\n'
                '    at: Mapped[datetime] = mapped_column(default=datetime.utcnow())\n'),
        Invalid('try:\n    from pendulum import DateTime as datetime\nexcept ImportError:\n    from datetime import datetime\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime, default=datetime.utcnow())\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime, **{"default": datetime.utcnow()})\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for owner in context.owners():
            # a SQLModel class's fields (a field with sa_column=Column(...) is read through it)
            columns = owner.sqlmodel_fields if isinstance(owner, ModelClass) and owner.sqlmodel else owner.columns
            for column in [*columns.values(), *_bare_sqlmodel_defaults(owner)]:
                yield from self._check_column(context, owner, column)
        for model in context.facts.classes.values():  # SQLModel data models (no table=True): Pydantic's defaults
            if model.kind is ClassKind.OTHER and model.sqlmodel:
                for column in [*model.sqlmodel_fields.values(), *_bare_sqlmodel_defaults(model)]:
                    yield from self._check_column(context, model, column)

    # -- where the defaults are -------------------------------------------------------------------------
    def _check_column(self, context: RuleContext, owner, column: ColumnFact) -> Iterator[Finding]:
        if _left_to_sqf010(context, owner, column):
            return  # SQF010 makes this naive clock the aware function, in one edit of the column
        checker = _Checker(context, owner, column)
        if column.sa_column is not None:  # Field(sa_column=Column(...)): the column inside
            yield from self._check_column(context, owner, column.sa_column)
        call = column.call
        if call is None:
            if column.default is not None:  # SQLModel `x: datetime = datetime.utcnow()`
                once = checker.once(column.default)
                if once is not None:
                    yield self._finding(context, checker, owner, column, "default", once, checker.bare_sqlmodel_fix(once))
            return
        sqlmodel = context.resolver.call_name(call) == "sqlmodel.Field"
        for keyword in call.keywords:
            if keyword.arg is None:  # **{...}: a default we see but cannot edit
                yield from self._double_star(context, owner, column, checker, keyword.value)
                continue
            if sqlmodel and keyword.arg == "sa_column_kwargs" and isinstance(keyword.value, ast.Dict):
                for key, value in zip(keyword.value.keys, keyword.value.values):
                    name = literal_string(key)
                    if name in _SA_COLUMN_KWARGS_KEYS and (once := checker.once(value)) is not None:
                        yield self._finding(context, checker, owner, column, name, once, checker.value_fix(once))
                continue
            if keyword.arg not in (("default",) if sqlmodel else _COLUMN_KEYWORDS):
                continue
            once = checker.once(keyword.value)
            if once is None:
                continue
            if sqlmodel:
                fix = checker.factory_fix(once, keyword, call)
            elif keyword.arg == "default" and checker.dataclass_default():
                yield self._finding(context, checker, owner, column, keyword.arg, once, None, blocker=(
                    "on a MappedAsDataclass model default= is also the dataclass field's default, and a function "
                    "there becomes the attribute's value"), choice=(
                    f"insert_default={_reference_text(context.source, once)} with init=False, or "
                    f"default_factory={_reference_text(context.source, once)}"))
                continue
            else:
                fix = checker.value_fix(once)
            yield self._finding(context, checker, owner, column, keyword.arg, once, fix)
        if sqlmodel and positional_of(call) and (once := checker.once(positional_of(call)[0])) is not None:
            yield self._finding(context, checker, owner, column, "default", once, None, blocker=(
                "it is Field()'s positional default"), choice=(
                f"Field(default_factory={_reference_text(context.source, once)})"))

    def _double_star(self, context, owner, column, checker, value) -> Iterator[Finding]:
        if not isinstance(value, ast.Dict):
            return
        for key, item in zip(value.keys, value.values):
            name = literal_string(key)
            if name in _COLUMN_KEYWORDS and (once := checker.once(item)) is not None:
                yield self._finding(context, checker, owner, column, name, once, None, blocker="it is given through **{...}")

    # -- what is said -------------------------------------------------------------------------------------
    def _finding(self, context: RuleContext, checker: _Checker, owner, column: ColumnFact, keyword: str, once: _Once,
                 fix: Callable | None, blocker: str = "", choice: str = "") -> Finding:
        source = context.source
        written = source.segment(once.expression)
        if len(written) > 60 or "\n" in written:
            written = source.segment(once.call)
        kind = _TIMES[once.function]
        where = f"`{owner.name}.{column.name}`"
        if kind == "UUID":
            every = "every row gets the same UUID"
            if keyword != "onupdate" and (column.primary_key or column.flag("unique")):
                every += " (the key is unique: the second insert fails)"
        elif keyword == "onupdate":
            every = f"every update writes that one {kind}"
        else:
            every = f"every row gets that one {kind}"
        label = f"{where} has {keyword}={written}: called once, when the module is imported, so {every}"
        if not once.certain:
            blocker = once.why_uncertain
        if fix is None and not blocker:
            blocker = checker.why_not
            if blocker.startswith("a function of no arguments"):
                choice = f"{keyword}=f, a function of the module that returns {written}"
        if blocker:
            return Finding(self.code, column.statement, (
                f"{label}; not fixed: {blocker}; decide: pass the function "
                f"({choice or keyword + '=' + _reference_text(source, once)}), server_default=func.now() for a time "
                "the database sets, or # noqa: SQF007"))
        return Finding(self.code, column.statement, label, fix=fix, safety=SAFE)


def _left_to_sqf010(context: RuleContext, owner, column: ColumnFact) -> bool:
    """With unsafe fixes on, SQF010 fixes a `DateTime` column whose default is `datetime.utcnow()`: it makes the
    call `lambda: datetime.now(timezone.utc)` and the type aware, and this rule leaves that column alone (one rule
    edits a column in a run). Without them, this rule makes it the function and SQF010's fix waits."""
    if column.call is None or column.style is Style.SQLMODEL or not context.config.unsafe_fixes:
        return False
    if not any(isinstance(column.keywords.get(keyword), ast.Call) for keyword in _COLUMN_KEYWORDS):
        return False  # no default called once: nothing of this rule's there
    if not context.will_fix("SQF010", column.statement):
        return False
    from .sqf010_naive_datetime import NaiveDatetimeDefault

    return NaiveDatetimeDefault().fixes(context, owner, column)


def _reference_text(source, once: _Once) -> str:
    if once.expression is once.call and not once.call.args and not once.call.keywords:
        return source.segment(once.call.func)
    return f"lambda: {source.segment(once.expression)}"


class _Checker:
    """The defaults of one column, read with the names its module (and its class body) binds."""

    def __init__(self, context: RuleContext, owner, column: ColumnFact):
        self.context = context
        self.owner = owner
        self.column = column
        self._class_names: set[str] | None = None
        self.why_not = "the fix cannot be written here"  # why the last fix asked for could not be written

    # -- reading --------------------------------------------------------------------------------------
    def once(self, expression: ast.expr | None) -> _Once | None:
        """The call of a standard-library clock or UUID function whose single result `expression` is."""
        found = self._find(expression)
        if found is None:
            return None
        call, function, certain, why = found
        return _Once(expression, call, function, certain, why)

    def _find(self, node):
        if isinstance(node, ast.Call):
            hit = self._function(node.func)
            if hit is not None:
                return (node, *hit)
            if isinstance(node.func, ast.Attribute):  # uuid4().hex, utcnow().date()
                return self._find(node.func.value)
            if self._qualified(node.func) and all(q.name in _WRAPPERS for q in self._qualified(node.func)):
                for argument in node.args:
                    found = self._find(argument)
                    if found is not None:
                        return found
            return None
        if isinstance(node, ast.Attribute):
            return self._find(node.value)
        if isinstance(node, ast.BinOp):
            return self._find(node.left) or self._find(node.right)
        if isinstance(node, ast.UnaryOp):
            return self._find(node.operand)
        return None

    def _qualified(self, node):
        return self.context.resolver.qualified(node)

    def _function(self, func) -> tuple[str, bool, str] | None:
        """(canonical name, certain, why not) when `func` may be one of the functions, else None."""
        names = [self._full_name(q) for q in self._qualified(func)]
        hits = [name for name in names if name in _TIMES]
        if not hits:
            return None
        head = _head(func)
        if head is not None and head in self.class_names():
            return hits[0], False, f"`{head}` is also bound in the class body"
        if len(set(names)) > 1:
            return hits[0], False, f"`{head}` is bound to more than one thing in the module"
        return hits[0], True, ""

    def _full_name(self, qualified) -> str | None:
        resolver = self.context.resolver
        if qualified.source == "BUILTIN":
            return None
        if qualified.source == "IMPORT" and qualified.name.startswith("."):
            resolved = resolver._imported(qualified)
            return resolved.external if resolved is not None and resolved.kind == "external" else None
        resolved = resolver._imported(qualified)
        if resolved is None:
            return qualified.name if qualified.source == "IMPORT" else None
        return resolved.external if resolved.kind == "external" else None

    def class_names(self) -> set[str]:
        """The names the class body binds before the column's statement (they shadow the module's)."""
        if self._class_names is None:
            names: set[str] = set()
            if isinstance(self.owner, ModelClass):
                line = getattr(self.column.statement, "lineno", 0)
                for statement in self.owner.node.body:
                    if statement.lineno >= line:  # `time = Column(default=time.time())` is the module's
                        break
                    names |= _bound_by(statement)
            self._class_names = names
        return self._class_names

    def dataclass_default(self) -> bool:
        """Is `default=` of this mapped_column also a dataclass field's default (MappedAsDataclass)?"""
        if self.context.resolver.call_name(self.column.call) != "sa.mapped_column":
            return False
        owner = self.owner
        if not isinstance(owner, ModelClass):
            return False
        if owner.dataclass_mapped:
            return True
        picture = self.context.picture
        return owner.kind in (ClassKind.MIXIN, ClassKind.ABSTRACT) and any(
            model.dataclass_mapped and owner in picture.chain(model)
            for module in picture.modules if module.root == owner.module.root for model in module.classes.values()
        )

    # -- writing --------------------------------------------------------------------------------------
    def _lambda_ready(self, once: _Once) -> bool:
        """A lambda in a class body sees the module's names, not the class's: every name the expression
        uses must be the module's (or a builtin), and nothing in it may bind or defer."""
        for node in ast.walk(once.expression):
            if isinstance(node, (ast.Lambda, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom, ast.comprehension)):
                return False
            if isinstance(node, ast.Name):
                if node.id in self.class_names():
                    return False
                if not self._qualified(node):
                    return False
        return True

    def _replacement(self, once: _Once):
        """What the value becomes (a function of LibCST's node), or None where it cannot be written."""
        import_free = once.expression is once.call and not once.call.args and not once.call.keywords
        if import_free:
            return lambda target: target.func.with_changes(lpar=target.lpar, rpar=target.rpar)
        if not self._lambda_ready(once):
            self.why_not = ("a function of no arguments would not see every name it uses (a lambda in a class "
                            "body does not see the class's names)")
            return None

        def as_lambda(target):
            import libcst as cst

            return cst.Lambda(params=cst.Parameters(), body=target.with_changes(lpar=[], rpar=[]),
                              lpar=target.lpar, rpar=target.rpar)

        return as_lambda

    def value_fix(self, once: _Once):
        if not once.certain:
            return None
        replacement = self._replacement(once)
        if replacement is None:
            return None

        def fix(plan) -> bool:
            plan.replace(once.expression, replacement, schema=False)
            return True

        return fix

    def factory_fix(self, once: _Once, keyword: ast.keyword, call: ast.Call):
        """SQLModel `Field(default=f())` -> `Field(default_factory=f)`: Pydantic calls it per instance, and
        SQLModel makes it the column's callable default too."""
        if any(k.arg == "default_factory" for k in call.keywords):
            self.why_not = "the Field() has a default_factory= too"
        if not once.certain or any(k.arg == "default_factory" for k in call.keywords):
            return None
        replacement = self._replacement(once)
        if replacement is None:
            return None
        name = ast.Name(id=keyword.arg, ctx=ast.Load(), lineno=keyword.lineno, col_offset=keyword.col_offset,
                        end_lineno=keyword.lineno, end_col_offset=keyword.col_offset + len(keyword.arg))

        def fix(plan) -> bool:
            plan.replace(name, "default_factory", schema=False)
            plan.replace(once.expression, replacement, schema=False)
            return True

        return fix

    def bare_sqlmodel_fix(self, once: _Once):
        """SQLModel `x: datetime = datetime.utcnow()` -> `x: datetime = Field(default_factory=datetime.utcnow)`."""
        if not once.certain:
            return None
        replacement = self._replacement(once)
        field = self._field_spelling()
        if field is None:
            self.why_not = "`Field` is not SQLModel's here"
        if replacement is None or field is None:
            return None
        spelled, needs_import = field

        def fix(plan) -> bool:
            import libcst as cst

            def as_field(target):
                value = replacement(target)
                return cst.Call(func=cst.parse_expression(spelled), args=[cst.Arg(
                    keyword=cst.Name("default_factory"), value=value,
                    equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                          whitespace_after=cst.SimpleWhitespace("")))])

            plan.replace(once.expression, as_field, schema=False)
            if needs_import:
                plan.add_import("sqlmodel", "Field")
            return True

        return fix

    def _field_spelling(self) -> tuple[str, bool] | None:
        """How this file names SQLModel's Field (and whether it must import it); None where it cannot."""
        return self.context.name_for("sqlmodel", "Field", self.class_names())


def _bare_sqlmodel_defaults(owner) -> list[ColumnFact]:
    """SQLModel fields whose default is written without Field() and is a call (`born: date = date.today()`):
    the collector keeps them as plain attributes, since the call is not SQLModel's."""
    if not isinstance(owner, ModelClass) or not owner.sqlmodel:
        return []
    found = []
    for statement in owner.node.body:
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(statement.value, ast.Call) and statement.target.id not in owner.sqlmodel_fields
                and "ClassVar" not in ast.unparse(statement.annotation)):
            found.append(ColumnFact(name=statement.target.id, statement=statement, call=None, style=Style.SQLMODEL,
                                    default=statement.value))
    return found


def _head(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound_by(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    names: set[str] = set()
    for target in _targets(statement):
        names.update(_names_in(target))
    for node in ast.walk(statement):
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    for attribute in ("body", "orelse", "finalbody"):
        for inner in getattr(statement, attribute, None) or ():
            if isinstance(inner, ast.stmt):
                names |= _bound_by(inner)
    return names
