"""The engine: a run's data path, stage by stage.

    discover (discover.py) -> read and parse with Python's ast (read.py) -> collect the model facts
    (collect.py) -> the project picture: context files (context.py), the picture (picture.py), the
    project's use of the models (usage.py) and its migrations (history.py) -> decide (decide.py) ->
    edit with LibCST (rewrite.py, edits.py) -> verify (verify.py) -> write (write.py) / report (cli.py)

Files that declare no models are decided too where they may open sessions (SQF015 reads functions:
scripts, CLIs, services). Those that do not mention SQLAlchemy pass a cheap byte test
(markers.may_open_sessions) and are read only after the picture is made, with the modules they import
(for what their factories are): the model stages see exactly the files they see without them. A file that
is fixed is verified and written as any other.

Only per-file work runs in worker processes (usage.py's reading of the project's code), its results
plain data in a stable order; the CLI is a thin layer over `run`.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .cache import DEFAULT_DIRECTORY, FileCache
from .collect import collect
from .config import Config
from .context import Loader, named_classes, read_library_bases
from .decide import process
from .discover import SKIPPED_DIRECTORIES, discover_with_warnings, forget_walks
from .history import MigrationHistory
from .markers import may_open_sessions
from .migrations import forget_directories, imports_alembic, in_versions_directory
from .picture import ROOT_BASES, ClassKind, Picture
from .project import Project, forget_resolved
from .read import LoadedFile, LoadError, may_define_models, parse, read
from .results import FileResult, Reported
from .rules import RULES
from .usage import ProjectUsage
from .workers import default_jobs
from .write import write_atomically, write_result

__all__ = ["FileResult", "LoadError", "Reported", "SKIPPED_DIRECTORIES", "process_source", "read", "run",
           "write_atomically", "write_result"]


def process_source(path: Path, source: bytes, config: Config, edits: bool = False) -> FileResult:
    """One file on its own, with no project around it (for tests, embedding, and stdin outside a project)."""
    return on_large_stack(_process_source, path, source, config, edits)


def _process_source(path: Path, source: bytes, config: Config, edits: bool = False) -> FileResult:
    if imports_alembic(source):  # a migration script: never touched (see migrations.py)
        return FileResult(path, original=source)
    loaded = parse(path, source)
    project = Project()
    project.add(loaded.index)
    picture = Picture([collect(loaded, project)])
    [result] = process([loaded], picture, project, config, edits=edits)
    return result


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


def run(paths: list[Path], config: Config, fixing: bool = True, progress=None, edits: bool = False,
        sources: dict[Path, bytes] | None = None) -> list[FileResult]:
    """Check the files under `paths` (and, when `fixing`, make their fixed sources), with their projects'
    other files in view; with `edits`, each finding carries its fix's own edits. `sources` stand in for
    what is on disk (stdin, for the file named by --stdin-filename)."""
    try:
        return on_large_stack(_run, paths, config, fixing, progress, edits, sources or {})
    finally:
        if progress is not None:
            progress.close()


def _run(paths: list[Path], config: Config, fixing: bool, progress=None, edits: bool = False,
         sources: dict[Path, bytes] | None = None) -> list[FileResult]:
    forget_resolved()
    forget_walks()
    forget_directories()
    # a source given for a path that is not on disk (an editor's unsaved file) is a target all the same
    unsaved = [path for path in paths if sources and path in sources and not path.exists()]
    targets, missing, unchecked = discover_with_warnings([p for p in paths if p not in unsaved], config.exclusion())
    targets += unsaved
    results = [FileResult(path, error=reason) for path, reason in missing]
    results += [FileResult(path, warning=reason) for path, reason in unchecked]
    loader = Loader(targets, results, config.max_file_size)
    skipped: list[FileResult] = []
    session_sources: list[tuple[Path, bytes]] = []  # read after the picture (see the module's docstring)
    for path in targets:
        # A migration script, even named on the command line, is excluded (see migrations.py): it gets
        # a result with nothing in it, like a file that declares no models.
        if in_versions_directory(path):
            skipped.append(FileResult(path))
            continue
        try:
            source = sources[path] if sources and path in sources else read(path)
        except LoadError as error:
            results.append(FileResult(path, error=str(error)))
            continue
        if imports_alembic(source) or not may_define_models(source) and not _opens_sessions(path, source, config):
            skipped.append(FileResult(path))  # its bytes are not kept: most of a tree is such files
            continue
        if not may_define_models(source):  # it may open sessions: read after the picture
            if len(source) <= config.max_file_size:
                session_sources.append((path, source))
            else:
                skipped.append(FileResult(path))
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
    wanted_names = {(f.facts.root, name) for f in target_files if f.facts for name in named_classes(f.facts)} - known
    context_files = loader.load_classes_named(wanted_names) if wanted_names else []
    # (a declarative base itself has no table: no index is declared on it, and its name, `Base`, is in
    # every other file of a large project)
    indexed = {(f.facts.root, owner) for f in target_files if f.facts
               for owner in [*(name for name, model in f.facts.classes.items() if not model.canonical_bases & ROOT_BASES),
                             *(t.variable for t in f.facts.tables.values() if t.variable)]}
    context_files += loader.load_indexes_on(indexed) if indexed else []
    # classes that map no table of their own may be mixins: their subclasses say whether the project maps them
    # (a declarative base is no mixin: it maps no table whatever derives from it)
    bases = {(f.facts.root, name) for f in target_files if f.facts for name, model in f.facts.classes.items()
             if model.explicit_tablename is None and not model.has_tablename_attribute and "table" not in model.class_keywords
             and not model.canonical_bases & ROOT_BASES}
    context_files += loader.load_subclasses_of(bases) if bases else []
    loader.follow_imports(context_files)
    for file in loader.loaded.values():
        if file.facts is None and file.path not in failed:
            collect_or_report(file)
    if read_library_bases(loader, failed):
        for file in list(loader.loaded.values()):  # their bases resolve now: collect them again
            if file.facts is not None and file.facts.external_bases and file.path not in failed:
                collect_or_report(file)

    picture = Picture([file.facts for file in loader.loaded.values() if file.facts is not None])
    # A file that declares no model class or table gets no finding and no edit (every rule looks at those):
    # it is not decided. Of every file only to be read for its facts, the facts stay and the tree goes.
    targets_read = [f for f in target_files if f.path not in failed]
    targets_read += _session_files(loader, session_sources, collect_or_report, failed)
    deciding = [f for f in targets_read if f.facts is not None and (
        _declares_models(f.facts) or _opens_sessions(f.path, f.source, config))]
    # the modules that functions import from, for their session factories (after the picture, as above)
    loader.follow_function_imports([f for f in deciding if _opens_sessions(f.path, f.source, config)])
    decided = {id(f) for f in deciding}
    skipped += [FileResult(f.path, original=f.source) for f in targets_read if id(f) not in decided]
    for file in loader.loaded.values():
        if id(file) not in decided:
            file.tree = None
    # every file of each project, the run's own targets that declare no models (services, schemas) too;
    # each project is read on its own: one's code says nothing about another's columns
    caches = {root: _usage_cache(root, config) for root in loader.files_by_root}
    usages = {root: _project_usage(picture, paths, config, caches[root], progress)
              for root, paths in loader.files_by_root.items()}
    for cache in caches.values():
        if cache is not None:
            cache.save()
    histories = {
        root: MigrationHistory.read(paths, {name.split(".")[0] for (other, name) in loader.context if other == root}
                                    | {f.index.name.split(".")[0] for f in target_files if f.index.root == root})
        for root, paths in loader.files_by_root.items()
    }
    results += process(deciding, picture, loader.project, config, fixing, usages, histories, progress, edits)
    return results + skipped


def _opens_sessions(path: Path, source: bytes, config: Config) -> bool:
    """May the file open sessions, for SQF015 to decide (a cheap test on the bytes)?"""
    return may_open_sessions(source) and config.enabled("SQF015", path)


def _session_files(loader: Loader, sources: list[tuple[Path, bytes]], collect_or_report, failed: set[Path]):
    """The targets that mention no SQLAlchemy but may open sessions, read after the picture: each file, and
    the project modules it imports from (only their bindings are needed: which names are session factories).
    Their facts (no models) stay out of the picture."""
    files = [file for path, source in sources if (file := loader.load(path, source, target=True)) is not None]
    loader.follow_imports(files)
    for file in files:
        collect_or_report(file)
    return [file for file in files if file.path not in failed]


def _declares_models(facts) -> bool:
    return (bool(facts.tables) or facts.makes_metadata
            or any(model.kind is not ClassKind.OTHER for model in facts.classes.values()))


def _usage_cache(root: Path, config: Config) -> FileCache | None:
    if not config.cache:
        return None
    directory = Path(config.cache_dir) if config.cache_dir else root / DEFAULT_DIRECTORY
    return FileCache(directory, config.fingerprint(), "usage")


def _project_usage(
    picture: Picture, files: list[Path], config: Config, cache: FileCache | None, progress=None
) -> ProjectUsage:
    """How the project's code (every file of it, whatever the run was given) uses the names the rules ask
    about (foreign keys, their relationships, prose strings of a limited length), beside the names of all
    the mapped classes."""
    keys: set[str] = set()
    relationships: set[str] = set()
    lengths: set[str] = set()
    classes: set[str] = set()
    for rule in RULES:  # every rule's, whatever is selected: SQF004 asks what SQF002 decides
        questions = rule.usage_questions(picture, config)
        keys |= questions.keys
        relationships |= questions.relationships
        lengths |= questions.lengths
        classes |= questions.classes
    known = {name for module in picture.modules for name in
             [*(name for name, _ in module.imperative_mappings), *(model.name for model in module.classes.values())]}
    return ProjectUsage.scan(files, keys, classes, relationships=relationships, lengths=lengths, known_classes=known,
                             max_file_size=config.max_file_size, cache=cache, jobs=config.jobs or default_jobs(),
                             progress=progress)
