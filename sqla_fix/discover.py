"""Discover: the Python files a run is given, with their links followed only inside the given paths."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .project import resolved

SKIPPED_DIRECTORIES = {
    ".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".sqla_fix_cache", "site-packages", "__pypackages__",
}


_WALKED: dict[tuple[Path, ...], tuple[list[Path], list[tuple[Path, str]]]] = {}


def forget_walks() -> None:
    """At the start of a run: the tree may have changed since the last one."""
    _WALKED.clear()


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """`walk(paths)`, once per run for the same paths (the targets' walk is often their project's)."""
    paths = list(paths)
    key = tuple(paths)  # the paths as given: the files found are spelled from them
    if key not in _WALKED:
        _WALKED[key] = walk(paths)
    files, errors = _WALKED[key]
    return list(files), list(errors)


def walk(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
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
