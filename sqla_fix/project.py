"""The project a file belongs to: its root, its modules' dotted names, and what their top-level names are.

A class in ``models/post.py`` that inherits ``Base`` from ``models/base.py`` and uses ``db`` from
``app/extensions.py`` can only be read with those other files in view. The index built here answers
"what is ``.base.Base`` seen from ``models.post``?" through absolute and relative imports and
``__init__`` re-exports, so that names are resolved by what they are bound to, never by spelling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .syntax import dotted

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_MAX_HOPS = 20


_RESOLVED: dict[Path, Path] = {}


def resolved(path: Path) -> Path:
    """`path.resolve()`, once per path in a run (a run asks it of each file several times)."""
    found = _RESOLVED.get(path)
    if found is None:
        found = _RESOLVED[path] = path.resolve()
    return found


def forget_resolved() -> None:
    """At the start of a run: links may have changed since the last one."""
    _RESOLVED.clear()


@lru_cache(maxsize=None)
def project_root(directory: Path) -> Path:
    """The nearest directory at or above `directory` with a pyproject.toml, setup.cfg, setup.py or .git;
    without one, the directory that holds the outermost package."""
    for candidate in (directory, *directory.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    # No marker (a bare checkout, say): the directory that holds the outermost package.
    while (directory / "__init__.py").exists() and directory.parent != directory:
        directory = directory.parent
    return directory


def module_name(path: Path) -> str:
    path = resolved(path)
    root = project_root(path.parent)
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or path.stem


@dataclass
class Binding:
    # "class", "import", "alias", "flask", "root", "table", "other"; a session factory: "sessionmaker",
    # "async-sessionmaker", "scoped-session" (collect.SESSION_FACTORIES)
    kind: str
    target: str | None = None  # "import": the absolute dotted name; "alias": the expression, in the module


@dataclass
class ModuleIndex:
    name: str
    is_package: bool
    bindings: dict[str, Binding] = field(default_factory=dict)
    root: Path | None = None  # the project's root: `models` of two projects are two modules

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


def absolute(name: str, index: ModuleIndex) -> str:
    """`.base.Base` seen from `app.models.post` is `app.models.base.Base`."""
    if not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    package = index.package.split(".") if index.package else []
    if level > 1:
        package = package[: len(package) - (level - 1)]
    rest = name[level:]
    return ".".join([*package, rest] if rest else package)


def imported_names(statement: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(local name, what it names) for each name an import statement binds: `import a.b` binds `a` to
    `a`, `import a as x` binds `x` to `a`, `from .m import n` binds `n` to `.m.n` (still relative)."""
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname is not None:
                yield alias.asname, alias.name
            else:
                yield alias.name.split(".")[0], alias.name.split(".")[0]
    else:
        source = "." * statement.level + (statement.module or "")
        separator = "" if source.endswith(".") else "."
        for alias in statement.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"{source}{separator}{alias.name}"


def index_bindings(index: ModuleIndex, module: ast.Module, kind_of_assignment) -> None:
    """Fill `index` from the module's top-level statements; `kind_of_assignment(value)` names an assignment."""
    for statement in module.body:
        if isinstance(statement, ast.ClassDef):
            index.bindings[statement.name] = Binding("class")
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for local, target in imported_names(statement):
                index.bindings[local] = Binding("import", absolute(target, index))
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            value = statement.value
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                if isinstance(value, (ast.Name, ast.Attribute)):
                    # `Model = db.Model`, `Column = db.Column`: an alias, followed when resolving
                    alias = dotted(value)
                    if alias is None:
                        index.bindings[target.id] = Binding("other")
                    elif alias != target.id:
                        index.bindings[target.id] = Binding("alias", alias)
                    continue
                index.bindings[target.id] = Binding(kind_of_assignment(value))


@dataclass
class Resolved:
    kind: str  # "class", "flask", "root", "table", "other", "external", "unknown"
    module: str | None = None
    name: str | None = None  # the top-level name in `module`
    rest: tuple[str, ...] = ()  # attributes after it: db.Column -> ("Column",)
    external: str | None = None  # for "external": the dotted name outside the project (sqlalchemy.Column)


class Project:
    """The modules of a run, by (project root, dotted name): a run over two projects that each have a
    `models` module keeps them apart, and a name resolves only among the modules of its own project."""

    def __init__(self) -> None:
        self.modules: dict[tuple[Path | None, str], ModuleIndex] = {}

    def add(self, index: ModuleIndex) -> None:
        self.modules[(index.root, index.name)] = index

    def within(self, root: Path | None) -> ProjectRoot:
        """This run's modules as seen from a module of the project at `root`."""
        return ProjectRoot(self, root)

    def _module(self, root: Path | None, name: str) -> ModuleIndex | None:
        module = self.modules.get((root, name))
        if module is None and root is None:  # asked without a root: only a name no two projects share
            found = [index for (_, other), index in self.modules.items() if other == name]
            module = found[0] if len(found) == 1 else None
        return module

    def resolve(self, dotted: str, root: Path | None = None) -> Resolved:
        for _ in range(_MAX_HOPS):
            parts = dotted.split(".")
            for cut in range(len(parts), 0, -1):
                module = self._module(root, ".".join(parts[:cut]))
                if module is None:
                    continue
                if cut == len(parts):
                    return Resolved("other", module.name)  # the module itself
                name, rest = parts[cut], tuple(parts[cut + 1 :])
                binding = module.bindings.get(name)
                if binding is None:
                    return Resolved("unknown", module.name, name, rest)
                if binding.kind == "import":
                    dotted = ".".join([binding.target, *rest])
                    break
                if binding.kind == "alias":
                    dotted = ".".join([module.name, binding.target, *rest])
                    break
                return Resolved(binding.kind, module.name, name, rest)
            else:
                return Resolved("external", external=dotted)
        return Resolved("unknown")


class ProjectRoot:
    """A `Project` limited to one project root: what the imports of that project's modules can reach."""

    def __init__(self, project: Project, root: Path | None):
        self.project = project
        self.root = root

    @property
    def modules(self) -> dict[tuple[Path | None, str], ModuleIndex]:
        return self.project.modules

    def add(self, index: ModuleIndex) -> None:
        self.project.add(index)

    def resolve(self, dotted: str, root: Path | None = None) -> Resolved:
        return self.project.resolve(dotted, self.root if root is None else root)
