"""SQF001 foreign key without an index.

PostgreSQL and SQLite do not index the referencing side of a foreign key, and SQLAlchemy's
``create_all`` emits no index for a plain ``ForeignKey``. Every ``WHERE post_id = ?`` and every join
from the parent, and every ``DELETE`` of a parent (the foreign-key check), then scans the whole child
table: 1361 ms to delete 20 parents with 2M children before the index, 2 ms after (rulebook §2).
On MySQL/InnoDB an index is created anyway, and ``index=True`` yields that same single index.

Fix: ``index=True`` on the column.

The fix is safe (it adds an index and changes nothing else) only where the table's whole definition
is in view: not when a base class cannot be read (a library's, or ``declarative_base(cls=...)``), when
``__table_args__`` is computed (a ``declared_attr``, a function, a variable), or when the column takes
``**kwargs``: an index may be declared there, and a second one would be a duplicate. Those are reported.
Module-level ``Index(...)`` calls count in any file of the project, and so do the indexes, unique
constraints and primary keys that the project's migrations create (``op.create_index``,
``op.create_table(..., UniqueConstraint(...))``, raw ``CREATE INDEX``): reported, not duplicated.

Not fixed:
- a column that is already covered: ``index=True``/``unique=True``, the leading column of the
  primary key, or the leading column of an ``Index``/``UniqueConstraint``/``PrimaryKeyConstraint``
  (an index there would be a duplicate, and autogenerate churn);
- an explicit ``index=False``: a decision, reported only;
- one column of a multi-column ``ForeignKeyConstraint``: it needs a composite ``Index``; reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import SAFE, Finding, Invalid, Rule, RuleContext, Valid, keyword_fix
from .schema import index_covering, owner_table, project_indexes, unknown_definition


class ForeignKeyWithoutIndex(Rule):
    code = "SQF001"
    name = "foreign-key-without-index"
    summary = "foreign key without an index"
    fix_safety = SAFE
    deciding = """\
Where sqla-fix adds no index (it cannot see the whole table, a migration made the index, the key is one
column of a composite foreign key, or it says `index=False`), write the index you mean:
- `index=True` on the column (`mapped_column(ForeignKey("posts.id"), index=True)`): the usual choice. It
  makes an index named `ix_<table>_<column>` (under the default naming convention), so it also declares
  a migration's index of that name;
- `Index("ix_server_user_id", "user_id")` in `__table_args__` (or a module-level `Index(...)`), led by
  the key: an index of another name (as a migration made it), or, for a multi-column
  `ForeignKeyConstraint`, one index over all of its columns in their order;
- a `UniqueConstraint(...)` led by the key, where the rows are unique by it (a migration's
  `sa.UniqueConstraint("group_id", "name")`): its index serves the key too.

Where no index is wanted (a small table that is never joined from its parent, nor its parents deleted),
write `# noqa: SQF001` on the reported line. `index=False` records the choice but is still reported: on
PostgreSQL and SQLite, joins from the parent and parent deletes scan the table."""
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"), index=True)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"), primary_key=True)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    __table_args__ = (UniqueConstraint("p_id", "n"),)\n'
              '    id: Mapped[int] = mapped_column(primary_key=True)\n    n: Mapped[int]\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"), index=True)\n'),
        Invalid('link = Table("link", Base.metadata, Column("a_id", ForeignKey("a.id"), primary_key=True),\n'
                '             Column("b_id", ForeignKey("b.id"), primary_key=True))\n',
                'link = Table("link", Base.metadata, Column("a_id", ForeignKey("a.id"), primary_key=True),\n'
                '             Column("b_id", ForeignKey("b.id"), primary_key=True, index=True))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"), index=False)\n'),
        Invalid('def table_args():\n    return (Index("ix_c_p", "p_id"),)\n'
                'class C(Base):\n    __tablename__ = "c"\n    __table_args__ = table_args()\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        indexes = project_indexes(context.picture, context.facts)
        for owner, column in context.columns():
            if not column.foreign_keys:
                continue
            if index_covering(owner, column, indexes):
                continue
            where = f"`{owner.name}.{column.name}`"
            history = context.history
            table = owner_table(context.picture, owner)
            if history is not None and (table, column.db_name or column.name) in history.indexes:
                made = history.where[(table, column.db_name or column.name)]
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has no index in the model, but a migration creates one "
                              f"leading with it ({made}); not fixed: a second one would be a duplicate; decide: "
                              f"declare it as the migration names it (index=True for ix_{table}_"
                              f"{column.db_name or column.name}, else Index(...) or UniqueConstraint(...) in "
                              "__table_args__), or # noqa: SQF001")
                continue
            unknown = unknown_definition(context.picture, owner) or (
                "its keywords include **kwargs" if column.star_kwargs else None)
            if unknown and not any(fk.composite for fk in column.foreign_keys) and column.call is not None:
                # an index may be declared where we cannot see: adding one could duplicate it
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has no index that sqla-fix can see, but {unknown}; not "
                              "fixed; decide: index=True if it has none, or # noqa: SQF001 if one is declared "
                              "there")
                continue
            if any(fk.composite for fk in column.foreign_keys):
                if any(fk.composite and fk.leads for fk in column.foreign_keys):
                    yield Finding(self.code, column.statement,
                                  f"Foreign key {where} leads a multi-column foreign key without an index; not "
                                  "fixed; decide: an Index(...) over the foreign key's columns, in its order, in "
                                  "__table_args__, or # noqa: SQF001")
            elif column.call is None:
                continue
            elif column.flag("index") is False:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has index=False: on PostgreSQL and SQLite, joins from the "
                              "parent and parent deletes scan the table (an explicit choice, left as is); "
                              "decide: index=True, or # noqa: SQF001 to keep it")
            else:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has no index: on PostgreSQL and SQLite, lookups by it, joins "
                              "from the parent and parent deletes scan the whole table",
                              fix=keyword_fix(column.call, "index", "True"))

