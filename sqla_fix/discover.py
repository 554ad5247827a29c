"""Discover: the Python files a run is given, with their links followed only inside the given paths,
less what `exclude`, `extend-exclude` and the `.gitignore` files leave out (ruff's meaning: a file named
on the command line is checked all the same, unless `force-exclude`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pathspec

from .project import resolved

SKIPPED_DIRECTORIES = {
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".sqla_fix_cache", "site-packages", "__pypackages__",
}
# `exclude`'s default: replaced by `exclude`, extended by `extend-exclude` (as in ruff).
DEFAULT_EXCLUDE = (*sorted(SKIPPED_DIRECTORIES), "*.egg-info")
PYTHON_SUFFIXES = (".py", ".pyw")


@dataclass(frozen=True)
class PathPatterns:
    """Glob patterns relative to `root` (the configuration's directory), with .gitignore's meaning (which is
    ruff's for `exclude`): `legacy` or `*_pb2.py` matches that name anywhere, `app/legacy/*.py` matches
    below the root, and a directory that matches takes everything below it along."""

    root: Path
    patterns: tuple[str, ...]

    @cached_property
    def _spec(self) -> pathspec.PathSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.patterns)

    def matches(self, path: Path, is_directory: bool = False) -> bool:
        if not self.patterns:
            return False
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        if relative.startswith(".."):  # outside the root: only the patterns of a bare name can match
            relative = os.path.basename(os.path.abspath(path))
        relative = relative.replace(os.sep, "/")
        return self._spec.match_file(relative + "/" if is_directory else relative)


class GitIgnored:
    """What the `.gitignore` files of a git work tree (and its `.git/info/exclude`) leave out, as git reads
    them: outside a work tree, nothing."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec | None] = {}
        self._roots: dict[Path, Path | None] = {}

    def __call__(self, path: Path, is_directory: bool = False) -> bool:
        absolute = Path(os.path.abspath(path))
        root = self._work_tree(absolute.parent)
        if root is None:
            return False
        directories = [absolute.parent, *absolute.parent.parents]
        directories = list(reversed(directories[: directories.index(root) + 1]))
        # A directory git ignores is not entered: nothing below it comes back by a `!` pattern.
        for depth, directory in enumerate(directories[1:], start=1):
            if self._ignored(directories[:depth], directory, True):
                return True
        return self._ignored(directories, absolute, is_directory)

    def _ignored(self, directories: list[Path], path: Path, is_directory: bool) -> bool:
        ignored = False
        for directory in directories:  # the deeper .gitignore has the last word
            spec = self._spec(directory)
            if spec is None:
                continue
            relative = path.relative_to(directory).as_posix() + ("/" if is_directory else "")
            outcome = spec.check_file(relative).include
            if outcome is not None:
                ignored = outcome
        return ignored

    def _spec(self, directory: Path) -> pathspec.PathSpec | None:
        if directory not in self._specs:
            lines: list[str] = []
            for name in (".gitignore", ".git/info/exclude"):
                try:
                    lines += (directory / name).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    pass
            self._specs[directory] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._specs[directory]

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

    patterns: PathPatterns | None = None  # None: the default directories, by name
    respect_gitignore: bool = False
    force: bool = False  # also to the files named on the command line (pre-commit names every file)
    gitignored: GitIgnored = field(default_factory=GitIgnored, compare=False, hash=False)

    def excludes(self, path: Path, is_directory: bool = False) -> bool:
        if self.patterns is None:
            excluded = is_directory and (path.name in SKIPPED_DIRECTORIES or path.name.endswith(".egg-info"))
        else:
            excluded = self.patterns.matches(path, is_directory)
        return excluded or (self.respect_gitignore and self.gitignored(path, is_directory))

    def below(self, directory: Path) -> Exclusion:
        """The exclusion of what is below `directory`, named on the command line: as in ruff, the patterns
        that exclude the directory itself do not apply inside it (unless `force-exclude`), nor does the
        .gitignore that ignores it."""
        if self.force:
            return self
        inside = self
        if self.patterns is not None and self.patterns.matches(directory, is_directory=True):
            root, patterns = self.patterns.root, self.patterns.patterns
            kept = tuple(p for p in patterns if not PathPatterns(root, (p,)).matches(directory, is_directory=True))
            inside = replace(inside, patterns=PathPatterns(root, kept))
        if self.respect_gitignore and self.gitignored(directory, is_directory=True):
            inside = replace(inside, respect_gitignore=False)
        return inside


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
        if exclusion.force and path.exists() and exclusion.excludes(path, path.is_dir()):
            continue  # as ruff: a file pre-commit names in an excluded directory is left out without a word
        if path.is_file():
            if path.suffix in PYTHON_SUFFIXES:
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
                    if name.endswith(".py") and Path(directory, name).is_file()
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
