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

from .base import Finding, Invalid, Rule, RuleContext, Valid, keyword_fix
from .schema import index_covering, owner_table, project_indexes, unknown_definition


class ForeignKeyWithoutIndex(Rule):
    code = "SQF001"
    name = "foreign-key-without-index"
    summary = "foreign key without an index"
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
                              f"leading with it ({made}); declare it in the model to match (not fixed: a second "
                              "one would be a duplicate)")
                continue
            unknown = unknown_definition(context.picture, owner) or (
                "its keywords include **kwargs" if column.star_kwargs else None)
            if unknown and not any(fk.composite for fk in column.foreign_keys) and column.call is not None:
                # an index may be declared where we cannot see: adding one could duplicate it
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has no index that sqla-fix can see, but {unknown}; "
                              "add index=True if none exists (not fixed)")
                continue
            if any(fk.composite for fk in column.foreign_keys):
                if any(fk.composite and fk.leads for fk in column.foreign_keys):
                    yield Finding(self.code, column.statement,
                                  f"Foreign key {where} leads a multi-column foreign key without an index; "
                                  "add a composite Index(...) over its columns (not fixed automatically)")
            elif column.call is None:
                continue
            elif column.flag("index") is False:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has index=False: joins and parent deletes scan the table "
                              "(explicit choice, left as is)")
            else:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} has no index: lookups, joins and parent deletes scan the "
                              "whole table",
                              fix=keyword_fix(column.call, "index", "True"))

