"""SQF002 required foreign key is nullable.

A ``Column(Integer, ForeignKey("posts.id"))`` without ``nullable=`` is NULL-able: rows that belong
to nothing get in, and stay. A typed ``Mapped[int]`` is already NOT NULL; the fix states it
(``nullable=False``) so that the schema reads the same in both styles. In SQLModel the annotation
decides (``team_id: int`` is NOT NULL, ``int | None`` is not), as SQLModel users write it: no edit.

Fix: ``nullable=False``.

Kept nullable, because there NULL is part of the design (rulebook §3):
- an ``Optional[...]``/``X | None`` annotation, an explicit ``nullable=``, ``ondelete="SET NULL"``:
  the author's decision, not reported;
- a foreign key to its own table (a tree's root has no parent), a key in a cycle of rows
  (``use_alter=True``, or a relationship with ``post_update=True``), a column declared on a
  single-table-inheritance subclass (the sibling classes' rows have no value for it), and keys
  optional by name (``parent_id``, ``manager_id``, ``*_by_id``, ...: setting ``optional-foreign-keys``):
  reported with the reason, so that the author can write ``nullable=True`` and be done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..picture import ColumnFact, ModelClass, Style
from .base import Finding, Invalid, Owner, Rule, RuleContext, Valid, keyword_fix
from .schema import matches_any, named_columns, owner_table


@dataclass
class Nullability:
    not_null: bool  # NOT NULL as the file stands
    fixable: bool  # the rule would make it NOT NULL
    reason: str | None = None  # why it is (or stays) nullable
    decided: bool = False  # the author said so explicitly: nothing to report


def nullability(context: RuleContext, owner: Owner, column: ColumnFact) -> Nullability:
    explicit = column.flag("nullable")
    if column.primary_key:
        return Nullability(not_null=True, fixable=False, decided=True)
    if explicit is not None:
        return Nullability(not_null=explicit is False, fixable=False, decided=True)
    typed_not_null = column.annotation_optional is False and (
        (column.style is Style.TYPED and column.constructor == "sa.mapped_column") or column.style is Style.SQLMODEL
    )
    if column.annotation_optional:
        return Nullability(not_null=False, fixable=False, reason="its annotation is Optional", decided=True)
    if any(fk.ondelete and fk.ondelete.upper() == "SET NULL" for fk in column.foreign_keys):
        return Nullability(not_null=False, fixable=False, reason='ondelete="SET NULL"', decided=True)
    reason = _structural_reason(context, owner, column)
    if reason is None and not _is_link(owner):
        pattern = matches_any(column.name, context.config.optional_foreign_keys)
        if pattern is not None:
            if typed_not_null:  # Mapped[int]: the author declared it required; nothing to say
                return Nullability(not_null=True, fixable=False, decided=True)
            reason = f"its name says optional ({pattern})"
    if reason is not None:
        return Nullability(not_null=typed_not_null, fixable=False, reason=reason)
    if column.style is Style.SQLMODEL:  # `team_id: int` is NOT NULL, and SQLModel's idiom says so by the annotation
        return Nullability(not_null=True, fixable=False, decided=True)
    return Nullability(not_null=typed_not_null, fixable=True)


def _is_link(owner: Owner) -> bool:
    """A link table's keys are required whatever they are called (`followed_by` links two rows)."""
    keys = [c for c in owner.columns.values() if c.foreign_keys]
    return len(keys) >= 2 and len(keys) == len(owner.columns)


def _structural_reason(context: RuleContext, owner: Owner, column: ColumnFact) -> str | None:
    table = owner_table(context.picture, owner)
    for fk in column.foreign_keys:
        if (table is not None and fk.target_table == table) or fk.target_class == owner.name:
            return "it points at its own table (a tree's root has no parent)"
        if fk.use_alter:
            return "use_alter=True: the rows reference each other in a cycle"
    if isinstance(owner, ModelClass):
        if owner.inheritance == "single":
            return "it is declared on a single-table-inheritance subclass (sibling rows have no value)"
        for relationship in owner.relationships:
            if relationship.flag("post_update") and _uses_column(context, relationship, column):
                return f"relationship `{relationship.name}` has post_update=True: the rows reference each other"
    return None


def _uses_column(context: RuleContext, relationship, column: ColumnFact) -> bool:
    names = named_columns(relationship.keywords.get("foreign_keys"))
    if names:
        return column.name in names
    target = context.picture.find_class(relationship.target, context.facts)
    if target is None:
        return True  # cannot tell which key it uses: assume this one
    target_table = owner_table(context.picture, target)
    return any(fk.target_table == target_table or fk.target_class == target.name for fk in column.foreign_keys)


def will_be_not_null(context: RuleContext, owner: Owner, column: ColumnFact) -> bool:
    """NOT NULL as the file stands, or as SQF002 makes it wherever it runs on the file that declares it."""
    state = nullability(context, owner, column)
    where = owner.module if isinstance(owner, ModelClass) else None
    return state.not_null or (
        state.fixable and context.will_fix(RequiredForeignKeyNullable.code, column.statement, where)
    )


class RequiredForeignKeyNullable(Rule):
    code = "SQF002"
    name = "required-foreign-key-nullable"
    summary = "required foreign key is nullable"
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
              '    p_id = Column(Integer, ForeignKey("p.id"), nullable=True)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[Optional[int]] = mapped_column(ForeignKey("p.id"))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int | None] = mapped_column(ForeignKey("p.id"))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
              '    p_id = Column(Integer, ForeignKey("p.id", ondelete="SET NULL"))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    p_id = Column(Integer, ForeignKey("p.id"))\n',
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    p_id = Column(Integer, ForeignKey("p.id"), nullable=False)\n'),
        Invalid('class Node(Base):\n    __tablename__ = "nodes"\n    id = Column(Integer, primary_key=True)\n'
                '    up_id = Column(Integer, ForeignKey("nodes.id"))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    approved_by_id = Column(Integer, ForeignKey("users.id"))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for owner, column in context.columns():
            if not column.foreign_keys or column.call is None:
                continue
            state = nullability(context, owner, column)
            where = f"`{owner.name}.{column.name}`"
            if state.fixable and not state.not_null:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} is nullable: rows can point at no parent",
                              fix=keyword_fix(column.call, "nullable", "False"))
            elif state.fixable:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} is required (Mapped[...] without Optional) but does not "
                              "say nullable=False",
                              fix=keyword_fix(column.call, "nullable", "False"))
            elif state.reason and not state.decided:
                if state.not_null:
                    yield Finding(self.code, column.statement,
                                  f"Foreign key {where} is NOT NULL but {state.reason}; "
                                  "annotate it Optional[...] if some rows have none")
                else:
                    yield Finding(self.code, column.statement,
                                  f"Foreign key {where} stays nullable: {state.reason}; "
                                  "write nullable=True to make that explicit")

