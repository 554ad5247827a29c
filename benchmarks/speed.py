"""Speed benchmark: sqla-fix against the lower bound L, Python's own parser, sqlalchemy-lsp and ruff.

    python benchmarks/speed.py                  # the two synthetic trees and the scaling series (~15 min)
    python benchmarks/speed.py --quick          # one repetition, smaller trees: a smoke run
    python benchmarks/speed.py --project DIR    # the same measurements on a real project too

It builds a synthetic repository (benchmarks/synthetic.py: model files in every style, each with something
to fix, beside copies of the standard library) and measures, on the same tree, in turn (A B C A B C ...),
the median wall time of each command over the repetitions, and the peak memory of each process:

  L            read every file, LibCST-parse those that mention SQLAlchemy/SQLModel (today's lower bound
               for a LibCST design)
  ast.parse    read every file, Python's parser on the same files
  check cold   `sqla-fix check --no-cache`
  check warm   `sqla-fix check` with the cache filled by the run before
  fix --diff   `sqla-fix fix --diff --no-cache` (every model file has fixes)
  lsp          `sqlalchemy-lsp check` (a Rust tool, pip package sqlalchemy-lsp)
  ruff         `ruff check --no-cache`
  hook         `sqla-fix fix FILE` on one clean model file, one with fixes, one without models

and `check` cold at 30/100/300/1,000 model files, to show that the cost grows linearly. It prints a
markdown table. The tools it compares with are installed into this interpreter's environment if missing
(`pip install sqlalchemy-lsp ruff`). Nothing here is a test: timings are never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
# this checkout's sqla_fix, whatever is installed (and whatever is edited while the benchmark runs elsewhere)
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}

# Read every file; parse those that mention SQLAlchemy/SQLModel with `{parse}` (the same files for both).
_READ_AND_PARSE = r"""
import os, sys, warnings
{imports}
warnings.simplefilter("ignore")
for directory, subdirectories, names in os.walk(sys.argv[1]):
    subdirectories[:] = [d for d in subdirectories if not d.startswith(".")]
    for name in names:
        if name.endswith(".py"):
            data = open(os.path.join(directory, name), "rb").read()
            if b"sqlalchemy" in data or b"sqlmodel" in data:
                {parse}(data)
"""
LOWER_BOUND = _READ_AND_PARSE.format(imports="import libcst", parse="libcst.parse_module")
AST_PARSE = _READ_AND_PARSE.format(imports="import ast", parse="ast.parse")


def measure(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss // 1024


def interleaved(commands: dict[str, tuple[list[str], Path, callable]], repeat: int) -> dict[str, tuple[float, int]]:
    """Median wall time and peak memory of each command, run in turn `repeat` times; `prepare()` runs
    before each measurement (to empty or fill a cache)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    memory: dict[str, int] = {name: 0 for name in commands}
    for _ in range(repeat):
        for name, (command, cwd, prepare) in commands.items():
            if prepare is not None:
                prepare()
            elapsed, peak = measure(command, cwd)
            times[name].append(elapsed)
            memory[name] = max(memory[name], peak)
    return {name: (statistics.median(values), memory[name]) for name, values in times.items()}


def ensure_tools() -> None:
    missing = [package for package, binary in (("sqlalchemy-lsp", "sqlalchemy-lsp"), ("ruff", "ruff"))
               if not (BIN / binary).exists()]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def sqla_fix(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "sqla_fix", *arguments]


def tree_measurements(tree: Path, repeat: int) -> dict[str, tuple[float, int]]:
    cache = tree / ".sqla_fix_cache"

    def no_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def warm_cache() -> None:  # the warm run follows a run that filled the cache, with nothing changed
        subprocess.run(sqla_fix("check", "."), cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)

    commands = {
        "L": ([sys.executable, "-c", LOWER_BOUND, "."], tree, None),
        "ast.parse": ([sys.executable, "-c", AST_PARSE, "."], tree, None),
        "check cold": (sqla_fix("check", "--no-cache", "."), tree, no_cache),
        "check warm": (sqla_fix("check", "."), tree, warm_cache),
        "fix --diff cold": (sqla_fix("fix", "--diff", "--no-cache", "."), tree, no_cache),
        "sqlalchemy-lsp check": ([str(BIN / "sqlalchemy-lsp"), "check", "."], tree, None),
        "ruff check": ([str(BIN / "ruff"), "check", "--no-cache", "--exit-zero", "--quiet", "."], tree, None),
    }
    return interleaved(commands, repeat)


def hook_measurements(tree: Path, repeat: int) -> dict[str, tuple[float, int]]:
    clean = tree / "app" / "clean_model.py"
    clean.write_text(synthetic.CLEAN)
    with_fixes = tree / "app" / "models" / "m0000.py"
    plain = next((tree / "app" / "lib").rglob("*.py"))

    def warm() -> None:  # a hook runs on a project whose cache earlier commits filled
        subprocess.run(sqla_fix("check", "."), cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)

    warm()
    backup = with_fixes.read_bytes()

    def restore() -> None:
        with_fixes.write_bytes(backup)

    commands = {
        "hook: clean model file": (sqla_fix("fix", str(clean)), tree, None),
        "hook: model file with fixes": (sqla_fix("fix", str(with_fixes)), tree, restore),
        "hook: file without models": (sqla_fix("fix", str(plain)), tree, None),
    }
    try:
        return interleaved(commands, repeat)
    finally:
        restore()
        clean.unlink()


def row(name: str, seconds: float, memory: int, lower: float, target: str = "") -> str:
    return f"| {name} | {seconds:.2f} s | {seconds / lower:.2f}× L | {memory} MB | {target} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repetition, smaller trees")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sqla-fix-speed")
    parser.add_argument("--project", type=Path, action="append", default=[], help="also measure this project")
    parser.add_argument("--projects-only", action="store_true", help="only the --project measurements")
    options = parser.parse_args()
    repeat = 1 if options.quick else options.repeat
    ensure_tools()
    others = 1000 if options.quick else 5000
    sizes = [("standard", 100 if options.quick else 300), ("larger", 300 if options.quick else 1000)]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {repeat}, interleaved.\n")
    for label, models in [] if options.projects_only else sizes:
        tree = synthetic.build(options.workdir / label, models, others)
        results = tree_measurements(tree, repeat)
        lower = results["L"][0]
        print(f"### {label} tree: {models} model files, {others} other files\n")
        print("| measurement | wall | vs L | peak memory | target |\n|---|---|---|---|---|")
        targets = {"check cold": "≤ 0.5× L, < sqlalchemy-lsp", "check warm": "≤ 0.1× check cold",
                   "fix --diff cold": "≤ 2× L"}
        for name, (seconds, memory) in results.items():
            print(row(name, seconds, memory, lower, targets.get(name, "")))
        cold, warm = results["check cold"][0], results["check warm"][0]
        print(f"\nwarm/cold: {warm / cold:.2f}; check cold/sqlalchemy-lsp: "
              f"{cold / results['sqlalchemy-lsp check'][0]:.1f}\n")
        if label == "standard":
            hooks = hook_measurements(tree, repeat)
            print("| one-file run | wall | peak memory | target |\n|---|---|---|---|")
            for name, (seconds, memory), target in zip(hooks, hooks.values(), ("≤ 120 ms", "≤ 250 ms", "≤ 60 ms")):
                print(f"| {name} | {seconds * 1000:.0f} ms | {memory} MB | {target} |")
            print()
    scaling = [] if options.projects_only else [30, 100] if options.quick else [30, 100, 300, 1000]
    if scaling:
        print("### scaling: `check --no-cache` by model files (5,000 other files)\n")
        print("| model files | wall | per model file |\n|---|---|---|")
    for models in scaling:
        tree = synthetic.build(options.workdir / f"scale{models}", models, others)
        seconds, _ = interleaved({"check": (sqla_fix("check", "--no-cache", "."), tree, None)}, repeat)["check"]
        print(f"| {models} | {seconds:.2f} s | {seconds / models * 1000:.1f} ms |")
        shutil.rmtree(tree)
    for project in options.project:
        results = tree_measurements(project.resolve(), repeat)
        lower = results["L"][0]
        print(f"\n### {project.name}\n\n| measurement | wall | vs L | peak memory | target |\n|---|---|---|---|---|")
        for name, (seconds, memory) in results.items():
            print(row(name, seconds, memory, lower))


if __name__ == "__main__":
    main()
