"""The `sqla-fix` command: check, fix (= check --fix), --diff, rules, rule. A thin layer over the engine
with ruff's options, meanings and exit codes (0 clean, 1 findings or changes, 2 an error)."""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from . import __version__
from .config import CommandLine, Config, ConfigError, find_config, load_config
from .markers import may_define_models, may_open_sessions
from .report import OUTPUT_FORMATS
from .results import FileResult, Reported
from .selection import SelectionError, check_selectors

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
_WITH_EDITS = frozenset({"json", "json-lines", "sarif"})  # the formats that carry each fix's edits
_TEXT_FORMATS = frozenset({"concise", "full", "grouped", "pylint"})  # read by people: a summary follows


class SettingError(click.ClickException):
    """A bad option or configuration: one line, exit 2 (as a usage error)."""

    exit_code = EXIT_ERROR


def _comma_separated(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _selectors(option: str, values: tuple[str, ...]) -> tuple[str, ...]:
    selectors = _comma_separated(values)
    if values and not selectors:  # `--select ''` would switch every rule off
        raise SettingError(f"{option}: expected at least one rule selector, got {values[0]!r}")
    try:
        return tuple(check_selectors(selectors))
    except SelectionError as error:
        raise SettingError(f"{option}: {error}") from None


def _per_file_ignores(option: str, values: tuple[str, ...]) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for value in values:
        pattern, colon, codes = value.rpartition(":")
        if not colon or not pattern or not codes.strip():
            raise SettingError(f"{option}: expected PATTERN:CODES (e.g. 'tests/*:SQF005'), got {value!r}")
        table.setdefault(pattern, []).extend(_selectors(option, (codes,)))
    return table


@dataclass
class Options:
    """Everything `check` and `fix` were told."""

    paths: tuple[Path, ...]
    fix: bool
    diff: bool
    unsafe_fixes: bool | None
    select: tuple[str, ...]
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    extend_ignore: tuple[str, ...]
    per_file_ignores: tuple[str, ...]
    extend_per_file_ignores: tuple[str, ...]
    exclude: tuple[str, ...]
    extend_exclude: tuple[str, ...]
    respect_gitignore: bool | None
    force_exclude: bool | None
    config: tuple[str, ...]
    line_length: int | None
    output_format: str
    output_file: Path | None
    statistics: bool
    show_fixes: bool
    quiet: bool
    silent: bool
    exit_zero: bool
    exit_non_zero_on_fix: bool
    color: str
    stdin_filename: Path | None
    jobs: int | None
    no_cache: bool
    stdin: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        if self.exit_zero and self.exit_non_zero_on_fix:  # as ruff: the two cannot both hold
            raise click.UsageError("--exit-zero and --exit-non-zero-on-fix contradict each other: give one")
        # as ruff: `--stdin-filename` means stdin, whatever the paths say
        self.stdin = Path("-") in self.paths or self.stdin_filename is not None
        ignored = [str(path) for path in self.paths if path != Path("-")]
        if self.stdin and ignored:
            click.echo(f"warning: ignoring {', '.join(ignored)} in favour of standard input", err=True)
        if not self.paths and not self.stdin:
            self.paths = (Path("."),)  # as ruff: the current directory
        self.quiet = self.quiet or self.silent


def _config(options: Options) -> Config:
    files = [value for value in options.config if Path(value).is_file() or "=" not in value]
    overrides = [value for value in options.config if value not in files]
    if len(files) > 1:
        raise SettingError(f"--config: one configuration file at most, got {', '.join(files)}")
    if files and not Path(files[0]).is_file():
        raise SettingError(f"--config: {files[0]}: no such file (nor `KEY = VALUE`)")
    start = [options.stdin_filename] if options.stdin and options.stdin_filename else list(options.paths)
    start = [path for path in start if str(path) != "-"]
    try:
        config = load_config(start, Path(files[0]) if files else None, overrides)
        if not files:
            _warn_of_other_configurations(start, config)
    except ConfigError as error:
        raise SettingError(str(error)) from None
    config.command_line = CommandLine(
        select=_selectors("--select", options.select) if options.select else None,
        extend_select=_selectors("--extend-select", options.extend_select),
        ignore=_selectors("--ignore", options.ignore),
        extend_ignore=_selectors("--extend-ignore", options.extend_ignore),
        per_file_ignores=_per_file_ignores("--per-file-ignores", options.per_file_ignores) or None,
        extend_per_file_ignores=_per_file_ignores("--extend-per-file-ignores", options.extend_per_file_ignores),
        exclude=tuple(_comma_separated(options.exclude)) if options.exclude else None,
        extend_exclude=tuple(_comma_separated(options.extend_exclude)),
    )
    for name in ("respect_gitignore", "force_exclude", "unsafe_fixes", "line_length", "jobs"):
        if getattr(options, name) is not None:
            setattr(config, name, getattr(options, name))
    config.cache = not options.no_cache
    return config


def _warn_of_other_configurations(paths: list[Path], config: Config) -> None:
    """One configuration serves a run (the nearest to its first path): say so where another path has a
    nearer one of its own, rather than apply the first one's silently."""
    for path in paths[1:]:
        nearest = find_config(path)
        if nearest is not None and nearest.parent.resolve() != config.root:
            click.echo(f"warning: {path}: its nearest configuration, {nearest}, is not read: a run reads one "
                       "configuration, the nearest to its first path (run sqla-fix once per project)", err=True)


# -- options --------------------------------------------------------------------------------------------
def _options(function: Callable) -> Callable:
    """The options `check` and `fix` share (ruff's names and meanings)."""
    shared = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--diff", is_flag=True,
                     help="Print the fixes as a unified diff (never cut: it applies with `patch`); write nothing."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None,
                     help="Also apply the fixes that change behaviour (NOT NULL rejects inserts, a cascade deletes "
                     "rows); default: unsafe-fixes in the configuration, else off."),
        click.option("--select", multiple=True, metavar="RULES",
                     help="Only these rules: codes, prefixes (SQF00), names or ALL (comma-separated)."),
        click.option("--extend-select", multiple=True, metavar="RULES", help="These rules too."),
        click.option("--ignore", multiple=True, metavar="RULES", help="Not these rules."),
        click.option("--extend-ignore", multiple=True, metavar="RULES", help="Not these rules either."),
        click.option("--per-file-ignores", multiple=True, metavar="PATTERN:RULES",
                     help="Not these rules in the files the glob matches (replaces the configuration's)."),
        click.option("--extend-per-file-ignores", multiple=True, metavar="PATTERN:RULES",
                     help="Per-file ignores on top of the configuration's."),
        click.option("--exclude", multiple=True, metavar="GLOBS",
                     help="Leave these files and directories out of the walk (replaces the default list)."),
        click.option("--extend-exclude", multiple=True, metavar="GLOBS", help="Leave these out too."),
        click.option("--respect-gitignore/--no-respect-gitignore", default=None,
                     help="Leave out what .gitignore files ignore (default: on)."),
        click.option("--force-exclude/--no-force-exclude", default=None,
                     help="Apply the exclusions to files named on the command line too (pre-commit names them)."),
        click.option("--config", multiple=True, metavar="FILE|KEY=VALUE",
                     help="A pyproject.toml with [tool.sqla-fix] or a sqla-fix.toml (instead of the nearest one), "
                     "or a setting in TOML overriding the file's (`--config 'line-length = 100'`)."),
        click.option("--line-length", type=click.IntRange(1, 320), default=None,
                     help="Width of the lines the fixes write (default: line-length, else the formatter's, else 88)."),
        click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default="concise", show_default=True,
                     help="How findings are printed."),
        click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the report (or the diff) to this file instead of stdout."),
        click.option("--statistics", is_flag=True, help="Count the findings by rule instead of listing them."),
        click.option("--show-fixes/--no-show-fixes", default=False,
                     help="List every finding fixed (fix), or what fix would fix, by rule (check)."),
        click.option("--quiet", "-q", is_flag=True, help="Print the findings (or diff), nothing else."),
        click.option("--silent", "-s", is_flag=True, help="Print nothing but errors; the exit code tells."),
        click.option("--exit-zero", "-e", is_flag=True, help="Exit 0 even when there are findings."),
        click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when any file was rewritten."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                     help="Colour the diff: auto colours a terminal (NO_COLOR and FORCE_COLOR are honoured)."),
        click.option("--stdin-filename", type=click.Path(path_type=Path), default=None,
                     help="With `-` (or no path): the name of the file read from stdin, for the configuration "
                     "and its project."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Worker processes for per-file work (default: one per core); the output is the same."),
        click.option("--no-cache", is_flag=True,
                     help="Neither read nor write the cache (.sqla_fix_cache/ at the project root, or cache-dir)."),
    ]
    for decorator in reversed(shared):
        function = decorator(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sqla-fix")
def main() -> None:
    """Find and fix SQLAlchemy models that a database engineer would not let through."""


@main.command()
@click.option("--fix/--no-fix", default=False, help="Apply the fixes (the same as `sqla-fix fix`).")
@_options
def check(**given) -> None:
    """Report findings as `path:line:col: CODE [kind of fix] message`; exit 1 if there are any.
    PATHS default to the current directory; `-` reads stdin."""
    sys.exit(execute(Options(**given)))


@main.command()
@_options
def fix(**given) -> None:
    """Rewrite the files in place with the safe fixes (and the unsafe ones, with --unsafe-fixes);
    report what is not fixed. PATHS default to the current directory; `-` reads stdin and writes the
    fixed source to stdout."""
    sys.exit(execute(Options(fix=True, **given)))


# -- a run ----------------------------------------------------------------------------------------------
class Output:
    """Where the report goes (stdout, or --output-file) and where the talk goes (stderr when the report is
    for a machine or stdout carries a fixed source)."""

    def __init__(self, options: Options):
        self.options = options
        self.file = None
        if options.output_file is not None:
            options.output_file.parent.mkdir(parents=True, exist_ok=True)  # as ruff
            self.file = options.output_file.open("wb")
        # A report for a machine is all its output has (as in ruff); with --diff, or a fixed source on
        # stdout, the talk goes to stderr.
        self.silent_talk = options.quiet or (options.output_format not in _TEXT_FORMATS and not options.diff)
        self.talk_to_stderr = options.diff or (options.stdin and options.fix)

    def report(self, text: str | bytes) -> None:
        """Write the report (text) or a diff (bytes: the files' own, so that it applies with `patch`)."""
        if not text:
            return
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        if self.file is not None:
            self.file.write(data)
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()

    def say(self, text: str) -> None:
        if self.silent_talk:
            return
        if self.file is not None and not self.talk_to_stderr:  # as ruff: the summary goes with the report
            self.file.write(text.encode("utf-8") + b"\n")
        else:
            click.echo(text, err=self.talk_to_stderr)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def execute(options: Options) -> int:
    """The run `options` ask for, reported; its exit code."""
    config = _config(options)
    output = Output(options)
    try:
        return _execute(options, config, output)
    finally:
        output.close()


def _execute(options: Options, config: Config, output: Output) -> int:
    fixing = options.fix or options.diff
    edits = options.output_format in _WITH_EDITS and not options.statistics
    stdin_source = sys.stdin.buffer.read() if options.stdin else None
    results = _results(options, config, fixing, edits, stdin_source)
    had_errors = _report_problems(results, options)
    findings = [finding for result in results for finding in result.findings]
    if options.diff:
        return _report_diff(results, findings, options, config, output, had_errors)
    if options.fix:
        return _report_fix(results, options, config, output, had_errors, stdin_source)
    _report_findings(findings, results, options, config, output, fixed=False)
    if findings:
        output.say(f"Found {_plural(len(findings), 'finding')} in {_plural(len({f.path for f in findings}), 'file')} "
                   f"({_fix_summary(findings, config)}).")
        if options.show_fixes:
            output.say(_by_rule(findings, "fixable"))
    elif not had_errors and any(result.warning is None for result in results):
        output.say("All checks passed.")
    elif not had_errors:
        output.say("No Python files checked.")
    return _exit(options, had_errors, bool(findings))


def _results(options: Options, config: Config, fixing: bool, edits: bool, stdin_source: bytes | None) -> list[FileResult]:
    if stdin_source is not None:
        name = options.stdin_filename or Path("-")
        if not _worth_reading(stdin_source, name, config) or config.exclusion().excludes_named(name):
            return [FileResult(name, original=stdin_source)]  # as ruff: not checked, and `fix -` echoes it
        if options.stdin_filename is None:  # no name, no project: the source on its own
            from .engine import process_source

            return [process_source(name, stdin_source, config, edits=edits)]
        # in its project, with the project's other files in view (whether or not the file is on disk)
        return _engine_run([name], config, fixing, edits, options, {name: stdin_source})
    quick = _without_models(options.paths, config)
    if quick is not None:
        return quick
    return _engine_run(list(options.paths), config, fixing, edits, options)


def _engine_run(paths, config, fixing, edits, options, sources=None) -> list[FileResult]:
    from .engine import run

    return run(paths, config, fixing=fixing, progress=None if options.quiet else _progress(), edits=edits,
               sources=sources)


def _exit(options: Options, had_errors: bool, found: bool, written: bool = False) -> int:
    if had_errors:
        return EXIT_ERROR
    if options.exit_non_zero_on_fix and written:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if found and not options.exit_zero else EXIT_CLEAN


def _report_problems(results: list[FileResult], options: Options) -> bool:
    """Errors (always shown) and warnings (not with --quiet) on stderr; were there errors?"""
    for result in results:
        if result.warning and not options.quiet:
            click.echo(f"warning: {result.path}: {result.warning}", err=True)
    errors = [result for result in results if result.error]
    for result in errors:
        click.echo(f"{result.path}: {result.error}", err=True)
    return bool(errors)


def _report_findings(findings: list[Reported], results: list[FileResult], options: Options, config: Config,
                     output: Output, fixed: bool) -> None:
    """The findings in the output format, against the sources they were found in (the fixed ones, when
    `fixed`)."""
    from .report import render, render_statistics

    if options.silent:
        return
    if options.statistics:
        output.report(render_statistics(findings, "json" if options.output_format == "json" else "concise"))
        return
    sources = {result.path: (result.fixed_source if fixed and result.changed else result.original) for result in results}
    output.report(render(findings, options.output_format, source_line=_source_lines(sources),
                         unsafe_fixes=config.unsafe_fixes))


def _report_diff(results, findings, options: Options, config: Config, output: Output, had_errors: bool) -> int:
    changed = [result for result in results if result.changed and not result.error]
    if not options.silent:
        colour = _colour(options)
        for result in changed:
            diff = _unified_diff(result)
            output.report(_coloured(diff) if colour else diff)
    fixed = [finding for result in changed for finding in result.fixed]
    held_back = sum(f.fix == "unsafe" and not f.fixable for f in findings)
    more = f" ({held_back} more with `--unsafe-fixes`)" if held_back else ""
    tables = _changed_tables(fixed)
    schema = f"; the schema of {_plural(len(tables), 'table')} would change: {', '.join(tables)}" if tables else ""
    output.say(f"Would fix {_plural(len(fixed), 'finding')} in {_plural(len(changed), 'file')}{more}{schema}.")
    not_fixed = [finding for result in results for finding in _not_fixed(result)]
    if not_fixed:
        output.say(_not_fixed_summary(not_fixed, config))
    return _exit(options, had_errors, bool(changed))


def _not_fixed(result: FileResult) -> list[Reported]:
    """What a fixing run leaves of a file's findings: what remains after its fixes, or all of them where its
    fixes could not be made (the error says why)."""
    if result.error:
        return result.findings
    return result.remaining if result.changed else result.findings


def _report_fix(results, options: Options, config: Config, output: Output, had_errors: bool,
                stdin_source: bytes | None) -> int:
    from .write import write_result

    changed = [result for result in results if result.changed and not result.error]
    if stdin_source is not None:  # the fixed source is the output; the findings go to stderr
        [result] = results
        output.report(result.fixed_source if result.changed and not result.error else stdin_source)
        written = changed
    else:
        written = []
        for result in changed:
            problem = write_result(result)
            if problem is not None:
                result.error = problem
                had_errors = True
                click.echo(f"{result.path}: {problem}", err=True)
            else:
                written.append(result)
    for result in written:
        output.say(_fixed_line(result))
        if options.show_fixes:
            for finding in result.fixed:
                output.say(f"  {finding.line}:{finding.column} {finding.code} [{finding.fix} fix] {finding.message}")
    remaining = [finding for result in results for finding in _not_fixed(result)]
    if stdin_source is not None:
        if not options.silent:
            from .report import render

            click.echo(render(remaining, "concise"), err=True, nl=False)
    else:
        _report_findings(remaining, results, options, config, output, fixed=True)
    fixed = [finding for result in written for finding in result.fixed]
    held_back = sum(f.fix == "unsafe" for f in remaining)
    hint = f" ({held_back} of them with an unsafe fix: `--unsafe-fixes`)" if held_back else ""
    output.say(f"Fixed {_plural(len(fixed), 'finding')} in {_plural(len(written), 'file')}; "
               f"{len(remaining)} remaining{hint}.")
    tables = _changed_tables(fixed)
    if tables:
        output.say(f"The fixes changed the schema of {_plural(len(tables), 'table')} ({', '.join(tables)}): "
                   "generate and review a migration (alembic revision --autogenerate).")
    return _exit(options, had_errors, bool(remaining), written=bool(written))


def _fixed_line(result: FileResult) -> str:
    """`path: fixed 2 findings (SQF001, SQF003)`; a file edited only for another file's fix says so."""
    counts = Counter(finding.code for finding in result.fixed)
    if not counts:
        return f"{result.path}: edited for a fix reported in another file"
    detail = ", ".join(f"{code} x{n}" if n > 1 else code for code, n in sorted(counts.items()))
    return f"{result.path}: fixed {_plural(sum(counts.values()), 'finding')} ({detail})"


# -- what the summaries say -----------------------------------------------------------------------------
def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fix_summary(findings, config: Config) -> str:
    """How many findings `fix` applies, and how many more `--unsafe-fixes` would (ruff's wording)."""
    safe = sum(f.fix == "safe" for f in findings)
    unsafe = sum(f.fix == "unsafe" for f in findings)
    if config.unsafe_fixes:
        return f"{safe + unsafe} fixable with `sqla-fix fix --unsafe-fixes` ({unsafe} of them unsafe)"
    more = f"; {unsafe} more with `--unsafe-fixes`" if unsafe else ""
    return f"{safe} fixable with `sqla-fix fix`{more}"


def _changed_tables(fixed: list[Reported]) -> list[str]:
    """The tables whose DDL the fixes change: where there are none (an ORM-only cascade), no migration is due."""
    return sorted({table for finding in fixed for table in finding.tables})


def _not_fixed_summary(findings: list[Reported], config: Config) -> str:
    """What was not fixed and why, by rule: the findings `--diff` does not show."""
    lines = [f"Not fixed: {_plural(len(findings), 'finding')} (`sqla-fix check` lists them):"]
    by_code: dict[str, list[Reported]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    for code in sorted(by_code):
        group = by_code[code]
        kinds = Counter(f.fix for f in group)
        reasons = []
        if kinds["safe"]:
            reasons.append(f"{kinds['safe']} with a safe fix that could not be made (the error above says why)")
        if kinds["unsafe"]:
            reasons.append(f"{kinds['unsafe']} with an unsafe fix (applied with `--unsafe-fixes`)"
                           if not config.unsafe_fixes else f"{kinds['unsafe']} with an unsafe fix that could not be made")
        if kinds[None]:
            reasons.append(f"{kinds[None]} without a certain fix: decide in the code or `# noqa: {code}`")
        lines.append(f"  {code} {group[0].name}: {'; '.join(reasons)} (`sqla-fix rule {code}`)")
    return "\n".join(lines)


def _by_rule(findings: list[Reported], what: str) -> str:
    lines = [f"By rule ({what}):"]
    for code in sorted({f.code for f in findings}):
        group = [f for f in findings if f.code == code]
        safe, unsafe = sum(f.fix == "safe" for f in group), sum(f.fix == "unsafe" for f in group)
        lines.append(f"  {code} {group[0].name}: {safe} safe fix{'es' if safe != 1 else ''}, {unsafe} unsafe, "
                     f"{len(group) - safe - unsafe} reported only")
    return "\n".join(lines)


def _source_lines(sources: dict[Path, bytes | None]) -> Callable[[Path, int], str | None]:
    """The text of a line of a file as the run read it (stdin too), for the full format."""
    from .read import decode

    cache: dict[Path, list[str]] = {}

    def line_of(path: Path, line: int) -> str | None:
        if path not in cache:
            source = sources.get(path)
            try:
                cache[path] = decode(source).split("\n") if source is not None else []
            except (ValueError, LookupError):
                cache[path] = []
        lines = cache[path]
        return lines[line - 1].rstrip("\r") if 0 < line <= len(lines) else None

    return line_of


def _without_models(paths: tuple[Path, ...], config: Config) -> list[FileResult] | None:
    """Results for regular Python files that mention no SQLAlchemy at all (a hook's usual case), from a bytes
    scan without the engine (or its imports); None when any path needs the engine."""
    from .discover import PYTHON_SUFFIX

    exclusion = config.exclusion()
    results = []
    for path in paths:
        if path.is_symlink() or not path.is_file() or path.suffix != PYTHON_SUFFIX:
            return None
        if exclusion.excludes_named(path):
            continue  # as the engine's walk: left out without a word
        try:
            source = path.read_bytes()
        except OSError:
            return None
        if _worth_reading(source, path, config):
            return None
        results.append(FileResult(path, original=source))
    return results


def _worth_reading(source: bytes, path: Path, config: Config) -> bool:
    """May the file declare models, or open sessions for SQF015 to look at (the engine's own tests)?"""
    return may_define_models(source) or may_open_sessions(source) and config.enabled("SQF015", path)


def _progress():
    """A progress bar on a terminal (rich), nothing when piped or in CI."""
    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return None
    from .progress import TerminalProgress

    return TerminalProgress()


# -- the diff -------------------------------------------------------------------------------------------
def _colour(options: Options) -> bool:
    """ruff's rule: --color decides; else FORCE_COLOR, else NO_COLOR, else whether stdout is a terminal."""
    if options.color != "auto":
        return options.color == "always"
    if options.output_file is not None:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


_ANSI = {b"+++": b"\x1b[1m", b"---": b"\x1b[1m", b"@@": b"\x1b[36m", b"+": b"\x1b[32m", b"-": b"\x1b[31m"}
_RESET = b"\x1b[0m"


def _coloured(diff: bytes) -> bytes:
    """The diff with each line coloured by its kind, whole: a terminal wraps a long line, never crops it,
    and nothing but the escape codes is added (strip them and the diff applies)."""
    coloured = []
    for line in _byte_lines(diff):
        body = line.rstrip(b"\r\n")
        ending = line[len(body):]
        prefix = next((p for p in _ANSI if body.startswith(p)), None)
        coloured.append(_ANSI[prefix] + body + _RESET + ending if prefix else line)
    return b"".join(coloured)


def _byte_lines(data: bytes) -> list[bytes]:
    """Lines as `patch` reads them: split at newlines only (a form feed, a lone CR or U+2028 is inside one)."""
    lines = data.split(b"\n")
    return [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _unified_diff(result: FileResult) -> bytes:
    """The unified diff of the file's own bytes (its encoding, BOM and line endings), so that it applies."""
    name = os.fsencode(result.path)
    lines = difflib.diff_bytes(difflib.unified_diff, _byte_lines(result.original), _byte_lines(result.fixed_source),
                               fromfile=name, tofile=name)
    return b"".join(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n" for line in lines)


# -- the rules ------------------------------------------------------------------------------------------
def _rule_object(rule) -> dict:
    from .docs import fix_safety_text, rationale, rule_url

    return {"code": rule.code, "name": rule.name, "summary": rule.summary, "fix_safety": rule.fix_safety,
            "fix": fix_safety_text(rule), "default": getattr(rule, "default_enabled", True),
            "url": rule_url(rule.code), "explanation": rationale(rule)}


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List the rules: code, name, what they find, their fix, whether they run by default."""
    from .rules import RULES

    if output_format == "json":
        click.echo(json.dumps([_rule_object(rule) for rule in RULES], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    from .docs import FIX_SAFETY_SHORT

    table = Table("code", "name", "finds", "fix", "default")
    for rule in RULES:
        table.add_row(rule.code, rule.name, rule.summary, FIX_SAFETY_SHORT[rule.fix_safety],
                      "on" if getattr(rule, "default_enabled", True) else "off")
    Console().print(table)


@main.command("rule")
@click.argument("rule", required=False)
@click.option("--all", "every", is_flag=True, help="Explain every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain_rule(rule: str | None, every: bool, output_format: str) -> None:
    """Explain one rule (by code or name): why it matters, what it fixes, where it does not, how to decide."""
    from .docs import rule_text
    from .rules import RULES

    if every == (rule is not None):
        raise click.UsageError("give a rule (a code or a name), or --all")
    chosen = list(RULES) if every else [r for r in RULES if rule.upper() == r.code or rule == r.name]
    if not chosen:
        known = ", ".join(f"{r.code} ({r.name})" for r in RULES)
        raise SettingError(f"unknown rule {rule!r}; the rules are: {known}")
    if output_format == "json":
        objects = [_rule_object(r) for r in chosen]
        click.echo(json.dumps(objects if every else objects[0], indent=2))
        return
    click.echo("\n\n".join(rule_text(r).rstrip("\n") for r in chosen))
