"""SQF004 parent-side one-to-many relationship without cascade.

With the default cascade (``save-update, merge``) ``session.delete(parent)`` sets the children's
foreign key to NULL (orphans), or fails on a NOT NULL key. ``cascade="all, delete-orphan"`` on the
parent's collection deletes the children with their parent, and a child removed from the collection.

Fix: ``cascade="all, delete-orphan"`` on the collection side: a ``list[...]``/``set[...]``/
``WriteOnlyMapped``/``DynamicMapped`` annotation, or a classic ``relationship("Child")`` whose child
table holds the foreign key to this one. A ``WriteOnlyMapped`` collection cannot be loaded to delete
its children (the ORM raises on ``session.delete(parent)``): it also gets ``passive_deletes=True``
and the child's key ``ondelete="CASCADE"``. A collection made by ``backref="children"`` on the child
becomes ``backref=backref("children", cascade="all, delete-orphan")``.

Delete-orphan means "the child cannot exist without its parent". It is applied only when that holds:
- the child's foreign key is NOT NULL (or SQF002 makes it so in this run);
- the relationship is not self-referencing (deleting a node would delete its whole subtree);
- the child is not a record that must outlive its owner (setting ``record-nouns``: orders,
  invoices, payments, transactions, ledger entries, audit logs, events; matched on the child class's
  head noun: ``Order`` is such a record, ``OrderItem`` is not).
Everywhere else it is reported and left alone. Never on the many-to-one side, never with
``secondary=`` (delete-orphan on many-to-many raises), ``viewonly=True``, or an explicit ``cascade=``.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ..names import prefix_of
from ..picture import ClassKind, ModelClass, RelationshipFact
from .base import Finding, Rule, RuleContext
from .schema import foreign_keys_to, head_noun_matches, named_columns
from .sqf002_fk_nullable import will_be_not_null

CASCADE = "all, delete-orphan"


class ParentWithoutCascade(Rule):
    code = "SQF004"
    name = "parent-relationship-without-cascade"
    summary = "parent-side one-to-many relationship without cascade"

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for parent in context.facts.classes.values():
            if parent.kind is not ClassKind.MAPPED:
                continue
            for relationship in parent.relationships:
                yield from self._check_relationship(context, parent, relationship)

    def _check_relationship(self, context, model: ModelClass, relationship: RelationshipFact):
        keywords = relationship.keywords
        if "secondary" in keywords or relationship.flag("viewonly"):
            return
        if relationship.flag("uselist") is False:
            return
        target = context.picture.classes_named(context.facts, relationship.target)
        if target is not None and target.kind is not ClassKind.MAPPED:
            return
        direction = self._direction(context, model, relationship, target)
        if direction == "many-to-one":
            yield from self._check_backref(context, model, relationship, target)
            return
        if direction != "one-to-many" or "cascade" in keywords:
            return
        where = f"`{model.name}.{relationship.name}`"
        if target is None:
            yield Finding(self.code, relationship.statement,
                          f"Collection {where} has no cascade, and its class `{relationship.target}` is not "
                          "in this file: cannot check its foreign key; not fixed")
            return
        verdict = self._verdict(context, model, target, named_columns(keywords.get("foreign_keys")))
        if isinstance(verdict, str):
            yield Finding(self.code, relationship.statement,
                          f"Collection {where} has no cascade: deleting a `{model.name}` leaves its "
                          f"`{target.name}` rows behind; not fixed: {verdict}")
            return
        declaring, fk_column = verdict
        write_only = relationship.collection == "write_only"
        fk = fk_column.foreign_keys[0]
        if write_only and fk.ondelete and fk.ondelete.upper() != "CASCADE":
            yield Finding(self.code, relationship.statement,
                          f"Write-only collection {where} has no cascade, and `{target.name}.{fk_column.name}` "
                          f'has ondelete="{fk.ondelete}": not fixed')
            return
        quote = _quote(relationship.call)

        def fix(plan) -> bool:
            plan.add_keyword(relationship.call, "cascade", f"{quote}{CASCADE}{quote}")
            if write_only:
                if "passive_deletes" not in keywords:
                    plan.add_keyword(relationship.call, "passive_deletes", "True")
                if fk.ondelete is None and fk.call is not None:
                    plan.add_keyword(fk.call, "ondelete", f"{quote}CASCADE{quote}")
            return True

        yield Finding(self.code, relationship.statement,
                      f"Collection {where} has no cascade: deleting a `{model.name}` orphans its "
                      f"`{target.name}` rows (or fails on their NOT NULL key)",
                      fix=fix)

    def _direction(self, context, model, relationship, target) -> str | None:
        if relationship.collection is not None:
            return "one-to-many"
        if relationship.scalar_annotation:
            return "many-to-one"
        if target is None:
            return None
        if relationship.flag("uselist") or _literal(relationship.keywords.get("lazy")) == "dynamic":
            return "one-to-many"
        picture = context.picture
        named = named_columns(relationship.keywords.get("foreign_keys"))
        to_child = [c for _, c in foreign_keys_to(picture, target, model) if not named or c.name in named]
        to_parent = [c for _, c in foreign_keys_to(picture, model, target) if not named or c.name in named]
        if target is model:
            # A self-referencing classic relationship: remote_side marks the many-to-one side.
            return "many-to-one" if "remote_side" in relationship.keywords else "one-to-many"
        if to_child and not to_parent:
            return "one-to-many"
        if to_parent and not to_child:
            return "many-to-one"
        return None

    def _verdict(self, context, parent: ModelClass, child: ModelClass, named: set[str] | None):
        """(declaring class, foreign-key column) when delete-orphan is right, else the reason it is not."""
        if child is parent:
            return "it is self-referencing (deleting a node would delete its whole subtree)"
        keys = [(cls, c) for cls, c in foreign_keys_to(context.picture, child, parent) if not named or c.name in named]
        if not keys:
            return f"no foreign key from `{child.name}` to `{parent.name}` was found"
        if len(keys) > 1:
            names = ", ".join(c.name for _, c in keys)
            return f"`{child.name}` has several foreign keys to `{parent.name}` ({names}); add foreign_keys="
        declaring, column = keys[0]
        if not will_be_not_null(context, declaring, column):
            return f"`{child.name}.{column.name}` is nullable, so a {child.name} may exist without a {parent.name}"
        noun = head_noun_matches(child.name, context.config.record_nouns)
        if noun is not None:
            return f"a {child.name} is a record ({noun}) that should outlive its {parent.name}"
        return declaring, column

    def _check_backref(self, context, child: ModelClass, relationship: RelationshipFact, parent):
        """relationship("Post", backref="comments") on the child: the collection lives on the parent."""
        backref = relationship.keywords.get("backref")
        if backref is None or parent is None or "secondary" in relationship.keywords:
            return
        collection_name = _literal(backref)
        backref_call = None
        if collection_name is None:
            if context.resolver.call_name(backref) != "sa.backref":
                return
            backref_keywords = {a.keyword.value: a.value for a in backref.args if a.keyword}
            uselist = backref_keywords.get("uselist")
            if "cascade" in backref_keywords or (isinstance(uselist, cst.Name) and uselist.value == "False"):
                return
            if "secondary" in backref_keywords or "viewonly" in backref_keywords:
                return
            positional = [a.value for a in backref.args if a.keyword is None]
            collection_name = _literal(positional[0]) if positional else None
            backref_call = backref
        where = f"`{parent.name}.{collection_name}` (backref of `{child.name}.{relationship.name}`)"
        verdict = self._verdict(context, parent, child, named_columns(relationship.keywords.get("foreign_keys")))
        if isinstance(verdict, str):
            yield Finding(self.code, relationship.statement,
                          f"Collection {where} has no cascade: deleting a `{parent.name}` leaves its "
                          f"`{child.name}` rows behind; not fixed: {verdict}")
            return
        quote = _quote(relationship.call)

        def fix(plan) -> bool:
            if backref_call is not None:
                plan.add_keyword(backref_call, "cascade", f"{quote}{CASCADE}{quote}")
                return True
            imports: list[tuple[str, str]] = []
            spelled = context.spelling.sqlalchemy("backref", prefix_of(relationship.call.func), imports)
            if spelled is None:
                return False
            plan.replace(backref, f"{spelled}({cst.Module([]).code_for_node(backref)}, "
                                  f"cascade={quote}{CASCADE}{quote})")
            for module, name in imports:
                plan.add_import(module, name)
            return True

        yield Finding(self.code, relationship.statement,
                      f"Collection {where} has no cascade: deleting a `{parent.name}` orphans its "
                      f"`{child.name}` rows (or fails on their NOT NULL key)",
                      fix=fix)


def _literal(node) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _quote(call: cst.Call) -> str:
    """The quote character the call already uses for its strings (double by default)."""
    for arg in call.args:
        if isinstance(arg.value, cst.SimpleString):
            return "'" if arg.value.quote.startswith("'") else '"'
    return '"'
