"""SQF004 parent-side one-to-many relationship without cascade.

With the default cascade (``save-update, merge``) ``session.delete(parent)`` loads the children and
sets their foreign key to NULL: with a nullable key they are kept as orphans, with a NOT NULL key the
flush raises an IntegrityError and nothing is deleted. The key's ``ondelete=`` acts only where the ORM
leaves the children to the database: with ``passive_deletes=True`` (the children not loaded) and in
bulk ``delete()`` statements. ``cascade="all, delete-orphan"`` on the parent's collection deletes the
children with their parent, and a child removed from the collection.

Fix: ``cascade="all, delete-orphan"`` on the collection side: a ``list[...]``/``set[...]``/
``WriteOnlyMapped``/``DynamicMapped`` annotation, or a classic ``relationship("Child")`` whose child
table holds the foreign key to this one. A ``WriteOnlyMapped`` collection cannot be loaded to delete
its children (the ORM raises on ``session.delete(parent)``): it also gets ``passive_deletes=True``
and the child's key ``ondelete="CASCADE"``. A collection made by ``backref="children"`` on the child
becomes ``backref=backref("children", cascade="all, delete-orphan")``.

The fix is **unsafe**: it deletes rows that are kept today (or whose parent cannot be deleted today,
with a NOT NULL key), so it is applied only with ``--unsafe-fixes``. Delete-orphan means "the child
cannot exist without its parent". It is applied only when that holds:
- the child's foreign key is NOT NULL as the author wrote it, or made NOT NULL by SQF002's (unsafe)
  fix in this same run; in that case also no other foreign key of the child, to another table, stays
  nullable (a row of an incident *or* of a case has no single owner);
- the child is not an entity in its own right (setting ``entity-nouns``: users, accounts, members,
  players, customers...: removing a user from a team must not delete the account);
- the parent is not a lookup table (setting ``lookup-nouns``: types, categories, statuses,
  priorities, roles, groups, tags...: deleting a category must not delete its posts);
- its keywords include no ``**kwargs`` (``cascade`` may be among them);
- the relationship is not self-referencing (deleting a node would delete its whole subtree);
- the child is not a record that must outlive its owner (setting ``record-nouns``: orders,
  invoices, payments, transactions, ledger entries, audit logs, events; matched on the child class's
  head noun: ``Order`` is such a record, ``OrderItem`` is not).
- the child has one foreign key to the parent's table: a ``Message`` with ``sender_id`` and
  ``recipient_id`` belongs to two users, and deleting one would delete it for the other.
Everywhere else it is reported and left alone. Never on the many-to-one side, never with
``secondary=`` (delete-orphan on many-to-many raises), ``viewonly=True``, or an explicit ``cascade=``.

When the child's key is in a file the run only reads (pre-commit passes one changed file), a
write-only collection is reported, not fixed: ``passive_deletes=True`` without ``ON DELETE CASCADE``
on the key would make every delete fail. Run on both files to fix them together.

A write-only many-to-many (``WriteOnlyMapped`` with ``secondary=``) raises on ``session.delete()``
for the same reason as a write-only one-to-many; it gets ``passive_deletes=True`` and
``ondelete="CASCADE"`` on the link table's keys to this table (link rows never outlive either side,
so this is what the ORM would have done). ``ON DELETE`` needs ``PRAGMA foreign_keys=ON`` on SQLite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..names import prefix_of
from ..picture import ClassKind, ModelClass, RelationshipFact, keyword_flag
from ..syntax import (
    arguments_in_order,
    is_constant,
    keywords_of,
    literal_string,
    positional_of,
)
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import (
    all_columns,
    foreign_keys_to,
    head_noun_matches,
    key_tables,
    named_columns,
    owner_table,
    sqlmodel_at_least,
    unknown_definition,
)
from .sqf002_fk_nullable import not_null_as_written, will_be_not_null

CASCADE = "all, delete-orphan"
DEFAULT_CASCADE = "save-update, merge"  # the ORM's default, written out
SQLITE_NOTE = "ON DELETE needs PRAGMA foreign_keys=ON on SQLite"


class ParentWithoutCascade(Rule):
    code = "SQF004"
    name = "parent-relationship-without-cascade"
    summary = "parent-side one-to-many relationship without cascade"
    fix_safety = UNSAFE
    deciding = """\
Write the cascade you mean on the parent's collection; on a one-to-many collection any explicit `cascade=`
silences the rule:
- `cascade="all, delete-orphan"`: a child cannot exist without its parent. Deleting the parent deletes
  its children, and so does removing a child from the collection (what the unsafe fix writes). With
  `passive_deletes=True` and `ondelete="CASCADE"` on the child's key, the database deletes the children
  the session has not loaded;
- `cascade="save-update, merge"`: the default, written out: the children outlive their parent.
  `session.delete(parent)` then sets their key to NULL (a nullable key: they are kept as orphans) or
  raises an IntegrityError (a NOT NULL key: the parent cannot be deleted while it has children);
- `cascade="save-update, merge", passive_deletes="all"` with an `ondelete=` on the child's key
  (`"CASCADE"`, `"SET NULL"`, `"RESTRICT"`): the database alone decides, for `session.delete()` and bulk
  deletes alike (SQLite enforces it only with `PRAGMA foreign_keys=ON`). With `passive_deletes=True`
  the ORM still sets the key of the children loaded in the session to NULL. Without an `ondelete=`, the
  database refuses to delete a parent whose children are left to it.

A `WriteOnlyMapped` collection cannot be loaded to delete or update its children: give it
`passive_deletes=True` and the key an `ondelete=` with either cascade. A collection made by
`backref="children"` on the child takes the cascade in `backref=backref("children", cascade=...)`.
SQLModel: `Relationship(cascade_delete=True)` or `cascade_delete=False` (before SQLModel 0.0.21,
`sa_relationship_kwargs={"cascade": ...}`). A write-only many-to-many (`secondary=`) is settled by
`passive_deletes=True`, with `ondelete="CASCADE"` on the link table's keys.

Or keep the relationship as it is with `# noqa: SQF004` on the reported line (the relationship's
statement; for a backref, the child's `relationship(...)`)."""
    examples = [
        Valid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    cs: Mapped[list["C"]] = relationship(back_populates="p", cascade="save-update")\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'
              '    p: Mapped["P"] = relationship(back_populates="cs")\n'),
        Valid('link = Table("link", Base.metadata, Column("p_id", ForeignKey("p.id"), primary_key=True),\n'
              '             Column("t_id", ForeignKey("t.id"), primary_key=True))\n'
              'class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    ts: Mapped[list["T"]] = relationship(secondary=link)\n'
              'class T(Base):\n    __tablename__ = "t"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship()\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n',
                'class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(cascade="all, delete-orphan")\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n', unsafe=True),
        Invalid('link = Table("link", Base.metadata,\n'
                '             Column("p_id", ForeignKey("p.id", ondelete="RESTRICT"), primary_key=True),\n'
                '             Column("t_id", ForeignKey("t.id"), primary_key=True))\n'
                'class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    ts: WriteOnlyMapped["T"] = relationship(secondary=link)\n'
                'class T(Base):\n    __tablename__ = "t"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'),
        Invalid('class Customer(Base):\n    __tablename__ = "customers"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    orders: Mapped[list["Order"]] = relationship()\n'
                'class Order(Base):\n    __tablename__ = "orders"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship()\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[Optional[int]] = mapped_column(ForeignKey("p.id"))\n'),
        Invalid('class Team(Base):\n    __tablename__ = "teams"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    members: Mapped[list["User"]] = relationship()\n'
                'class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))\n'),
        Invalid('class Category(Base):\n    __tablename__ = "categories"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    posts: Mapped[list["Post"]] = relationship()\n'
                'class Post(Base):\n    __tablename__ = "posts"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    deleted: Mapped[bool] = mapped_column(default=False)\n'
                '    cs: Mapped[list["C"]] = relationship()\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
        Invalid('class P(Base):\n    __tablename__ = "p"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    cs: Mapped[list["C"]] = relationship(**common)\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for parent in context.facts.classes.values():
            if parent.kind is not ClassKind.MAPPED:
                continue
            for relationship in parent.relationships:
                yield from self._check_relationship(context, parent, relationship)

    def _check_relationship(self, context, model: ModelClass, relationship: RelationshipFact):
        keywords = relationship.keywords
        if relationship.flag("viewonly"):
            return
        if "secondary" in keywords:
            if relationship.collection == "write_only" and "passive_deletes" not in keywords:
                yield self._write_only_link(context, model, relationship)
            return
        if relationship.flag("uselist") is False:
            return
        target = context.picture.find_class(relationship.target, context.facts)
        if target is not None and target.kind is not ClassKind.MAPPED:
            return
        direction = self._direction(context, model, relationship, target)
        if direction == "many-to-one":
            yield from self._check_backref(context, model, relationship, target)
            return
        if direction != "one-to-many" or "cascade" in keywords:
            return
        where = f"`{model.name}.{relationship.name}`"
        if relationship.star_kwargs:
            yield Finding(self.code, relationship.statement,
                          f"Collection {where} may have no cascade, but its keywords include **kwargs that "
                          f"sqla-fix cannot read; not fixed; decide: {' or '.join(_choices(model))} in the call, or "
                          "# noqa: SQF004")
            return
        if target is None:
            yield Finding(self.code, relationship.statement,
                          f"Collection {where} has no cascade, and sqla-fix cannot find its class "
                          f"`{relationship.target}` to check its foreign key; not fixed; decide: "
                          f"{' or '.join(_choices(model))}, or # noqa: SQF004")
            return
        write_only = relationship.collection == "write_only"
        quote = _quote(context, relationship.call)

        def make_fix(declaring, fk_column):
            fk = fk_column.foreign_keys[0]
            if write_only and fk.ondelete and fk.ondelete.upper() != "CASCADE":
                return (f'`{target.name}.{fk_column.name}` has ondelete="{fk.ondelete}", and a write-only '
                        "collection needs CASCADE")

            def fix(plan) -> bool:
                if model.sqlmodel:
                    _sqlmodel_cascade(plan, relationship.call, quote)
                    return True
                key_plan = None
                if write_only and fk.ondelete is None:
                    # passive_deletes without ON DELETE CASCADE is a trap (IntegrityError): both or neither,
                    # the key's file possibly another one of the run
                    key_plan = context.plan_for(declaring.module) if isinstance(declaring, ModelClass) else plan
                    if key_plan is None or fk.call is None:
                        return False
                plan.add_keyword(relationship.call, "cascade", f"{quote}{CASCADE}{quote}")
                if write_only and "passive_deletes" not in keywords:
                    plan.add_keyword(relationship.call, "passive_deletes", "True")
                if key_plan is not None:
                    key_plan.add_keyword(fk.call, "ondelete", f"{quote}CASCADE{quote}")
                return True

            return fix

        note = f" (write-only: passive_deletes=True and ondelete=\"CASCADE\"; {SQLITE_NOTE})" if write_only else ""
        yield self._judged(context, relationship, where, model, target, make_fix, note,
                           passive=keywords.get("passive_deletes"), write_only=write_only)

    def _write_only_link(self, context, model: ModelClass, relationship: RelationshipFact) -> Finding:
        """A write-only many-to-many: the ORM cannot load it to delete the link rows with their parent."""
        where = f"`{model.name}.{relationship.name}`"
        flaw = (f"Write-only many-to-many {where} cannot be loaded to delete its link rows: "
                f"session.delete() of a `{model.name}` raises")
        secondary = relationship.keywords["secondary"]
        name = secondary.id if isinstance(secondary, ast.Name) else literal_string(secondary)
        table = next((t for t in context.facts.tables.values() if name in (t.variable, t.name)), None)
        parent_table = owner_table(context.picture, model)
        keys = [
            fk for column in (table.columns.values() if table else ())
            for fk in column.foreign_keys if fk.target_table == parent_table or fk.target_class == model.name
        ]
        if not keys or any(fk.call is None for fk in keys):
            why = (f"none of `{name}`'s keys could be matched to `{model.name}`" if table
                   else f"`{name}` is not defined in this file")
            return Finding(self.code, relationship.statement,
                           f"{flaw}; not fixed: {why}; decide: passive_deletes=True, with ondelete=\"CASCADE\" on "
                           "the link table's keys, or # noqa: SQF004")
        if any(fk.ondelete and fk.ondelete.upper() != "CASCADE" for fk in keys):
            return Finding(self.code, relationship.statement,
                           f"{flaw}; the link table's keys have another ondelete: not fixed; decide: "
                           "passive_deletes=True (their ondelete then acts in the database), or # noqa: SQF004")
        quote = _quote(context, relationship.call)

        def fix(plan) -> bool:
            plan.add_keyword(relationship.call, "passive_deletes", "True")
            for fk in keys:
                if fk.ondelete is None:
                    plan.add_keyword(fk.call, "ondelete", f"{quote}CASCADE{quote}")
            return True

        return Finding(self.code, relationship.statement,
                       f"{flaw}; the fix lets the database delete the link rows instead ({SQLITE_NOTE})",
                       fix=fix, safety=UNSAFE)

    def _check_backref(self, context, child: ModelClass, relationship: RelationshipFact, parent):
        """relationship("Post", backref="comments") on the child: the collection lives on the parent."""
        backref = relationship.keywords.get("backref")
        if backref is None or parent is None or "secondary" in relationship.keywords:
            return
        if not foreign_keys_to(context.picture, child, parent):
            return  # a one-to-one whose key is on the other side: its backref is the many-to-one side
        collection_name = literal_string(backref)
        backref_call = None
        passive = None
        if collection_name is None:
            if context.resolver.call_name(backref) != "sa.backref":
                return
            backref_keywords = keywords_of(backref)
            if keyword_flag(backref_keywords, "uselist") is False or keyword_flag(backref_keywords, "viewonly"):
                return
            if "cascade" in backref_keywords or "secondary" in backref_keywords:
                return
            positional = positional_of(backref)
            collection_name = literal_string(positional[0]) if positional else None
            backref_call = backref
            passive = backref_keywords.get("passive_deletes")
        where = f"`{parent.name}.{collection_name}` (backref of `{child.name}.{relationship.name}`)"
        quote = _quote(context, relationship.call)

        def make_fix(_declaring, _fk_column):
            def fix(plan) -> bool:
                if backref_call is not None:
                    plan.add_keyword(backref_call, "cascade", f"{quote}{CASCADE}{quote}")
                    return True
                imports: list[tuple[str, str]] = []
                spelled = context.spelling.sqlalchemy("backref", prefix_of(relationship.call.func), imports)
                if spelled is None:
                    return False
                plan.replace(backref, f"{spelled}({context.source.segment(backref)}, "
                                      f"cascade={quote}{CASCADE}{quote})", schema=False)
                for module, name in imports:
                    plan.add_import(module, name)
                return True

            return fix

        yield self._judged(context, relationship, where, parent, child, make_fix, passive=passive,
                           backref_name=collection_name or "...")

    def _judged(
        self, context, relationship, where: str, parent: ModelClass, child: ModelClass, make_fix, note: str = "",
        passive=None, write_only: bool = False, backref_name: str | None = None,
    ) -> Finding:
        """The finding for a collection without cascade, with a fix where delete-orphan is right. `passive` is
        the collection's passive_deletes= (its expression), `backref_name` the collection a backref makes."""
        flaw = f"Collection {where} has no cascade: deleting the `{parent.name}` "
        named = named_columns(relationship.keywords.get("foreign_keys"))
        verdict = self._verdict(context, parent, child, named)
        join = relationship.keywords.get("primaryjoin")
        if join is not None and "deleted" in ast.unparse(join).lower():
            verdict = "its join condition filters soft-deleted rows: the rows are kept on purpose"
        fix = verdict if isinstance(verdict, str) else make_fix(*verdict)
        happens = _what_happens(context, child, named, parent, passive, write_only)
        if isinstance(fix, str):
            goes, kept = _choices(parent, backref_name)
            loading = (", each with passive_deletes=True and an ondelete= on the key (a write-only collection "
                       "cannot be loaded)" if write_only else "")
            return Finding(self.code, relationship.statement,
                           f"{flaw}{happens}; not fixed: {fix}; decide: {goes} (the `{child.name}` rows go with "
                           f"it), {kept} (the default, written out: they outlive it){loading}, or # noqa: SQF004")
        return Finding(self.code, relationship.statement,
                       f"{flaw}{happens}; the fix deletes them with it{note}", fix=fix, safety=UNSAFE)

    def _direction(self, context, model, relationship, target) -> str | None:
        if relationship.collection is not None:
            return "one-to-many"
        if relationship.scalar_annotation:
            return "many-to-one"
        if target is None:
            return None
        if relationship.flag("uselist") or literal_string(relationship.keywords.get("lazy")) == "dynamic":
            return "one-to-many"
        if target is model:
            # A self-referencing classic relationship: remote_side marks the many-to-one side.
            return "many-to-one" if "remote_side" in relationship.keywords else "one-to-many"
        picture = context.picture
        named = named_columns(relationship.keywords.get("foreign_keys"))
        to_child = [c for _, c in foreign_keys_to(picture, target, model) if not named or c.name in named]
        to_parent = [c for _, c in foreign_keys_to(picture, model, target) if not named or c.name in named]
        if to_child and not to_parent:
            return "one-to-many"
        if to_parent and not to_child:
            return "many-to-one"
        return None

    def _verdict(self, context, parent: ModelClass, child: ModelClass, named: set[str] | None):
        """(declaring class, the child's foreign-key column) when delete-orphan is right, else why not."""
        if child is parent:
            return "it is self-referencing (deleting a node would delete its whole subtree)"
        every_key = foreign_keys_to(context.picture, child, parent)
        keys = [(cls, c) for cls, c in every_key if not named or c.name in named]
        if not keys:
            return f"no foreign key from `{child.name}` to `{parent.name}` was found"
        if len(every_key) > 1:
            names = ", ".join(c.name for _, c in every_key)
            return (f"`{child.name}` has several foreign keys to `{parent.name}` ({names}): a row belongs to "
                    f"more than one `{parent.name}`, and deleting one would delete it for the others")
        declaring, column = keys[0]
        if not will_be_not_null(context, declaring, column):
            return f"`{child.name}.{column.name}` is nullable, so `{child.name}` rows may exist without a parent"
        for cls in (parent, child):
            unknown = unknown_definition(context.picture, cls)
            if unknown:
                return f"`{cls.name}`: {unknown} (it may keep its rows, soft-delete them, or cascade already)"
        soft = _soft_delete(context, parent, child)
        if soft:
            return soft
        config = context.config
        noun = head_noun_matches(child.name, config.record_nouns)
        if noun is not None:
            return f"`{child.name}` rows are records ({noun}) that should outlive their `{parent.name}`"
        noun = head_noun_matches(child.name, config.entity_nouns)
        if noun is not None:
            return (f"`{child.name}` is an entity in its own right ({noun}): removing one from the collection "
                    "must not delete it")
        noun = head_noun_matches(parent.name, config.lookup_nouns)
        if noun is not None:
            return (f"`{parent.name}` looks like a lookup table ({noun}): deleting one must not delete what "
                    "refers to it")
        # another parent's key that may be NULL: a row may belong to that parent instead (an incident *or* a
        # case), whether this key is NOT NULL as written or made so by SQF002 (a second run could not tell)
        other = _nullable_sibling_owner(context, child, column)
        if other is not None:
            return (f"`{child.name}.{other}` is another parent's key that stays nullable: a row may belong "
                    f"to that parent instead of a `{parent.name}`")
        return declaring, column


_SOFT_DELETE_COLUMNS = {"deleted", "deleted_at", "is_deleted", "deleted_on", "deleted_date", "removed_at",
                        "archived_at", "is_archived"}


def _soft_delete(context, parent: ModelClass, child: ModelClass) -> str | None:
    """Rows that are soft-deleted (a `deleted` flag or time, a SoftDelete mixin) are kept on purpose; a
    cascade would hard-delete them, live children of a purged parent included."""
    for cls in (parent, child):
        for ancestor in context.picture.chain(cls):
            flags = _SOFT_DELETE_COLUMNS & set(ancestor.columns) or _SOFT_DELETE_COLUMNS & ancestor.other_attributes
            if flags:
                return f"`{cls.name}` rows are soft-deleted (`{sorted(flags)[0]}`): they are kept on purpose"
            if any("softdelete" in base.lower().replace("_", "") for base in ancestor.unresolved_bases) or \
                    "softdelete" in ancestor.name.lower():
                return f"`{cls.name}` rows are soft-deleted (a soft-delete base): they are kept on purpose"
    return None


def _what_happens(context, child: ModelClass, named, parent: ModelClass, passive=None, write_only=False) -> str:
    """What deleting the parent does to the children today: with the ORM's default the flush sets their key to
    NULL (orphans, or an IntegrityError on a NOT NULL key); with passive_deletes the database's ON DELETE acts;
    a write-only collection cannot be loaded for either, and session.delete() raises."""
    keys = [c for cls, c in foreign_keys_to(context.picture, child, parent) if not named or c.name in named]
    not_null = bool(keys) and all(not_null_as_written(context, cls, c) for cls, c in foreign_keys_to(
        context.picture, child, parent) if not named or c.name in named)
    ondeletes = sorted({fk.ondelete.upper() for c in keys for fk in c.foreign_keys if fk.ondelete})
    rows = f"`{child.name}` rows"
    if passive is not None and not is_constant(passive, False):
        mode = literal_string(passive)
        if mode == "all":
            return f"leaves its {rows} to the database (passive_deletes=\"all\"), which {_on_delete(ondeletes, not_null)}"
        return (f"leaves the {rows} it has not loaded to the database (passive_deletes={ast.unparse(passive)}), "
                f"which {_on_delete(ondeletes, not_null)}")
    if write_only:
        return (f"raises an InvalidRequestError: the ORM cannot load a write-only collection to set the key of "
                f"its {rows} to NULL")
    if not_null:
        happens = f"raises an IntegrityError while it has {rows}: the ORM sets their NOT NULL key to NULL"
    else:
        happens = f"orphans its {rows}: the ORM sets their key to NULL and keeps them"
    if ondeletes:
        said = ", ".join(f'ondelete="{ondelete}"' for ondelete in ondeletes)
        happens += f" (the key's {said} acts only with passive_deletes=True, or in bulk deletes)"
    return happens


def _on_delete(ondeletes: list[str], not_null: bool) -> str:
    """What the database does to the children of a deleted parent, by their key's ON DELETE."""
    if len(ondeletes) > 1:
        return "acts by each key's ondelete"
    ondelete = ondeletes[0] if ondeletes else None
    if ondelete == "CASCADE":
        return 'deletes them (ondelete="CASCADE")'
    if ondelete == "SET NULL":
        return ('fails to set their NOT NULL key to NULL (ondelete="SET NULL": an IntegrityError)' if not_null
                else 'sets their key to NULL (ondelete="SET NULL")')
    if ondelete == "SET DEFAULT":
        return 'sets their key to its server default (ondelete="SET DEFAULT")'
    said = f'ondelete="{ondelete}"' if ondelete else "no ondelete"
    return f"refuses the delete while they exist ({said}: an IntegrityError where foreign keys are enforced)"


def _choices(parent: ModelClass, backref_name: str | None = None) -> tuple[str, str]:
    """The explicit cascades that settle the finding, as the parent's style writes them."""
    if parent.sqlmodel and backref_name is None:
        if sqlmodel_supports_cascade_delete():
            return "cascade_delete=True", "cascade_delete=False"
        return tuple(f'sa_relationship_kwargs={{"cascade": "{cascade}"}}' for cascade in (CASCADE, DEFAULT_CASCADE))
    if backref_name is not None:
        return tuple(f'backref=backref("{backref_name}", cascade="{cascade}")' for cascade in (CASCADE, DEFAULT_CASCADE))
    return f'cascade="{CASCADE}"', f'cascade="{DEFAULT_CASCADE}"'


def _nullable_sibling_owner(context, child: ModelClass, column) -> str | None:
    """Another foreign key of the child, to another table, that will still be nullable after this run."""
    table = owner_table(context.picture, child)
    own = key_tables(context.picture, column, child.module)
    for declaring, sibling in all_columns(context.picture, child).values():
        if sibling is column or not sibling.foreign_keys or sibling.primary_key:
            continue
        targets = key_tables(context.picture, sibling, child.module)
        if not targets or targets & own or (table is not None and table in targets):
            continue
        if not will_be_not_null(context, declaring, sibling):
            return sibling.name
    return None


def _sqlmodel_cascade(plan, call: ast.Call, quote: str) -> None:
    """`cascade_delete=True` (SQLModel 0.0.21 and later, which makes it "all, delete-orphan"), else the
    SQLAlchemy keyword through `sa_relationship_kwargs`."""
    if sqlmodel_supports_cascade_delete():
        plan.add_keyword(call, "cascade_delete", "True")
    else:
        plan.add_keyword(call, "sa_relationship_kwargs", f"{{{quote}cascade{quote}: {quote}{CASCADE}{quote}}}")


def sqlmodel_supports_cascade_delete() -> bool:
    return sqlmodel_at_least((0, 0, 21))


def _quote(context: RuleContext, call: ast.Call) -> str:
    """The quote character the call already uses for its strings, in its own arguments or nested calls
    (`backref('tags')`); double by default."""
    pending = [call]
    while pending:
        current = pending.pop(0)
        for argument in arguments_in_order(current):
            value = argument.value
            if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)):
                return "'" if context.source.segment(value).lstrip("rRbBuU").startswith("'") else '"'
            if isinstance(value, ast.Call):
                pending.append(value)
    return '"'
