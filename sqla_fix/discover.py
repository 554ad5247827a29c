"""Discover: the Python files a run is given, with their links followed only inside the given paths,
less what `exclude`, `extend-exclude` and the `.gitignore` files leave out (ruff's meaning: a path named
on the command line is checked all the same, unless `force-exclude`)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pathspec

from .project import resolved

SKIPPED_DIRECTORIES = {
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".sqla_fix_cache", "site-packages", "__pypackages__",
}
# `exclude`'s default: replaced by `exclude`, extended by `extend-exclude` (as in ruff).
DEFAULT_EXCLUDE = (*sorted(SKIPPED_DIRECTORIES), "*.egg-info")
PYTHON_SUFFIX = ".py"


@dataclass(frozen=True)
class PathPatterns:
    """Glob patterns as ruff reads `exclude` and `per-file-ignores`: each is matched against a path's name
    and against the whole path, with the pattern taken relative to `root` (the configuration file's
    directory, or the current one for the command line's); `*` crosses `/` (globset's default), so
    `tests/*.py` is every Python file below tests/. A pattern that starts with `!` matches what the rest
    does not (per-file-ignores only, as in ruff)."""

    root: Path
    patterns: tuple[str, ...]

    def matches(self, path: Path) -> bool:
        absolute = os.path.realpath(path)
        name = os.path.basename(absolute)
        return any(_glob_matches(pattern, absolute, name, self.root) for pattern in self.patterns)

    def matches_or_contains(self, path: Path) -> bool:
        """Does a pattern match `path` or a directory above it (below the root)? For a path named on the
        command line under --force-exclude: pre-commit names `legacy/models.py`, not `legacy`."""
        absolute = Path(os.path.realpath(path))
        root = Path(os.path.realpath(self.root))
        return any(self.matches(candidate) for candidate in [absolute, *absolute.parents]
                   if candidate == absolute or root in candidate.parents)


def _glob_matches(pattern: str, absolute: str, name: str, root: Path) -> bool:
    negated = pattern.startswith("!")
    glob = pattern[1:] if negated else pattern
    anchored = os.path.join(os.path.realpath(root), glob)
    matched = fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(absolute, anchored)
    return matched != negated


class GitIgnored:
    """What the `.gitignore` files of a git work tree (and its `.git/info/exclude`) leave out, as git reads
    them: outside a work tree, nothing."""

    def __init__(self) -> None:
        self._specs: dict[tuple[Path, Path | None], pathspec.PathSpec | None] = {}
        self._roots: dict[Path, Path | None] = {}

    def __call__(self, path: Path, is_directory: bool = False, named: Path | None = None) -> bool:
        """Is `path` ignored? `named`: the directory named on the command line that `path` is under; as
        in ruff, the rules that ignore it (or a directory above it) do not hold below it."""
        absolute = Path(os.path.abspath(path))
        root = self._work_tree(absolute.parent)
        if root is None:
            return False
        directories = [absolute.parent, *absolute.parent.parents]
        directories = list(reversed(directories[: directories.index(root) + 1]))
        named = Path(os.path.abspath(named)) if named is not None else None
        # A directory git ignores is not entered: nothing below it comes back by a `!` pattern.
        for depth, directory in enumerate(directories[1:], start=1):
            if (named is None or named in directory.parents) and self._ignored(directories[:depth], directory, True, named):
                return True
        return self._ignored(directories, absolute, is_directory, named)

    def _ignored(self, directories: list[Path], path: Path, is_directory: bool, named: Path | None) -> bool:
        ignored = False
        for directory in directories:  # the deeper .gitignore has the last word
            spec = self._spec(directory, named)
            if spec is None:
                continue
            relative = path.relative_to(directory).as_posix() + ("/" if is_directory else "")
            outcome = spec.check_file(relative).include
            if outcome is not None:
                ignored = outcome
        return ignored

    def _spec(self, directory: Path, named: Path | None) -> pathspec.PathSpec | None:
        """The patterns of `directory`'s ignore files, less those that ignore `named` (when it is below)."""
        if named is not None and not (directory == named or directory in named.parents):
            named = None
        key = (directory, named)
        if key not in self._specs:
            lines: list[str] = []
            for name in (".gitignore", ".git/info/exclude"):
                try:
                    lines += (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    pass
            if named is not None and named != directory:
                below = named.relative_to(directory).as_posix() + "/"
                lines = [line for line in lines if not pathspec.GitIgnoreSpec.from_lines([line]).match_file(below)]
            self._specs[key] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[key]

    def _work_tree(self, directory: Path) -> Path | None:
        if directory not in self._roots:
            if (directory / ".git").exists():
                self._roots[directory] = directory
            else:
                parent = directory.parent
                self._roots[directory] = None if parent == directory else self._work_tree(parent)
        return self._roots[directory]


@dataclass(frozen=True)
class Exclusion:
    """What a run leaves out of the paths it walks."""

    patterns: tuple[PathPatterns, ...] | None = None  # None: the default directories, by name
    respect_gitignore: bool = False
    force: bool = False  # also to the paths named on the command line (pre-commit names every file)
    named: Path | None = None  # the directory named on the command line that is being walked
    gitignored: GitIgnored = field(default_factory=GitIgnored, compare=False, hash=False)

    def excludes(self, path: Path, is_directory: bool = False) -> bool:
        """Is `path`, met in a walk, left out? (Each entry is asked as the walk reaches it.)"""
        if self.patterns is None:
            excluded = is_directory and (path.name in SKIPPED_DIRECTORIES or path.name.endswith(".egg-info"))
        else:
            excluded = any(patterns.matches(path) for patterns in self.patterns)
        return excluded or (self.respect_gitignore and self.gitignored(path, is_directory, self.named))

    def excludes_named(self, path: Path) -> bool:
        """Is `path`, named on the command line, left out? Only with `force-exclude`, as in ruff."""
        if not self.force:
            return False
        if self.patterns is not None and any(patterns.matches_or_contains(path) for patterns in self.patterns):
            return True
        return self.respect_gitignore and self.gitignored(path, path.is_dir())

    def below(self, directory: Path) -> Exclusion:
        """The exclusion inside `directory`, named on the command line: what excludes or ignores the
        directory itself does not hold inside it (ruff's walk starts there)."""
        return replace(self, named=directory)


DEFAULT_EXCLUSION = Exclusion()
_WALKED: dict[tuple, tuple[list[Path], list[tuple[Path, str]], list[tuple[Path, str]]]] = {}


def forget_walks() -> None:
    """At the start of a run: the tree may have changed since the last one."""
    _WALKED.clear()


def discover(paths: Iterable[Path], exclusion: Exclusion = DEFAULT_EXCLUSION) -> tuple[list[Path], list[tuple[Path, str]]]:
    """`walk(paths)`, once per run for the same paths (the targets' walk is often their project's)."""
    files, errors, _warnings = discover_with_warnings(paths, exclusion)
    return files, errors


def discover_with_warnings(
    paths: Iterable[Path], exclusion: Exclusion = DEFAULT_EXCLUSION
) -> tuple[list[Path], list[tuple[Path, str]], list[tuple[Path, str]]]:
    paths = list(paths)
    key = (tuple(paths), exclusion)  # the paths as given: the files found are spelled from them
    if key not in _WALKED:
        _WALKED[key] = walk(paths, exclusion)
    files, errors, warnings = _WALKED[key]
    return list(files), list(errors), list(warnings)


def walk(
    paths: Iterable[Path], exclusion: Exclusion = DEFAULT_EXCLUSION
) -> tuple[list[Path], list[tuple[Path, str]], list[tuple[Path, str]]]:
    """The Python files under `paths`, a reason for each path that cannot be walked, and a warning for
    each path named that is not checked (not a Python file, or excluded with `force-exclude`).

    A symbolic link is followed only to a file inside the paths given, so that a run never reads,
    let alone writes, outside them; a file reached twice (a link and its target) is taken once.
    """
    paths = list(paths)
    inside = [path.resolve() for path in paths]
    files: list[Path] = []
    errors: list[tuple[Path, str]] = []
    warnings: list[tuple[Path, str]] = []
    for path in paths:
        if path.exists() and exclusion.excludes_named(path):
            continue  # as ruff: a file pre-commit names in an excluded directory is left out without a word
        if path.is_file():
            if path.suffix == PYTHON_SUFFIX:
                files.append(path)
            else:
                warnings.append((path, "not a Python file (no .py suffix): not checked"))
        elif path.is_dir():
            inside_exclusion = exclusion.below(path)
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = sorted(
                    d for d in subdirectories
                    if not inside_exclusion.excludes(Path(directory, d), is_directory=True)
                    and not (Path(directory, d) / "pyvenv.cfg").exists()
                )
                files.extend(
                    Path(directory, name) for name in sorted(names)
                    if name.endswith(PYTHON_SUFFIX) and Path(directory, name).is_file()
                    and not inside_exclusion.excludes(Path(directory, name))
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
    return list(unique.values()), errors, warnings
