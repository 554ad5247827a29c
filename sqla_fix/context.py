"""The project picture's inputs: which files of a run's projects are read besides its targets.

A database engineer reads the whole schema before changing any of it: the modules the targets import
from, the modules that define the classes they name, the modules that may declare an index on their
tables or subclass their mixins, and the installed libraries their bases come from. Each is read once
(and never written).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

from .collect import collect
from .discover import discover
from .libraries import library_module
from .migrations import imports_alembic, in_versions_directory
from .picture import ModuleFacts
from .project import (
    Project,
    absolute,
    imported_names,
    module_name,
    project_root,
    resolved,
)
from .read import LoadedFile, LoadError, may_define_models, parse, read
from .results import FileResult


class Loader:
    """Parses the files of a run once each: the targets, and of the rest of their projects what they need."""

    def __init__(self, targets: list[Path], results: list[FileResult], max_file_size: int):
        self.max_file_size = max_file_size
        self.project = Project()
        self.loaded: dict[Path, LoadedFile] = {}
        self.results = results
        self.wanted = {resolved(path) for path in targets}
        roots = sorted({project_root(resolved(path).parent) for path in targets})
        self.files_by_root: dict[Path, list[Path]] = {root: [] for root in roots}
        for path in discover(roots)[0]:
            self.files_by_root.setdefault(project_root(resolved(path).parent), []).append(path)
        # by (project root, dotted name), as in Project; migration scripts are never context
        self.context = {
            (root, module_name(path)): path for root, paths in self.files_by_root.items() for path in paths
            if resolved(path) not in self.wanted and not in_versions_directory(path)
        }
        # files never worth reading again: unreadable, generated (too large) or migrations. Sources are not
        # kept (a project's every file would stay in memory): a later test reads the file again.
        self._not_context: set[Path] = set()

    def load_library(self, path: Path, module: str, root: Path) -> LoadedFile | None:
        """An installed library's module that defines a base the project at `root` uses: read as part of
        that project (so that its imports resolve there), never written."""
        if path in self.loaded:
            return None
        source = self._context_source(path)
        if source is None or not may_define_models(source):
            return None
        try:
            loaded = parse(path, source)
        except LoadError:
            return None
        loaded.index.name, loaded.index.root = module, root
        self.loaded[path] = loaded
        self.project.add(loaded.index)
        return loaded

    def load(self, path: Path, source: bytes, target: bool) -> LoadedFile | None:
        try:
            loaded = parse(path, source)
        except LoadError as error:
            if target:
                self.results.append(FileResult(path, original=source, error=str(error)))
            return None
        self.loaded[path] = loaded
        self.project.add(loaded.index)
        return loaded

    def _context_source(self, path: Path) -> bytes | None:
        if path in self._not_context:
            return None
        try:
            source = read(path)
        except LoadError:
            source = None  # its own run reports it
        # a generated module is not worth the time (nor, for its own run, fixable); a migration is history
        if source is None or len(source) > self.max_file_size or imports_alembic(source):
            self._not_context.add(path)
            return None
        return source

    def follow_imports(self, files: list[LoadedFile]) -> list[LoadedFile]:
        """Load the project modules these files import from, and theirs, transitively."""
        queue, added = list(files), []
        while queue:
            file = queue.pop()
            for binding in file.index.bindings.values():
                if binding.kind != "import":
                    continue
                for new in self._load_modules_of(file.index.root, binding.target):
                    queue.append(new)
                    added.append(new)
        return added

    def _load_modules_of(self, root, target: str) -> list[LoadedFile]:
        """The project's modules that `target` (`app.models.User`) may name, loaded where not loaded yet:
        `app.models.User`, `app.models`, `app`, those of them the project has."""
        added = []
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            path = self.context.get((root, ".".join(parts[:cut])))
            if path is not None and path not in self.loaded:
                source = self._context_source(path)
                new = self.load(path, source, target=False) if source is not None else None
                if new is not None:
                    added.append(new)
        return added

    def follow_function_imports(self, files: list[LoadedFile]) -> list[LoadedFile]:
        """Load the project modules these files import from inside their functions (`from .database import
        SessionLocal` in a function: what SQF015 resolves), and the modules those import from."""
        added = []
        for file in files:
            if file.tree is None:
                continue
            top = {id(statement) for statement in file.tree.body}
            for node in ast.walk(file.tree):
                if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in top:
                    continue
                for _, target in imported_names(node):
                    added += self._load_modules_of(file.index.root, absolute(target, file.index))
        return added + self.follow_imports(added)

    def load_classes_named(self, names: set[tuple[Path, str]]) -> list[LoadedFile]:
        """Load the context files that define a class of one of these (project root, name) pairs
        (relationship("Post"))."""
        patterns: dict[Path, list[bytes]] = {}  # by project root: each project looks in its own files
        for root, name in names:
            patterns.setdefault(root, []).append(f"class {name}".encode())
        return self._load_context_where({
            root: lambda source, wanted=wanted: any(pattern in source for pattern in wanted)
            for root, wanted in patterns.items()
        })

    def load_subclasses_of(self, names: set[tuple[Path, str]]) -> list[LoadedFile]:
        """Load the context files that declare a class deriving from one of these (project root, class)
        pairs: whether the project maps a mixin at all must not depend on the files a run is given."""
        tests = {}
        for root in {root for root, _ in names}:
            alternatives = b"|".join(re.escape(name.encode()) for r, name in sorted(names, key=str) if r == root)
            pattern = re.compile(rb"^\s*class\s+\w+\s*\([^)]*\b(?:" + alternatives + rb")\b", re.MULTILINE)
            # A class of the project is a base only where the file imports from the project (relatively, or
            # by one of its top-level packages): elsewhere `Base` is another module's name.
            packages = sorted({name.split(".")[0] for other, name in self.context if other == root} | {
                loaded.index.name.split(".")[0] for loaded in self.loaded.values() if loaded.index.root == root})
            imports = re.compile(rb"^[ \t]*(?:from\s+\.|(?:from|import)\s+(?:"
                                 + b"|".join(re.escape(p.encode()) for p in packages if p) + rb")\b)", re.MULTILINE)
            literals = [name.encode() for r, name in names if r == root]  # searched fast, before the pattern
            tests[root] = lambda source, pattern=pattern, imports=imports, literals=literals: (
                any(literal in source for literal in literals)
                and pattern.search(source) is not None and imports.search(source) is not None)
        return self._load_context_where(tests)

    def load_indexes_on(self, names: set[tuple[Path, str]]) -> list[LoadedFile]:
        """Load the context files that may declare a module-level `Index(..., Post.user_id)` on one of these
        (project root, class or table variable) pairs: an index may be declared in any file of the project,
        and a file given alone must be decided as in the whole project."""
        wanted: dict[Path, list[bytes]] = {}
        for root, name in names:
            wanted.setdefault(root, []).append(name.encode())
        # (a narrower test, `Index(` and `Owner.`, would load fewer files, but the classes of the files
        # loaded decide whose code counts as evidence in usage.py: kept as it was, to decide the same)
        return self._load_context_where({
            root: lambda source, owners=owners: b"Index" in source and any(name in source for name in owners)
            for root, owners in wanted.items()
        })

    def _load_context_where(self, tests: dict[Path, Callable[[bytes], bool]]) -> list[LoadedFile]:
        """Load the context files not loaded yet whose source passes their project root's test."""
        added = []
        for (root, _), path in self.context.items():
            if path in self.loaded or root not in tests:
                continue
            source = self._context_source(path)
            if source is not None and tests[root](source):
                new = self.load(path, source, target=False)
                if new is not None:
                    added.append(new)
        return added


def named_classes(facts: ModuleFacts) -> set[str]:
    """Class names a module refers to by name: relationship targets, ForeignKey(Class.id)."""
    names = set()
    for model in facts.classes.values():
        names.update(r.target for r in model.relationships if r.target)
        names.update(fk.target_class for c in model.columns.values() for fk in c.foreign_keys if fk.target_class)
    return names


_LIBRARY_HOPS = 4  # a base's base's base... from installed libraries


def read_library_bases(loader: Loader, failed: set[Path]) -> bool:
    """Read the installed modules that define the bases the project's classes inherit from (and theirs):
    what their columns and __table_args__ are is then known, where it would otherwise be unknown."""
    read_any = False
    for _ in range(_LIBRARY_HOPS):
        wanted = sorted({(file.facts.root, name) for file in loader.loaded.values() if file.facts
                         for name in file.facts.external_bases}, key=str)
        new = []
        for root, dotted in wanted:
            found = library_module(dotted)
            if found is not None and root is not None:
                loaded = loader.load_library(found[1], found[0], root)
                if loaded is not None:
                    new.append(loaded)
        for file in new:
            try:
                collect(file, loader.project)
            except (RecursionError, MemoryError):
                failed.add(file.path)
        if not new:
            break
        read_any = True
    return read_any
