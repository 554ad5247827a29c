"""Resolve what a name in a file refers to, through its imports, never by its spelling.

LibCST's QualifiedNameProvider tells us that ``sa.Column`` is ``sqlalchemy.Column`` and that
``orm.relationship`` is ``sqlalchemy.orm.relationship``. SQLAlchemy re-exports the same object from
several modules (``sqlalchemy.Column``, ``sqlalchemy.schema.Column``, ``sqlalchemy.sql.schema.Column``),
so every qualified name is reduced to a canonical one: ``sa.Column``, ``sa.func.now``, ``flask.db.Model``.
A Flask-SQLAlchemy handle (``db = SQLAlchemy()``) proxies SQLAlchemy's names, so ``db.Column`` is
``sa.Column`` too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import libcst as cst
from libcst.metadata import QualifiedName

# Package paths under which SQLAlchemy defines or re-exports its public names.
_SQLALCHEMY_MODULES = frozenset(
    {
        "sqlalchemy",
        "orm",
        "schema",
        "types",
        "sql",
        "sqltypes",
        "ext",
        "declarative",
        "expression",
        "decl_api",
        "_orm_constructors",
        "elements",
        "functions",
    }
)

# Names of sqlalchemy.orm: where a file has to import one of them it imports it from there.
ORM_NAMES = frozenset(
    {
        "Mapped",
        "mapped_column",
        "relationship",
        "backref",
        "WriteOnlyMapped",
        "DynamicMapped",
        "DeclarativeBase",
        "MappedAsDataclass",
        "declared_attr",
    }
)


def canonical(qualified: str, flask_handles: Collection[str] = ()) -> str | None:
    """Canonical form of a qualified name, or None when it is not SQLAlchemy's or Flask-SQLAlchemy's."""
    parts = qualified.split(".")
    head = parts[0]
    if head in flask_handles:
        if len(parts) == 1:
            return "flask.db"
        if parts[1] in ("Model", "Table", "metadata"):
            # db.Model is the declarative base; flask_sqlalchemy.Model is a plain class for model_class=
            return "flask.db." + ".".join(parts[1:])
        return "sa." + ".".join(parts[1:])
    if head == "sqlalchemy":
        rest = parts[1:]
        while rest and rest[0] in _SQLALCHEMY_MODULES:
            rest = rest[1:]
        return "sa." + ".".join(rest) if rest else "sa"
    if head == "flask_sqlalchemy":
        return "flask." + parts[-1]
    if head == "sqlmodel":
        return "sqlmodel." + parts[-1]
    if head in ("datetime", "typing", "typing_extensions"):
        return qualified
    return None


class Resolver:
    """Answers "what is this expression?" for one parsed module."""

    def __init__(self, qualified_names: Mapping[cst.CSTNode, Collection[QualifiedName]]):
        self._qualified_names = qualified_names
        self.flask_handles: set[str] = set()

    def qualified(self, node: cst.CSTNode) -> set[QualifiedName]:
        value = self._qualified_names.get(node)
        if value is None:
            return set()
        return set(value() if callable(value) else value)

    def canonical(self, node: cst.CSTNode) -> str | None:
        for qualified_name in sorted(self.qualified(node), key=lambda q: q.name):
            name = canonical(qualified_name.name, self.flask_handles)
            if name is not None:
                return name
        return None

    def call_name(self, node: cst.CSTNode | None) -> str | None:
        """Canonical name of the function a call calls."""
        if isinstance(node, cst.Call):
            return self.canonical(node.func)
        return None

    def local_name(self, node: cst.CSTNode) -> str | None:
        """The name of a module-level definition this expression refers to (a class of the file)."""
        for qualified_name in self.qualified(node):
            if qualified_name.source.name == "LOCAL":
                return qualified_name.name
        return None


def prefix_of(func: cst.BaseExpression) -> str | None:
    """``sa`` for ``sa.Column``, ``db`` for ``db.Column``, None for a bare ``Column``."""
    if isinstance(func, cst.Attribute):
        value = func.value
        if isinstance(value, cst.Name):
            return value.value
        if isinstance(value, cst.Attribute):
            return cst.Module([]).code_for_node(value)
    return None
