"""What a project's migration scripts say about its schema, read (never edited, never imported).

The models are not the whole truth about a database that Alembic builds. A revision may create an
index the model never declares (`op.create_index("ix_server_user_id", "server", ["user_id"])`, a
`UniqueConstraint` in `op.create_table`, raw `CREATE INDEX` SQL): an `index=True` added to the model
would then be a duplicate. A revision may also use a model class through the ORM (`from app.models
import Keys`; `session.query(Keys)`): a column added to that class is selected by the old revision
before the revision that creates it has run, and a fresh `alembic upgrade` fails. And a project with
no migrations at all cannot give an existing database a new column: `create_all` skips tables that
exist, and every query of the model then fails on the missing column.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .migrations import imports_alembic, in_versions_directory
from .project import ModuleIndex, absolute, module_name

_CREATE_INDEX_SQL = re.compile(
    r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`]?\w+[\"`]?\s+ON\s+[\"`]?(\w+)[\"`]?\s*"
    r"(?:USING\s+\w+\s*)?\(\s*[\"`]?(\w+)",
    re.IGNORECASE,
)
_INDEX_CALLS = {"create_index": (1, 2), "create_unique_constraint": (1, 2), "create_primary_key": (1, 2)}


@dataclass
class MigrationHistory:
    has_migrations: bool = False
    indexes: set[tuple[str, str]] = field(default_factory=set)  # (table, leading column) created there
    imported_names: set[str] = field(default_factory=set)  # names the revisions import from the project
    where: dict[tuple[str, str] | str, str] = field(default_factory=dict)  # for messages: "0001_init.py:12"

    @classmethod
    def read(cls, files: Iterable[Path], project_modules: set[str]) -> "MigrationHistory":
        history = cls()
        files = list(files)
        helpers: list[tuple[str, str, str]] = []  # (module, name, where) a revision imports from the project
        for path in files:
            try:
                source = path.read_bytes()
            except OSError:
                continue
            if not (in_versions_directory(path) or (b"alembic" in source and imports_alembic(source))):
                continue
            history.has_migrations = True
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            history._read_tree(tree, path, project_modules, helpers)
        if helpers:
            history._follow_helpers(helpers, files, project_modules)
        return history

    def _read_tree(self, tree: ast.Module, path: Path, project_modules: set[str],
                   helpers: list[tuple[str, str, str]]) -> None:
        revision = in_versions_directory(path) or _is_revision(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] in project_modules:
                    for alias in node.names:
                        self.imported_names.add(alias.asname or alias.name)
                        self.where.setdefault(alias.asname or alias.name, f"{path.name}:{node.lineno}")
                        if revision:
                            helpers.append((node.module, alias.name, f"{path.name}:{node.lineno}"))
            elif isinstance(node, ast.Call):
                self._read_call(node, path)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                for table, column in _CREATE_INDEX_SQL.findall(node.value):
                    self._index(table, column, path, node.lineno)

    def _read_call(self, call: ast.Call, path: Path) -> None:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        if name in _INDEX_CALLS:
            table_at, columns_at = _INDEX_CALLS[name]
            table, columns = _argument(call, table_at, "table_name"), _argument(call, columns_at, "columns")
            first = _first_name(columns)
            if isinstance(table, ast.Constant) and isinstance(table.value, str) and first:
                self._index(table.value, first, path, call.lineno)
        elif name == "create_table" and call.args and isinstance(call.args[0], ast.Constant):
            table = call.args[0].value
            for argument in call.args[1:]:
                if not isinstance(argument, ast.Call):
                    continue
                kind = argument.func.attr if isinstance(argument.func, ast.Attribute) else getattr(argument.func, "id", "")
                if kind in ("UniqueConstraint", "PrimaryKeyConstraint", "Index"):
                    names = argument.args[1:] if kind == "Index" else argument.args
                    first = _first_name(names[0] if names else None)
                    if first:
                        self._index(table, first, path, argument.lineno)
                elif kind == "Column" and argument.args and isinstance(argument.args[0], ast.Constant):
                    flags = {k.arg for k in argument.keywords if isinstance(k.value, ast.Constant) and k.value.value}
                    if flags & {"index", "unique", "primary_key"}:
                        self._index(table, argument.args[0].value, path, argument.lineno)

    def _follow_helpers(self, helpers: list[tuple[str, str, str]], files: list[Path], project_modules: set[str]) -> None:
        """A revision that calls the project's helper (`from app.setup import get_version`) runs the helper's
        code: the classes the helper's module imports from the project may be queried through the ORM by
        the old revision too. Followed name by name through re-exports, to the module that defines it."""
        modules = {module_name(path): path for path in files if path.suffix == ".py" and not in_versions_directory(path)}
        trees: dict[str, ast.Module | None] = {}
        pending = [(module, name, where, 0) for module, name, where in helpers]
        seen: set[tuple[str, str]] = set()
        while pending:
            module, name, where, hops = pending.pop()
            if (module, name) in seen or hops > _HELPER_HOPS:
                continue
            seen.add((module, name))
            if f"{module}.{name}" in modules:  # `from app import setup`: the submodule itself
                module, name = f"{module}.{name}", None
            tree = _tree(modules.get(module), trees, module)
            if tree is None:
                continue
            bound = _binding(tree, module, name, modules) if name is not None else None
            if bound is not None:  # re-exported: follow it to where it is defined
                pending.append((*bound, where, hops + 1))
                continue
            defines_class = name is not None and any(
                isinstance(node, ast.ClassDef) and node.name == name for node in tree.body)
            if defines_class:
                continue  # a model class imported directly: already counted
            for node in tree.body:  # the helper's module: what it imports from the project, it may use
                if isinstance(node, ast.ImportFrom) and (node.module or node.level):
                    source = _absolute(node, module, modules)
                    if source is None or source.split(".")[0] not in project_modules:
                        continue
                    for alias in node.names:
                        local = alias.asname or alias.name
                        if local not in self.imported_names:
                            self.imported_names.add(local)
                            self.where.setdefault(local, f"{where}, through {module}")

    def _index(self, table: str, column: str, path: Path, line: int) -> None:
        self.indexes.add((table, column))
        self.where.setdefault((table, column), f"{path.name}:{line}")


_HELPER_HOPS = 6


def _is_revision(tree: ast.Module) -> bool:
    """An Alembic revision (`revision = "ab12"`) rather than the environment script (env.py)."""
    return any(isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "revision" for t in node.targets)
               for node in tree.body)


def _tree(path: Path | None, trees: dict[str, ast.Module | None], module: str) -> ast.Module | None:
    if module not in trees:
        trees[module] = None
        if path is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    trees[module] = ast.parse(path.read_bytes())
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                pass
    return trees[module]


def _absolute(node: ast.ImportFrom, module: str, modules: dict[str, Path]) -> str | None:
    """The absolute name of what `from <node> import ...` imports from, seen from `module`."""
    path = modules.get(module)
    index = ModuleIndex(module, is_package=path is not None and path.name == "__init__.py")
    return absolute("." * node.level + (node.module or ""), index) or None


def _binding(tree: ast.Module, module: str, name: str, modules: dict[str, Path]) -> tuple[str, str] | None:
    """Where a module's top-level `name` is imported from, as (module, name), when it is imported."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    source = _absolute(node, module, modules)
                    return (source, alias.name) if source else None
    return None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if len(call.args) > position else None


def _first_name(node: ast.AST | None) -> str | None:
    """The first column of `["a", "b"]`, `("a",)`, `"a"`."""
    if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
        node = node.elts[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
