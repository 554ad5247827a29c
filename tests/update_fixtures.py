"""Regenerate fixtures/after from fixtures/before with the current tool: `python tests/update_fixtures.py`.

The golden files are the reviewed output of `sqla-fix fix --unsafe-fixes` (every fix the tool has):
after running this, read `git diff fixtures/after` before committing it. A rule that is off by default runs
only on the fixtures named for it, `opt_in_*` (files, or project directories): elsewhere it would change
what every other fixture shows.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqla_fix.config import Config  # noqa: E402
from sqla_fix.engine import run  # noqa: E402
from sqla_fix.rules import RULES  # noqa: E402

BEFORE = ROOT / "fixtures" / "before"
AFTER = ROOT / "fixtures" / "after"


OPT_IN = sorted(rule.code for rule in RULES if not getattr(rule, "default_enabled", True))


def fixture_config(unsafe_fixes: bool = True, root: Path | None = None) -> Config:
    """`--unsafe-fixes` (or not), with the rules that are off by default selected on the `opt_in_*` fixtures only.
    The glob is absolute, so that `opt_in_*_project/pkg/models.py` matches by its directory in a copy of the
    fixtures outside the working directory too; `root` is the configuration's directory (the copy's)."""
    if not OPT_IN:
        return Config(unsafe_fixes=unsafe_fixes, root=root)
    return Config(unsafe_fixes=unsafe_fixes, extend_select=list(OPT_IN), root=root,
                  per_file_ignores={"!/*opt_in_*": list(OPT_IN)})  # absolute: a copy elsewhere too


def main() -> None:
    for other in BEFORE.rglob("*"):  # the projects' pyproject.toml: they name the modules
        if other.is_file() and other.suffix != ".py":
            target = AFTER / other.relative_to(BEFORE)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(other.read_bytes())
    for result in run([BEFORE], fixture_config()):
        if result.error:
            raise SystemExit(f"{result.path}: {result.error}")
        after = AFTER / result.path.relative_to(BEFORE)
        after.parent.mkdir(parents=True, exist_ok=True)
        after.write_bytes(result.fixed_source if result.changed else result.path.read_bytes())


if __name__ == "__main__":
    main()
