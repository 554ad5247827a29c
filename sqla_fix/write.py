"""Write: a fixed file replaces the old one in one step, and only if nobody changed it meanwhile."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .results import FileResult


def write_result(result: FileResult) -> str | None:
    """Write a fixed file; None when written, else why it was not (the file is then untouched)."""
    target = result.path.resolve()  # through a link (checked to stay inside the given paths) to its file
    try:
        if target.read_bytes() != result.original:
            return "changed on disk since it was read: not written"
        if not target.stat().st_mode & 0o222:
            return "read-only: not written"
        write_atomically(target, result.fixed_source)
    except OSError as error:
        return f"cannot write: {error.strerror or error}"
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file in one step: an interrupted run leaves the old file or the new one."""
    mode = path.stat().st_mode
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".sqla-fix")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
