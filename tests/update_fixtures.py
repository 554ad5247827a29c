"""Regenerate fixtures/after from fixtures/before with the current tool: `python tests/update_fixtures.py`.

The golden files are the reviewed output: after running this, read `git diff fixtures/after` before
committing it.
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
    for before in sorted(BEFORE.rglob("*.py")):
        [result] = [r for r in run([before], Config()) if r.path == before]
        if result.error:
            raise SystemExit(f"{before}: {result.error}")
        after = AFTER / before.relative_to(BEFORE)
        after.parent.mkdir(parents=True, exist_ok=True)
        after.write_bytes(result.fixed_source if result.changed else before.read_bytes())


if __name__ == "__main__":
    main()
