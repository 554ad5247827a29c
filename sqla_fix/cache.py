"""The cache: what a file's content says, kept between runs in `.sqla_fix_cache/` at the project root.

Entries are keyed by the content's digest under a directory named for the tool's version and the
effective configuration, so an entry is never stale: a changed file is a new key, another version or
configuration another directory. What is cached is per-file facts only (what the project's code says
about NULLs, read by usage.py); every cross-file question is decided afresh on each run, from the
cached facts of the files that did not change and the new facts of those that did. Like ruff's cache,
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
    """Per-file facts of one kind (`usage`), loaded once, written back once at the end of a run."""

    def __init__(self, directory: Path | None, fingerprint: str, kind: str):
        self.path = directory / f"{__version__}-{fingerprint}" / f"{kind}.pickle" if directory else None
        self._entries: dict[bytes, object] = {}
        self._used: set[bytes] = set()
        self._dirty = False
        if self.path is not None and self.path.is_file():
            try:
                with self.path.open("rb") as handle:
                    loaded = pickle.load(handle)
                if isinstance(loaded, dict):
                    self._entries = loaded
            except Exception:  # a damaged or foreign cache file is only a cold run
                self._entries = {}

    def get(self, key: bytes, default=None):
        if key in self._entries:
            self._used.add(key)
            return self._entries[key]
        return default

    def __contains__(self, key: bytes) -> bool:
        return key in self._entries

    def put(self, key: bytes, value: object) -> None:
        self._entries[key] = value
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Keep the entries this run used (files that no longer exist drop out), atomically."""
        if self.path is None or (not self._dirty and self._used == set(self._entries)):
            return
        kept = {key: self._entries[key] for key in self._used}
        try:
            prepare(self.path.parent.parent)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "wb") as handle:
                pickle.dump(kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only checkout: the run is only slower next time


def prepare(directory: Path) -> None:
    """Create the cache directory, ignored by git and tagged as a cache."""
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Automatically created by sqla-fix.\n*\n")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG)
