"""SQF002 required foreign key is nullable.

A ``Column(Integer, ForeignKey("posts.id"))`` without ``nullable=`` is NULL-able: rows that belong
to nothing get in, and stay. A typed ``Mapped[int]`` (and SQLModel's ``team_id: int``) is already NOT
NULL: no finding, and no edit that would only restate it.

Fix: ``nullable=False``. **Unsafe**: it makes every insert without a parent fail, and the migration
fails while NULL rows exist; applied only with ``--unsafe-fixes``, and only where nothing says that
the key is optional by design.

Kept nullable, because there NULL is part of the design (rulebook §3):
- an ``Optional[...]``/``X | None`` annotation, an explicit ``nullable=``, ``ondelete="SET NULL"``,
  a primary key (never NULL), ``**kwargs`` (``nullable=`` may be among them): not reported;
- ``default=None`` on the column: no parent is what the author made the default;
- a foreign key to its own table (a tree's root has no parent), or to a table whose name is computed
  (``declared_attr``: it may be its own), a key in a cycle of rows (``use_alter=True``, or a
  relationship with ``post_update=True``), a column declared on a single-table-inheritance subclass
  (the sibling classes' rows have no value for it), and keys optional by name (``parent_id``,
  ``manager_id``, ``*_by_id``, ...: setting ``optional-foreign-keys``);
- a row with alternative owners: a sibling key to another table that is nullable by decision (a task
  of an incident *or* of a case);
- what the project's code says: ``Model.key.is_(None)`` / ``== None`` queries, ``filter_by(key=None)``,
  assignments of None, constructors (and a base's factories, ``Model.create(...)``) that leave the key
  out, ``Optional`` fields of the project's own schemas of the model (Pydantic, dataclasses); for an
  imperative ``Table``, the code of the class mapped to it (``map_imperatively(Tag, tag_table)``).
A link table is one whose every column, its mixins' included, is a key: a mixin's ``id`` makes it a
table of its own, whose keys are judged one by one.
These are reported with the reason, so that the author can write ``nullable=True`` and be done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..picture import ColumnFact, ModelClass, Picture, Style, keyword_flag
from ..syntax import is_constant, keywords_of
from .base import (
    UNSAFE,
    Finding,
    Invalid,
    Owner,
    Questions,
    Rule,
    RuleContext,
    Valid,
    key_relationships,
    keyword_fix,
)
from .schema import (
    all_columns,
    key_tables,
    matches_any,
    named_columns,
    owner_table,
    primary_key_columns,
    unknown_definition,
)

if TYPE_CHECKING:
    from ..config import Config


@dataclass
class Nullability:
    not_null: bool  # NOT NULL as the file stands
    fixable: bool  # the rule would make it NOT NULL
    reason: str | None = None  # why it is (or stays) nullable
    decided: bool = False  # the author said so explicitly: nothing to report


def nullability(context: RuleContext, owner: Owner, column: ColumnFact) -> Nullability:
    explicit = column.flag("nullable")
    if column.primary_key or column.name in primary_key_columns(owner):
        return Nullability(not_null=True, fixable=False, decided=True)  # a primary key is never NULL
    if explicit is not None:
        return Nullability(not_null=explicit is False, fixable=False, decided=True)
    if column.star_kwargs:  # `nullable=` may be among them: we cannot tell, so we say nothing
        return Nullability(not_null=False, fixable=False, decided=True)
    typed_not_null = column.annotation_optional is False and (
        (column.style is Style.TYPED and column.constructor == "sa.mapped_column") or column.style is Style.SQLMODEL
    )
    if typed_not_null:  # `Mapped[int]` / `team_id: int`: NOT NULL already, as the author wrote it
        return Nullability(not_null=True, fixable=False, decided=True)
    if column.annotation_optional:
        return Nullability(not_null=False, fixable=False, reason="its annotation is Optional", decided=True)
    if any(fk.ondelete and fk.ondelete.upper() == "SET NULL" for fk in column.foreign_keys):
        return Nullability(not_null=False, fixable=False, reason='ondelete="SET NULL"', decided=True)
    default = column.keywords.get("default")
    if is_constant(default, None):  # `default=None`: no parent is the default
        return Nullability(not_null=False, fixable=False, reason="its default is None")
    if column.style is Style.SQLMODEL:  # the annotation decides in SQLModel, and it said Optional or nothing
        return Nullability(not_null=False, fixable=False, decided=True)
    reason = _structural_reason(context, owner, column)
    if reason is None and not _is_link(context, owner):
        pattern = matches_any(column.name, context.config.optional_foreign_keys)
        if pattern is not None:
            reason = f"its name says optional ({pattern})"
        else:
            reason = _alternative_owner(context, owner, column)
    if reason is None:
        signs = context.null_signs(owner, column)
        if signs:
            more = f" and {len(signs) - 2} more" if len(signs) > 2 else ""
            reason = "the project's code treats it as optional: " + "; ".join(map(str, signs[:2])) + more
    if reason is not None:
        return Nullability(not_null=False, fixable=False, reason=reason)
    return Nullability(not_null=False, fixable=True)


def _alternative_owner(context: RuleContext, owner: Owner, column: ColumnFact) -> str | None:
    """A sibling key to another table that is nullable by decision: the row may belong to one parent *or*
    the other (an incident or a case), and making this key required would forbid the other kind of row."""
    near = owner.module if isinstance(owner, ModelClass) else context.facts
    own_tables = key_tables(context.picture, column, near)
    table = owner_table(context.picture, owner)
    for sibling in owner.columns.values():
        if sibling is column or not sibling.foreign_keys or sibling.primary_key:
            continue
        targets = key_tables(context.picture, sibling, near)
        if targets & own_tables or (table is not None and table in targets) or owner.name in targets:
            continue
        optional = sibling.flag("nullable") is True or sibling.annotation_optional or any(
            fk.ondelete and fk.ondelete.upper() == "SET NULL" for fk in sibling.foreign_keys)
        if optional:
            return (f"its sibling key `{sibling.name}` to another table is nullable: a row may belong to one "
                    "parent or the other")
        if sibling.flag("nullable") is None and sibling.flag("unique"):
            return (f"its sibling key `{sibling.name}` is unique and nullable (an optional one-to-one owner): a "
                    "row may belong to that parent instead")
    return _exclusive_unique_keys(owner, column)


def _exclusive_unique_keys(owner: Owner, column: ColumnFact) -> str | None:
    """Two keys each in a unique constraint of its own, without the other: a row of one kind or the other
    (a subscription to a task *or* to an entity), each kind unique on its own key."""
    uniques = [set(c.columns) for c in owner.constraints if c.kind in ("unique", "index") and
               (c.kind == "unique" or keyword_flag(keywords_of(c.call), "unique"))]
    mine = [u for u in uniques if column.name in u]
    for sibling in owner.columns.values():
        if sibling is column or not sibling.foreign_keys or sibling.flag("nullable") is False:
            continue
        theirs = [u for u in uniques if sibling.name in u]
        if any(sibling.name not in u for u in mine) and any(column.name not in u for u in theirs):
            return (f"`{column.name}` and `{sibling.name}` are each unique without the other: a row belongs to one "
                    "or the other")
    return None


def _is_link(context: RuleContext, owner: Owner) -> bool:
    """A link table's keys are required whatever they are called (`followed_by` links two rows). Its
    columns are its mixins' too: a `BaseMixin` that gives it an `id` makes it a table of its own."""
    if isinstance(owner, ModelClass):
        if unknown_definition(context.picture, owner):
            return False  # columns it may have beside the keys cannot be seen
        columns = [column for _, column in all_columns(context.picture, owner).values()]
    else:
        columns = list(owner.columns.values())
    keys = [c for c in columns if c.foreign_keys]
    return len(keys) >= 2 and len(keys) == len(columns)


def _structural_reason(context: RuleContext, owner: Owner, column: ColumnFact) -> str | None:
    table = owner_table(context.picture, owner)
    if table is None and isinstance(owner, ModelClass) and any(
        cls.has_tablename_attribute for cls in context.picture.chain(owner)
    ):
        # a computed __tablename__ (declared_attr): the key may well point at its own table
        return "its table's name is computed (declared_attr), so it may point at its own table"
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


def not_null_as_written(context: RuleContext, owner: Owner, column: ColumnFact) -> bool:
    return nullability(context, owner, column).not_null


def will_be_not_null(context: RuleContext, owner: Owner, column: ColumnFact) -> bool:
    """NOT NULL as the author wrote it, or made so by SQF002's fix in this same run (SQF002 enabled and not
    suppressed on the file that declares the key, and fixing it there). SQF002's fix is unsafe, and so is
    every fix that counts on it: both are applied together, with --unsafe-fixes, or neither is."""
    state = nullability(context, owner, column)
    where = owner.module if isinstance(owner, ModelClass) else None
    return state.not_null or (
        state.fixable and context.will_fix(RequiredForeignKeyNullable.code, column.statement, where)
    )


class RequiredForeignKeyNullable(Rule):
    code = "SQF002"
    name = "required-foreign-key-nullable"
    summary = "required foreign key is nullable"
    fix_safety = UNSAFE
    deciding = """\
Say on the column whether a row may have no parent; either choice silences the rule:
- `nullable=False`: every row has a parent (what the unsafe fix writes). Inserts without one then fail,
  and so does the migration while NULL rows exist: fill them in or delete them first;
- `nullable=True`: NULL is part of the design (a tree's root, an optional owner, a key set after the row
  is created).

A typed model says it in the annotation instead, and is not reported: `Mapped[int]` is NOT NULL,
`Mapped[Optional[int]]` (or `Mapped[int | None]`) is nullable. Or keep the column as it is with
`# noqa: SQF002` on the reported line."""
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
              '    p_id = Column(Integer, ForeignKey("p.id"), nullable=True)\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[Optional[int]] = mapped_column(ForeignKey("p.id"))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int | None] = mapped_column(ForeignKey("p.id"))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
              '    p_id = Column(Integer, ForeignKey("p.id", ondelete="SET NULL"))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    p_id = Column(Integer, ForeignKey("p.id"))\n',
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    p_id = Column(Integer, ForeignKey("p.id"), nullable=False)\n', unsafe=True),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    editor_id = Column(Integer, ForeignKey("users.id"), default=None)\n'),
        Invalid('class Sub(Base):\n    __tablename__ = "subs"\n'
                '    __table_args__ = (UniqueConstraint("who", "task_id"), UniqueConstraint("who", "entity_id"))\n'
                '    id = Column(Integer, primary_key=True)\n    who = Column(Integer, nullable=False)\n'
                '    task_id = Column(Integer, ForeignKey("tasks.id"))\n'
                '    entity_id = Column(Integer, ForeignKey("entities.id"))\n'),
        Invalid('class Task(Base):\n    __tablename__ = "tasks"\n    id = Column(Integer, primary_key=True)\n'
                '    incident_id = Column(Integer, ForeignKey("incidents.id"))\n'
                '    case_id = Column(Integer, ForeignKey("cases.id"), nullable=True)\n'),
        Invalid('class Node(Base):\n    __tablename__ = "nodes"\n    id = Column(Integer, primary_key=True)\n'
                '    up_id = Column(Integer, ForeignKey("nodes.id"))\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    approved_by_id = Column(Integer, ForeignKey("users.id"))\n'),
    ]

    def usage_questions(self, picture: Picture, config: Config) -> Questions:
        """Every foreign key with the relationships set through it, and the classes that hold one with their
        subclasses (whose constructors build such rows too): what `will_be_not_null` asks, for SQF004 too."""
        keys: set[str] = set()
        relationships: set[str] = set()
        owners: set[str] = set()
        for module in picture.modules:
            for model in module.classes.values():
                found = [column.name for column in model.columns.values() if column.foreign_keys]
                if found:
                    keys.update(found)
                    relationships.update(key_relationships(model))
                    owners.add(model.name)
            for table in module.tables.values():
                found = [column.name for column in table.columns.values() if column.foreign_keys]
                if found:
                    keys.update(found)
                    owners.update(picture.classes_mapping(table, module.root))
        classes = set(owners)
        for module in picture.modules:
            for model in module.classes.values():
                if any(ancestor.name in owners for ancestor in picture.chain(model)):
                    classes.add(model.name)
        return Questions(keys=frozenset(keys), relationships=frozenset(relationships), classes=frozenset(classes))

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for owner, column in context.columns():
            if not column.foreign_keys or column.call is None:
                continue
            state = nullability(context, owner, column)
            where = f"`{owner.name}.{column.name}`"
            if state.fixable:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} is nullable: rows can point at no parent (the fix, "
                              "nullable=False, makes inserts without one fail, and the migration fails while "
                              "NULL rows exist)",
                              fix=keyword_fix(column.call, "nullable", "False"), safety=UNSAFE)
            elif state.reason and not state.decided:
                yield Finding(self.code, column.statement,
                              f"Foreign key {where} stays nullable: {state.reason}; decide: nullable=True "
                              "(NULL by design) or nullable=False (every row has a parent), or # noqa: SQF002")

