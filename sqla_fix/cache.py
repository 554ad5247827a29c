"""The cache: what a file's content says, kept between runs in `.sqla_fix_cache/` at the project root.

Entries are keyed by the content's digest under a directory named for the tool's version and the
effective configuration, so an entry is never stale: a changed file is a new key, another version or
configuration another directory. What is cached is per-file facts only (what the project's code says
about NULLs, read by usage.py), and an index of what each file's bytes said by its path, size and
modification time (a warm run does not read a file that did not change); every cross-file question is
decided afresh on each run, from the cached facts of the files that did not change and the new facts of
those that did. Like ruff's cache,
the directory ignores itself in git (a `.gitignore` of `*`) and carries a CACHEDIR.TAG.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__

DEFAULT_DIRECTORY = ".sqla_fix_cache"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by sqla-fix.\n"


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


class FileCache:
    """Per-file facts of one kind (`usage`): one small file per content, read only when asked for, written
    at the end of a run (a one-file run reads the entries of the files it needs, not the whole cache)."""

    def __init__(self, directory: Path | None, fingerprint: str, kind: str):
        self.directory = directory / f"{__version__}-{fingerprint}" / kind if directory else None
        self.root = directory
        self._new: dict[bytes, object] = {}
        self._index: dict | None = None  # what this run saw of each file (see `index`), written by `save`

    def _entry(self, key: bytes) -> Path:
        name = key.hex()
        return self.directory / name[:2] / name[2:]

    def get(self, key: bytes, default=None):
        if key in self._new:
            return self._new[key]
        if self.directory is None:
            return default
        try:
            with self._entry(key).open("rb") as handle:
                return _SafeUnpickler(handle).load()
        except FileNotFoundError:
            return default
        except Exception:  # a damaged or foreign entry is only a cold read
            return default

    def put(self, key: bytes, value: object) -> None:
        self._new[key] = value

    def index(self) -> dict:
        """What the last run recorded of each file by path: its size and modification time first, then what
        its reader kept (usage.py). A file whose size and time are unchanged is not read again: ruff's cache
        trusts the same signs."""
        if self.directory is None:
            return {}
        try:
            with (self.directory / "index").open("rb") as handle:
                index = _SafeUnpickler(handle).load()
        except Exception:  # missing, damaged or foreign: every file is read
            return {}
        return index if isinstance(index, dict) else {}

    def set_index(self, index: dict) -> None:
        self._index = index

    def save(self) -> None:
        """Write the entries this run made, each atomically (a run interrupted leaves whole entries)."""
        if self.directory is None or (not self._new and self._index is None):
            return
        try:
            prepare(self.root)
            for key, value in self._new.items():
                _write(self._entry(key), value)
            if self._index is not None:
                _write(self.directory / "index", self._index)
        except OSError:
            pass  # a read-only checkout: the run is only slower next time
        self._new.clear()
        self._index = None


def _write(entry: Path, value: object) -> None:
    """`value` pickled at `entry`, atomically (a run interrupted leaves whole entries)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    with os.fdopen(descriptor, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, entry)


# What an entry may be made of: the fact classes of usage.py and plain containers. A cache directory may
# come with a checkout someone else made; an unpickler that can name any callable would run their code.
_ALLOWED = {
    ("sqla_fix.usage", name) for name in ("_FileFacts", "_Use", "_Construct", "_Event", "_ClassFact", "_Save")
} | {("builtins", name) for name in ("set", "frozenset", "tuple", "list", "dict")}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"not a cache entry of sqla-fix: {module}.{name}")
        return super().find_class(module, name)


def prepare(directory: Path) -> None:
    """Create the cache directory, ignored by git and tagged as a cache."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by sqla-fix.\n*\n")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG)
