"""Bases from installed libraries, read (never imported) from the environment's source.

`class Network(model_base.BASEV2, HasProject)` inherits its columns from a library the project
installs. Importing it would run its code; reading it is what a database engineer does: open the file
and look. The module is found on `sys.path` the way Python's import system would find it, without
executing anything (not even the parent packages' `__init__`), and is then read like a file of the
project. What is not installed stays unknown, and the rules report rather than fix.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from importlib.machinery import PathFinder, SourceFileLoader
from pathlib import Path

# Names that are never a model's base from a library worth reading: the standard library, and what
# sqla-fix knows by name already.
_KNOWN = frozenset({"sqlalchemy", "sqlmodel", "flask_sqlalchemy", "typing", "typing_extensions", "builtins"})


def library_module(dotted: str) -> tuple[str, Path] | None:
    """(module name, source file) of the installed module that defines `dotted` (a class's dotted name),
    or None when it is not installed as Python source."""
    parts = dotted.split(".")
    if parts[0] in _KNOWN or parts[0] in sys.stdlib_module_names:
        return None
    for cut in range(len(parts) - 1, 0, -1):
        found = _source_of(".".join(parts[:cut]))
        if found is not None:
            return ".".join(parts[:cut]), found
    return None


@lru_cache(maxsize=None)
def _source_of(module: str) -> Path | None:
    """The .py file of `module`, found package by package with PathFinder (which imports nothing)."""
    search: list[str] | None = None
    spec = None
    for depth, part in enumerate(module.split(".")):
        name = ".".join(module.split(".")[: depth + 1])
        try:
            spec = PathFinder.find_spec(name, search)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        search = list(spec.submodule_search_locations or [])
    if spec is None or not isinstance(spec.loader, SourceFileLoader) or not spec.origin:
        return None  # a namespace package, an extension module, bytecode only
    return Path(spec.origin)
