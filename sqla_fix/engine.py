"""Load files, build the model picture, run the rules, produce new sources.

Per-file work after the picture is built is independent of other files, so that it can run in
worker processes; the CLI is a thin layer over `run`.
"""

from __future__ import annotations

import ast
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from .collect import ModuleCollector, assignment_kind
from .config import Config
from .edits import EditPlan, Layout, apply
from .names import Resolver
from .picture import ModuleFacts, Picture
from .project import ModuleIndex, Project, index_bindings, module_name, project_root
from .rules import RULES, RuleContext
from .spelling import Spelling

# A file that mentions none of these cannot define SQLAlchemy models: it is not even parsed.
MARKERS = (b"sqlalchemy", b"sqlmodel")
SKIPPED_DIRECTORIES = {
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "__pypackages__",
}
_MAX_PASSES = 3


@dataclass
class Reported:
    path: Path
    line: int
    column: int
    code: str
    message: str
    fixable: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"


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


class LoadError(Exception):
    pass


@dataclass
class LoadedFile:
    path: Path
    source: bytes
    module: cst.Module
    qualified_names: Mapping
    positions: Mapping
    index: ModuleIndex
    resolver: Resolver | None = None
    facts: ModuleFacts | None = None


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
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
                files.extend(Path(directory, name) for name in sorted(names) if name.endswith(".py"))
        elif path.exists():
            errors.append((path, "not a regular file"))
        else:
            errors.append((path, "no such file or directory"))
    unique = list(dict.fromkeys(files))
    return unique, errors


def read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read: {error.strerror or error}") from error


def parse(path: Path, source: bytes) -> LoadedFile:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise LoadError(f"cannot parse: {_python_says(source, error)}") from error
    except (UnicodeError, LookupError, SyntaxError, ValueError) as error:
        raise LoadError(f"cannot parse: {error}") from error
    except RecursionError as error:
        raise LoadError("cannot parse: nested too deeply") from error
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    qualified_names = wrapper.resolve(QualifiedNameProvider)
    index = ModuleIndex(module_name(path), path.name == "__init__.py")
    local = Resolver(qualified_names)
    index_bindings(index, module, lambda value: assignment_kind(local, value))
    return LoadedFile(path, source, module, qualified_names, wrapper.resolve(PositionProvider), index)


def collect(loaded: LoadedFile, project: Project) -> ModuleFacts:
    loaded.resolver = Resolver(loaded.qualified_names, project, loaded.index)
    facts = ModuleFacts(loaded.path, loaded.index.name)
    loaded.facts = ModuleCollector(loaded.module, loaded.resolver, facts).collect()
    return loaded.facts


def _python_says(source: bytes, error: cst.ParserSyntaxError) -> str:
    """Python's own words for a syntax error, which users know better than the parser's."""
    try:
        ast.parse(source)
    except SyntaxError as python_error:
        return f"{python_error.msg} at line {python_error.lineno}"
    except (ValueError, RecursionError, MemoryError):
        pass
    return f"{error.message} at line {error.raw_line}"


def decide(loaded: LoadedFile, picture: Picture, config: Config) -> tuple[list[Reported], EditPlan]:
    """Every finding of one file, and the plan of the fixes for those that have one."""
    context = RuleContext(
        module=loaded.module,
        facts=loaded.facts,
        picture=picture,
        resolver=loaded.resolver,
        spelling=Spelling.of(loaded.module, loaded.resolver),
        positions=loaded.positions,
        lines=loaded.module.code.splitlines(),
        config=config,
    )
    plan = EditPlan()
    reported: list[Reported] = []
    for rule in RULES:
        if not config.enabled(rule.code):
            continue
        for finding in rule.check(context):
            if context.suppressed(finding.code, finding.node):
                continue
            fixable = finding.fix is not None and finding.fix(plan)
            line, column = context.position(finding.node)
            reported.append(Reported(loaded.path, line, column, finding.code, finding.message, fixable))
    reported.sort(key=lambda r: (r.line, r.column, r.code))
    return reported, plan


def _verified(path: Path, module: cst.Module) -> bytes:
    new_source = module.bytes
    try:
        ast.parse(module.code, filename=str(path))
        cst.parse_module(new_source)
    except (SyntaxError, cst.ParserSyntaxError) as error:  # pragma: no cover - a bug of ours
        raise LoadError(f"internal error: the fixed source does not parse ({error}); file left unchanged") from error
    return new_source


def process(loaded: LoadedFile, picture: Picture, project: Project, config: Config) -> FileResult:
    result = FileResult(loaded.path, original=loaded.source)
    findings, plan = decide(loaded, picture, config)
    result.findings = findings
    result.remaining = findings
    current = loaded
    for _ in range(_MAX_PASSES):
        if not plan:
            break
        layout = Layout(config.line_length, current.module.code.splitlines(), current.positions,
                        current.module.default_indent)
        new_source = _verified(current.path, apply(current.module, plan, layout))
        current = parse(current.path, new_source)
        project.add(current.index)
        picture.add(collect(current, project))
        picture.link()
        result.fixed_source = new_source
        result.remaining, plan = decide(current, picture, config)
    return result


def _may_define_models(source: bytes, flask_names: set[bytes]) -> bool:
    """Cheap test on the bytes: can this file declare models at all? Most files are never parsed."""
    if any(marker in source for marker in MARKERS):
        return True
    # Flask-SQLAlchemy models whose `db` comes from another module never mention SQLAlchemy.
    return b"import" in source and any(name + b"." in source for name in flask_names)


def run(paths: list[Path], config: Config) -> list[FileResult]:
    """Check (and plan the fixes of) the files under `paths`, with their projects' other files in view."""
    targets, missing = discover(paths)
    results = [FileResult(path, error=reason) for path, reason in missing]
    wanted = {path.resolve() for path in targets}
    roots = sorted({project_root(path.resolve().parent) for path in targets})
    context = [path for path in discover(roots)[0] if path.resolve() not in wanted]

    sources: dict[Path, bytes] = {}
    for path in targets:
        try:
            sources[path] = read(path)
        except LoadError as error:
            results.append(FileResult(path, error=str(error)))
    for path in context:
        try:
            sources[path] = read(path)
        except LoadError:
            continue  # a file we only read for context: its own run reports it

    project = Project()
    loaded: dict[Path, LoadedFile] = {}
    pending = list(sources)
    flask_names: set[bytes] = set()
    while pending:
        later = []
        for path in pending:
            if not _may_define_models(sources[path], flask_names):
                later.append(path)
                continue
            try:
                loaded[path] = parse(path, sources[path])
            except LoadError as error:
                if path.resolve() in wanted:
                    results.append(FileResult(path, original=sources[path], error=str(error)))
                continue
            project.add(loaded[path].index)
        # A second look at the skipped files once the Flask-SQLAlchemy objects of the project are known.
        new_names = {name.encode() for file in loaded.values() for name, b in file.index.bindings.items()
                     if b.kind == "flask"} - flask_names
        flask_names |= new_names
        pending = later if new_names else []
    for path in sources:
        if path.resolve() in wanted and path not in loaded and not any(r.path == path for r in results):
            results.append(FileResult(path, original=sources[path]))

    picture = Picture([collect(file, project) for file in loaded.values()])
    for path, file in loaded.items():
        if path.resolve() not in wanted:
            continue
        try:
            results.append(process(file, picture, project, config))
        except LoadError as error:
            results.append(FileResult(path, original=file.source, error=str(error)))
    return results


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step: an interrupted run leaves the old file or the new one."""
    mode = path.stat().st_mode
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".sqla-fix")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
