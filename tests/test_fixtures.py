"""Golden fixtures: before -> after byte for byte, after -> unchanged, and both import and create.

`fixtures/after` is what `sqla-fix fix --unsafe-fixes` makes (every fix); the safe-only run is checked
against it: it applies no unsafe fix, and the unsafe fixes on top of it give the same after-file.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AFTER, BEFORE
from modelcheck import check, expectations, load_schema
from sqla_fix.engine import run
from update_fixtures import fixture_config

BEFORE_FILES = sorted(BEFORE.rglob("*.py"))
IDS = [str(path.relative_to(BEFORE)) for path in BEFORE_FILES]
# Single-module fixtures, imported on their own; projects are directories of packages.
MODULES = sorted(BEFORE.glob("*.py"))
MODULE_IDS = [path.name for path in MODULES]
PROJECTS = sorted(path for path in BEFORE.iterdir() if path.is_dir() and not path.name.startswith("."))
PROJECT_IDS = [path.name for path in PROJECTS]


@pytest.fixture(scope="module")
def fixed():
    """The tool's output for every fixture, from one run over each directory (as a user runs it)."""
    outputs: dict[Path, bytes] = {}
    for directory in (BEFORE, AFTER):
        for result in run([directory], fixture_config()):
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


@pytest.mark.parametrize("path", MODULES, ids=MODULE_IDS)
def test_before_imports_and_creates(path: Path):
    load_schema(path)


@pytest.mark.parametrize("path", MODULES, ids=MODULE_IDS)
def test_after_schema_meets_expectations(path: Path):
    after = AFTER / path.relative_to(BEFORE)
    module, tables, engine = load_schema(after)
    wanted = expectations(after)
    if b"sqlalchemy" in after.read_bytes():
        assert wanted, "every model fixture says what its fixed schema must be (# expect: lines)"
    problems = [p for kind, target in wanted if (p := check(kind, target, module, tables, engine))]
    assert not problems


def _check_project(project: Path) -> list[str]:
    checker = Path(__file__).with_name("modelcheck.py")
    completed = subprocess.run([sys.executable, str(checker), str(project)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("project", PROJECTS, ids=PROJECT_IDS)
def test_before_project_imports_and_creates(project: Path):
    problems = _check_project(project)
    assert problems, "the before-project should fail some of its expectations: it is the flawed one"


@pytest.mark.parametrize("project", PROJECTS, ids=PROJECT_IDS)
def test_after_project_meets_expectations(project: Path):
    assert _check_project(AFTER / project.name) == []


PROJECT_FILES = [path for path in BEFORE_FILES if path.parent != BEFORE]
# Fixes that edit two files of a project (SQF012: the collection here, the child's key there): with only one of
# them passed, the finding is reported and the file is left as it is.
TWO_FILE_FIXES = {"opt_in_sqlmodel_orm_only_cascade_project/squads/squad.py",
                  "opt_in_sqlmodel_orm_only_cascade_project/squads/member.py"}


@pytest.mark.parametrize("path", PROJECT_FILES, ids=[str(path.relative_to(BEFORE)) for path in PROJECT_FILES])
def test_one_file_alone_is_fixed_as_in_the_whole_project(path: Path, fixed):
    """The pre-commit case: only the changed file is passed; the rest of its project is read, not written."""
    [alone] = [r for r in run([path], fixture_config()) if r.path == path]
    assert alone.error is None
    if path.relative_to(BEFORE).as_posix() in TWO_FILE_FIXES:
        assert not alone.changed and all(finding.fix is None for finding in alone.findings)
        return
    assert (alone.fixed_source if alone.changed else path.read_bytes()) == fixed[path.resolve()]


@pytest.fixture(scope="module")
def safe_only(tmp_path_factory):
    """`sqla-fix fix` without --unsafe-fixes over a copy of the fixtures: {relative path: FileResult}."""
    copy = tmp_path_factory.mktemp("safe") / "before"
    shutil.copytree(BEFORE, copy)
    results = {}
    for result in run([copy], fixture_config(unsafe_fixes=False, root=copy.parent)):
        assert result.error is None, f"{result.path}: {result.error}"
        results[str(result.path.relative_to(copy))] = result
        if result.changed:
            result.path.write_bytes(result.fixed_source)
    return copy, results


@pytest.mark.parametrize("path", BEFORE_FILES, ids=IDS)
def test_safe_fixes_apply_no_unsafe_fix(path: Path, safe_only):
    _, results = safe_only
    result = results[str(path.relative_to(BEFORE))]
    applied = [f for f in result.findings if f.fixable]
    assert all(f.fix == "safe" for f in applied), applied
    # what is left for --unsafe-fixes is exactly the unsafe findings, still there after the safe run
    held_back = sorted((f.code, f.message) for f in result.findings if f.fix == "unsafe")
    assert sorted((f.code, f.message) for f in result.remaining if f.fix == "unsafe") == held_back


def _keyword_order_free(source: bytes) -> str:
    """The module's AST with every call's keywords and imported names sorted, and its imports first: the
    same code whatever order two runs added them in."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            node.keywords.sort(key=lambda keyword: keyword.arg or "")
        elif isinstance(node, ast.ImportFrom):
            node.names.sort(key=lambda alias: alias.name)
    imports = sorted((n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))), key=ast.dump)
    tree.body = imports + [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    return ast.dump(tree)


def test_unsafe_fixes_on_top_of_the_safe_ones_give_the_golden_after(safe_only):
    """`fix` then `fix --unsafe-fixes` ends where `fix --unsafe-fixes` does (keywords added by the second
    run come after those of the first, so the order may differ, and nothing else)."""
    copy, _ = safe_only
    for result in run([copy], fixture_config(root=copy.parent)):
        assert result.error is None
        produced = result.fixed_source if result.changed else result.path.read_bytes()
        golden = (AFTER / result.path.relative_to(copy)).read_bytes()
        assert _keyword_order_free(produced) == _keyword_order_free(golden), result.path
