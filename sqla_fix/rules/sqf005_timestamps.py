"""SQF005 entity table without created_at/updated_at.

Without timestamps there is no way to sort rows by age, to debug "when did this change", or to
audit. The columns are added so that a migration can add them to a table that already has rows:
timezone-aware and filled by the database (``DateTime(timezone=True), server_default=func.now(),
nullable=False``; ``updated_at`` also ``onupdate=func.now()``). A Python-side ``default=`` would
fail the migration on existing rows, and a naive ``DateTime`` reads back shifted by the session's
time zone (rulebook §5). Existing rows all get the migration's timestamp: their values are synthetic.

Fix: the missing column(s), after the class's last column, in the class's own style
(``Mapped[datetime] = mapped_column(...)``, ``Column(...)``, ``sa.Column``, ``db.Column``); on a
``MappedAsDataclass`` model with ``init=False``. On an imperative ``Table(...)``, ``Column(...)``
arguments.

Across files: a base class or mixin anywhere in the project (through imports, ``__init__``
re-exports, ``declared_attr`` columns on an abstract base) counts. Where the project has a mixin
with the columns that a class does not inherit, the finding names it; the fix still adds columns
rather than a base class, because a new base changes the class's MRO (and a dataclass's field order)
in ways only the author can weigh. SQLModel tables get fields:
``created_at: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True),
nullable=False, sa_column_kwargs={"server_default": func.now()})`` (None leaves the column out of the
INSERT, so the database fills it in).

The fix is safe (new columns that the database fills in; nothing else changes) only where the class's
whole column set is known, no column plays the role already, and the project has migrations (Alembic,
Flask-Migrate) to add them to existing databases. It is unsafe where the project has no migrations
(``create_all`` does not add columns to a table that exists: every query of the model would fail) or
where its code turns whole rows into data (``for c in self.__table__.columns``: the new columns appear
in what the application returns). It is reported only where the models store naive datetimes (an
aware column would not compare with them), where a migration uses the class through the ORM (its old
revisions would select columns that do not exist yet; a revision that calls a helper of the project
runs the helper's queries too), and where the module mixes timestamp names.

Not fixed: abstract classes and mixins; a class whose base or mixin in the project provides the
column; joined- and single-table-inheritance subclasses (the base table has them); association
tables (a composite key of foreign keys, or a ``secondary=`` table); classes mapped with
``__table__``. Reported only: a class with a date/time column whose name says it plays a
timestamp's role (``created``, ``date_joined``, ``upload_time``, ``submitted_date``,
``metadata_modified``, ``reported``, ``date``): the table has its own convention, and nothing is added;
a class whose base cannot be read (a library's base, ``declarative_base(cls=...)``): it may provide them.
Append-only records (setting-free: events, logs, audit entries, transactions, history; the head noun
of ``QueryHistoryModel`` is "history") get ``created_at`` only, and nothing where the project writes
their rows with ``session.merge()`` (a ring of slots overwritten by key: the time a slot was first
used is not its row's). Where most of the project's tables name their timestamps otherwise
(``created``/``modified``, ``modified_at``), added columns take the project's names.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator

from ..names import prefix_of
from ..picture import ColumnFact, ModelClass, Style, TableFact
from ..syntax import arguments_in_order, is_constant
from .base import MIXED, UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import (
    all_columns,
    head_noun_matches,
    sqlmodel_at_least,
    unknown_definition,
)

TIMESTAMPS = ("created_at", "updated_at")
# Words that give a date/time column the role of one of the timestamps: `date_joined`, `upload_time`,
# `submitted_date`, `metadata_created` are the row's creation time under the project's own name.
_ROLE_WORDS = {
    "created_at": {"created", "creation", "create", "createdat", "inserted", "added", "joined", "registered",
                   "uploaded", "upload", "submitted", "reported", "recorded", "logged", "posted", "filed",
                   "timestamp", "date", "datetime", "time", "ts", "when"},
    "updated_at": {"updated", "update", "updatedat", "modified", "modify", "changed", "edited", "touched"},
}
_TIME_TYPES = {"sa.DateTime", "sa.Date", "sa.TIMESTAMP", "sa.DATETIME", "sa.DATE", "sa.Time", "datetime", "date",
               "sa.types.DateTime"}
_GENERIC_WORDS = {"", "timestamp", "date", "datetime", "time", "ts", "when", "at", "on"}
# Rows that are written once and never change: an `updated_at` there would only ever equal `created_at`.
APPEND_ONLY_NOUNS = ["event", "log", "audit", "audit_log", "history", "ledger_entry", "journal_entry",
                     "transaction", "activity", "revision", "snapshot", "change", "notification_log"]


def _updates(name: str) -> bool:
    """Is the timestamp `name` (ours or the project's: `modified`) the one that changes on update?"""
    return name == "updated_at" or _plays_role(None, name) == "updated_at"


def _plays_role(column: ColumnFact | None, name: str) -> str | None:
    """The timestamp `name` stands for: its name says created/modified/... and its type is a time, or it
    is a time the database or the ORM fills in (`heartbeat` with a now() default and an onupdate)."""
    words = set(re.split(r"[_\W]+", name.lower())) - {""}
    if words & {"by", "id", "user", "count", "ip"} or name.lower().endswith(("_by", "_id", "_by_id")):
        return None  # created_by_id is a user, not a time
    timed = column is not None and _is_time(column)
    typed = column is None or column.type_name is None and column.python_type is None or timed
    if not typed:
        return None
    for timestamp in ("updated_at", "created_at"):
        if words & _ROLE_WORDS[timestamp] or name.lower() in ("date", "timestamp"):
            return timestamp if words & _ROLE_WORDS[timestamp] else "created_at"
    if not timed or words & _OTHER_TIMES:
        return None
    if "onupdate" in column.keywords or "server_onupdate" in column.keywords:
        return "updated_at"
    if any(_is_now(column.keywords.get(k)) for k in ("default", "server_default")):
        return "created_at"
    return None


# Times that are about something else than the row's creation or change, whatever their default.
_OTHER_TIMES = {"last", "seen", "due", "expires", "expiry", "expire", "start", "end", "until", "deadline",
                "scheduled", "published", "login", "active", "verified", "confirmed", "birth", "started",
                "ended", "finished", "completed", "next", "valid", "from", "to", "run", "sent", "read"}


def _is_now(value) -> bool:
    """`func.now()`, `datetime.utcnow`, `text("CURRENT_TIMESTAMP")`, `timeutils.utcnow`: the time of the
    insert."""
    if value is None:
        return False
    code = ast.unparse(value).lower()
    return any(word in code for word in ("now", "current_timestamp", "today", "getdate", "sysdate"))


def _is_time(column: ColumnFact) -> bool:
    return column.type_name in _TIME_TYPES or column.python_type in ("datetime", "date")


def _naive_times(context: RuleContext, owner) -> str | None:
    """Where the models store naive datetimes only (DateTime without timezone=True), an aware column
    would not compare with the others: the project's own type is for the author to choose."""
    stamps = [column for module in _convention_modules(context, owner) for other in _owners(module)
              for column in other.columns.values() if _is_time(column) and column.type_name != "sa.Date"]
    # one naive `created_at` is the tutorials' habit, not a decision; several are the project's type
    if len(stamps) < 2 or any(_aware(column) for column in stamps):
        return None
    return (f"the models store naive datetimes ({len(stamps)} DateTime column(s) without timezone=True), and an "
            "aware column would not compare with them: the type is the author's call")


def _aware(column: ColumnFact) -> bool:
    call = column.type_call if column.type_call is not None else column.keywords.get("sa_type")  # SQLModel
    if isinstance(call, ast.Call):
        return any(keyword.arg == "timezone" and not is_constant(keyword.value, False) for keyword in call.keywords)
    return False


def _convention_modules(context: RuleContext, owner) -> list:
    modules = {id(context.facts): context.facts}
    if isinstance(owner, ModelClass):
        modules.update((id(cls.module), cls.module) for cls in context.picture.chain(owner))
    return list(modules.values())


def _owners(module) -> list:
    return [*module.classes.values(), *module.tables.values()]


class EntityWithoutTimestamps(Rule):
    code = "SQF005"
    name = "entity-without-timestamps"
    summary = "table without created_at/updated_at"
    fix_safety = MIXED  # safe, or unsafe where the project has no migrations or serializes whole rows
    deciding = """\
Where nothing is added (a column of the table's own naming plays the role, the models store naive
datetimes, a migration uses the class through the ORM, a base sqla-fix cannot read may provide them),
either:
- declare the columns yourself, in the project's own names and type, e.g.
  `created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)`
  and `updated_at` the same with `onupdate=func.now()` (`Column(...)` in the classic style; `init=False` on
  a `MappedAsDataclass` model); or inherit the project's mixin that has them. Append-only records need
  `created_at` only; the names the finding says are the ones it looks for;
- or keep the table as it is (its own convention, or no need for timestamps) with `# noqa: SQF005` on the
  `class` line (for a `Table(...)`, on any line of its statement)."""
    examples = [
        Valid('class Stamped:\n'
              '    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())\n'
              '    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())\n'
              'class C(Stamped, Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'),
        Valid('class A(Base):\n    __abstract__ = True\n    id: Mapped[int] = mapped_column(primary_key=True)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    made: Mapped[datetime] = mapped_column("created_at", server_default=func.now())\n'
              '    changed: Mapped[datetime] = mapped_column("updated_at", server_default=func.now())\n'),
        Valid('link = Table("link", Base.metadata, Column("a_id", ForeignKey("a.id"), primary_key=True),\n'
              '             Column("b_id", ForeignKey("b.id"), primary_key=True))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    name: Mapped[str] = mapped_column(String(50))\n\n    def __repr__(self):\n        return self.name\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    name: Mapped[str] = mapped_column(String(50))\n'
                '    created_at: Mapped[datetime] = mapped_column(\n'
                '        DateTime(timezone=True), server_default=func.now(), nullable=False\n    )\n'
                '    updated_at: Mapped[datetime] = mapped_column(\n        DateTime(timezone=True),\n'
                '        server_default=func.now(),\n        onupdate=func.now(),\n        nullable=False,\n    )\n'
                '\n    def __repr__(self):\n        return self.name\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    created: Mapped[datetime]\n    modified: Mapped[datetime]\n'),
        Invalid('class Member(Base):\n    __tablename__ = "members"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n    date_joined: Mapped[datetime]\n'),
        Invalid('class AuditEvent(Base):\n    __tablename__ = "audit_events"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n',
                'class AuditEvent(Base):\n    __tablename__ = "audit_events"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    created_at: Mapped[datetime] = mapped_column(\n'
                '        DateTime(timezone=True), server_default=func.now(), nullable=False\n    )\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for model in context.facts.mapped_classes():
            if model.inheritance or model.has_table_attribute or _is_association_class(context, model):
                continue
            if not model.unresolved_bases and not _has_primary_key(context, model):
                continue  # no table of its own that we can see (a model_class base, say): not an entity
            yield from self._check_class(context, model)
        for table in context.facts.tables.values():
            if table.name in context.facts.secondary_names or table.variable in context.facts.secondary_names:
                continue
            if _is_link_table(list(table.columns.values())):
                continue
            yield from self._check_table(context, table)

    def _missing(self, context: RuleContext, owner, present: dict[str, ColumnFact | None]):
        """The timestamps to add (named after the project's convention), and why none is, when a column
        already plays a timestamp's role under another name or the module mixes its names."""
        append_only = head_noun_matches(owner.name, APPEND_ONLY_NOUNS)
        wanted = ["created_at"] if append_only else list(TIMESTAMPS)
        names = _convention(context, owner)
        chosen = names or dict(zip(TIMESTAMPS, TIMESTAMPS))
        missing = [chosen[w] for w in wanted if chosen[w] not in present]
        if not missing:
            return [], None
        if chosen != dict(zip(TIMESTAMPS, TIMESTAMPS)) and set(TIMESTAMPS) & set(present):
            return missing, (f"it has {', '.join(sorted(set(TIMESTAMPS) & set(present)))} while the module names "
                             f"its timestamps {chosen['created_at']}/{chosen['updated_at']}")
        look_alikes = [
            f"{name} (for {role})" for name, column in sorted(present.items())
            if (role := _plays_role(column, name)) is not None and name not in TIMESTAMPS and name != chosen[role]
        ]
        if look_alikes:
            # a column of the table's own naming serves the purpose: a second one is not our call
            return missing, f"{', '.join(look_alikes)} {'plays' if len(look_alikes) == 1 else 'play'} that role"
        if names is None:
            return missing, "the module's tables name their timestamps in several ways (which pair is the author's call)"
        merged = context.usage.merge_sign(owner.name) if append_only and context.usage is not None else None
        if merged is not None:
            # a log whose rows are upserted by key recycles them (a ring of slots): the time a key was first
            # inserted is not the time of the row it holds now
            return missing, (f"the project writes its rows with merge() ({merged}), over older rows of the same "
                             "key, so a creation time would not be the row's")
        return missing, _naive_times(context, owner)

    def _check_class(self, context: RuleContext, model: ModelClass):
        present: dict[str, ColumnFact | None] = {}
        for cls in context.picture.chain(model):
            present.update(dict.fromkeys(cls.other_attributes))
            present.update(cls.columns)
            present.update({c.db_name: c for c in cls.columns.values() if c.db_name})  # ts = Column("created_at")
        missing, blocker = self._missing(context, model, present)
        if not missing:
            return
        label = ", ".join(missing)
        unknown = unknown_definition(context.picture, model)
        history = context.history
        if not unknown and history is not None and model.name in history.imported_names:
            yield Finding(self.code, model.node,
                          f"`{model.name}` has no {label}, but a migration uses the class through the ORM "
                          f"({history.where[model.name]}): its old revisions would select the new columns before "
                          f"they exist; not fixed; decide: declare {label} yourself once the migration no longer "
                          "queries through the class, or # noqa: SQF005")
            return
        if unknown:
            yield Finding(self.code, model.node,
                          f"`{model.name}` has no {label} that sqla-fix can see, but {unknown} and may provide "
                          f"them; not fixed; decide: declare {label} if it does not, or # noqa: SQF005 if it does")
        elif blocker:
            yield Finding(self.code, model.node, f"`{model.name}` has no {label}, but {blocker}; nothing added; "
                          f"{_decide(label)}")
        else:
            hint = _unused_mixin(context, model, missing)
            yield self._finding(context, model.node, f"`{model.name}` has no {label}", hint,
                                _add_to_class(context, model, missing))

    def _check_table(self, context: RuleContext, table: TableFact):
        missing, blocker = self._missing(context, table, dict(table.columns))
        if not missing:
            return
        label = f"Table `{table.name}` has no {', '.join(missing)}"
        if blocker:
            yield Finding(self.code, table.statement,
                          f"{label}, but {blocker}; nothing added; {_decide(', '.join(missing))}")
        else:
            yield self._finding(context, table.statement, label, "", _add_to_table(context, table, missing))

    def _finding(self, context: RuleContext, node, label: str, hint: str, fix) -> Finding:
        """Safe, unless the project's code turns whole rows into data (`for c in self.__table__.columns`):
        there a new column changes what its API returns, which is behaviour."""
        serializer = context.row_serializer()
        if context.history is not None and not context.history.has_migrations:
            return Finding(self.code, node,
                           f"{label}: rows cannot be ordered or audited by time{hint} (the fix is unsafe: the "
                           "project has no migrations, and a table that exists already does not get the columns "
                           "from create_all, so every query of the model fails until it is migrated by hand)",
                           fix=fix, safety=UNSAFE)
        if serializer is not None:
            return Finding(self.code, node,
                           f"{label}: rows cannot be ordered or audited by time{hint} (the fix is unsafe: the "
                           f"project's code turns whole rows into data, {serializer}, so new columns appear in "
                           "what it returns)", fix=fix, safety=UNSAFE)
        return Finding(self.code, node, f"{label}: rows cannot be ordered or audited by time{hint}", fix=fix)



def _decide(label: str) -> str:
    return f"decide: declare {label} yourself, or # noqa: SQF005 to keep the table as it is"


def _convention(context: RuleContext, owner) -> dict[str, str] | None:
    """The names the models give their timestamps: created_at/updated_at, or the pair most of the
    tables that have timestamps use (`created`/`modified`, `created_on`/`changed_on`); None where the
    tables mix names and no pair stands out (a second, invented pair would only add to the mix). Read
    in the class's own module and those of its bases: the same files whether the run is given one file
    or the project."""
    pairs: Counter = Counter()
    for module in _convention_modules(context, owner):
        for other in _owners(module):
            if other is owner:
                continue
            found = {"created_at": None, "updated_at": None}
            for attribute, column in other.columns.items():
                name = column.db_name or attribute  # the column's name in the table, `Column("created")`
                role = name if name in TIMESTAMPS else _plays_role(column, name)
                generic = set(re.split(r"[_\W]+", name.lower())) <= _GENERIC_WORDS
                if role is not None and found[role] is None and not generic and _is_time(column):
                    found[role] = name
            if found["created_at"] or found["updated_at"]:
                pairs[(found["created_at"], found["updated_at"])] += 1
    standard = dict(zip(TIMESTAMPS, TIMESTAMPS))
    # a table with `created_at` alone follows the convention as much as one with both
    conventional = sum(n for pair, n in pairs.items() if all(name in (None, *TIMESTAMPS) for name in pair))
    other = Counter({pair: n for pair, n in pairs.items() if any(name not in (None, *TIMESTAMPS) for name in pair)})
    if not other or conventional >= sum(other.values()):
        return standard
    (created, updated), count = other.most_common(1)[0]
    if created and updated and count > sum(pairs.values()) / 2:
        return {"created_at": created, "updated_at": updated}
    return None


def _is_link_table(columns: list[ColumnFact]) -> bool:
    """A table that only links rows of others: two or more foreign keys, nothing but keys besides."""
    keys = [c for c in columns if c.foreign_keys]
    others = [c for c in columns if not c.foreign_keys and c.name not in TIMESTAMPS]
    return len(keys) >= 2 and all(c.primary_key for c in others)


def _unused_mixin(context: RuleContext, model: ModelClass, missing: list[str]) -> str:
    """Where the project has a mixin or abstract base with the columns that this class does not use,
    say so: inheriting it may be what the author meant (the fix adds columns, which is always safe)."""
    chain = context.picture.chain(model)
    for candidate in context.picture.mixins():
        if candidate.module.root == model.module.root and candidate not in chain and candidate.sqlmodel == model.sqlmodel:
            provided = set(candidate.columns) | candidate.other_attributes
            if all(name in provided for name in missing):
                return f" (`{candidate.name}` in {candidate.module.name} provides them: inherit it?)"
    return ""


def _has_primary_key(context: RuleContext, model: ModelClass) -> bool:
    chain = context.picture.chain(model)
    return any(c.primary_key for cls in chain for c in cls.columns.values()) or any(
        constraint.kind == "primary_key" for cls in chain for constraint in cls.constraints
    )


def _is_association_class(context: RuleContext, model: ModelClass) -> bool:
    """A link table: named by `secondary=` anywhere in the project, or nothing but keys."""
    secondary = {name for module in context.picture.modules if module.root == model.module.root
                 for name in module.secondary_names}
    if (model.tablename and model.tablename in secondary) or model.name in secondary:
        return True
    columns = [c for _, c in all_columns(context.picture, model).values()]
    keys = [c for c in columns if c.foreign_keys]
    return _is_link_table(columns) and all(c.primary_key for c in keys)


def _column_prefix(columns) -> str | None:
    for column in columns:
        if column.call is not None:
            return prefix_of(column.call.func)
    return None


def _timestamp_arguments(context, name: str, prefix, imports) -> list[str] | None:
    spell = context.spelling.sqlalchemy
    date_time, func = spell("DateTime", prefix, imports), spell("func", prefix, imports)
    if date_time is None or func is None:
        return None
    arguments = [f"{date_time}(timezone=True)", f"server_default={func}.now()"]
    if _updates(name):
        arguments.append(f"onupdate={func}.now()")
    arguments.append("nullable=False")
    return arguments


def _layout(head: str, arguments: list[str], indent: str, unit: str, width: int, after: int = 0) -> str:
    """`head(args)` at `indent` (followed by `after` columns, a comma) as ruff format and black lay it out:
    on one line if it fits, else the arguments on one line of their own, else one per line with a trailing
    comma (and a nested call or dict that does not fit on its line split in turn)."""
    from ..edits import formatted

    one_line = f"{head}({', '.join(arguments)})"
    laid_out = formatted(one_line, indent, unit, width, after)
    if laid_out is not None:
        return laid_out
    if len(indent) + len(one_line) + after <= width:
        return one_line
    hugged = ", ".join(arguments)
    if len(indent) + len(unit) + len(hugged) <= width:
        return f"{head}(\n{unit}{hugged}\n)"
    return f"{head}(\n" + "".join(f"{unit}{argument},\n" for argument in arguments) + ")"


def _class_column(context: RuleContext, model: ModelClass, name: str, prefix, imports):
    """(`created_at: Mapped[datetime] = mapped_column`, [arguments]) in the class's own style, or None."""
    spelling = context.spelling
    if model.sqlmodel:
        datetime = spelling.datetime_class(imports)
        field, date_time = spelling.imported("sqlmodel", "Field", imports), spelling.sqlalchemy("DateTime", None, imports)
        func = spelling.sqlalchemy("func", None, imports)
        if None in (field, date_time, func, datetime):
            return None
        optional = spelling.imported("typing", "Optional", None)
        annotation = f"{optional}[{datetime}]" if optional else f"{datetime} | None"
        # None leaves the column out of the INSERT, so that the database fills it in.
        if sqlmodel_at_least((0, 0, 11)):  # Field(sa_type=) exists from SQLModel 0.0.11 on
            options = f'"server_default": {func}.now()' + (f', "onupdate": {func}.now()' if _updates(name) else "")
            arguments = ["default=None", f"sa_type={date_time}(timezone=True)", "nullable=False",
                         f"sa_column_kwargs={{{options}}}"]
        else:  # an older SQLModel, or none installed here: the form every version accepts
            column = spelling.sqlalchemy("Column", None, imports)
            if column is None:
                return None
            inner = [f"{date_time}(timezone=True)", f"server_default={func}.now()", "nullable=False"]
            if _updates(name):
                inner.insert(2, f"onupdate={func}.now()")
            arguments = ["default=None", f"sa_column={column}({', '.join(inner)})"]
        return f"{name}: {annotation} = {field}", arguments
    arguments = _timestamp_arguments(context, name, prefix, imports)
    if arguments is None:
        return None
    if model.dataclass_mapped:
        arguments.insert(-1, "init=False")
    typed = model.uses_typed_style or any(c.style is Style.TYPED for c in model.columns.values())
    if typed:
        datetime = spelling.datetime_class(imports)
        mapped = spelling.sqlalchemy("Mapped", prefix, imports)
        mapped_column = spelling.sqlalchemy("mapped_column", prefix, imports)
        if None in (mapped, mapped_column, datetime):
            return None
        return f"{name}: {mapped}[{datetime}] = {mapped_column}", arguments
    column = spelling.sqlalchemy("Column", prefix, imports)
    return (f"{name} = {column}", arguments) if column else None


def _add_to_class(context: RuleContext, model: ModelClass, missing: list[str]):
    def fix(plan) -> bool:
        imports: list[tuple[str, str]] = []
        columns = list(model.columns.values())
        prefix = _column_prefix(columns)
        statements = model.node.body
        anchor = model.last_column_statement or (statements[-1] if statements else None)
        if anchor is None or anchor.lineno == model.node.lineno:  # `class A(Base): pass`: no block to extend
            return False
        unit = context.indent_unit
        # the body's own indentation, the class's included (a class nested in a block)
        indent = _leading_whitespace(context.lines[anchor.lineno - 1])
        codes = []
        for name in missing:
            spelled = _class_column(context, model, name, prefix, imports)
            if spelled is None:
                return False
            head, arguments = spelled
            codes.append((head, arguments))
        for head, arguments in codes:  # laid out only where the file is rewritten
            plan.add_statement_after(anchor, lambda head=head, arguments=arguments: _layout(
                head, arguments, indent, unit, context.config.line_length) + "\n")
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix


def _leading_whitespace(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _argument_indentation(context: RuleContext, table: TableFact) -> tuple[str, str | None]:
    """The indentation of a Table's argument lines, and the same relative to its statement.

    (None for the relative part when the arguments do not stand one per line.)
    """
    last = arguments_in_order(table.call)[-1].node.lineno
    if last == table.call.lineno:
        return "", None
    indent = _leading_whitespace(context.lines[last - 1])
    statement = _leading_whitespace(context.lines[table.statement.lineno - 1])
    return indent, indent[len(statement):]


def _trailing_comma(context: RuleContext, call: ast.Call) -> bool:
    """`Table(..., Column(...),)`: a comma after the last argument (comments aside)."""
    last = arguments_in_order(call)[-1].node
    (line, column), (end_line, end_column) = context.source.end(last), context.source.end(call)
    between = [context.lines[number - 1] for number in range(line, end_line + 1)]
    between[-1] = between[-1][: end_column - 1]
    between[0] = between[0][column:]
    return any("," in text.split("#", 1)[0] for text in between)


def _add_to_table(context: RuleContext, table: TableFact, missing: list[str]):
    def fix(plan) -> bool:
        imports: list[tuple[str, str]] = []
        prefix = _column_prefix(table.columns.values())
        column = context.spelling.sqlalchemy("Column", prefix, imports)
        if column is None:
            return False
        indent, relative = _argument_indentation(context, table)
        for name in missing:
            arguments = _timestamp_arguments(context, name, prefix, imports)
            if arguments is None:
                return False
            arguments.insert(0, f'"{name}"')
            if relative is None:  # the Table's arguments share one line: so does the new one
                code = f"{column}({', '.join(arguments)})"
            else:
                comma = 1 if _trailing_comma(context, table.call) else 0  # the new one gets one too

                def code(arguments=arguments, comma=comma) -> str:  # laid out only where the file is rewritten
                    laid_out = _layout(column, arguments, indent, context.indent_unit, context.config.line_length, comma)
                    return laid_out.replace("\n", "\n" + relative)
            plan.add_argument(table.call, code)
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix
