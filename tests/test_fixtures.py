"""Golden fixtures: before -> after byte for byte, after -> unchanged, and both import and create."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AFTER, BEFORE
from modelcheck import check, expectations, load_schema
from sqla_fix.config import Config
from sqla_fix.engine import run

BEFORE_FILES = sorted(BEFORE.rglob("*.py"))
IDS = [str(path.relative_to(BEFORE)) for path in BEFORE_FILES]


@pytest.fixture(scope="module")
def fixed():
    """The tool's output for every fixture, from one run over each directory (as a user runs it)."""
    outputs: dict[Path, bytes] = {}
    for directory in (BEFORE, AFTER):
        for result in run([directory], Config()):
            assert result.error is None, f"{result.path}: {result.error}"
            outputs[result.path.resolve()] = result.fixed_source if result.changed else result.path.read_bytes()
    return outputs


def test_every_before_has_an_after():
    assert BEFORE_FILES, "no fixtures"
    missing = [i for i in IDS if not (AFTER / i).is_file()]
    assert not missing


@pytest.mark.parametrize("path", BEFORE_FILES, ids=IDS)
def test_fix_gives_the_golden_after(path: Path, fixed):
    expected = (AFTER / path.relative_to(BEFORE)).read_bytes()
    assert fixed[path.resolve()] == expected


@pytest.mark.parametrize("path", BEFORE_FILES, ids=IDS)
def test_second_run_changes_nothing(path: Path, fixed):
    after = AFTER / path.relative_to(BEFORE)
    assert fixed[after.resolve()] == after.read_bytes()


@pytest.mark.parametrize("path", BEFORE_FILES, ids=IDS)
def test_before_imports_and_creates(path: Path):
    load_schema(path)


@pytest.mark.parametrize("path", BEFORE_FILES, ids=IDS)
def test_after_schema_meets_expectations(path: Path):
    after = AFTER / path.relative_to(BEFORE)
    module, tables, engine = load_schema(after)
    wanted = expectations(after)
    if b"sqlalchemy" in after.read_bytes():
        assert wanted, "every model fixture says what its fixed schema must be (# expect: lines)"
    problems = [p for kind, target in wanted if (p := check(kind, target, module, tables, engine))]
    assert not problems
