"""Alembic migration scripts: never fixed, never reported, never read as models.

A revision file in ``versions/`` holds a snapshot of the tables as they were when it was generated:
``op.create_table("comments", sa.Column("post_id", sa.ForeignKey("posts.id")))`` is history, not a
model. Adding ``index=True`` there would change what ``alembic upgrade`` builds on a fresh database
(and diverge from every database already upgraded), so the fix belongs in the model and in a new
revision, never in an old one. Nor may a revision file stand in for the model when another file is
read: its ``Table`` is not the one the application maps.

A file is a migration when

- it imports ``alembic`` (``from alembic import op``, ``import alembic.context``): revision files and
  ``env.py``; found by a test on the bytes first, then Python's parser, so that other files cost nothing;
- or it lies under the ``versions/`` directory of an Alembic script location: the ``script_location``
  (and ``version_locations``) of an ``alembic.ini`` at the project root or in one of its immediate
  subdirectories, or of ``[tool.alembic]`` in its pyproject.toml; any directory holding both ``env.py``
  and ``script.py.mako``; and Flask-Migrate's ``migrations/versions``.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
from functools import cache
from pathlib import Path

from .project import project_root, resolved

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# `import alembic`, `import alembic.op as op`, `from alembic import op`, `from alembic.x import y`, at the
# start of a line: for files Python's parser cannot read (newer syntax than the running Python).
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:import[ \t]+alembic|from[ \t]+alembic)(?:[ \t.,]|$)", re.MULTILINE)
_SPLIT_LEGACY = re.compile(r", *| +")  # alembic's version_locations split without a separator setting
_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}


def is_migration(path: Path, source: bytes | None = None) -> bool:
    """Is this file an Alembic migration script (by where it is, or, given its bytes, by what it imports)?"""
    return in_versions_directory(path) or (source is not None and imports_alembic(source))


def imports_alembic(source: bytes) -> bool:
    """The module imports alembic at module level (also inside a top-level `if`/`try`, not in functions:
    an application command that runs `alembic.command.upgrade` does not make its module a migration)."""
    if b"alembic" not in source:
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, UnicodeError, LookupError, RecursionError, MemoryError):
        return _IMPORT_LINE.search(source) is not None
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            if any(_is_alembic(alias.name) for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and _is_alembic(node.module):
                return True
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(
                child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler))
            )
    return False


def _is_alembic(module: str) -> bool:
    return module == "alembic" or module.startswith("alembic.")  # not alembic_utils


_BY_DIRECTORY: dict[Path, bool] = {}


def forget_directories() -> None:
    """At the start of a run: directories may have become migration directories since the last one."""
    _BY_DIRECTORY.clear()


def in_versions_directory(path: Path) -> bool:
    """The file lies under the versions directory of a script location (or under a version location)."""
    directory = resolved(path).parent
    found = _BY_DIRECTORY.get(directory)
    if found is None:
        found = _BY_DIRECTORY[directory] = _in_versions_directory(resolved(path))
    return found


def _in_versions_directory(path: Path) -> bool:
    root = project_root(path.parent)
    locations, version_locations = script_locations(root)
    for directory in path.parents:
        if directory in version_locations:
            return True
        if directory.name == "versions" and _is_script_location(directory.parent, locations):
            return True
        if directory == root or directory.parent == directory:
            return False
    return False


def _is_script_location(directory: Path, configured: frozenset[Path]) -> bool:
    if directory in configured or directory.name == "migrations":  # Flask-Migrate's default directory
        return True
    return (directory / "env.py").is_file() and (directory / "script.py.mako").is_file()


@cache
def script_locations(root: Path) -> tuple[frozenset[Path], frozenset[Path]]:
    """(script locations, version locations) that the Alembic configuration of the project at `root`
    names; what cannot be resolved (a package that is not in the project) is left out."""
    locations: set[Path] = set()
    version_locations: set[Path] = set()
    inis = [root / "alembic.ini"]
    try:
        inis += sorted(child / "alembic.ini" for child in root.iterdir() if child.is_dir())
    except OSError:
        pass
    for ini in inis:
        if ini.is_file():
            for location, versions in _read_ini(ini):
                _add(locations, version_locations, location, versions, ini.parent, root)
    location, versions = _read_pyproject(root / "pyproject.toml")
    if location:
        _add(locations, version_locations, location, versions, root, root)
    return frozenset(locations), frozenset(version_locations)


def _add(locations: set, version_locations: set, location: str, versions: list[str], here: Path, root: Path) -> None:
    resolved = _resolve(location, here, root)
    if resolved is not None:
        locations.add(resolved)
    for value in versions:
        resolved = _resolve(value, here, root)
        if resolved is not None:
            version_locations.add(resolved)


def _read_ini(ini: Path) -> list[tuple[str, list[str]]]:
    """(script_location, version_locations) of each section that has one ([alembic], or named ones)."""
    parser = configparser.ConfigParser(defaults={"here": str(ini.parent)})
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeError):
        return []
    found = []
    for section in parser.sections():
        location = _option(parser, section, "script_location")
        if not location:
            continue
        versions = _option(parser, section, "version_locations")
        separator = _option(parser, section, "path_separator") or _option(parser, section, "version_path_separator")
        if not versions:
            found.append((location, []))
        elif separator in _SEPARATORS:
            found.append((location, [v.strip() for v in versions.split(_SEPARATORS[separator]) if v.strip()]))
        else:
            found.append((location, [v for v in _SPLIT_LEGACY.split(versions) if v]))
    return found


def _option(parser: configparser.ConfigParser, section: str, option: str) -> str | None:
    if not parser.has_option(section, option) or option in parser.defaults():
        return None
    try:
        value = parser.get(section, option)
    except configparser.Error:  # a stray % elsewhere in the value: take it as written
        value = parser.get(section, option, raw=True).replace("%(here)s", parser.defaults()["here"])
    return value.strip() or None


def _read_pyproject(pyproject: Path) -> tuple[str | None, list[str]]:
    """[tool.alembic] (Alembic 1.16 and later): script_location and version_locations."""
    if not pyproject.is_file():
        return None, []
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return None, []
    section = data.get("tool", {}).get("alembic", {})
    if not isinstance(section, dict) or not isinstance(section.get("script_location"), str):
        return None, []
    here = str(pyproject.parent)
    versions = section.get("version_locations") or []
    if isinstance(versions, str):
        versions = _SPLIT_LEGACY.split(versions)
    return (
        section["script_location"].replace("%(here)s", here),
        [v.replace("%(here)s", here) for v in versions if isinstance(v, str) and v],
    )


def _resolve(location: str, here: Path, root: Path) -> Path | None:
    """A directory from `script_location`: a path (relative to the configuration file's directory), or
    `package:path` (a package of the project, at its root or under src/)."""
    if ":" in location and not os.path.isabs(location):
        package, *rest = location.split(":")
        parts = package.strip().split(".")
        for base in (here, root, root / "src"):
            candidate = base.joinpath(*parts)
            if candidate.is_dir():
                return candidate.joinpath(*rest).resolve()
        return None
    path = Path(location)
    return (path if path.is_absolute() else here / path).resolve()
