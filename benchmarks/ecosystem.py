"""Ecosystem check: run sqla-fix on pinned real-world distributions and snapshot what it does.

Like ruff's ecosystem check, this answers "what does the tool do to code it has never seen?" For each
distribution pinned in PROJECTS it downloads the exact release from PyPI (`pip download --no-deps`),
copies the sub-paths that hold the SQLAlchemy models and the migrations into a scratch project (an
empty `pyproject.toml` at its root, so the tool treats the copy as one project) and runs, each in a
subprocess of the tool in this checkout:

  check --output-format json     the findings, per rule code and per fix kind (safe, unsafe, none)
  fix                            on a copy: the safe fixes
  fix --unsafe-fixes             on another copy (reported "n/a" where the CLI has no such option)
  fix (again) on each fixed copy must change nothing (idempotence)

and it asserts that every changed file still compiles, that no migration file (under a `versions/`
directory, or importing alembic) is touched, and records crashes, per-file errors and wall times.

It writes a markdown snapshot (our own output only: counts and `path:line CODE message` lines, never
a line of their source) to benchmarks/ecosystem/snapshot.md, and the unified diffs, which do contain
their code, outside the repository (--diffs, default /tmp/sqla-fix-ecosystem-diffs) for review.

    python benchmarks/ecosystem.py                       # every project: about 23 minutes on 2 cores
    python benchmarks/ecosystem.py --only optuna,zou --snapshot /tmp/snapshot.md
    python benchmarks/ecosystem.py --select ALL         # the rules off by default too

Exit status: 0 when no run crashed, every fixed file compiles, the fixes are idempotent and no
migration file was touched; 1 otherwise; 2 when a download failed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CACHE = Path("~/.cache/sqla-fix-ecosystem").expanduser()
DEFAULT_SNAPSHOT = HERE / "ecosystem" / "snapshot.md"
DEFAULT_DIFFS = Path(tempfile.gettempdir()) / "sqla-fix-ecosystem-diffs"


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    # Paths inside the distribution (relative to its import root), models and migrations both: the
    # migrations are there to prove that the tool leaves them alone.
    paths: tuple[str, ...]
    style: str


PROJECTS: tuple[Project, ...] = (
    Project("neutron", "29.0.0", ("neutron/db",),
            "classic Column, bases from neutron-lib, ~280 files, alembic expand/contract branches"),
    Project("glance", "33.0.0", ("glance/db/sqlalchemy",), "classic Column, two model modules"),
    Project("ironic", "39.0.0", ("ironic/db/sqlalchemy",), "classic Column, oslo.db bases"),
    Project("manila", "23.0.1", ("manila/db",), "classic Column, one large models module"),
    Project("octavia", "19.0.0", ("octavia/db",), "classic Column, base_models mixins"),
    Project("designate", "23.0.0", ("designate/storage/sqlalchemy",), "imperative Table"),
    Project("trove", "26.0.0", ("trove/db/sqlalchemy",), "imperative mapping of reflected tables"),
    Project("masakari", "22.0.0", ("masakari/db/sqlalchemy",), "classic Column, small"),
    Project("mistral", "23.0.0", ("mistral/db",), "classic Column, model_base in another package"),
    Project("barbican", "23.0.0", ("barbican/model",), "classic Column, declared_attr bases"),
    Project("pgadmin4", "9.18", ("pgadmin4/pgadmin/model", "pgadmin4/migrations"), "Flask-SQLAlchemy db.Model"),
    Project("buildbot", "4.3.0", ("buildbot/db",), "imperative Table, sa alias"),
    Project("flask-appbuilder", "5.3.0", ("flask_appbuilder/security/sqla", "flask_appbuilder/models/sqla"),
            "Flask-SQLAlchemy Model, association tables"),
    Project("flask-security-too", "5.9.2", ("flask_security/models",), "declared_attr mixins (fsqla)"),
    Project("invenio-accounts", "9.1.0", ("invenio_accounts/models.py", "invenio_accounts/alembic"),
            "db.Model from invenio-db (an installed library), alembic without versions/"),
    Project("aim", "3.29.1",
            ("aim/storage/structured/sql_engine", "aim/storage/migrations", "aim/web/api", "aim/web/migrations"),
            "classic Column, two databases"),
    Project("optuna", "5.0.0", ("optuna/storages/_rdb",), "classic Column, alembic versions"),
    Project("zou", "1.0.97", ("zou/app/models", "zou/migrations"),
            "Flask-SQLAlchemy, models across ~50 files, ~230 migrations"),
    Project("ckan", "2.12.0", ("ckan/model", "ckan/migration"), "imperative Table + mapper, many files"),
    Project("fastapi-users-db-sqlalchemy", "7.0.0", ("fastapi_users_db_sqlalchemy",), "typed Mapped, generic mixins"),
    Project("advanced-alchemy", "1.12.0", ("advanced_alchemy/base.py", "advanced_alchemy/mixins",
                                           "advanced_alchemy/alembic"), "typed Mapped, declared_attr mixins"),
    Project("sqlalchemy-celery-beat", "0.9.1", ("sqlalchemy_celery_beat",), "classic sa.Column, sa alias"),
    Project("celery-sqlmodel-beat", "0.1.8", ("celery_sqlmodel_beat",), "SQLModel"),
    Project("cape-cod-db", "0.4.1", ("cape_cod_db",), "SQLModel with alembic versions"),
    Project("async-casbin-sqlmodel-adapter", "0.1.5", ("async_casbin_sqlmodel_adapter",), "SQLModel, tiny"),
)

# A file that declares a table or a mapped class (counted as a "model file" in the snapshot).
MODEL_MARKERS = re.compile(r"\b(?:Column|mapped_column|Table|relationship)\s*\(|\bdb\.Model\b|\btable\s*=\s*True\b")
ALEMBIC_IMPORT = re.compile(r"^\s*(?:from\s+alembic\b|import\s+alembic\b)", re.MULTILINE)
# `fix` prints one line per written file: "path: fixed 3 findings (SQF001 x2, SQF004)".
FIXED_LINE = re.compile(r"^(?P<path>\S.*?\.py): fixed (?P<count>\d+) findings? \(")
# Per-file errors (cannot parse, too large, changed on disk, ...) are "path: message" on stderr.
FILE_ERROR_LINE = re.compile(r"^(?P<path>\S.*?\.py): (?P<message>.+)$")
NO_SUCH_OPTION = "no such option"
NOT_AVAILABLE = "n/a"
# stderr lines kept for a crash: where it starts, and the frames nearest the exception at the end.
STDERR_HEAD, STDERR_TAIL = 3, 6


# What pip prints when it cannot reach the index, as opposed to a pinned release that is gone (then it
# lists the versions it did find instead of "none").
NETWORK_ERRORS = ("(from versions: none)", "NewConnectionError", "Failed to establish a new connection",
                  "Name or service not known", "Temporary failure in name resolution", "Network is unreachable",
                  "ConnectTimeout", "ReadTimeoutError", "ProxyError", "SSLError", "Connection refused")


class DownloadError(RuntimeError):
    """pip could not download a pinned distribution (the message holds pip's stderr)."""

    @property
    def offline(self) -> bool:
        return any(marker in str(self) for marker in NETWORK_ERRORS)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    fix: str | None  # "safe", "unsafe" or None (reported only)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass
class ToolRun:
    label: str
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: int = 0  # peak resident memory of the process


@dataclass
class FixOutcome:
    """One `fix` run on its own copy of the project, and the second run that must change nothing."""

    label: str
    available: bool = True
    changed: list[str] = field(default_factory=list)  # relative paths the run rewrote
    fixed_count: int = 0  # findings the run says it fixed
    fixed_per_file: dict[str, int] = field(default_factory=dict)
    compile_failures: list[str] = field(default_factory=list)
    not_idempotent: list[str] = field(default_factory=list)
    runs: list[ToolRun] = field(default_factory=list)
    after: dict[str, bytes] = field(default_factory=dict)


@dataclass
class ProjectResult:
    project: Project
    model_files: int = 0
    findings: list[Finding] = field(default_factory=list)
    safe: FixOutcome | None = None
    unsafe: FixOutcome | None = None
    crashes: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    migrations_touched: list[str] = field(default_factory=list)
    count_notes: list[str] = field(default_factory=list)
    check_seconds: float = 0.0
    check_peak_mb: int = 0
    pristine: dict[str, bytes] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        fixes = [outcome for outcome in (self.safe, self.unsafe) if outcome]
        return not (self.crashes or self.migrations_touched
                    or any(o.compile_failures or o.not_idempotent for o in fixes))


# --- getting the code ---------------------------------------------------------------------------

def normalized(name: str) -> str:
    """PEP 503 name, with underscores: how wheel and sdist file names spell a project."""
    return re.sub(r"[-_.]+", "_", name).lower()


def cached_archive(project: Project, cache: Path) -> Path | None:
    """The archive of this exact release already in the cache, so a second run needs no network.
    "flask_appbuilder-5.3.0-py3-none-any.whl" and "Flask-AppBuilder-5.3.0.tar.gz" both match
    flask-appbuilder 5.3.0; "...-5.3.0.1..." does not."""
    release = re.compile(re.escape(normalized(f"{project.name}-{project.version}")) + r"_(?!\d)")
    matches = [candidate for candidate in sorted(cache.iterdir()) if release.match(normalized(candidate.name))]
    # A wheel when both are there: it is what pip would have chosen.
    return next((m for m in matches if m.suffix == ".whl"), matches[0] if matches else None)


def download(project: Project, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    archive = cached_archive(project, cache)
    if archive is not None:
        return archive
    # --no-binary :none: spells out pip's default: wheels preferred, an sdist when there is no wheel.
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":none:",
               "--disable-pip-version-check", f"{project.name}=={project.version}", "-d", str(cache)]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    archive = cached_archive(project, cache)
    if done.returncode != 0 or archive is None:
        raise DownloadError(f"pip download {project.name}=={project.version} failed:\n{done.stderr.strip()}")
    return archive


def archive_members(archive: Path) -> list[str]:
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            return [name for name in zipped.namelist() if not name.endswith("/")]
    with tarfile.open(archive) as tarred:
        return [member.name for member in tarred.getmembers() if member.isfile()]


def import_root(members: list[str], paths: tuple[str, ...]) -> str:
    """The prefix under which the distribution's packages live: "" in a wheel, "name-1.0/" or
    "name-1.0/src/" in an sdist."""
    tops = {member.split("/", 1)[0] for member in members}
    prefixes = [""] + [f"{top}/" for top in sorted(tops)] + [f"{top}/src/" for top in sorted(tops)]
    for prefix in prefixes:
        if all(any(member.startswith(prefix + path) for member in members) for path in paths):
            return prefix
    raise ValueError(f"the archive does not hold all of {', '.join(paths)}")


def wanted(relative: str, paths: tuple[str, ...]) -> bool:
    """Every Python file (and Alembic's configuration) of the packages that hold the chosen sub-paths:
    the runs target only the sub-paths, but sqla-fix reads the rest of the project as a database engineer
    would (how the code uses a key, the API schemas' limits, the migrations' indexes)."""
    packages = {PurePosixPath(path).parts[0] for path in paths}
    top = PurePosixPath(relative).parts[0] if relative else ""
    in_package = top in packages or relative in paths
    return in_package and (relative.endswith((".py", "alembic.ini", ".mako")) or under(relative, paths))


def unpack(archive: Path, paths: tuple[str, ...], destination: Path) -> None:
    """Extract only what the check needs: pgadmin4's wheel alone is 120 MB of JavaScript."""
    members = archive_members(archive)
    root = import_root(members, paths)
    selected = {m: m[len(root):] for m in members if m.startswith(root) and wanted(m[len(root):], paths)}
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            for member, relative in selected.items():
                target = safe_target(destination, relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zipped.read(member))
        return
    with tarfile.open(archive) as tarred:
        for member, relative in selected.items():
            target = safe_target(destination, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            extracted = tarred.extractfile(member)
            if extracted is not None:
                target.write_bytes(extracted.read())


def safe_target(destination: Path, relative: str) -> Path:
    """Refuse archive members that would land outside the destination (`../`, absolute names)."""
    target = (destination / relative).resolve()
    if not target.is_relative_to(destination.resolve()):
        raise ValueError(f"archive member escapes the destination: {relative}")
    return target


def make_scratch_project(unpacked: Path, scratch: Path) -> None:
    shutil.copytree(unpacked, scratch)
    # An empty pyproject.toml makes the copy one project for the tool, with default settings.
    (scratch / "pyproject.toml").write_text("")


def python_files(root: Path) -> dict[str, bytes]:
    """Every .py file of the scratch project, by path relative to its root: the package `__init__.py`
    files above the sub-paths too, since the tool must not write those either."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.py"))
            if path.is_file()}


def under(relative: str, paths: tuple[str, ...]) -> bool:
    return any(relative == path or relative.startswith(path.rstrip("/") + "/") for path in paths)


def is_migration(relative: str, source: bytes) -> bool:
    in_versions = "versions" in PurePosixPath(relative).parts[:-1]
    return in_versions or bool(ALEMBIC_IMPORT.search(source.decode("utf-8", "replace")))


def is_model_file(relative: str, source: bytes) -> bool:
    return not is_migration(relative, source) and bool(MODEL_MARKERS.search(source.decode("utf-8", "replace")))


# --- running the tool ---------------------------------------------------------------------------

def run_tool(label: str, arguments: list[str], cwd: Path) -> ToolRun:
    # PYTHONPATH makes the subprocess run this checkout's sqla_fix, whatever is installed.
    python_path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    started = time.perf_counter()
    # The peak memory, through /usr/bin/time: a child forked from this (large) process would report this
    # process's memory as its own high-water mark.
    with tempfile.NamedTemporaryFile("r") as peak:
        timer = ["/usr/bin/time", "-f", "%M", "-o", peak.name] if Path("/usr/bin/time").exists() else []
        done = subprocess.run([*timer, sys.executable, "-m", "sqla_fix", *arguments], check=False, cwd=cwd,
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": python_path})
        seconds = time.perf_counter() - started
        recorded = peak.read().split()
        peak_mb = int(recorded[-1]) // 1024 if recorded and recorded[-1].isdigit() else 0
    return ToolRun(label, done.returncode, done.stdout, done.stderr, seconds, peak_mb)


def tool_version() -> str:
    return run_tool("version", ["--version"], REPO).stdout.strip()


def parse_findings(stdout: str) -> list[Finding]:
    try:
        records = json.loads(stdout)
    except json.JSONDecodeError:
        return []
    return sorted((finding_from_json(record) for record in records), key=Finding.sort_key)


def finding_from_json(record: dict) -> Finding:
    if "filename" in record:  # ruff's keys: the fix is an object with its applicability
        fix = record["fix"]["applicability"] if record.get("fix") else None
        return Finding(PurePosixPath(record["filename"]).as_posix(), record["location"]["row"],
                       record["location"]["column"], record["code"], record["message"], fix)
    # Before ruff's keys: "fix" is newer than "fixable", and without it a fixable finding is a safe fix.
    fix = record["fix"] if "fix" in record else ("safe" if record.get("fixable") else None)
    return Finding(PurePosixPath(record["path"]).as_posix(), record["line"], record["column"], record["code"],
                   record["message"], fix)


def file_error(line: str, known_files: set[str]) -> str | None:
    matched = FILE_ERROR_LINE.match(line)
    if matched and PurePosixPath(matched["path"]).as_posix() in known_files:
        return f"{PurePosixPath(matched['path']).as_posix()}: {matched['message']}"
    return None


def file_error_lines(run: ToolRun, known_files: set[str]) -> list[str]:
    return [error for line in run.stderr.splitlines() if (error := file_error(line, known_files))]


def crash_report(run: ToolRun, known_files: set[str]) -> str | None:
    """A traceback, an unexpected exit code, or exit 2 that no per-file error explains (exit 2 with
    "path: cannot parse ..." lines is the documented outcome for bad input, counted separately)."""
    lines = run.stderr.splitlines()
    unexplained = [line for line in lines if line.strip() and not file_error(line, known_files)]
    crashed = ("Traceback (most recent call last)" in run.stderr or run.returncode not in (0, 1, 2)
               or (run.returncode == 2 and (unexplained or not lines)))
    if not crashed:
        return None
    return f"{run.label}: exit {run.returncode}\n{stderr_excerpt(lines)}"


def stderr_excerpt(lines: list[str]) -> str:
    if not lines:
        return "(no stderr)"
    if len(lines) <= STDERR_HEAD + STDERR_TAIL:
        return "\n".join(lines)
    return "\n".join([*lines[:STDERR_HEAD], "...", *lines[-STDERR_TAIL:]])


def fixed_per_file(stdout: str) -> dict[str, int]:
    counts = {}
    for line in stdout.splitlines():
        matched = FIXED_LINE.match(line)
        if matched:
            counts[PurePosixPath(matched["path"]).as_posix()] = int(matched["count"])
    return counts


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def compiles(source: bytes, path: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like are not our concern
        try:
            compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def run_fix(label: str, flags: list[str], pristine_dir: Path, copy_dir: Path, project: Project,
            pristine: dict[str, bytes]) -> FixOutcome:
    outcome = FixOutcome(label)
    shutil.copytree(pristine_dir, copy_dir)
    first = run_tool(label, ["fix", *flags, *project.paths], copy_dir)
    outcome.runs.append(first)
    if first.returncode == 2 and NO_SUCH_OPTION in first.stderr.lower():
        outcome.available = False
        return outcome
    outcome.after = python_files(copy_dir)
    outcome.changed = changed_files(pristine, outcome.after)
    outcome.fixed_per_file = fixed_per_file(first.stdout)
    outcome.fixed_count = sum(outcome.fixed_per_file.values())
    outcome.compile_failures = [path for path in outcome.changed
                                if compiles(pristine.get(path, b""), path)
                                and not compiles(outcome.after.get(path, b""), path)]
    if not outcome.changed:
        return outcome  # a second run would read the very same files: nothing to learn, time saved
    second = run_tool(f"{label} (second run)", ["fix", *flags, *project.paths], copy_dir)
    outcome.runs.append(second)
    outcome.not_idempotent = changed_files(outcome.after, python_files(copy_dir))
    return outcome


def check_project(project: Project, cache: Path, workdir: Path, selection: tuple[str, ...] = ()) -> ProjectResult:
    archive = download(project, cache)
    base = Path(tempfile.mkdtemp(prefix=f"{normalized(project.name)}-", dir=workdir))
    unpack(archive, project.paths, base / "unpacked")
    pristine_dir = base / "project"
    make_scratch_project(base / "unpacked", pristine_dir)

    result = ProjectResult(project)
    result.pristine = python_files(pristine_dir)
    result.model_files = sum(is_model_file(path, source) for path, source in result.pristine.items()
                             if under(path, project.paths))

    check = run_tool("check", ["check", "--output-format", "json", *selection, *project.paths], pristine_dir)
    result.check_seconds = check.seconds
    result.check_peak_mb = check.peak_mb
    result.findings = parse_findings(check.stdout)
    result.safe = run_fix("fix", [*selection], pristine_dir, base / "safe", project, result.pristine)
    result.unsafe = run_fix("fix --unsafe-fixes", [*selection, "--unsafe-fixes"], pristine_dir, base / "unsafe", project,
                            result.pristine)
    judge_runs(result, [check, *result.safe.runs, *result.unsafe.runs])
    result.count_notes = count_mismatches(result)
    shutil.rmtree(base, ignore_errors=True)
    return result


def judge_runs(result: ProjectResult, runs: list[ToolRun]) -> None:
    known = set(result.pristine)
    for run in runs:
        if run.label == "fix --unsafe-fixes" and not result.unsafe.available:
            continue  # the CLI has no --unsafe-fixes yet: "n/a", not a crash
        report = crash_report(run, known)
        if report:
            result.crashes.append(report)
    result.file_errors = sorted({error for run in runs for error in file_error_lines(run, known)})
    touched = set()
    for outcome in (result.safe, result.unsafe):
        touched.update(outcome.changed)
        touched.update(outcome.not_idempotent)
    result.migrations_touched = sorted(path for path in touched
                                       if is_migration(path, result.pristine.get(path, b"")))


def applied(finding: Finding, result: ProjectResult) -> bool:
    """Whether the run that applies this finding's kind of fix rewrote its file."""
    outcome = result.safe if finding.fix == "safe" else result.unsafe
    return bool(outcome and outcome.available and finding.path in outcome.changed)


def count_mismatches(result: ProjectResult) -> list[str]:
    """Where `fix` says it fixed another number of findings in a file than `check` has fixes for.
    Reported, not judged: it points a reviewer at a file worth reading in the diffs."""
    notes = []
    for outcome, kinds in ((result.safe, {"safe"}), (result.unsafe, {"safe", "unsafe"})):
        if not outcome.available:
            continue
        expected = Counter(f.path for f in result.findings if f.fix in kinds)
        for path in sorted(set(outcome.fixed_per_file) | set(outcome.changed)):
            said = outcome.fixed_per_file.get(path, 0)
            if said != expected[path]:
                notes.append(f"`{outcome.label}` fixed {said} findings in {path}; check lists {expected[path]} "
                             f"with a {' or '.join(sorted(kinds))} fix")
    return notes


# --- reporting ----------------------------------------------------------------------------------

def safe_changes(result: ProjectResult) -> int:
    return result.safe.fixed_count


def unsafe_changes(result: ProjectResult) -> int | str:
    if not result.unsafe.available:
        return NOT_AVAILABLE
    return result.unsafe.fixed_count - result.safe.fixed_count


def summary_table(results: list[ProjectResult]) -> list[str]:
    codes = sorted({finding.code for result in results for finding in result.findings})
    header = ["project", "model files", *codes, "safe changes", "unsafe changes", "crashes", "file errors",
              "compile failures", "non-idempotent files", "migration files touched", "check s", "fix s",
              "peak MB"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        per_code = Counter(finding.code for finding in result.findings)
        outcomes = [o for o in (result.safe, result.unsafe) if o.available]
        cells = [
            f"{result.project.name}=={result.project.version}", result.model_files,
            *(per_code[code] for code in codes), safe_changes(result), unsafe_changes(result),
            len(result.crashes), len(result.file_errors),
            sum(len(o.compile_failures) for o in outcomes),
            len({path for o in outcomes for path in o.not_idempotent}),
            len(result.migrations_touched), f"{result.check_seconds:.1f}", f"{result.safe.runs[0].seconds:.1f}",
            max([result.check_peak_mb, *(run.peak_mb for o in outcomes for run in o.runs)]),
        ]
        rows.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return rows


def project_section(result: ProjectResult) -> list[str]:
    project = result.project
    lines = [f"## {project.name}=={project.version}", "", project_overview(result), ""]
    every_fix = (result.safe, result.unsafe)
    problems = [("Crashes", result.crashes), ("Per-file errors", result.file_errors),
                ("Compile failures", sorted({path for o in every_fix for path in o.compile_failures})),
                ("Non-idempotent files", sorted({path for o in every_fix for path in o.not_idempotent})),
                ("Migration files touched", result.migrations_touched), ("Count mismatches", result.count_notes)]
    for title, entries in problems:
        if entries:
            lines += text_block(title, entries)
    changes = [f"{f.path}:{f.line} {f.code} {f.fix}{'' if applied(f, result) else ' (not applied)'} {f.message}"
               for f in result.findings if f.fix]
    reported = [f"{f.path}:{f.line} {f.code} {f.message}" for f in result.findings if not f.fix]
    lines += text_block(f"Changes ({len(changes)})", changes)
    return lines + text_block(f"Reported only ({len(reported)})", reported)


def project_overview(result: ProjectResult) -> str:
    per_code = sorted(Counter(finding.code for finding in result.findings).items())
    unsafe_files = len(result.unsafe.changed) if result.unsafe.available else NOT_AVAILABLE
    return (f"Style: {result.project.style}. Paths: {', '.join(f'`{path}`' for path in result.project.paths)}. "
            f"Findings: {len(result.findings)} ({', '.join(f'{code} {n}' for code, n in per_code) or 'none'}); "
            f"files changed by `fix`: {len(result.safe.changed)}, by `fix --unsafe-fixes`: {unsafe_files}.")


def text_block(title: str, entries: list[str]) -> list[str]:
    if not entries:
        return [f"{title}: none.", ""]
    return [f"{title}:", "", "```text", *entries, "```", ""]


def render_snapshot(results: list[ProjectResult], selection: tuple[str, ...] = ()) -> str:
    command = " ".join(["python benchmarks/ecosystem.py", *selection])
    lines = [
        "# Ecosystem check snapshot",
        "",
        (f"Made by `{command}` with {tool_version()} on Python "
         f"{platform.python_version()}. Only counts and the tool's own messages are here, never the projects'"
         " code; the diffs are written outside the repository (`--diffs`)."),
        "",
        ("Legend: *model files* are .py files outside the migrations that declare a `Column(`, `mapped_column(`,"
         " `Table(`, `relationship(`, `db.Model` or `table=True`; *safe changes* are the findings `fix` says it"
         " fixed, *unsafe changes* those `fix --unsafe-fixes` fixed beyond them (n/a: the CLI has no such"
         " option); a *crash* is a traceback, or exit 2 that no per-file error explains; *migration files*"
         " are under a `versions/` directory or import alembic. Times are wall seconds of one run."),
        "",
        *summary_table(results),
        "",
    ]
    for result in results:
        lines += project_section(result)
    return "\n".join(lines)


def unified_diff(before: dict[str, bytes], after: dict[str, bytes]) -> str:
    chunks = []
    for path in changed_files(before, after):
        old = before.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = after.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


def write_diffs(result: ProjectResult, diffs: Path) -> list[Path]:
    """<name>.diff: what `fix` did; <name>.unsafe.diff: what `fix --unsafe-fixes` did on top of it."""
    diffs.mkdir(parents=True, exist_ok=True)
    stem = f"{result.project.name}-{result.project.version}"
    written = []
    parts = [(f"{stem}.diff", result.pristine, {**result.pristine, **result.safe.after})]
    if result.unsafe.available:
        parts.append((f"{stem}.unsafe.diff", {**result.pristine, **result.safe.after},
                      {**result.pristine, **result.unsafe.after}))
    for name, before, after in parts:
        target = diffs / name
        target.unlink(missing_ok=True)
        text = unified_diff(before, after)
        if text:
            target.write_text(text)
            written.append(target)
    return written


# --- command line -------------------------------------------------------------------------------

def selected_projects(only: str | None) -> list[Project]:
    if not only:
        return list(PROJECTS)
    names = {normalized(name) for name in only.split(",") if name.strip()}
    unknown = names - {normalized(project.name) for project in PROJECTS}
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
    return [project for project in PROJECTS if normalized(project.name) in names]


def run_projects(projects: list[Project], cache: Path, jobs: int, diffs: Path,
                 selection: tuple[str, ...] = ()) -> list[ProjectResult]:
    def one(project: Project) -> ProjectResult:
        result = check_project(project, cache, Path(workdir), selection)
        write_diffs(result, diffs)  # at once: a reviewer can start on it while the others run
        print(f"{project.name}=={project.version}: {safe_changes(result)} safe, {unsafe_changes(result)} unsafe "
              f"changes{'' if result.passed else ', PROBLEMS'}", file=sys.stderr, flush=True)
        return result

    with (tempfile.TemporaryDirectory(prefix="sqla-fix-ecosystem-") as workdir,
          ThreadPoolExecutor(max_workers=max(1, jobs)) as pool):
        # The projects run in parallel, each in its own subprocesses; results keep the table order.
        return list(pool.map(one, projects))


def print_summary(results: list[ProjectResult], seconds: float) -> None:
    for row in summary_table(results):
        print(row)
    failed = [result.project.name for result in results if not result.passed]
    print(f"\n{len(results)} projects in {seconds:.0f} s; "
          + (f"problems in: {', '.join(failed)}" if failed else "no crash, compile failure, "
             "non-idempotent fix or touched migration."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated project names (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="projects checked at once")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where downloads are kept")
    parser.add_argument("--snapshot", type=Path, default=DEFAULT_SNAPSHOT, help="markdown snapshot to write")
    parser.add_argument("--diffs", type=Path, default=DEFAULT_DIFFS,
                        help="directory for the unified diffs (outside the repository: they hold the projects' code)")
    parser.add_argument("--select", help="rule selectors for every run, as sqla-fix's --select (default: the rules on "
                        "by default; ALL adds those off by default)")
    arguments = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        selection = ("--select", arguments.select) if arguments.select else ()
        results = run_projects(selected_projects(arguments.only), arguments.cache.expanduser(), arguments.jobs,
                               arguments.diffs, selection)
    except DownloadError as error:
        print(error, file=sys.stderr)
        return 2
    arguments.snapshot.parent.mkdir(parents=True, exist_ok=True)
    arguments.snapshot.write_text(render_snapshot(results, selection))
    print_summary(results, time.perf_counter() - started)
    print(f"snapshot: {arguments.snapshot}\ndiffs: {arguments.diffs}")
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
