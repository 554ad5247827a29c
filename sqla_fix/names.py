"""Resolve what a name in a file refers to, through its imports, never by its spelling.

The module's imports (syntax.ModuleScope) tell us that ``sa.Column`` is ``sqlalchemy.Column`` and that
``orm.relationship`` is ``sqlalchemy.orm.relationship``. SQLAlchemy re-exports the same object from
several modules (``sqlalchemy.Column``, ``sqlalchemy.schema.Column``, ``sqlalchemy.sql.schema.Column``),
so every qualified name is reduced to a canonical one: ``sa.Column``, ``sa.func.now``, ``flask.db.Model``.
A Flask-SQLAlchemy handle (``db = SQLAlchemy()``) proxies SQLAlchemy's names, so ``db.Column`` is
``sa.Column`` too.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import TYPE_CHECKING

from .project import absolute
from .syntax import ModuleScope, QName, dotted

if TYPE_CHECKING:
    from .project import ModuleIndex, Project, Resolved

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

# What sqlmodel defines itself; every other public name it has is a re-export of SQLAlchemy's.
_SQLMODEL_OWN = frozenset(
    {"SQLModel", "Field", "Relationship", "Session", "select", "col", "AutoString", "SQLModelMetaclass",
     "FieldInfo", "RelationshipInfo", "create_engine", "main", "orm", "sql", "ext", "pool", "engine"}
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
        # SQLModel re-exports SQLAlchemy's names (`from sqlmodel import Index, Column`): they are SQLAlchemy's
        if parts[-1] in _SQLMODEL_OWN or len(parts) == 1:
            return "sqlmodel." + parts[-1]
        return "sa." + parts[-1]
    if head in ("datetime", "typing", "typing_extensions"):
        return qualified
    return None


class Resolver:
    """Answers "what is this expression?" for one parsed module, through its imports.

    With a project, names imported from the project's other modules are followed to where they are
    bound: ``from .extensions import db`` makes ``db.Column`` SQLAlchemy's ``Column``, and
    ``from .base import Base`` makes ``Base`` that module's class.
    """

    def __init__(
        self,
        scope: ModuleScope,
        project: "Project | None" = None,
        index: "ModuleIndex | None" = None,
    ):
        self.scope = scope
        self.project = project
        self.index = index
        self.flask_handles: set[str] = set()  # names bound here to a Flask-SQLAlchemy object
        self.root_names: set[str] = set()  # names bound here to a declarative base made by a function
        # ...of which those made with `cls=` (or **kwargs): their classes inherit what we cannot see
        self.open_roots: set[str] = set()
        # `Column = functools.partial(db.Column, nullable=False)`: name -> (canonical, bound keywords)
        self.partials: dict[str, tuple[str, dict[str, ast.expr]]] = {}
        if project is not None and index is not None:
            for local, binding in index.bindings.items():
                kind = binding.kind
                if kind in ("import", "alias"):
                    target = binding.target if binding.kind == "import" else f"{index.name}.{binding.target}"
                    resolved = project.resolve(target)
                    kind = resolved.kind if not resolved.rest else "other"
                if kind == "flask":
                    self.flask_handles.add(local)
                elif kind in ("root", "root-open"):
                    self.root_names.add(local)
                    if kind == "root-open":
                        self.open_roots.add(local)

    @property
    def module_name(self) -> str:
        return self.index.name if self.index is not None else ""

    def qualified(self, node: ast.AST | None) -> list[QName]:
        return self.scope.qualified(node)

    def _imported(self, qualified_name: QName) -> "Resolved | None":
        """What an imported name (or a local alias such as `Model = db.Model`) is, through the project."""
        if self.project is None or self.index is None:
            return None
        if qualified_name.source == "IMPORT":
            return self.project.resolve(absolute(qualified_name.name, self.index))
        binding = self.index.bindings.get(qualified_name.name.split(".")[0])
        if qualified_name.source == "LOCAL" and binding is not None and binding.kind == "alias":
            return self.project.resolve(f"{self.index.name}.{qualified_name.name}")
        return None

    def canonical(self, node: ast.AST) -> str | None:
        for qualified_name in sorted(self.qualified(node), key=lambda q: q.name):
            name = canonical(qualified_name.name, self.flask_handles)
            if name is not None:
                return name
            resolved = self._imported(qualified_name)
            if resolved is None:
                continue
            if resolved.kind == "external":
                name = canonical(resolved.external)
            elif resolved.kind == "flask":
                name = canonical(".".join(["db", *resolved.rest]), {"db"})
            if name is not None:
                return name
        return None

    def external_name(self, node: ast.AST) -> str | None:
        """The dotted name outside the project that an imported name refers to (`oslo_db.models.ModelBase`)."""
        for qualified_name in self.qualified(node):
            resolved = self._imported(qualified_name)
            if resolved is not None and resolved.kind == "external" and resolved.external:
                return resolved.external
        return None

    def call_name(self, node: ast.AST | None) -> str | None:
        """Canonical name of the function a call calls (through a module's `functools.partial` of it)."""
        if isinstance(node, ast.Call):
            partial = self.partial_of(node)
            return partial[0] if partial else self.canonical(node.func)
        return None

    def partial_of(self, call: ast.Call) -> tuple[str, dict[str, ast.expr]] | None:
        if isinstance(call.func, ast.Name) and call.func.id in self.partials:
            if any(q.source == "LOCAL" for q in self.qualified(call.func)):
                return self.partials[call.func.id]
        return None

    def is_partial(self, node: ast.AST) -> bool:
        return any(q.name in ("functools.partial", "functools.partialmethod") for q in self.qualified(node))

    def is_root(self, node: ast.AST) -> bool:
        """A declarative base made by a function: `Base = declarative_base()`, here or imported."""
        return self._root_kind(node) is not None

    def is_open_root(self, node: ast.AST) -> bool:
        """A base made by `declarative_base(cls=Mixin)`: its classes inherit columns we cannot list."""
        return self._root_kind(node) == "root-open"

    def _root_kind(self, node: ast.AST) -> str | None:
        for qualified_name in self.qualified(node):
            if qualified_name.source == "LOCAL" and qualified_name.name in self.root_names:
                return "root-open" if qualified_name.name in self.open_roots else "root"
            resolved = self._imported(qualified_name)
            if resolved is not None and resolved.kind in ("root", "root-open") and not resolved.rest:
                return resolved.kind
        return None

    def class_ref(self, node: ast.AST) -> tuple[str, str] | None:
        """(module, class name) of a class of the project this expression refers to."""
        for qualified_name in self.qualified(node):
            if qualified_name.source == "LOCAL" and "." not in qualified_name.name:
                return self.module_name, qualified_name.name
            resolved = self._imported(qualified_name)
            if resolved is not None and resolved.kind == "class" and not resolved.rest:
                return resolved.module, resolved.name
        return None


def prefix_of(func: ast.AST) -> str | None:
    """``sa`` for ``sa.Column``, ``db`` for ``db.Column``, None for a bare ``Column``."""
    if isinstance(func, ast.Attribute):
        return dotted(func.value)
    return None
