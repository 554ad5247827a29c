"""The ecosystem check on a few small real distributions: no crash, fixed files compile, a second fix
changes nothing, migrations are never touched. Downloads from PyPI, so it runs only with
`pytest -m ecosystem` (the full check with its snapshot is `python benchmarks/ecosystem.py`)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ecosystem

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "ecosystem.py"
# Small, and between them SQLModel with alembic versions, a classic model with alembic versions and
# a typed (Mapped) one: each style's fixes, and migrations that must stay untouched.
SMALL_PROJECTS = ("cape-cod-db", "optuna", "fastapi-users-db-sqlalchemy")


def load_ecosystem():
    spec = importlib.util.spec_from_file_location("ecosystem", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


ecosystem = load_ecosystem()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    # Reuse the script's cache when it is there: it holds exactly these pinned releases.
    if ecosystem.DEFAULT_CACHE.is_dir():
        cache = ecosystem.DEFAULT_CACHE
    projects = ecosystem.selected_projects(",".join(SMALL_PROJECTS))
    try:
        return ecosystem.run_projects(projects, cache, jobs=2, diffs=tmp_path_factory.mktemp("diffs"))
    except ecosystem.DownloadError as error:
        if error.offline:
            first, *_, last = [*str(error).splitlines(), ""]
            pytest.skip(f"PyPI cannot be reached: {first} {last}")
        raise


@pytest.fixture(params=SMALL_PROJECTS)
def result(request, results):
    return next(r for r in results if r.project.name == request.param)


def test_no_crash(result):
    assert result.crashes == []


def test_every_fixed_file_compiles(result):
    assert result.safe.compile_failures == []
    assert result.unsafe.compile_failures == []


def test_a_second_fix_changes_nothing(result):
    assert result.safe.not_idempotent == []
    assert result.unsafe.not_idempotent == []


def test_no_migration_file_is_touched(result):
    assert result.migrations_touched == []


def test_the_check_saw_the_models(result):
    # Guards the harness itself: a wrong sub-path would make every other assertion pass vacuously.
    assert result.model_files > 0


def test_the_snapshot_holds_no_source_lines(results, tmp_path):
    snapshot = ecosystem.render_snapshot(results)
    for result in results:
        for path, source in result.pristine.items():
            for line in source.decode("utf-8", "replace").splitlines():
                # Long, distinctive lines only: short ones ("pass", "return") occur anywhere.
                if len(line.strip()) > 60:
                    assert line.strip() not in snapshot, f"{path} leaked into the snapshot"
