"""Load files, build the model picture, run the rules, produce new sources.

Per-file work after the picture is built is independent of other files, so that it can run in
worker processes; the CLI is a thin layer over `run`.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .cache import DEFAULT_DIRECTORY, FileCache
from .collect import ModuleCollector
from .config import Config
from .plan import EditPlan
from .history import MigrationHistory
from .libraries import library_module
from .migrations import imports_alembic, in_versions_directory
from .names import Resolver
from .picture import ModuleFacts, Picture
from .project import Project, forget_resolved, module_name, project_root, resolved
from .read import LoadedFile, LoadError, may_define_models, parse, read
from .rules import RULES, RuleContext
from .rules.base import SAFE
from .rewrite import rewrite
from .spelling import Spelling
from .suppression import Suppressions
from .usage import ProjectUsage
from .workers import default_jobs
SKIPPED_DIRECTORIES = {
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".sqla_fix_cache", "site-packages", "__pypackages__",
}
_MAX_PASSES = 3


@dataclass
class Reported:
    path: Path
    line: int
    column: int
    code: str
    message: str
    fixable: bool  # its fix is applied in this run (safe, or unsafe with unsafe fixes on)
    fix: str | None = None  # the kind of fix it has: "safe", "unsafe", or None (reported only)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} [{self.fix or 'no'} fix] {self.message}"


@dataclass
class FileResult:
    path: Path
    original: bytes | None = None
    fixed_source: bytes | None = None  # None: nothing to change
    findings: list[Reported] = field(default_factory=list)  # as the file stands
    remaining: list[Reported] = field(default_factory=list)  # after the fixes
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.original

    @property
    def fixed(self) -> list[Reported]:
        return [finding for finding in self.findings if finding.fixable] if self.changed else []


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The Python files under `paths`, and a reason for each path that cannot be walked.

    A symbolic link is followed only to a file inside the paths given, so that a run never reads,
    let alone writes, outside them; a file reached twice (a link and its target) is taken once.
    """
    paths = list(paths)
    inside = [path.resolve() for path in paths]
    files: list[Path] = []
    errors: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = sorted(
                    d for d in subdirectories
                    if d not in SKIPPED_DIRECTORIES and not d.endswith(".egg-info")
                    and not (Path(directory, d) / "pyvenv.cfg").exists()
                )
                files.extend(
                    Path(directory, name) for name in sorted(names)
                    if name.endswith(".py") and Path(directory, name).is_file()
                )
        elif path.is_symlink():
            errors.append((path, "a broken symbolic link"))
        elif path.exists():
            errors.append((path, "not a regular file"))
        else:
            errors.append((path, "no such file or directory"))
    unique: dict[Path, Path] = {}
    for path in files:
        target = resolved(path)
        if path.is_symlink() and not any(target == root or root in target.parents for root in inside):
            errors.append((path, "a symbolic link to outside the given paths: not followed"))
            continue
        unique.setdefault(target, path)
    return list(unique.values()), errors


def collect(loaded: LoadedFile, project: Project) -> ModuleFacts:
    # imports resolve among the modules of the file's own project only: a run over two projects
    loaded.resolver = Resolver(loaded.scope, project.within(loaded.index.root), loaded.index)
    facts = ModuleFacts(loaded.path, loaded.index.name, root=loaded.index.root, source=loaded.text)
    facts.suppressions = Suppressions(loaded.text.lines)
    loaded.facts = ModuleCollector(loaded.tree, loaded.resolver, facts, loaded.text).collect()
    return loaded.facts


def decide(
    loaded: LoadedFile, picture: Picture, config: Config, plan: EditPlan | None = None, plan_for=lambda facts: None,
    usages: Mapping[Path, ProjectUsage] | None = None, histories: Mapping[Path, MigrationHistory] | None = None,
) -> tuple[list[Reported], EditPlan]:
    """Every finding of one file, and the plan of the fixes for those that have one.

    `plan_for(module facts)` gives the plan of another file of the run, for a fix that must also edit
    there (a write-only collection's child key, in another module); None where that file is not fixed.
    """
    context = RuleContext(
        module=loaded.tree,
        facts=loaded.facts,
        picture=picture,
        resolver=loaded.resolver,
        spelling=Spelling.of(loaded.tree, loaded.resolver),
        source=loaded.text,
        config=config,
    )
    context.usage = usages.get(loaded.facts.root) if usages is not None else None
    context.history = histories.get(loaded.facts.root) if histories is not None else None
    plan = plan if plan is not None else EditPlan()
    context.plan_for = lambda facts: plan if facts is loaded.facts else plan_for(facts)
    reported: list[Reported] = []
    for rule in RULES:
        if not config.enabled(rule.code):
            continue
        for finding in rule.check(context):
            if context.suppressed(finding.code, finding.node):
                continue
            kind = None
            applied = False
            if finding.fix is not None:
                if finding.safety == SAFE or config.unsafe_fixes:
                    applied = finding.fix(plan)
                    kind = finding.safety if applied else None
                elif _dry_run(context, finding):
                    kind = finding.safety
            line, column = context.position(finding.node)
            reported.append(Reported(loaded.path, line, column, finding.code, finding.message, applied, kind))
    reported.sort(key=lambda r: (r.line, r.column, r.code))
    return reported, plan


def _dry_run(context: RuleContext, finding) -> bool:
    """Could the fix be written here? Asked of a fix this run does not apply, into plans thrown away."""
    real = context.plan_for
    context.plan_for = lambda facts: EditPlan() if real(facts) is not None else None
    try:
        return finding.fix(EditPlan())
    finally:
        context.plan_for = real


def process(
    files: list[LoadedFile], picture: Picture, project: Project, config: Config, fixing: bool = True,
    usages: Mapping[Path, ProjectUsage] | None = None, histories: Mapping[Path, MigrationHistory] | None = None,
) -> list[FileResult]:
    """The findings of the files; when `fixing`, also their fixed sources and what remains after the fixes.

    All files are decided before any is edited, because a fix may edit two files (see `decide`).
    """
    results = {file.path: FileResult(file.path, original=file.source) for file in files}
    original = {file.path: file for file in files}
    current = dict(original)
    for round_number in range(_MAX_PASSES + 1):
        plans = {path: EditPlan() for path in current if results[path].error is None}
        # a file in newer syntax is never written: no fix of another file may count on an edit there
        by_module = {id(current[path].facts): plan for path, plan in plans.items() if not current[path].newer_syntax}

        def plan_for(facts, plans_by_module=by_module):
            return plans_by_module.get(id(facts))

        for path, plan in plans.items():
            newer_syntax = current[path].newer_syntax
            try:
                findings, _ = decide(current[path], picture, config, plan, _nowhere if newer_syntax else plan_for, usages, histories)
            except (RecursionError, MemoryError):
                results[path].error = "cannot parse: nested too deeply"
                continue
            if round_number == 0:
                results[path].findings = findings
            results[path].remaining = findings
            if newer_syntax and plan:
                plans[path] = EditPlan()
                if fixing:
                    results[path].error = _unverifiable(newer_syntax)
        if not fixing or round_number == _MAX_PASSES or not any(plans.values()):
            break
        for path, plan in plans.items():
            if not plan or results[path].error is not None:
                continue
            try:
                new_source = rewrite(current[path], plan, config.line_length, original[path])
                current[path] = parse(path, new_source)
            except LoadError as error:
                results[path].error = str(error)
                results[path].fixed_source = None
                continue
            project.add(current[path].index)
            picture.add(collect(current[path], project))
            results[path].fixed_source = new_source
        picture.link()
    return [results[file.path] for file in files]


def _nowhere(facts) -> None:
    return None


def _unverifiable(syntax_error: str) -> str:
    version = sys.version_info
    return (
        f"fixes not applied: this Python ({version.major}.{version.minor}) cannot parse the file's syntax to "
        f"verify them ({syntax_error}); run sqla-fix on Python {version.major}.{version.minor + 1}+"
    )


def process_source(path: Path, source: bytes, config: Config) -> FileResult:
    """One file on its own, with no project around it (for tests and embedding)."""
    return on_large_stack(_process_source, path, source, config)


def _process_source(path: Path, source: bytes, config: Config) -> FileResult:
    if imports_alembic(source):  # a migration script: never touched (see migrations.py)
        return FileResult(path, original=source)
    loaded = parse(path, source)
    project = Project()
    project.add(loaded.index)
    picture = Picture([collect(loaded, project)])
    [result] = process([loaded], picture, project, config)
    return result


class _Loader:
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
        self._context_sources: dict[Path, bytes | None] = {}

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
        if path not in self._context_sources:
            try:
                source = read(path)
            except LoadError:
                source = None  # its own run reports it
            # a generated module is not worth the time (nor, for its own run, fixable); a migration is history
            if source is not None and (len(source) > self.max_file_size or imports_alembic(source)):
                source = None
            self._context_sources[path] = source
        return self._context_sources[path]

    def follow_imports(self, files: list[LoadedFile]) -> list[LoadedFile]:
        """Load the project modules these files import from, and theirs, transitively."""
        queue, added = list(files), []
        while queue:
            file = queue.pop()
            for binding in file.index.bindings.values():
                if binding.kind != "import":
                    continue
                parts = binding.target.split(".")
                for cut in range(len(parts), 0, -1):
                    path = self.context.get((file.index.root, ".".join(parts[:cut])))
                    if path is not None and path not in self.loaded:
                        source = self._context_source(path)
                        new = self.load(path, source, target=False) if source is not None else None
                        if new is not None:
                            queue.append(new)
                            added.append(new)
        return added

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
            tests[root] = lambda source, pattern=pattern: pattern.search(source) is not None
        return self._load_context_where(tests)

    def load_indexes_on(self, names: set[tuple[Path, str]]) -> list[LoadedFile]:
        """Load the context files that may declare a module-level `Index(..., Post.user_id)` on one of these
        (project root, class or table variable) pairs: an index may be declared in any file of the project,
        and a file given alone must be decided as in the whole project."""
        wanted: dict[Path, list[bytes]] = {}
        for root, name in names:
            wanted.setdefault(root, []).append(name.encode())
        # what the collector reads is `Index(..., Owner.column)` or `Index(..., owner.c.column)`: "Owner."
        return self._load_context_where({
            root: lambda source, owners=owners: b"Index(" in source and any(name + b"." in source for name in owners)
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


def _named_classes(facts: ModuleFacts) -> set[str]:
    """Class names a module refers to by name: relationship targets, ForeignKey(Class.id)."""
    names = set()
    for model in facts.classes.values():
        names.update(r.target for r in model.relationships if r.target)
        names.update(fk.target_class for c in model.columns.values() for fk in c.foreign_keys if fk.target_class)
    return names


# LibCST's native parser recurses on the C stack: on a large stack a deep (but valid) expression gives
# a RecursionError we can report, where the main thread's 8 MB would crash the process.
_STACK_BYTES = 512 * 1024 * 1024


def on_large_stack(function, *args):
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # handed to the caller's thread as it is
            outcome["error"] = error

    previous = threading.stack_size(_STACK_BYTES)
    try:
        worker = threading.Thread(target=target, name="sqla-fix", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def run(paths: list[Path], config: Config, fixing: bool = True) -> list[FileResult]:
    """Check the files under `paths` (and, when `fixing`, make their fixed sources), with their projects'
    other files in view."""
    return on_large_stack(_run, paths, config, fixing)


def _run(paths: list[Path], config: Config, fixing: bool) -> list[FileResult]:
    forget_resolved()
    targets, missing = discover(paths)
    results = [FileResult(path, error=reason) for path, reason in missing]
    loader = _Loader(targets, results, config.max_file_size)
    skipped: list[FileResult] = []
    for path in targets:
        # A migration script, even named on the command line, is excluded (see migrations.py): it gets
        # a result with nothing in it, like a file that declares no models.
        if in_versions_directory(path):
            skipped.append(FileResult(path))
            continue
        try:
            source = read(path)
        except LoadError as error:
            results.append(FileResult(path, error=str(error)))
            continue
        if not may_define_models(source) or imports_alembic(source):
            skipped.append(FileResult(path, original=source))
            continue
        if len(source) > config.max_file_size:
            results.append(FileResult(path, original=source, error=(
                f"too large to fix safely ({len(source) / 1e6:.1f} MB, the limit is "
                f"{config.max_file_size / 1e6:.1f} MB: max-file-size in [tool.sqla-fix]); left unchanged")))
            continue
        loader.load(path, source, target=True)
    target_files = list(loader.loaded.values())
    loader.follow_imports(target_files)
    failed: set[Path] = set()

    def collect_or_report(file: LoadedFile) -> None:
        try:
            collect(file, loader.project)
        except (RecursionError, MemoryError):
            failed.add(file.path)
            if file in target_files:
                results.append(FileResult(file.path, original=file.source, error="cannot parse: nested too deeply"))

    for file in target_files:
        collect_or_report(file)
    known = {(file.facts.root, name) for file in loader.loaded.values() if file.facts for name in file.facts.classes}
    wanted_names = {(f.facts.root, name) for f in target_files if f.facts for name in _named_classes(f.facts)} - known
    context_files = loader.load_classes_named(wanted_names) if wanted_names else []
    indexed = {(f.facts.root, owner) for f in target_files if f.facts
               for owner in [*f.facts.classes, *(t.variable for t in f.facts.tables.values() if t.variable)]}
    context_files += loader.load_indexes_on(indexed) if indexed else []
    # classes that map no table of their own may be mixins: their subclasses say whether the project maps them
    bases = {(f.facts.root, name) for f in target_files if f.facts for name, model in f.facts.classes.items()
             if model.explicit_tablename is None and not model.has_tablename_attribute and "table" not in model.class_keywords}
    context_files += loader.load_subclasses_of(bases) if bases else []
    loader.follow_imports(context_files)
    for file in loader.loaded.values():
        if file.facts is None and file.path not in failed:
            collect_or_report(file)
    if _read_library_bases(loader, failed):
        for file in list(loader.loaded.values()):  # their bases resolve now: collect them again
            if file.facts is not None and file.facts.external_bases and file.path not in failed:
                collect_or_report(file)

    picture = Picture([file.facts for file in loader.loaded.values() if file.facts is not None])
    # every file of each project, the run's own targets that declare no models (services, schemas) too;
    # each project is read on its own: one's code says nothing about another's columns
    caches = {root: _usage_cache(root, config) for root in loader.files_by_root}
    usages = {root: _project_usage(picture, paths, config, caches[root])
              for root, paths in loader.files_by_root.items()}
    for cache in caches.values():
        if cache is not None:
            cache.save()
    targets_read = [f for f in target_files if f.path not in failed]
    histories = {
        root: MigrationHistory.read(paths, {name.split(".")[0] for (other, name) in loader.context if other == root}
                                    | {f.index.name.split(".")[0] for f in target_files if f.index.root == root})
        for root, paths in loader.files_by_root.items()
    }
    results += process(targets_read, picture, loader.project, config, fixing, usages, histories)
    return results + skipped


def _usage_cache(root: Path, config: Config) -> FileCache | None:
    if not config.cache:
        return None
    directory = Path(config.cache_dir) if config.cache_dir else root / DEFAULT_DIRECTORY
    return FileCache(directory, config.fingerprint(), "usage")


_LIBRARY_HOPS = 4  # a base's base's base... from installed libraries


def _read_library_bases(loader: _Loader, failed: set[Path]) -> bool:
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


def _project_usage(picture: Picture, files: list[Path], config: Config, cache: FileCache | None) -> ProjectUsage:
    """How the project's code (every file of it, whatever the run was given) uses the names the rules ask
    about: foreign keys, relationships and length-limited strings of the mapped classes."""
    attributes: set[str] = set()
    classes: set[str] = set()
    for module in picture.modules:
        classes.update(name for name, _ in module.imperative_mappings)
        for model in module.classes.values():
            classes.add(model.name)
            attributes.update(r.name for r in model.relationships)
        for owner in [*module.classes.values(), *module.tables.values()]:
            attributes.update(
                c.name for c in owner.columns.values()
                # a SQLModel `body: str` is VARCHAR too: another schema's `Field(max_length=50)` limits it
                if c.foreign_keys or c.type_length is not None or c.length_named is not None or c.type_name == "str"
            )
    return ProjectUsage.scan(files, attributes, classes, max_file_size=config.max_file_size, cache=cache,
                             jobs=config.jobs or default_jobs())


def write_result(result: FileResult) -> str | None:
    """Write a fixed file; None when written, else why it was not (the file is then untouched)."""
    target = result.path.resolve()  # through a link (checked to stay inside the given paths) to its file
    try:
        if target.read_bytes() != result.original:
            return "changed on disk since it was read: not written"
        if not target.stat().st_mode & 0o222:
            return "read-only: not written"
        write_atomically(target, result.fixed_source)
    except OSError as error:
        return f"cannot write: {error.strerror or error}"
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step: an interrupted run leaves the old file or the new one."""
    mode = path.stat().st_mode
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".sqla-fix")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
