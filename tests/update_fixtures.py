"""Regenerate fixtures/after from fixtures/before with the current tool: `python tests/update_fixtures.py`.

The golden files are the reviewed output of `sqla-fix fix --unsafe-fixes` (every fix the tool has):
after running this, read `git diff fixtures/after` before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqla_fix.config import Config  # noqa: E402
from sqla_fix.engine import run  # noqa: E402

BEFORE = ROOT / "fixtures" / "before"
AFTER = ROOT / "fixtures" / "after"


def main() -> None:
    for other in BEFORE.rglob("*"):  # the projects' pyproject.toml: they name the modules
        if other.is_file() and other.suffix != ".py":
            target = AFTER / other.relative_to(BEFORE)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(other.read_bytes())
    for result in run([BEFORE], Config(unsafe_fixes=True)):
        if result.error:
            raise SystemExit(f"{result.path}: {result.error}")
        after = AFTER / result.path.relative_to(BEFORE)
        after.parent.mkdir(parents=True, exist_ok=True)
        after.write_bytes(result.fixed_source if result.changed else result.path.read_bytes())


if __name__ == "__main__":
    main()
