"""The fast paths change nothing: the same findings and fixes with one worker or two, with the cache cold,
warm, or off, and after another file of the project changed (the cache keeps per-file facts only; the
cross-file questions are decided again on every run)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from sqla_fix import usage
from sqla_fix.cache import FileCache, digest
from sqla_fix.config import Config
from sqla_fix.engine import run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synthetic  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "before"


def outcome(paths: list[Path], **options) -> list[tuple]:
    """What a run decides, as plain data: findings, errors and fixed sources, by file."""
    usage.clear_cache()  # the in-memory cache of the process would hide the persistent one
    config = Config(unsafe_fixes=True, **options)
    return [
        (str(result.path), result.error, result.fixed_source,
         [(f.line, f.column, f.code, f.message, f.fixable, f.fix) for f in result.findings],
         [(f.line, f.code, f.message) for f in result.remaining])
        for result in sorted(run(paths, config), key=lambda r: str(r.path))
    ]


@pytest.fixture
def tree(tmp_path) -> Path:
    """A project large enough that the usage scan is shared between worker processes."""
    root = synthetic.build(tmp_path / "synthetic", model_files=24, other_files=0)
    usage_dir = root / "app" / "services"
    usage_dir.mkdir()
    for number in range(200):  # code that mentions the models' names, so that the scan reads it
        (usage_dir / f"s{number:03d}.py").write_text(
            f"from app.models.m{number % 24:04d} import *\n\n\ndef f{number}(row):\n"
            f"    if row.author_id is None:\n        return row.board_id\n    return row.title[:{number + 10}]\n"
        )
    return root


def test_one_worker_or_two_decide_the_same(tree):
    assert outcome([tree], jobs=1) == outcome([tree], jobs=2)


def test_the_cache_cold_warm_or_off_decides_the_same(tree, tmp_path):
    cache = tmp_path / "cache"
    off = outcome([tree], jobs=1)
    cold = outcome([tree], jobs=2, cache=True, cache_dir=str(cache))
    entries = [path for path in cache.rglob("*") if path.is_file() and path.parent.parent.name == "usage"]
    assert entries, "the cold run wrote no cache entries"
    warm = outcome([tree], jobs=2, cache=True, cache_dir=str(cache))
    assert off == cold == warm


def test_the_default_cache_directory_ignores_itself(tree):
    outcome([tree], cache=True)
    directory = tree / ".sqla_fix_cache"
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (directory / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_a_warm_run_sees_a_change_in_another_file(tmp_path):
    """The key of `Comment.post_id` becomes NOT NULL with the cascade; then a service, another file,
    starts creating comments without a post: a warm run must see it (the service's facts are new, the
    model's are cached) and hold the fixes back, as a cold run does."""
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "classic_shop_project", project)
    cache = tmp_path / "cache"
    models = sorted(path for path in project.rglob("*.py"))
    before = outcome(models, cache=True, cache_dir=str(cache))
    service = project / "service_added.py"
    names = _a_key_and_its_class(before)
    service.write_text(f"from shop.models import {names[0]}\n\n\ndef orphan():\n"
                       f"    return {names[0]}(id=1)  # no {names[1]}\n")
    warm = outcome(models, cache=True, cache_dir=str(cache))
    cold = outcome(models)
    assert warm == cold
    assert warm != before  # the new file's sign changed the decision


def _a_key_and_its_class(result: list[tuple]) -> tuple[str, str]:
    """A class and foreign key that SQF002 makes NOT NULL in the run's findings."""
    for _path, _error, _fixed, findings, _remaining in result:
        for _line, _column, code, message, fixable, _kind in findings:
            if code == "SQF002" and fixable:
                owner, key = message.split("`")[1].split(".")
                return owner, key
    raise AssertionError("the fixture has no NOT NULL fix of a key")


def test_a_damaged_cache_entry_is_a_cold_read(tmp_path):
    cache = FileCache(tmp_path, "f", "usage")
    key = digest(b"x")
    cache.put(key, {"facts": 1})
    cache.save()
    [entry] = [path for path in tmp_path.rglob("*") if path.is_file() and path.parent.parent.name == "usage"]
    entry.write_bytes(b"not a pickle")
    assert FileCache(tmp_path, "f", "usage").get(key, "missing") == "missing"


_IMPORTED = """
import sys
from sqla_fix.cli import main
try:
    main({arguments!r})
except SystemExit as exit:
    code = exit.code
print(code, sorted(name for name in sys.modules if name.split(".")[0] in ("libcst", "rich")),
      "sqla_fix.engine" in sys.modules)
"""


def _imports(arguments: list[str]) -> str:
    import subprocess

    done = subprocess.run([sys.executable, "-c", _IMPORTED.format(arguments=arguments)], capture_output=True,
                          text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_a_file_without_models_is_only_scanned(tmp_path):
    """The hook's usual case: a bytes scan, no engine, no LibCST, no rich."""
    plain = tmp_path / "util.py"
    plain.write_text("def add(a, b):\n    return a + b\n")
    assert _imports(["fix", str(plain)]) == "0 [] False"


def test_a_run_with_nothing_to_rewrite_imports_no_libcst_nor_rich(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    model = tmp_path / "models.py"
    model.write_text(synthetic.CLEAN)
    assert _imports(["fix", "--no-cache", str(model)]) == "0 [] True"
    assert _imports(["check", "--no-cache", str(model)]) == "0 [] True"


def test_a_cache_entry_that_would_run_code_is_refused(tmp_path):
    """A cache directory may come with someone else's checkout: its entries may name no callable of theirs."""
    import pickle

    class Payload:
        def __reduce__(self):
            return (Path(tmp_path / "ran").touch, ())

    cache = FileCache(tmp_path, "f", "usage")
    key = digest(b"y")
    cache.put(key, {"facts": 1})
    cache.save()
    [entry] = [path for path in tmp_path.rglob("*") if path.is_file() and path.parent.parent.name == "usage"]
    entry.write_bytes(pickle.dumps(Payload()))
    assert FileCache(tmp_path, "f", "usage").get(key, "missing") == "missing"
    assert not (tmp_path / "ran").exists()


def test_the_light_positions_are_libcsts():
    """locate.py's recorder gives PositionProvider's ranges, node for node (on every fixture)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from sqla_fix.locate import positions

    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        module = cst.parse_module(path.read_bytes())
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        mine = positions(module)
        for node, where in expected.items():
            assert (mine[node].start.line, mine[node].start.column, mine[node].end.line, mine[node].end.column) == (
                where.start.line, where.start.column, where.end.line, where.end.column), (path, type(node).__name__)
            checked += 1
    assert checked > 10_000


def test_a_warm_run_reads_only_the_files_that_changed(tree, tmp_path, monkeypatch):
    """The cache's index: a file whose size and modification time did not change is not read again by the
    usage scan; one that changed is (its size kept, so that only the time tells), and decides as cold."""
    cache = tmp_path / "cache"
    outcome([tree], cache=True, cache_dir=str(cache))
    looked: list[str] = []
    real = usage._look_batch

    def counting(task):
        looked.extend(task[0])
        return real(task)

    monkeypatch.setattr(usage, "_look_batch", counting)
    assert outcome([tree], jobs=1, cache=True, cache_dir=str(cache)) == outcome([tree], jobs=1)
    looked.clear()
    outcome([tree], jobs=1, cache=True, cache_dir=str(cache))
    assert looked == []
    service = tree / "app" / "services" / "s000.py"
    text = service.read_text()
    changed = text.replace("row.author_id is None", "row.author_id is 0000")
    assert len(changed) == len(text)
    service.write_text(changed)
    os.utime(service, ns=(service.stat().st_atime_ns, service.stat().st_mtime_ns + 1_000_000))
    warm = outcome([tree], jobs=1, cache=True, cache_dir=str(cache))
    assert looked == [str(service.resolve())]
    assert warm == outcome([tree], jobs=1)


def test_a_damaged_index_is_a_cold_read(tree, tmp_path):
    cache = tmp_path / "cache"
    expected = outcome([tree], cache=True, cache_dir=str(cache))
    [index] = [path for path in cache.rglob("index")]
    index.write_bytes(b"not a pickle")
    assert outcome([tree], cache=True, cache_dir=str(cache)) == expected
    import pickle

    index.write_bytes(pickle.dumps({str(tree / "app" / "x.py"): ("odd",), 3: None}))
    assert outcome([tree], cache=True, cache_dir=str(cache)) == expected
