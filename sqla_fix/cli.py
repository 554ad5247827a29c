"""The `sqla-fix` command: check, fix, fix --diff, rules."""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .config import Config, ConfigError, load_config
from .markers import may_define_models
from .results import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def _config(paths: tuple[Path, ...], select, ignore, config_file, unsafe_fixes: bool | None = None,
            jobs: int | None = None, no_cache: bool = False) -> Config:
    try:
        config = load_config(list(paths), config_file)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error
    if jobs is not None:
        config.jobs = jobs
    config.cache = not no_cache
    if select:
        config.select = _codes(select)
    config.ignore = [*config.ignore, *_codes(ignore)]
    if unsafe_fixes is not None:
        config.unsafe_fixes = unsafe_fixes
    return config


def _fix_summary(findings, config: Config) -> str:
    """How many findings `fix` applies, and how many more `--unsafe-fixes` would (ruff's wording)."""
    safe = sum(f.fix == "safe" for f in findings)
    unsafe = sum(f.fix == "unsafe" for f in findings)
    if config.unsafe_fixes:
        return f"{safe + unsafe} fixable with `sqla-fix fix --unsafe-fixes` ({unsafe} of them unsafe)"
    more = f"; {unsafe} more with `--unsafe-fixes`" if unsafe else ""
    return f"{safe} fixable with `sqla-fix fix`{more}"


def _report_errors(results: list[FileResult]) -> bool:
    errors = [result for result in results if result.error]
    for result in errors:
        click.echo(f"{result.path}: {result.error}", err=True)
    return bool(errors)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_paths = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
_select = click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes (comma-separated).")
_ignore = click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rule codes (comma-separated).")
_unsafe_fixes = click.option(
    "--unsafe-fixes/--no-unsafe-fixes", default=None,
    help="Also apply fixes that change behaviour (NOT NULL rejects inserts, a cascade deletes rows); "
    "default: unsafe-fixes in [tool.sqla-fix], else off.",
)
_jobs = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Worker processes for per-file work (default: one per core); the output is the same.")
_no_cache = click.option("--no-cache", is_flag=True,
                         help="Neither read nor write the cache (.sqla_fix_cache/ at the project root, or cache-dir).")
_config_option = click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="pyproject.toml to read [tool.sqla-fix] from (default: the nearest one).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sqla-fix")
def main() -> None:
    """Find and fix SQLAlchemy models that a database engineer would not let through."""


@main.command()
@_paths
@_select
@_ignore
@_config_option
@click.option(
    "--output-format", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
    help="text: path:line:col: CODE message; json: a list of objects; github: workflow annotations.",
)
@_unsafe_fixes
@_jobs
@_no_cache
def check(paths, select, ignore, config_file, output_format, unsafe_fixes, jobs, no_cache) -> None:
    """Report findings as `path:line:col: CODE [kind of fix] message`; exit 1 if there are any."""
    config = _config(paths, select, ignore, config_file, unsafe_fixes, jobs, no_cache)
    results = _run(paths, config, fixing=False)
    had_errors = _report_errors(results)
    findings = [finding for result in results for finding in result.findings]
    if output_format != "text":
        _print_machine_readable(findings, output_format)
        sys.exit(EXIT_ERROR if had_errors else EXIT_FINDINGS if findings else EXIT_CLEAN)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        files = len({finding.path for finding in findings})
        click.echo(f"Found {_plural(len(findings), 'finding')} in {_plural(files, 'file')} "
                   f"({_fix_summary(findings, config)}).")
    elif not had_errors:
        click.echo("All checks passed.")
    sys.exit(EXIT_ERROR if had_errors else EXIT_FINDINGS if findings else EXIT_CLEAN)


@main.command()
@_paths
@_select
@_ignore
@_config_option
@click.option("--diff", is_flag=True, help="Print the changes as a unified diff; write nothing.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when any file was rewritten.")
@_unsafe_fixes
@_jobs
@_no_cache
def fix(paths, select, ignore, config_file, diff, exit_non_zero_on_fix, unsafe_fixes, jobs, no_cache) -> None:
    """Rewrite the files in place with the safe fixes (and the unsafe ones, with --unsafe-fixes);
    report what is not fixed."""
    config = _config(paths, select, ignore, config_file, unsafe_fixes, jobs, no_cache)
    results = _run(paths, config, fixing=True)
    changed = [result for result in results if result.changed and not result.error]
    if diff:
        _print_diffs(changed)
        count = sum(len(result.fixed) for result in changed)
        held_back = sum(f.fix == "unsafe" and not f.fixable for result in results for f in result.findings)
        more = f" ({held_back} more with `--unsafe-fixes`)" if held_back else ""
        click.echo(f"Would fix {_plural(count, 'finding')} in {_plural(len(changed), 'file')}{more}.", err=True)
        had_errors = _report_errors(results)
        sys.exit(EXIT_ERROR if had_errors else EXIT_FINDINGS if changed else EXIT_CLEAN)

    from .write import write_result

    for result in changed:
        problem = write_result(result)
        if problem is not None:
            result.error = problem
            continue
        counts = Counter(finding.code for finding in result.fixed)
        detail = ", ".join(f"{code} x{n}" if n > 1 else code for code, n in sorted(counts.items()))
        click.echo(f"{result.path}: fixed {_plural(sum(counts.values()), 'finding')} ({detail})")
    had_errors = _report_errors(results)
    remaining = [f for result in results if not result.error for f in result.remaining]
    for finding in remaining:
        click.echo(str(finding))
    written = [result for result in changed if not result.error]
    fixed = sum(len(result.fixed) for result in written)
    held_back = sum(f.fix == "unsafe" for f in remaining)
    hint = f" ({held_back} of them with an unsafe fix: `--unsafe-fixes`)" if held_back else ""
    click.echo(f"Fixed {_plural(fixed, 'finding')} in {_plural(len(written), 'file')}; "
               f"{len(remaining)} remaining{hint}.")
    if written:
        click.echo("Every fix changes the schema: generate and review a migration "
                   "(alembic revision --autogenerate).")
    if had_errors:
        sys.exit(EXIT_ERROR)
    if remaining or (exit_non_zero_on_fix and written):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _print_machine_readable(findings, output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps(
            [
                {"path": str(f.path), "line": f.line, "column": f.column, "code": f.code, "message": f.message,
                 "fixable": f.fixable, "fix": f.fix}
                for f in findings
            ],
            indent=2,
        ))
    else:
        for f in findings:
            click.echo(f"::error title={f.code},file={f.path},line={f.line},col={f.column}::{f.code} {f.message}")


def _run(paths: tuple[Path, ...], config: Config, fixing: bool) -> list[FileResult]:
    """The run's results; for files that cannot declare models (a hook's usual case), straight from a bytes
    scan, without the engine (or its imports)."""
    quick = _without_models(paths)
    if quick is not None:
        return quick
    from .engine import run

    return run(list(paths), config, fixing=fixing, progress=_progress())


def _without_models(paths: tuple[Path, ...]) -> list[FileResult] | None:
    """Results for regular files that mention no SQLAlchemy at all; None when any path needs the engine."""
    results = []
    for path in paths:
        if path.is_symlink() or not path.is_file():
            return None
        try:
            source = path.read_bytes()
        except OSError:
            return None
        if may_define_models(source):
            return None
        results.append(FileResult(path, original=source))
    return results


def _progress():
    """A progress bar on a terminal (rich), nothing when piped or in CI."""
    import os

    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return None
    from .progress import TerminalProgress

    return TerminalProgress()


def _print_diffs(results: list[FileResult]) -> None:
    from rich.console import Console
    from rich.syntax import Syntax

    console = Console(highlight=False)
    for result in results:
        text = _unified_diff(result)
        if console.is_terminal:
            console.print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
        else:
            click.echo(text, nl=False)


def _unified_diff(result: FileResult) -> str:
    old = _decode(result.original)
    new = _decode(result.fixed_source)
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=str(result.path), tofile=str(result.path)
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _decode(source: bytes) -> str:
    """The text of a source as Python reads it (encoding cookie, BOM)."""
    from .read import decode

    return decode(source)


@main.command("rules")
def list_rules() -> None:
    """List the rules: code, name, what they find."""
    from rich.console import Console
    from rich.table import Table

    from .rules import RULES

    table = Table("code", "name", "finds")
    for rule in RULES:
        table.add_row(rule.code, rule.name, rule.summary)
    Console().print(table)


@main.command("rule")
@click.argument("code")
def explain_rule(code: str) -> None:
    """Explain one rule: why it matters, what it fixes, where it does not."""
    from .rules import RULES

    for rule in RULES:
        if rule.code == code.upper():
            click.echo(f"{rule.code} {rule.name}\n")
            click.echo(sys.modules[type(rule).__module__].__doc__.strip())
            return
    raise click.UsageError(f"unknown rule: {code}")
