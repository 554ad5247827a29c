"""SQF012 delete cascade that only the ORM knows (off by default).

``cascade="all, delete-orphan"`` (or ``"all"``, ``"delete"``; SQLModel's ``cascade_delete=True``) on a
parent's collection deletes the children only when the parent is deleted through ``session.delete()``.
A bulk ``session.execute(delete(Parent))``, raw SQL, another service or a database console never runs
the ORM's cascade: only the key's ``ON DELETE`` acts there. Observed with SQLAlchemy 2.1.9 on
PostgreSQL 15 and MariaDB 10.11 (InnoDB), a parent with two children (tests/test_databases.py,
``test_sqf012_...``, on tables ``sqf012_*``):

- ORM-only cascade, key without ``ondelete=``: ``session.delete(parent)`` deleted both children (the ORM
  loaded and deleted them, their ``after_delete`` events fired); ``session.execute(delete(Parent))``
  failed with an IntegrityError (PostgreSQL: ``violates foreign key constraint``, MariaDB:
  ``(1451, 'Cannot delete or update a parent row: a foreign key constraint fails``), nothing deleted.
  On SQLite the bulk delete succeeded and left both children pointing at a parent that no longer exists
  (foreign keys are enforced only with ``PRAGMA foreign_keys=ON``; with it, the same IntegrityError).
- ``ForeignKey(..., ondelete="CASCADE")`` alone: the bulk delete deleted the children too (the database
  did); ``session.delete(parent)`` still loaded and deleted them through the ORM, their ``after_delete``
  events fired, and on SQLite without the PRAGMA it deleted them just as before.
- ``ondelete="CASCADE"`` with ``passive_deletes=True`` as well: ``session.delete(parent)`` no longer loaded
  the children, and their ``after_delete`` events no longer fired; on SQLite without the PRAGMA,
  ``session.delete(parent)`` then left both children dangling: nothing deletes them there.
- ``passive_deletes=True`` with no ``ondelete=`` on the key: ``session.delete(parent)`` of a parent whose
  children were not loaded failed with the same foreign-key IntegrityError on both servers (the ORM leaves
  them to a database that was told nothing); with the children loaded it worked.
- A nullable key with ``ON DELETE CASCADE``: the children were deleted alike (a nullable key changes
  nothing for a cascade: the ORM's ``delete`` cascade deletes them too). ``ondelete="SET NULL"`` kept them
  with a NULL key in bulk deletes while ``session.delete`` deletes them; ``ondelete="RESTRICT"`` refused
  bulk deletes while ``session.delete`` deletes the children first.
- A grandchild whose key to the child has no ``ondelete=``: with the child's key ``ON DELETE CASCADE``
  and ``passive_deletes=True``, ``session.delete(parent)`` failed on the grandchild's foreign key where,
  before, the ORM detached the grandchildren through the child's own relationship.
- ``cascade="all"`` on the many-to-one side (``relationship("Parent", cascade="all")`` on the child):
  ``session.delete(child)`` deleted the parent with it; with a second child (not loaded) it failed on that
  child's key (an IntegrityError).

Fix (**unsafe**, and the rule is off by default: select it with ``--select SQF012`` or
``extend-select``): the child's key gets ``ondelete="CASCADE"`` (a ``ForeignKey``, a one-column
``ForeignKeyConstraint`` of ``__table_args__``, SQLModel's ``Field(ondelete=)`` from SQLModel 0.0.21; in
another file of the run where the key is declared there). What changes: the database deletes the children
on every delete of the parent, raw SQL and bulk deletes included, where they fail today (or leave dangling
rows). ``session.delete()`` is unchanged: the ORM still loads and deletes the children first. The
migration must drop and recreate the foreign key constraint (Alembic's autogenerate sees ``ondelete``).
The fix does **not** add ``passive_deletes=True``, the usual companion: it would stop the ORM loading the
children, so their delete events would no longer fire, and on SQLite without ``PRAGMA foreign_keys=ON``
(optuna's default storage, whose ``delete_study`` is a ``session.delete(study)``) the children would be
left behind; nothing in the models says which databases run them. The message leaves that choice to the
user. A key that already says ``ondelete="CASCADE"`` is not this rule's business, with or without
``passive_deletes``: the database already agrees with the ORM. A collection that already has
``passive_deletes=True`` with a delete cascade but a key without ``ondelete=`` (the delete then fails for
the children not loaded) gets the same fix: it is what the collection already expects.

Reported, not fixed:
- ``cascade="all"`` or containing ``delete`` on the many-to-one side (the class that holds the key):
  deleting one child deletes its parent (with ``single_parent=True``, which SQLAlchemy demands for
  ``delete-orphan`` there, the class owns the row it refers to by design: no finding);
- ``passive_deletes=True`` without a delete cascade where the key has no ``ondelete=``: the delete fails
  while the parent has children the session has not loaded (SQF004 speaks of collections with no
  ``cascade=`` at all);
- a key with ``ondelete="SET NULL"`` or ``"SET DEFAULT"``: the ORM deletes the children, the database keeps
  them; which is meant is the author's to say. (``RESTRICT`` and ``NO ACTION`` written out are a decision:
  raw SQL must delete the children first. No finding.)
- where the key cannot be told for certain: ``primaryjoin=`` (it may select fewer children than the key
  does, and the database would delete them all), several keys to the parent and no ``foreign_keys=``
  naming one, a composite ``ForeignKeyConstraint``, a key declared on a mixin or a base class (its
  ``ondelete`` would act on every table that uses it), a key in a file the run only reads, a class
  sqla-fix cannot find;
- a ``use_alter=True`` key or ``post_update=True`` (a cycle of keys, where the ORM orders the deletes
  and UPDATEs itself);
- a self-referencing collection (the database would delete whole subtrees in one statement);
- soft-deleted rows (a ``deleted``/``deleted_at`` column or a soft-delete base on either class, as SQF004
  reads them): the application deletes by flag, its hard deletes are purge jobs in bulk, and a key that
  refuses to delete a parent with children may be their safety net (barbican purges its children first);
- a child that a joined-inheritance subclass extends, or that other rows reference by a key without
  ``ondelete=`` (and no fix of this run gives it one): a bulk delete would still fail on those rows,
  which the ORM deletes or detaches in order;
- ``secondary=`` with a delete cascade: deleting a parent deletes the targets, shared with other
  parents; no ``ON DELETE`` can say that;
- unknown facts: ``**kwargs``, a base sqla-fix cannot read, a computed ``__table_args__``, a
  cascade that is not a literal.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..picture import ClassKind, ColumnFact, ForeignKeyFact, ModelClass, RelationshipFact
from ..syntax import is_constant, keywords_of, literal_string, positional_of
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import foreign_keys_to, named_columns, owner_table, sqlmodel_at_least, unknown_definition
from .sqf004_cascade import _soft_delete as soft_delete

_SQLMODEL_ONDELETE = (0, 0, 21)  # Field(ondelete=)


class Unknown(str):
    """Why the key of a collection cannot be told: whether the database knows the cascade is unknown too."""


def _deletes(context: RuleContext, relationship: RelationshipFact, cascade: ast.expr | None) -> bool | None:
    """Does the cascade delete the related rows with their parent? None: it cannot be read."""
    if cascade is None:
        return False
    if isinstance(cascade, ast.Constant) and isinstance(cascade.value, bool):  # SQLModel cascade_delete=
        return cascade.value
    text = literal_string(cascade)
    if text is None:
        return None
    from sqlalchemy.orm.util import CascadeOptions

    try:
        return CascadeOptions(text).delete
    except Exception:  # noqa: BLE001 - SQLAlchemy refuses it at configure time: not ours to fix
        return None


def _passive(relationship: RelationshipFact, keywords: dict[str, ast.expr]) -> str | None:
    """"true", "all", "unknown" or None (not passive) for a collection's passive_deletes=."""
    value = keywords.get("passive_deletes")
    if value is None:
        options = relationship.keywords.get("sa_relationship_kwargs")
        if isinstance(options, ast.Dict):
            for key, option in zip(options.keys, options.values):
                if key is not None and literal_string(key) == "passive_deletes":
                    value = option
    if value is None or is_constant(value, False):
        return None
    if is_constant(value, True):
        return "true"
    if literal_string(value) == "all":
        return "all"
    return "unknown"


def _key_to(context: RuleContext, column: ColumnFact, parent: ModelClass) -> ForeignKeyFact | None:
    table = owner_table(context.picture, parent)
    names = {cls.name for cls in context.picture.chain(parent)}
    for fk in column.foreign_keys:
        if (fk.target_table is not None and fk.target_table == table) or fk.target_class in names:
            return fk
    return None


def _quote(context: RuleContext, *calls: ast.Call) -> str:
    for call in calls:
        for node in ast.walk(call):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                segment = context.source.segment(node)
                if segment:
                    return "'" if segment.lstrip("rRbBuU").startswith("'") else '"'
    return '"'


class OrmOnlyCascade(Rule):
    code = "SQF012"
    name = "orm-only-cascade"
    summary = "delete cascade only in the ORM: bulk deletes and raw SQL leave the children or fail"
    fix_safety = UNSAFE
    default_enabled = False
    deciding = """\
Say who deletes the children:
- the database too: `ondelete="CASCADE"` on the child's key (what the unsafe fix writes):
  `mapped_column(ForeignKey("p.id", ondelete="CASCADE"))`, SQLModel `Field(foreign_key="p.id", ondelete="CASCADE")`.
  The migration recreates the foreign key; on SQLite it acts only with `PRAGMA foreign_keys=ON`. Add
  `passive_deletes=True` to the collection yourself where foreign keys are always enforced and no code
  listens to the children's delete events: `session.delete()` then leaves the children to the database;
- the database refuses, on purpose: `ondelete="RESTRICT"` on the key (bulk deletes of a parent with
  children fail; `session.delete()` still deletes them first);
- a many-to-one side that should not delete its parent: `cascade="save-update, merge"`, and the cascade
  on the parent's collection instead;
- `passive_deletes=True` without `ondelete=` on the key: give the key an `ondelete=` (`"CASCADE"`,
  `"SET NULL"` on a nullable key), or remove `passive_deletes`;
- or `# noqa: SQF012` on the reported line (the relationship's statement)."""
    examples = [
        Valid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    cs: Mapped[list["C"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)\n'
              '    ds: Mapped[list["D"]] = relationship(cascade="all, delete-orphan")\n'
              '    es: Mapped[list["E"]] = relationship()\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id", ondelete="CASCADE"))\n'
              'class D(Base):\n    __tablename__ = "d"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id", ondelete="CASCADE"))\n'
              'class E(Base):\n    __tablename__ = "e"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
        Valid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    cs: Mapped[list["C"]] = relationship(back_populates="p")\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'
              '    p: Mapped["P"] = relationship(back_populates="cs", cascade="save-update, merge")\n'
              'class Address(Base):\n    __tablename__ = "addresses"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              'class Person(Base):\n    __tablename__ = "people"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    address_id: Mapped[int] = mapped_column(ForeignKey("addresses.id"))\n'
              '    address: Mapped["Address"] = relationship(cascade="all, delete-orphan", single_parent=True)\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(cascade="all")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n',
                'class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(cascade="all")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id", ondelete="CASCADE"))\n', unsafe=True),
        Invalid("class P(Base):\n    __tablename__ = 'p'\n    id = Column(Integer, primary_key=True)\n"
                "class C(Base):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n"
                "    p_id = Column(Integer, ForeignKey('p.id'), nullable=False)\n"
                "    p = relationship('P', backref=backref('cs', cascade='all'))\n",
                "class P(Base):\n    __tablename__ = 'p'\n    id = Column(Integer, primary_key=True)\n"
                "class C(Base):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n"
                "    p_id = Column(Integer, ForeignKey('p.id', ondelete='CASCADE'), nullable=False)\n"
                "    p = relationship('P', backref=backref('cs', cascade='all'))\n",
                unsafe=True),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'
                '    p: Mapped["P"] = relationship(cascade="all")\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(passive_deletes=True, cascade="save-update, merge")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(cascade="all, delete-orphan")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[Optional[int]] = mapped_column(ForeignKey("p.id", ondelete="SET NULL"))\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(\n'
                '        primaryjoin="and_(P.id == C.p_id, C.hidden == False)", cascade="all, delete-orphan")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    hidden: Mapped[bool]\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for model in context.facts.classes.values():
            if model.kind is not ClassKind.MAPPED:
                continue
            for relationship in model.relationships:
                if relationship.flag("viewonly"):
                    continue
                yield from self._check(context, model, relationship)

    # -- which side, which key ------------------------------------------------------------------------------
    def _check(self, context: RuleContext, model: ModelClass, relationship: RelationshipFact) -> Iterator[Finding]:
        keywords = relationship.keywords
        where = f"`{model.name}.{relationship.name}`"
        deletes = _deletes(context, relationship, keywords.get("cascade"))
        target = context.picture.find_class(relationship.target, context.facts)
        if target is not None and target.kind is not ClassKind.MAPPED:
            return
        if relationship.star_kwargs:
            if deletes:
                yield self._report(relationship, f"Collection {where} has a delete cascade, and whether the database "
                                   "deletes its rows too cannot be told", "its keywords include "
                                   "**kwargs that sqla-fix cannot read (passive_deletes= may be among them)")
            return
        side = self._side(context, model, relationship, target)
        if side == "many-to-one":
            # single_parent=True: the class holding the key owns the row it refers to (a one-to-one written
            # from the owner's side), as SQLAlchemy demands for delete-orphan there: decided
            if deletes and not relationship.flag("single_parent"):
                yield self._many_to_one(context, model, relationship, target)
            yield from self._backref(context, model, relationship, target)
            return
        if deletes is None:
            return
        passive = _passive(relationship, keywords)
        if not deletes:
            if passive == "true" and ("cascade" in keywords or not context.enabled("SQF004")):
                yield from self._passive_without_ondelete(context, model, relationship, target, side)
            return
        if passive in ("all", "unknown"):
            return  # "all" with a delete cascade is refused by SQLAlchemy itself; an expression: unknown
        rows = f"`{relationship.target}` rows" if relationship.target else "rows"
        label = f"Collection {where} deletes its {rows} only in the ORM"
        if "secondary" in keywords:
            yield self._report(relationship, f"Many-to-many {where} has a delete cascade: deleting a `{model.name}` "
                               f"deletes the `{relationship.target}` rows it links to, which other `{model.name}` "
                               "rows may link to as well", "no ON DELETE can say this (the link rows go anyway)",
                               choices='cascade="save-update, merge" (the link rows are still deleted)')
            return
        if target is None:
            target_said = f"the class `{relationship.target}`" if relationship.target else "its target class"
            yield self._report(relationship, self._unknown_label(label), f"sqla-fix cannot find {target_said} to "
                               "check its foreign key")
            return
        finding = self._parent_side(context, model, relationship, target, relationship.call, relationship.call,
                                    named_columns(keywords.get("foreign_keys")), passive, label, side)
        if finding is not None:
            yield finding

    def _side(self, context, model: ModelClass, relationship: RelationshipFact, target) -> str | None:
        """"one-to-many" (the target holds the key: a collection, or a one-to-one's parent side),
        "many-to-one" (this class holds it), "self" (self-referencing collection), or None (not known)."""
        if target is None:
            return "one-to-many" if relationship.collection is not None else None
        if target is model:
            return "many-to-one" if "remote_side" in relationship.keywords else "self"
        named = named_columns(relationship.keywords.get("foreign_keys"))
        to_child = [c for _, c in foreign_keys_to(context.picture, target, model) if not named or c.name in named]
        to_parent = [c for _, c in foreign_keys_to(context.picture, model, target) if not named or c.name in named]
        if to_child and not to_parent:
            return "one-to-many"
        if to_parent and not to_child:
            return "many-to-one"
        if relationship.collection is not None:
            return "one-to-many"
        if relationship.scalar_annotation:
            return "many-to-one"
        return None

    def _backref(self, context, child: ModelClass, relationship: RelationshipFact, parent) -> Iterator[Finding]:
        """relationship("P", backref=backref("cs", cascade=...)) on the child: the collection is the backref."""
        backref = relationship.keywords.get("backref")
        if parent is None or not isinstance(backref, ast.Call) or context.resolver.call_name(backref) != "sa.backref":
            return
        options = keywords_of(backref)
        if "secondary" in relationship.keywords or keyword_flag_true(options, "viewonly"):
            return
        deletes = _deletes(context, relationship, options.get("cascade"))
        if not deletes:
            return
        passive = _passive(RelationshipFact("", backref, backref, None, None, False), options)
        if passive in ("all", "unknown"):
            return
        positional = positional_of(backref)
        name = literal_string(positional[0]) if positional else None
        where = f"`{parent.name}.{name or '...'}` (backref of `{child.name}.{relationship.name}`)"
        label = f"Collection {where} deletes its `{child.name}` rows only in the ORM"
        finding = self._parent_side(context, parent, relationship, child, relationship.call, backref,
                                    named_columns(relationship.keywords.get("foreign_keys")), passive, label,
                                    "one-to-many")
        if finding is not None:
            yield finding

    # -- the findings -------------------------------------------------------------------------------------------
    def _report(self, relationship: RelationshipFact, label: str, why: str, choices: str | None = None) -> Finding:
        choices = choices or ('ondelete="CASCADE" on the key (the database deletes them too), ondelete="RESTRICT" '
                              '(it refuses bulk deletes)')
        return Finding(self.code, relationship.statement,
                       f"{label}; not fixed: {why}; decide: {choices}, or # noqa: SQF012")

    @staticmethod
    def _unknown_label(label: str) -> str:
        """"Collection `P.cs` deletes its `C` rows only in the ORM" said of what cannot be seen."""
        head = label.split(" deletes its ", 1)[0]
        return f"{head} has a delete cascade, and whether the database deletes its rows too cannot be told"

    def _many_to_one(self, context, model: ModelClass, relationship: RelationshipFact, target) -> Finding:
        parent = target.name if target is not None else relationship.target
        return Finding(
            self.code, relationship.statement,
            f"`{model.name}.{relationship.name}` is the many-to-one side (`{model.name}` holds the key) with a "
            f"delete cascade: deleting one `{model.name}` deletes its `{parent}`, and with it or failing on every "
            f"other `{model.name}` of that `{parent}`; not fixed: where the cascade belongs is the author's to say; "
            f'decide: cascade="save-update, merge" here and the delete cascade on `{parent}`\'s collection '
            f'(back_populates=, or backref=backref("...", cascade="all, delete-orphan")), or # noqa: SQF012')

    def _passive_without_ondelete(self, context, model, relationship, target, side) -> Iterator[Finding]:
        if target is None or side != "one-to-many":
            return
        named = named_columns(relationship.keywords.get("foreign_keys"))
        keys = [(cls, c) for cls, c in foreign_keys_to(context.picture, target, model) if not named or c.name in named]
        if not keys or any((fk := _key_to(context, c, model)) is None or fk.ondelete for _, c in keys):
            return
        if unknown_definition(context.picture, target) or unknown_definition(context.picture, model):
            return
        names = ", ".join(f"`{target.name}.{c.name}`" for _, c in keys)
        yield Finding(
            self.code, relationship.statement,
            f"`{model.name}.{relationship.name}` has passive_deletes=True but {names} has no ondelete=: deleting "
            f"a `{model.name}` whose `{target.name}` rows are not loaded fails with a foreign-key IntegrityError "
            "(on SQLite without PRAGMA foreign_keys=ON they are left pointing at a deleted row); not fixed: what "
            f"the database should do to them is the author's to say; decide: ondelete=\"CASCADE\" or "
            f'ondelete="SET NULL" (a nullable key) on the key, remove passive_deletes, or # noqa: SQF012')

    def _parent_side(self, context: RuleContext, parent: ModelClass, relationship: RelationshipFact,
                     child: ModelClass, statement_call: ast.Call, collection_call: ast.Call, named, passive,
                     label: str, side) -> Finding | None:
        """The collection `parent` -> `child` with a delete cascade the database does not know: fixed where the
        key is certain, else reported."""
        keywords = keywords_of(collection_call) if collection_call is not relationship.call else relationship.keywords
        why = self._blocker(context, parent, relationship, child, named, keywords, side)
        if isinstance(why, Unknown):
            return self._report(relationship, self._unknown_label(label), why)
        if isinstance(why, str):
            return self._report(relationship, label, why)
        declaring, column, fk = why
        if fk.ondelete is not None and fk.ondelete.upper() in ("CASCADE", "RESTRICT", "NO ACTION"):
            return None  # the database agrees, or refuses on purpose: the author has said what it does
        if fk.ondelete is not None:
            said = f'ondelete="{fk.ondelete}"'
            return self._report(relationship, f"{label}: `{child.name}.{column.name}` has {said}, so a bulk "
                                "delete or raw SQL " + ("sets their key to NULL and keeps them"
                                                        if fk.ondelete.upper() == "SET NULL" else
                                                        f"acts by {said} and keeps them"),
                                "the ORM and the database disagree, and which is meant is the author's to say",
                                choices=f'ondelete="CASCADE", keep {said} and a cascade without delete '
                                        '(cascade="save-update, merge")')
        key_plan_needed = declaring.module is not context.facts
        quote = _quote(context, collection_call, fk.call)
        sqlmodel = child.sqlmodel and fk.call is not None and context.resolver.call_name(fk.call) != "sa.ForeignKey"

        def fix(plan) -> bool:
            key_plan = context.plan_for(declaring.module) if key_plan_needed else plan
            if key_plan is None or fk.call is None:
                return False
            key_plan.add_keyword(fk.call, "ondelete", f"{quote}CASCADE{quote}")
            return True

        if sqlmodel and not sqlmodel_at_least(_SQLMODEL_ONDELETE):
            return self._report(relationship, label, "the installed SQLModel is older than 0.0.21, which has no "
                                "Field(ondelete=)")
        if key_plan_needed and context.plan_for(declaring.module) is None:
            return self._report(relationship, label, f"`{child.name}.{column.name}` is declared in "
                                f"{declaring.module.path.name}, which this run only reads (run on both files)")
        if passive == "true":
            return Finding(
                self.code, relationship.statement,
                f"{label}: it has passive_deletes=True but `{child.name}.{column.name}` has no ondelete=, so "
                f"deleting a `{parent.name}` whose `{child.name}` rows are not loaded fails with a foreign-key "
                "IntegrityError, and bulk deletes too; the fix adds ondelete=\"CASCADE\" (what passive_deletes "
                "expects): the database then deletes them on every delete of the parent, raw SQL included "
                "(the migration recreates the foreign key; SQLite needs PRAGMA foreign_keys=ON)",
                fix=fix, safety=UNSAFE)
        return Finding(
            self.code, relationship.statement,
            f"{label}: a bulk delete(`{parent.name}`) or raw SQL fails on `{child.name}.{column.name}` (or, where "
            "foreign keys are not enforced, leaves the children pointing at a deleted row); the fix adds "
            "ondelete=\"CASCADE\" to the key: the database then deletes them on every delete of the parent, raw "
            "SQL and bulk deletes included (session.delete() still deletes them through the ORM first, events "
            "included), and the migration recreates the foreign key; passive_deletes=True is left to you: it "
            "stops the ORM loading them, so their delete events no longer fire and SQLite without PRAGMA "
            "foreign_keys=ON keeps them",
            fix=fix, safety=UNSAFE)

    def _blocker(self, context, parent, relationship, child, named, keywords, side, visiting=frozenset()):
        """(declaring class, key column, its ForeignKeyFact) where the key is certain, else why not."""
        picture = context.picture
        if side == "self" or child is parent:
            return "it is self-referencing (the database would delete whole subtrees in one statement)"
        if side != "one-to-many":
            return Unknown(f"the foreign key between `{parent.name}` and `{child.name}` could not be told")
        every = foreign_keys_to(picture, child, parent)
        keys = [(cls, c) for cls, c in every if not named or c.name in named]
        if not keys:
            return Unknown(f"no foreign key from `{child.name}` to `{parent.name}` was found")
        if len(keys) > 1:
            names = ", ".join(c.name for _, c in keys)
            return Unknown(f"`{child.name}` has several foreign keys to `{parent.name}` ({names}) and foreign_keys= "
                           "names none")
        declaring, column = keys[0]
        fk = _key_to(context, column, parent)
        if fk is None:
            return Unknown(f"the key `{child.name}.{column.name}` could not be read")
        if fk.ondelete is not None:
            return declaring, column, fk  # the database already acts: agreeing (quiet) or not (reported)
        if "primaryjoin" in relationship.keywords:
            return ("its primaryjoin= may select fewer rows than the foreign key does, and the database would "
                    "delete every row of the key")
        if relationship.flag("post_update") or keyword_flag_true(keywords, "post_update"):
            return "it has post_update=True (a cycle of keys, whose deletes the ORM orders itself)"
        for cls in (parent, child):
            unknown = unknown_definition(picture, cls)
            if unknown:
                return f"`{cls.name}`: {unknown}"
        soft = soft_delete(context, parent, child)
        if soft:  # hard deletes are purge jobs there, whose refusal by the key may be the safety net
            return (f"{soft}; its hard deletes are purges, where a database cascade would delete live "
                    f"`{child.name}` rows of a purged `{parent.name}`")
        if declaring is not child:
            return (f"`{child.name}.{column.name}` is declared on `{declaring.name}`: its ondelete would act on "
                    "every table that uses it")
        if fk.composite:
            return f"`{child.name}.{column.name}` is part of a composite ForeignKeyConstraint"
        if fk.use_alter:
            return f"`{child.name}.{column.name}` has use_alter=True (a cycle of keys, whose deletes the ORM orders)"
        if fk.call is None:
            return f"the key `{child.name}.{column.name}` could not be located to edit"
        for other in parent.relationships:
            if other is relationship or other.flag("viewonly") or other.target != child.name:
                continue
            if "cascade" not in other.keywords:
                return (f"`{parent.name}.{other.name}` reaches the same `{child.name}` rows without a cascade, and "
                        "SQF004 decides that one")
        subclass = self._joined_subclass(context, child)
        if subclass is not None:
            return (f"`{subclass.name}` extends `{child.name}` with a table of its own, whose rows refer to the "
                    f"`{child.name}` rows without ondelete=: a bulk delete would still fail on them (the ORM deletes "
                    "them first)")
        referring = self._referring_key(context, child, visiting | {parent})
        if referring is not None:
            return (f"`{referring}` refers to `{child.name}` without ondelete= (nor a fix of this run): a bulk delete "
                    f"would still fail on it, where the ORM deletes or detaches those rows in order")
        return declaring, column, fk

    def _joined_subclass(self, context, child: ModelClass) -> ModelClass | None:
        for module in context.picture.modules:
            if module.root != child.module.root:
                continue
            for cls in module.classes.values():
                if cls is not child and cls.inheritance == "joined" and child in context.picture.chain(cls):
                    return cls
        return None

    def _referring_key(self, context, child: ModelClass, visiting: frozenset = frozenset()) -> str | None:
        """A key of any table of the project (the child's own included) to the child's table without an
        ondelete= that would let the database delete the child rows, unless this rule gives it
        ON DELETE CASCADE in this same run (the grandchildren's collection is fixed too)."""
        table = owner_table(context.picture, child)
        names = {child.name}
        for module in context.picture.modules:
            if module.root != child.module.root:
                continue
            owners = [*(c for c in module.classes.values() if c.kind is not ClassKind.OTHER), *module.tables.values()]
            for owner in owners:
                for column in owner.columns.values():
                    for fk in column.foreign_keys:
                        if not ((table is not None and fk.target_table == table) or fk.target_class in names):
                            continue
                        if fk.ondelete is not None and fk.ondelete.upper() not in ("NO ACTION", "RESTRICT"):
                            continue
                        if fk.ondelete is None and isinstance(owner, ModelClass) and self._fixed_in_this_run(
                                context, child, owner, fk, visiting | {child}):
                            continue
                        return f"{owner.name}.{column.name}"
        return None

    def _fixed_in_this_run(self, context, parent: ModelClass, child: ModelClass, fk: ForeignKeyFact,
                           visiting: frozenset) -> bool:
        """Does this rule give `fk` (the child's key to `parent`) ON DELETE CASCADE in this run, through one
        of `parent`'s collections (or a backref on `child`)?"""
        if child in visiting:
            return False
        candidates = [(parent, r, r.call, r.keywords) for r in parent.relationships if r.target == child.name]
        for r in child.relationships:
            backref = r.keywords.get("backref")
            if r.target == parent.name and isinstance(backref, ast.Call):
                candidates.append((child, r, backref, keywords_of(backref)))
        for model, relationship, call, keywords in candidates:
            if relationship.flag("viewonly") or relationship.star_kwargs or "secondary" in relationship.keywords:
                continue
            if not _deletes(context, relationship, keywords.get("cascade")):
                continue
            passive = _passive(relationship, keywords) if call is relationship.call else \
                _passive(RelationshipFact("", call, call, None, None, False), keywords)
            if passive in ("all", "unknown"):
                continue
            if not self._runs_at(context, model, relationship):
                continue
            side = "one-to-many" if call is not relationship.call else self._side(context, model, relationship, child)
            found = self._blocker(context, parent, relationship, child, named_columns(
                relationship.keywords.get("foreign_keys")), keywords, side, visiting)
            if isinstance(found, tuple) and found[2] is fk and fk.ondelete is None:
                if found[0].module is context.facts or context.plan_for(found[0].module) is not None:
                    return True
        return False

    def _runs_at(self, context, model: ModelClass, relationship: RelationshipFact) -> bool:
        """Does this rule run on the relationship's file, unsilenced there, in this run?"""
        where = model.module
        if where is not context.facts and context.plan_for(where) is None:
            return False
        return context.will_fix(self.code, relationship.statement, where)


def keyword_flag_true(keywords: dict[str, ast.expr], name: str) -> bool:
    value = keywords.get(name)
    return value is not None and not is_constant(value, False)
