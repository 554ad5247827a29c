"""SQF010 naive DateTime filled with the time of the insert.

``Column(DateTime, default=datetime.utcnow)`` stores a wall-clock reading with no time zone: the value
means UTC only by a convention that nothing in the database knows of (``datetime.utcnow`` is deprecated
since Python 3.12 for that reason), ``datetime.now`` stores the application's local time, and the
database's ``now()`` into a naive column stores the session time zone's wall time. Observed with
SQLAlchemy 2.1.9, psycopg 3.3.9 and PyMySQL 1.2.4 on PostgreSQL 15.20 and MariaDB 10.11.19
(tests/test_databases.py ``test_naive_and_aware_datetimes`` asserts each of these):

- PostgreSQL, session ``SET TIME ZONE 'Europe/Berlin'``: ``now()`` into ``timestamp`` stored 12:13 while
  UTC was 11:13 (the session's wall time); a naive ``10:00`` written into a ``timestamptz`` column read
  back as ``10:00+01:00`` (naive input is taken as the session's time); an aware ``10:00+02:00`` written
  into a ``timestamp`` column was stored as ``09:00`` (converted to the session's zone, then the zone
  dropped). So a naive ``datetime.utcnow`` default is right only while every session runs in UTC;
- ``ALTER TABLE ... ALTER COLUMN n TYPE timestamptz`` without ``USING`` took the stored ``10:00`` as
  Berlin time (09:00 UTC); ``USING n AT TIME ZONE 'UTC'`` kept it 10:00 UTC. The type change rewrites
  the table (``pg_relation_filenode`` changed: an ACCESS EXCLUSIVE lock for the copy);
- MariaDB has no time-zone-aware DATETIME: ``DateTime(timezone=True)`` is still ``DATETIME``; PyMySQL
  wrote an aware ``08:00+00:00`` as ``08:00`` and an aware ``10:00+02:00`` as ``10:00`` (the offset is
  dropped, not converted), and both read back naive. ``NOW()`` under ``time_zone = '+02:00'`` gave 13:13
  where ``UTC_TIMESTAMP()`` gave 11:13. SQLite (SQLAlchemy's DateTime stores text) also dropped the offset.

Fix (unsafe, only with ``--unsafe-fixes``): ``DateTime(timezone=True)`` (``TIMESTAMP(timezone=True)``,
in the file's spelling; a typed ``mapped_column()`` without a type gets it as its first argument), and
each Python default or onupdate of ``datetime.utcnow``/``datetime.now``/``datetime.today`` (or a lambda
calling one) becomes ``lambda: datetime.now(timezone.utc)`` (``timezone`` imported from datetime where
the file does not name it). A naive column filled with aware values (``lambda: datetime.now(timezone.utc)``:
PostgreSQL converts them to the session's zone and drops it) only gets the type. A column filled by the
database's ``now()`` alone (``server_default=func.now()``) has no finding of its own (its values are the
session's wall time, a convention of the database's settings, not of the code), but it changes along with
the module's Python clocks, in the same run, so that the module is not left mixed. An aware column whose
default is naive (``DateTime(timezone=True), default=datetime.utcnow``: PostgreSQL reads the values in the
session's zone) gets the aware default only. ``default=datetime.utcnow()``, a clock called once, is SQF007's
finding; where this rule fixes the column (with ``--unsafe-fixes``), SQF007 leaves it alone and this rule's
one edit makes the call ``lambda: datetime.now(timezone.utc)``: one rule edits a column in a run, and a
second run changes nothing. Without unsafe fixes SQF007 makes it ``datetime.utcnow``, and this rule's
finding (the same message, its fix held back) stays.

The Python default stays a Python default, aware: ``server_default=func.now()`` in its place would
change where the value comes from (the database's clock, its transaction start time, and on MariaDB
the session's local time, which differs from the UTC that ``utcnow`` wrote), and the attribute would
be None until the flush fetched it back (with ``RETURNING`` here; a lazy load where a backend or
``eager_defaults=False`` does not, which raises ``MissingGreenlet`` under asyncio). With the aware
lambda the attribute held ``datetime(..., tzinfo=timezone.utc)`` after the flush, no extra statement.
Keeping ``datetime.utcnow`` on an aware column would write naive values into ``timestamptz``: read in
the session's zone (observed above: off by an hour under Berlin). On MariaDB/MySQL and SQLite the
database side does not change (DATETIME, offset dropped): the values stored for ``utcnow`` stay the
same UTC wall times, but the attribute is aware until the row is reloaded, naive after; a file that
imports ``sqlalchemy.dialects.mysql`` or ``sqlalchemy.dialects.sqlite`` is therefore reported, not fixed.

Why unsafe: Python gets aware datetimes back, and comparing or subtracting them with naive ones
(``obj.created_at < datetime.utcnow()``) raised ``TypeError: can't compare offset-naive and
offset-aware datetimes``; code that assigns naive datetimes writes them in the session's zone; and the
migration must say what the existing values are: ``USING col AT TIME ZONE 'UTC'`` for ``utcnow``, the
application's own time zone for ``datetime.now`` (they are its local time, not UTC).

A project's datetimes change together or not at all (the reasoning of SQF005, which adds no aware
column to a module of naive ones): a column is fixed only where every naive DateTime of its project's
model modules (of its module and its bases' where no project is read) is one this rule fixes. Otherwise
it is reported, naming the columns that would stay naive: aware and naive values side by side do not
compare, and the project's code compares its tables' times with each other (CKAN's ``package`` and
``resource`` both have a ``metadata_modified``: making one aware and not the other was the ecosystem
check's lesson).

Reported, not fixed: a default called once in another form (``datetime.utcnow() + timedelta(days=1)``:
SQF007's finding, this rule stays out of the column, reporting it only where SQF007 does not run); a naive
DateTime whose time
default is a function or lambda sqla-fix cannot read (does it return naive or aware values?); a key
column; ``**kwargs``; a typed ``Mapped[datetime]`` whose base's type annotation map cannot be read; a
table whose definition cannot be read whole (a base it cannot see, a computed ``__table_args__``) or a
library's mixin; SQLModel fields (``Field(default_factory=datetime.utcnow)``: the field is Pydantic's
too, and input data may carry naive datetimes that it accepts into the aware column; and what a plain
``datetime`` field's column is depends on SQLModel's version: 0.0.50, installed here, maps it to its
``UTCDateTime``, aware, whose bind raised ``ValueError: Datetime values must have timezone information``
for the ``utcnow`` default at insert, where older versions make a naive ``DATETIME``); a naive column of
a table that has aware ones (``DateTime(timezone=True)``) too.

No finding: ``DateTime(timezone=False)`` written out (naive by decision), an aware column, a naive
column with no time default in a table without aware ones, ``Date``, and dialect types.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..names import prefix_of
from ..picture import ClassKind, ColumnFact, ModelClass, Style
from ..syntax import is_constant, literal_string
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import unknown_definition
from .sqf005_timestamps import _convention_modules
from .sqf006_string_length import _annotation_map_says
from .sqf007_default_called_once import _Checker

# The standard library's naive clocks, and what their values are.
_CLOCKS = {"datetime.datetime.utcnow": "UTC", "datetime.datetime.now": "local",
           "datetime.datetime.today": "local"}
_TYPES = frozenset({"sa.DateTime", "sa.TIMESTAMP"})
_KEYWORDS = ("default", "insert_default", "onupdate")
_SQL_NOW = ("now", "current_timestamp", "localtimestamp", "sysdate", "getdate")
_TIME_WORDS = frozenset({"now", "utcnow", "today", "utc", "timestamp", "localnow", "tznow", "current"})
_OTHER_DIALECTS = ("sqlalchemy.dialects.mysql", "sqlalchemy.dialects.sqlite")


@dataclass
class _Column:
    """What one date-time column is: its zone ("aware", "naive", "unknown") and its time defaults."""

    owner: object
    column: ColumnFact
    zone: str
    typed_bare: bool = False  # `Mapped[datetime]` with no type: DateTime() by the type annotation map
    clocks: list[tuple[str, ast.expr, ast.Attribute, str]] = field(default_factory=list)  # keyword, value, ref, kind
    called: str | None = None  # a keyword whose value is a clock called once (SQF007's)
    unreadable: str | None = None  # a time default that cannot be read
    server_now: bool = False
    aware_default: str | None = None  # the keyword of a default that makes aware values (`lambda: ...now(timezone.utc)`)
    aware_calls: list[ast.expr] = field(default_factory=list)  # `datetime.now(timezone.utc)` called once: made lambdas
    blocker: str | None = None  # why no fix, where it has time defaults

    @property
    def filled(self) -> bool:
        return bool(self.clocks or self.server_now or self.aware_default)


class NaiveDatetimeDefault(Rule):
    code = "SQF010"
    name = "naive-datetime-default"
    summary = "naive DateTime filled with the time (default=datetime.utcnow, server_default=func.now())"
    fix_safety = UNSAFE
    deciding = """\
Say what the column's values are:
- instants: `DateTime(timezone=True)` with an aware default,
  `mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))` (or
  `server_default=func.now()`), with every naive DateTime of the project made aware in the same change,
  and a migration that says what the old values were (`USING col AT TIME ZONE 'UTC'` on PostgreSQL);
  on SQLModel `Field(default_factory=lambda: datetime.now(timezone.utc), sa_type=DateTime(timezone=True))`;
- naive UTC by the project's convention (every session in UTC): write it out,
  `DateTime(timezone=False)`, or keep it with `# noqa: SQF010` on the reported line."""
    examples = [
        Valid('from datetime import timezone\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))\n'
              '    db_at = Column(DateTime(timezone=True), server_default=func.now())\n'
              '    legacy = Column(DateTime(timezone=False), default=datetime.utcnow)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    due: Mapped[datetime]\n    seen = Column(DateTime)\n'),
        Invalid('from datetime import timezone\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)  # stamped\n'
                '    updated_at = Column(DateTime, default=datetime.utcnow, onupdate=datetime.utcnow)\n',
                'from datetime import timezone\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    created_at: Mapped[datetime] = mapped_column(\n'
                '        DateTime(timezone=True), default=lambda: datetime.now(timezone.utc)\n'
                '    )  # stamped\n'
                '    updated_at = Column(\n        DateTime(timezone=True),\n'
                '        default=lambda: datetime.now(timezone.utc),\n'
                '        onupdate=lambda: datetime.now(timezone.utc),\n    )\n',
                unsafe=True),
        Invalid('import datetime as dt\nimport sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    made = sa.Column(sa.DateTime(), server_default=sa.func.now())\n'
                '    seen = sa.Column(sa.TIMESTAMP, default=dt.datetime.now)\n',
                'import datetime as dt\nimport sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    made = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now())\n'
                '    seen = sa.Column(\n'
                '        sa.TIMESTAMP(timezone=True), default=lambda: dt.datetime.now(dt.timezone.utc)\n    )\n',
                unsafe=True),
        Invalid('from datetime import timezone\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime(timezone=True), default=datetime.utcnow)\n',
                'from datetime import timezone\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    at = Column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))\n',
                unsafe=True),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    created_at = Column(DateTime, default=datetime.utcnow)\n    expires_at = Column(DateTime)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    created_at = Column(DateTime(timezone=True), server_default=func.now())\n'
                '    expires_at = Column(DateTime)\n'),
        Invalid('from sqlmodel import Field, SQLModel\n'
                'class Item(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
                '    created_at: datetime = Field(default_factory=datetime.utcnow)\n'),
        # inserts get the database's now(), updates a Python clock it cannot read: reported, as without the former
        Invalid('from clock import naive_utcnow\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    updated_at = Column(DateTime, server_default=func.now(), onupdate=naive_utcnow)\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        cache: dict[int, list[_Column]] = {}
        for owner in context.owners():
            if isinstance(owner, ModelClass) and owner.sqlmodel:
                yield from self._sqlmodel(context, owner)
                continue
            seen = [self._read(context, owner, column) for column in owner.columns.values()]
            seen = [s for s in seen if s is not None]
            aware = [s.column.name for s in seen if s.zone == "aware"]
            for state in seen:
                finding = self._finding(context, owner, state, aware, cache)
                if finding is not None:
                    yield finding

    def _finding(self, context: RuleContext, owner, state: _Column, aware: list[str], cache) -> Finding | None:
        if state.zone == "aware" and state.clocks and not state.called:
            return self._aware_with_naive_default(context, owner, state)
        if state.zone != "naive" and not (state.zone == "unknown" and state.filled):
            return None
        return self._decide(context, owner, state, aware, cache)

    def fixes(self, context: RuleContext, owner, column: ColumnFact) -> bool:
        """Does this rule fix `owner.column` (SQF007 leaves a column to it then: one rule edits a column)?"""
        if isinstance(owner, ModelClass) and owner.sqlmodel:
            return False
        state = self._read(context, owner, column)
        if state is None:
            return False
        aware = [s.column.name for other in owner.columns.values()
                 if (s := self._read(context, owner, other)) is not None and s.zone == "aware"]
        finding = self._finding(context, owner, state, aware, {})
        return finding is not None and finding.fix is not None

    # -- reading ------------------------------------------------------------------------------------------
    def _read(self, context: RuleContext, owner, column: ColumnFact) -> _Column | None:
        zone, typed_bare = _zone(context, owner, column)
        if zone is None:
            return None
        state = _Column(owner, column, zone, typed_bare)
        checker = _Checker(context, owner, column)
        for keyword in _KEYWORDS:
            value = column.keywords.get(keyword)
            if value is None or is_constant(value, None):
                continue
            once = checker.once(value)
            if once is not None:
                # `datetime.utcnow()` (no arguments) is the clock called once: this rule's fix makes it the aware
                # function, SQF007's the naive one (SQF007 leaves it to this rule where this rule fixes it)
                if (once.expression is once.call and not once.call.args and not once.call.keywords
                        and once.certain and once.function in _CLOCKS and isinstance(once.call.func, ast.Attribute)):
                    state.clocks.append((keyword, value, once.call.func, _CLOCKS[once.function]))
                elif once.expression is once.call and once.certain and _aware_now(
                        context, checker, ast.Lambda(args=_NO_ARGUMENTS, body=once.call)):
                    state.aware_default = state.aware_default or keyword
                    state.aware_calls.append(value)
                else:
                    state.called = keyword
                continue
            reference = value.body if isinstance(value, ast.Lambda) and not _has_parameters(value) else value
            if isinstance(value, ast.Lambda) and isinstance(reference, ast.Call) and not reference.args \
                    and not reference.keywords:
                reference = reference.func
            elif isinstance(value, ast.Lambda):
                reference = None
            hit = checker._function(reference) if isinstance(reference, ast.Attribute) else None
            if hit is not None and hit[0] in _CLOCKS:
                if not hit[1]:
                    state.unreadable = state.unreadable or f"{keyword}= {hit[2]}"
                else:
                    state.clocks.append((keyword, value, reference, _CLOCKS[hit[0]]))
            elif _sql_now(context, value):
                state.server_now = True
            elif _aware_now(context, checker, value):
                state.aware_default = state.aware_default or keyword
            elif _time_like(context, value):
                state.unreadable = state.unreadable or (
                    f"its {keyword}={' '.join(context.source.segment(value).split())} cannot be read (does it return "
                    "naive or aware datetimes?)")
        if _sql_now(context, column.keywords.get("server_default")) or _sql_now(
                context, column.keywords.get("server_onupdate")):
            state.server_now = True
        return state

    # -- deciding -----------------------------------------------------------------------------------------
    def _decide(self, context: RuleContext, owner, state: _Column, aware: list[str], cache) -> Finding | None:
        column = state.column
        where = f"`{owner.name}.{column.name}`"
        if state.called is not None:
            if context.enabled("SQF007"):
                return None  # SQF007 reports (and fixes) it; this rule decides once it is a function
            return Finding(self.code, column.statement, (
                f"{where} is a naive DateTime whose {state.called}= is a clock called once at import; not fixed: "
                "make it a function first (SQF007); decide: DateTime(timezone=True) with "
                "default=lambda: datetime.now(timezone.utc), or # noqa: SQF010"))
        decide = ("decide: DateTime(timezone=True) with an aware default (lambda: datetime.now(timezone.utc)) for "
                  "every naive DateTime of the project, DateTime(timezone=False) written out for naive UTC by "
                  "convention, or # noqa: SQF010")
        if not state.filled:
            if not aware or state.unreadable:
                return self._unreadable(where, state, decide) if state.unreadable else None
            return Finding(self.code, column.statement, (
                f"{where} is a naive DateTime in a table whose {', '.join(aware[:3])} "
                f"{'is' if len(aware) == 1 else 'are'} aware: comparing or subtracting them raises TypeError "
                "(can't compare offset-naive and offset-aware datetimes), and PostgreSQL compares them through "
                f"the session's time zone; not fixed: what its values are is not known; {decide}"))
        if not state.clocks and not state.aware_default and not any(
                s.clocks for s in _module_columns(context, owner, cache) if _fixable(s)):
            # the database's now() alone: its values are the session's wall time, a convention of the database's
            # settings; such a column changes only along with the module's Python clocks. A Python default it
            # cannot read beside it (an onupdate=) is reported as it is without the server default.
            return self._unreadable(where, state, decide) if state.unreadable else None
        label = _label(context, where, state)
        blocker = state.unreadable and f"its other default {state.unreadable}"
        blocker = blocker or self._blocker(context, owner, state, cache)
        if blocker:
            return Finding(self.code, column.statement, f"{label}; not fixed: {blocker}; {decide}")
        fix = _fix(context, state)
        if fix is None:
            return Finding(self.code, column.statement,
                           f"{label}; not fixed: the fix cannot be written in this file's names; {decide}")
        return Finding(self.code, column.statement, _fixed_message(context, label, state), fix=fix, safety=UNSAFE)

    def _aware_with_naive_default(self, context: RuleContext, owner, state: _Column) -> Finding:
        """`DateTime(timezone=True), default=datetime.utcnow`: naive values into an aware column."""
        column = state.column
        keyword, value, reference, kind = state.clocks[0]
        label = (f"`{owner.name}.{column.name}` is aware but its {keyword}={context.source.segment(reference)} makes naive "
                 f"{'UTC' if kind == 'UTC' else 'local'} datetimes: PostgreSQL takes them as the session's time (an "
                 "hour off in a session at Europe/Berlin), and the attribute is naive until the row is reloaded")
        decide = "decide: an aware default, lambda: datetime.now(timezone.utc), or # noqa: SQF010"
        blocker = (state.unreadable and f"its other default {state.unreadable}") or (
            "its keywords include **kwargs that sqla-fix cannot read" if column.star_kwargs else None) or (
            unknown_definition(context.picture, owner))
        if blocker:
            return Finding(self.code, column.statement, f"{label}; not fixed: {blocker}; {decide}")
        fix = _fix(context, state, type_too=False)
        if fix is None:
            return Finding(self.code, column.statement,
                           f"{label}; not fixed: the fix cannot be written in this file's names; {decide}")
        return Finding(self.code, column.statement, label + (
            "; lambda: datetime.now(timezone.utc) makes them aware (unsafe: the attribute holds an aware value after "
            "the flush, which raises TypeError against naive ones such as datetime.utcnow())"), fix=fix,
            safety=UNSAFE)

    def _unreadable(self, where, state: _Column, decide: str) -> Finding:
        return Finding(self.code, state.column.statement, (
            f"{where} is a naive DateTime: its values carry no time zone, and PostgreSQL reads aware values "
            f"written into it in the session's zone; not fixed: {state.unreadable}; {decide}"))

    def _blocker(self, context: RuleContext, owner, state: _Column, cache) -> str | None:
        column = state.column
        if state.zone == "unknown":
            return "its base's type annotation map cannot be read, so whether it is naive is not known"
        if column.star_kwargs:
            return "its keywords include **kwargs that sqla-fix cannot read"
        if column.primary_key or column.foreign_keys:
            return "it is a key, whose type must match the other side's"
        if state.typed_bare:
            said = _annotation_map_says(context.picture, owner, ("datetime", "datetime.datetime", "dt.datetime"))
            if said != "string":
                return "its base's type annotation map cannot be read, so its type is not known"
            if column.call is None or not isinstance(column.statement, ast.AnnAssign):
                return "its declaration cannot be rewritten"
            if column.call.args and not (len(column.call.args) == 1 and literal_string(column.call.args[0])):
                return "its mapped_column() has positional arguments"
        other = _other_dialect(context)
        if other:
            return (f"the file uses {other}, where DateTime(timezone=True) is still DATETIME and values read back "
                    "naive: the fix would change nothing there but the attribute's type until reload")
        unknown = unknown_definition(context.picture, owner)
        if unknown:
            return unknown
        staying = [s for s in _module_columns(context, owner, cache) if s.zone == "naive" and not _fixable(s)]
        staying = [s for s in staying if s.column is not column]
        if staying:
            names = ", ".join(f"{s.owner.name}.{s.column.name}" for s in staying[:3])
            more = f" and {len(staying) - 3} more" if len(staying) > 3 else ""
            return (f"the project's other naive DateTime columns ({names}{more}) would stay naive, and aware and naive "
                    "values do not compare (TypeError): the project's datetimes change together")
        return None

    def _sqlmodel(self, context: RuleContext, owner: ModelClass) -> Iterator[Finding]:
        for column in owner.sqlmodel_fields.values():
            if column.type_name != "datetime" or column.sa_column is not None:
                inner = column.sa_column
                if inner is None:
                    continue
                state = self._read(context, owner, inner)
            else:
                if _aware_type(column.keywords.get("sa_type")):
                    continue
                state = _Column(owner, column, "naive")
                factory = column.keywords.get("default_factory")
                hit = (_Checker(context, owner, column)._function(factory)
                       if isinstance(factory, ast.Attribute) else None)
                if hit is not None and hit[0] in _CLOCKS:
                    state.clocks.append(("default_factory", factory, factory, _CLOCKS[hit[0]]))
                kwargs = column.keywords.get("sa_column_kwargs")
                if isinstance(kwargs, ast.Dict):
                    for key, value in zip(kwargs.keys, kwargs.values):
                        if literal_string(key) in ("server_default", "default", "onupdate") and _sql_now(context, value):
                            state.server_now = True
            if state is None or state.zone != "naive" or not state.filled or state.called:
                continue
            label = _label(context, f"`{owner.name}.{column.name}`", state)
            if column.sa_column is None and "sa_type" not in column.keywords:
                label = (f"`{owner.name}.{column.name}` is filled with naive datetimes "
                         f"({state.clocks[0][0] + '=' + context.source.segment(state.clocks[0][2]) if state.clocks else 'now()'}"
                         "): what its column is depends on SQLModel's version (0.0.50 maps datetime to UTCDateTime, "
                         "aware, which refuses a naive value: ValueError at insert; older versions make a naive "
                         "DATETIME, whose values carry no time zone)")
            yield Finding(self.code, column.statement, (
                f"{label}; not fixed: on SQLModel the field is Pydantic's too, and input data may carry naive "
                "datetimes that it accepts; decide: Field(default_factory=lambda: datetime.now(timezone.utc), "
                "sa_type=DateTime(timezone=True)) with an aware Pydantic type (pydantic.AwareDatetime), or "
                "# noqa: SQF010"))


# -- the pieces -----------------------------------------------------------------------------------------------

def _has_parameters(node: ast.Lambda) -> bool:
    a = node.args
    return bool(a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)


def _aware_type(call) -> bool:
    return isinstance(call, ast.Call) and any(
        k.arg == "timezone" and not is_constant(k.value, False) for k in call.keywords)


def _zone(context: RuleContext, owner, column: ColumnFact) -> tuple[str | None, bool]:
    """("aware" | "naive" | "unknown" | None, typed_bare): None where it is no concern of this rule."""
    if column.type_call is not None:
        if column.type_name not in _TYPES:
            return None, False
        call = column.type_call
        if isinstance(call, ast.Call):
            if any(k.arg is None for k in call.keywords) or len(call.args) > 1:
                return None, False  # **options: not known
            if call.args:  # DateTime(True): the timezone flag, positionally
                flag = call.args[0]
                return ("aware" if is_constant(flag, True) else None), False
            timezone = [k.value for k in call.keywords if k.arg == "timezone"]
            if timezone:
                return ("aware" if not is_constant(timezone[0], False) else None), False
            if call.keywords:
                return None, False
        return "naive", False
    if (column.style is Style.TYPED and column.python_type == "datetime" and not column.foreign_keys
            and "type_" not in column.keywords and isinstance(owner, ModelClass)):
        said = _annotation_map_says(context.picture, owner, ("datetime", "datetime.datetime", "dt.datetime"))
        return ("naive" if said == "string" else "unknown"), True
    return None, False


_NO_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                              defaults=[])
_UTC = frozenset({"datetime.timezone.utc", "datetime.UTC"})


def _aware_now(context: RuleContext, checker: _Checker, value) -> bool:
    """`lambda: datetime.now(timezone.utc)` (`tz=UTC`): a default that makes aware datetimes."""
    if not isinstance(value, ast.Lambda) or _has_parameters(value) or not isinstance(value.body, ast.Call):
        return False
    call = value.body
    arguments = [*call.args, *(k.value for k in call.keywords if k.arg == "tz")]
    if len(arguments) != 1 or len(call.args) + len(call.keywords) != 1 or not isinstance(call.func, ast.Attribute):
        return False
    hit = checker._function(call.func)
    if hit is None or hit[0] != "datetime.datetime.now" or not hit[1]:
        return False
    names = {checker._full_name(q) for q in context.resolver.qualified(arguments[0])}
    return bool(names) and names <= _UTC


def _sql_now(context: RuleContext, value) -> bool:
    """`func.now()`, `sa.func.current_timestamp()`, `text("CURRENT_TIMESTAMP")`, `"now()"`: the database's clock."""
    if value is None:
        return False
    text = literal_string(value)
    if isinstance(value, ast.Call):
        name = (context.resolver.canonical(value.func) or "").rsplit(".", 1)[-1].lower()
        if name in _SQL_NOW:
            return True
        dotted = ast.unparse(value.func)
        if "func." in dotted or dotted.startswith("func"):
            return dotted.rsplit(".", 1)[-1].lower() in _SQL_NOW
        if name == "text" and len(value.args) == 1:
            text = literal_string(value.args[0])
    return text is not None and text.strip().lower().rstrip("()") in _SQL_NOW


def _time_like(context: RuleContext, value) -> bool:
    """A callable default whose code speaks of the time (`utcnow`, `lambda: now()`, `timeutils.utcnow`)."""
    if isinstance(value, (ast.Constant, ast.Dict, ast.List, ast.Tuple)):
        return False
    words = set(re.split(r"[^a-z0-9]+", context.source.segment(value).lower()))
    return bool(words & _TIME_WORDS) or any(word.startswith("utcnow") for word in words)


def _fixable(state: _Column) -> bool:
    """Would this column be fixed, as far as the column itself says (the module's condition aside)?"""
    column = state.column
    return (state.filled and state.zone == "naive" and not state.called and not state.unreadable
            and not column.star_kwargs and not column.primary_key and not column.foreign_keys
            and column.style is not Style.SQLMODEL and not (isinstance(state.owner, ModelClass) and state.owner.sqlmodel))


def _module_columns(context: RuleContext, owner, cache) -> list[_Column]:
    """Every date-time column of the project's modules (the owner's module and its bases' where there is no
    project): the datetimes a database's code compares with each other."""
    found: list[_Column] = []
    rule = NaiveDatetimeDefault()
    modules = {id(m): m for m in _convention_modules(context, owner)}
    if context.facts.root is not None:  # the project's every model module: one convention per database
        modules.update((id(m), m) for m in context.picture.modules if m.root == context.facts.root)
    for module in modules.values():
        if id(module) not in cache:
            states = []
            for other in [*module.classes.values(), *module.tables.values()]:
                if isinstance(other, ModelClass) and other.kind is ClassKind.OTHER:
                    continue
                for column in other.columns.values():
                    if column.style is Style.SQLMODEL:
                        # a plain `datetime` field's column depends on SQLModel's version (UTCDateTime, aware, in
                        # 0.0.50; a naive DATETIME before): neither naive nor aware for certain
                        if column.type_name == "datetime" and "sa_type" in column.keywords \
                                and not _aware_type(column.keywords.get("sa_type")):
                            states.append(_Column(other, column, "naive"))
                        continue
                    state = (rule._read(context, other, column) if module is context.facts
                             else _read_elsewhere(context, other, column))
                    if state is not None:
                        states.append(state)
            cache[id(module)] = states
        found += cache[id(module)]
    return found


_CLOCK_NAMES = frozenset({"utcnow", "now", "today"})


def _read_elsewhere(context: RuleContext, owner, column: ColumnFact) -> _Column | None:
    """A column of another module of the project, read without its module's names (only whether it is naive,
    and whether its time defaults look like the clocks this rule fixes): enough to say it would stay naive."""
    zone, typed_bare = _zone(context, owner, column)
    if zone is None:
        return None
    state = _Column(owner, column, zone, typed_bare)
    for keyword in _KEYWORDS:
        value = column.keywords.get(keyword)
        if value is None or is_constant(value, None):
            continue
        body = value.body if isinstance(value, ast.Lambda) else value
        called = body.func if isinstance(body, ast.Call) and not body.args and not body.keywords else None
        reference = called if called is not None else (body if isinstance(value, ast.Lambda) is False else None)
        code = ast.unparse(value).lower()
        if isinstance(reference, ast.Attribute) and reference.attr in _CLOCK_NAMES and "func" not in code:
            state.clocks.append((keyword, value, reference, "UTC" if reference.attr == "utcnow" else "local"))
        elif "func." in code or code.startswith("func"):
            state.server_now = True
        elif "now(" in code and "utc" in code:
            state.aware_default = keyword
        else:
            state.unreadable = f"its {keyword}= cannot be read"
    if column.keywords.get("server_default") is not None:
        state.server_now = state.server_now or "now" in ast.unparse(column.keywords["server_default"]).lower()
    return state


def _other_dialect(context: RuleContext) -> str | None:
    for qualified in context.resolver.scope.bindings.values():
        for name in qualified:
            for dialect in _OTHER_DIALECTS:
                if name.name == dialect or name.name.startswith(dialect + "."):
                    return dialect
    return None


def _label(context: RuleContext, where: str, state: _Column) -> str:
    if state.clocks:
        keyword, value, reference, kind = state.clocks[0]
        written = context.source.segment(reference)  # the function: the same before and after SQF007's fix
        if kind == "UTC":
            what = f"{keyword}={written}, naive UTC by convention only (utcnow is deprecated since Python 3.12)"
        else:
            what = f"{keyword}={written}, the application's local time, naive"
    elif state.aware_default:
        what = (f"an aware {state.aware_default}=, whose values PostgreSQL converts to the session's zone and stores "
                "without it")
    else:
        what = "the database's now(), which a naive column stores as the session time zone's wall time"
    return (f"{where} is a naive DateTime filled with {what}: its values carry no time zone, and PostgreSQL "
            "takes naive values as the session's time")


def _fixed_message(context: RuleContext, label: str, state: _Column) -> str:
    name = state.column.db_name or state.column.name
    local = any(kind == "local" for *_, kind in state.clocks)
    zone = "'<the application's time zone>'" if local else "'UTC'"
    note = " (they are its local time, not UTC)" if local else ""
    default = "with default=lambda: datetime.now(timezone.utc) " if state.clocks else ""
    return (f"{label}; DateTime(timezone=True) {default}stores the instant (unsafe: Python gets aware datetimes "
            "back, which raise TypeError against naive ones such as datetime.utcnow(), and naive values assigned "
            f"are taken in the session's zone; migrate the existing values{note} with ALTER COLUMN {name} TYPE "
            f"timestamptz USING {name} AT TIME ZONE {zone} on PostgreSQL; on MySQL/MariaDB and SQLite the "
            "column stays DATETIME)")


def _fix(context: RuleContext, state: _Column, type_too: bool = True):
    column = state.column
    imports: list[tuple[str, str]] = []
    timezone = None
    if state.clocks:
        timezone = context.name_for("datetime", "timezone")
        if timezone is None:
            return None
    values = {}
    for keyword, value, reference, _ in state.clocks:
        values[keyword] = (value, f"lambda: {context.source.segment(reference.value)}.now({timezone[0]}.utc)")
    for value in state.aware_calls:
        keyword = next(k for k, v in column.keywords.items() if v is value)
        values[keyword] = (value, f"lambda: {context.source.segment(value)}")
    if not type_too:
        aware = None
    elif state.typed_bare:
        prefer = prefix_of(column.call.func)
        spelled = context.spelling.sqlalchemy("DateTime", prefer, imports)
        if spelled is None:
            return None
        aware = f"{spelled}(timezone=True)"
    else:
        type_call = column.type_call
        head = type_call.func if isinstance(type_call, ast.Call) else type_call
        aware = f"{context.source.segment(head)}(timezone=True)"

    def fix(plan) -> bool:
        if state.typed_bare and aware is not None:
            plan.replace(column.call, _typed_call(aware, {k: text for k, (_, text) in values.items()}))
        else:
            if aware is not None:
                plan.replace(column.type_call, aware)
            for value, text in values.values():
                if isinstance(value, ast.Lambda):  # `lambda: datetime.utcnow()`: its call is rewritten
                    plan.replace(value.body, text.removeprefix("lambda: "), schema=False)
                else:
                    plan.replace(value, text, schema=False)
        if timezone is not None and timezone[1]:
            plan.add_import("datetime", "timezone")
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix


def _typed_call(aware: str, values: dict[str, str]):
    """`mapped_column([name, ]default=datetime.utcnow)` -> `mapped_column([name, ]DateTime(timezone=True),
    default=lambda: ...)`: one edit of the call (its keywords' values and its new argument)."""

    def rebuilt(call):
        import libcst as cst

        args = []
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in values:
                arg = arg.with_changes(value=cst.parse_expression(values[arg.keyword.value]))
            args.append(arg)
        position = 1 if args and args[0].keyword is None and isinstance(args[0].value, cst.SimpleString) else 0
        new = cst.Arg(value=cst.parse_expression(aware), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if position == 1 and args[0].comma is cst.MaybeSentinel.DEFAULT:
            args[0] = args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if position == len(args):
            new = new.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        args.insert(position, new)
        return call.with_changes(args=args)

    return rebuilt
