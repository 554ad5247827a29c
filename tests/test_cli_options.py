"""The command line's ruff-like options, one group at a time: rule selection and its layers, the strictness of
the configuration and how it is found, which files a run takes (exclude, per-file-ignores, .gitignore,
force-exclude), stdin, exit codes, what is printed where, every output format, the diff (under a real
terminal too), the migration hint, and the `rules` and `rule` commands.

Through click's runner (stdout and stderr apart) and, where a terminal or a real pipe matters, as real
processes (`python -m sqla_fix`)."""

from __future__ import annotations

import ast
import fcntl
import json
import os
import pty
import re
import selectors
import shutil
import struct
import subprocess
import sys
import termios
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from test_cli import CLEAN, FLAWED, findings

from sqla_fix.cli import OUTPUT_FORMATS, main
from sqla_fix.rules import RULES

DATA = Path(__file__).resolve().parent / "data"
CODES = [rule.code for rule in RULES]
NAMES = [rule.name for rule in RULES]
ALL_FOUND = ["SQF001", "SQF003", "SQF004", "SQF005", "SQF005"]  # FLAWED's findings (its key is NOT NULL: no SQF002)
EVERY_RULE_FOUND = [*ALL_FOUND, "SQF013"]  # and, with the rules off by default too, its base's missing naming convention
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MIGRATION_HINT = "generate and review a migration"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (root / "models.py").write_text(FLAWED)
    (root / "clean.py").write_text(CLEAN)
    return root


def configure(project: Path, body: str) -> Path:
    """`body` as the project's [tool.sqla-fix]."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(f"[project]\nname = 'x'\n\n[tool.sqla-fix]\n{body}\n")
    return pyproject


def codes(output: str, path: str | None = None) -> list[str]:
    """The codes of the concise finding lines of `output` (of `path` only, when given), sorted."""
    return sorted(m["code"] for m in findings(output) if path is None or m["path"] == path)


def paths_found(output: str) -> set[str]:
    return {m["path"] for m in findings(output)}


def flawed(directory: Path, name: str = "models.py") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(FLAWED)
    return directory / name


def assert_one_line_error(result, *parts: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr holding every part; the line."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def sqla_fix(*args: str, cwd: Path, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """A real `python -m sqla_fix` process, its output piped."""
    return subprocess.run([sys.executable, "-m", "sqla_fix", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, env=env, timeout=300, check=False)


# -- 1. selection -------------------------------------------------------------------------------------------
def assert_lists_valid_selectors(line: str) -> None:
    assert "expected ALL, a code prefix (SQF, SQF0, SQF00, SQF01)" in line
    for code in CODES:
        assert code in line
    for name in NAMES:
        assert name in line


@pytest.mark.parametrize(
    ("arguments", "option", "bad"),
    [
        (["check", "--select", "SQF999"], "--select", "SQF999"),
        (["check", "--ignore", "SQF9"], "--ignore", "SQF9"),
        (["check", "--extend-select", "nope"], "--extend-select", "nope"),
        (["check", "--extend-ignore", "SQF001,SQF01X"], "--extend-ignore", "SQF01X"),
        (["fix", "--select", "SQF999"], "--select", "SQF999"),
        (["check", "--per-file-ignores", "models.py:SQF999"], "--per-file-ignores", "SQF999"),
    ],
)
def test_unknown_selector_on_the_command_line_is_an_error(runner, project, arguments, option, bad):
    result = runner.invoke(main, [*arguments, str(project / "models.py")])
    line = assert_one_line_error(result, f"{option}: unknown rule selector {bad!r}")
    assert_lists_valid_selectors(line)
    assert (project / "models.py").read_text() == FLAWED  # not even `fix` touched it


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore", "extend-ignore"])
def test_unknown_selector_in_pyproject_names_the_file_and_the_key(runner, project, key):
    pyproject = configure(project, f'{key} = ["SQF999"]')
    result = runner.invoke(main, ["check", str(project / "models.py")])
    line = assert_one_line_error(result, f"{pyproject}: {key}: unknown rule selector 'SQF999'")
    assert_lists_valid_selectors(line)


def test_unknown_selector_in_per_file_ignores_of_pyproject(runner, project):
    pyproject = configure(project, 'per-file-ignores = {"tests/*" = ["SQF9"]}')
    result = runner.invoke(main, ["fix", str(project / "models.py")])
    assert_one_line_error(result, f"{pyproject}: per-file-ignores: unknown rule selector 'SQF9'")
    assert (project / "models.py").read_text() == FLAWED


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        (["--select", "ALL"], EVERY_RULE_FOUND),
        (["--select", "all"], EVERY_RULE_FOUND),
        (["--select", "SQF00"], ALL_FOUND),
        (["--select", "SQF"], EVERY_RULE_FOUND),
        (["--select", "foreign-key-without-index"], ["SQF001"]),
        (["--select", "sqf003"], ["SQF003"]),
        (["--select", "foreign-key-without-index,SQF004"], ["SQF001", "SQF004"]),
        (["--select", "SQF001", "--select", "SQF003"], ["SQF001", "SQF003"]),
        (["--select", "ALL", "--ignore", "entity-without-timestamps"], ["SQF001", "SQF003", "SQF004", "SQF013"]),
    ],
)
def test_selectors_accepted(runner, project, selectors, expected):
    result = runner.invoke(main, ["check", *selectors, str(project / "models.py")])
    assert result.exit_code == 1, result.stderr
    assert codes(result.stdout) == expected
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("configured", "command_line", "expected"),
    [
        ('ignore = ["SQF001"]', [], ["SQF003", "SQF004", "SQF005", "SQF005"]),  # the file is read at all
        ('select = ["SQF001"]', ["--extend-select", "SQF003"], ["SQF001", "SQF003"]),
        ('ignore = ["SQF001"]', ["--select", "SQF001"], ["SQF001"]),  # the command line's select starts afresh
        ('select = ["SQF001", "SQF003"]', ["--ignore", "SQF003"], ["SQF001"]),
        ('select = ["SQF001"]', ["--select", "SQF003"], ["SQF003"]),
        ('select = ["SQF"]\nignore = ["SQF001"]', [], ["SQF003", "SQF004", "SQF005", "SQF005", "SQF013"]),
        ('select = ["SQF001"]\nignore = ["SQF"]', [], ["SQF001"]),  # the more specific selector wins
        ('select = ["ALL"]\nignore = ["SQF00"]\nextend-select = ["SQF004"]', [], ["SQF004", "SQF013"]),
        ('extend-ignore = ["SQF005"]', ["--extend-select", "SQF001"], ["SQF001", "SQF003", "SQF004"]),
    ],
)
def test_configuration_and_command_line_layers(runner, project, configured, command_line, expected):
    configure(project, configured)
    result = runner.invoke(main, ["check", *command_line, str(project / "models.py")])
    assert result.stderr == ""
    assert codes(result.stdout) == expected


# -- 2. the configuration: strict, and found as ruff finds its own --------------------------------------------
@pytest.mark.parametrize(
    ("body", "parts"),
    [
        ('line-length = "100"', ["line-length: expected an integer, got a string ('100')"]),
        ("line-length = -5", ["line-length: expected an integer from 1 to 320, got -5"]),
        ("line-length = 1000", ["line-length: expected an integer from 1 to 320, got 1000"]),
        ("line-length = true", ["line-length: expected an integer, got a boolean (True)"]),
        ("bogus = 1", ["unknown key 'bogus'", "the known keys are: select, extend-select, ignore",
                       "line-length", "per-file-ignores", "respect-gitignore", "force-exclude"]),
        ('exclude = "x"', ["exclude: expected a list of strings, got a string ('x')"]),
        ("extend-exclude = [1]", ["extend-exclude: expected a list of strings"]),
        ('respect-gitignore = "yes"', ["respect-gitignore: expected true or false, got a string ('yes')"]),
        ('select = "SQF001"', ["select: expected a list of rule selectors (strings), got a string ('SQF001')"]),
        ('per-file-ignores = ["x"]', ["per-file-ignores: expected a table of glob patterns"]),
        ("max-file-size = 0", ["max-file-size: expected a positive integer"]),
    ],
)
@pytest.mark.parametrize("command", ["check", "fix"])
def test_bad_setting_is_one_line_naming_file_and_key(runner, project, body, parts, command):
    pyproject = configure(project, body)
    result = runner.invoke(main, [command, str(project / "models.py")])
    assert_one_line_error(result, f"{pyproject}: ", *parts)
    assert (project / "models.py").read_text() == FLAWED


def test_not_toml_is_one_line(runner, project):
    pyproject = configure(project, "select = [")
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert_one_line_error(result, f"{pyproject}: not valid TOML")


@pytest.mark.parametrize("name", ["other/pyproject.toml", "other.toml"])
def test_config_file_without_a_table_is_an_error(runner, project, name):
    """A pyproject.toml given with --config must have [tool.sqla-fix] (under any name: `other.toml` too)."""
    other = project / name
    other.parent.mkdir(exist_ok=True)
    other.write_text("[project]\nname = 'other'\n\n[tool.ruff]\nline-length = 100\n")
    result = runner.invoke(main, ["check", "--config", str(other), str(project / "models.py")])
    assert_one_line_error(result, str(other), "no [tool.sqla-fix] table")


@pytest.mark.parametrize("name", ["other/pyproject.toml", "other.toml"])
def test_config_file_with_a_table_is_honoured(runner, project, name):
    other = project / name
    other.parent.mkdir(exist_ok=True)
    other.write_text("[project]\nname = 'other'\n\n[tool.sqla-fix]\nselect = ['SQF003']\n")
    result = runner.invoke(main, ["check", "--config", str(other), str(project / "models.py")])
    assert result.stderr == ""
    assert codes(result.stdout) == ["SQF003"]


def test_config_sqla_fix_toml_with_top_level_keys_is_honoured_over_the_nearest(runner, project, tmp_path):
    configure(project, 'select = ["SQF001"]')  # what discovery would find, were it not for --config
    elsewhere = tmp_path / "settings" / "sqla-fix.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('select = ["SQF003", "SQF004"]\n')
    result = runner.invoke(main, ["check", "--config", str(elsewhere), str(project / "models.py")])
    assert result.stderr == ""
    assert codes(result.stdout) == ["SQF003", "SQF004"]
    # and its keys are as strict as pyproject's
    elsewhere.write_text("[tool.sqla-fix]\nselect = ['SQF001']\n")
    result = runner.invoke(main, ["check", "--config", str(elsewhere), str(project / "models.py")])
    assert_one_line_error(result, f"{elsewhere}: unknown key 'tool'")


def test_config_that_is_neither_a_file_nor_a_setting(runner, project):
    result = runner.invoke(main, ["check", "--config", str(project / "missing.toml"), str(project / "models.py")])
    assert_one_line_error(result, "--config", "missing.toml", "no such file")


@pytest.mark.parametrize("name", ["sqla-fix.toml", ".sqla-fix.toml"])
def test_sqla_fix_toml_in_the_project_is_discovered_before_pyproject(runner, project, name):
    configure(project, 'select = ["SQF004"]')
    (project / name).write_text('select = ["SQF001"]\n')
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert result.stderr == ""
    assert codes(result.stdout) == ["SQF001"]


LONG_KEY = FLAWED.replace('mapped_column(ForeignKey("posts.id"))', 'mapped_column(ForeignKey("posts.id"), comment="the post")')
LONG_KEY_FIXED = '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), comment="the post", index=True)\n'


def test_config_override_of_a_setting(runner, project):
    """`--config 'line-length = 100'` wins over the file's line-length; the fixed line (96 characters) then stays
    whole, where at 88 it is wrapped."""
    assert len(LONG_KEY_FIXED.rstrip("\n")) == 96
    (project / "models.py").write_text(LONG_KEY)
    configure(project, "line-length = 88")
    wrapped = runner.invoke(main, ["fix", "--diff", "--select", "SQF001", str(project / "models.py")])
    assert wrapped.exit_code == 1, wrapped.stderr
    assert "+    post_id: Mapped[int] = mapped_column(\n" in wrapped.stdout
    whole = runner.invoke(main, ["fix", "--diff", "--select", "SQF001", "--config", "line-length = 100",
                                 str(project / "models.py")])
    assert whole.exit_code == 1, whole.stderr
    assert f"+{LONG_KEY_FIXED}" in whole.stdout
    bad = runner.invoke(main, ["check", "--config", 'line-length = "a"', str(project / "models.py")])
    assert_one_line_error(bad, "--config 'line-length = \"a\"'", "line-length: expected an integer")
    unknown = runner.invoke(main, ["check", "--config", "bogus = 1", str(project / "models.py")])
    assert_one_line_error(unknown, "--config 'bogus = 1'", "unknown key 'bogus'")


def test_pyproject_without_a_table_is_passed_over_for_one_above(runner, project):
    configure(project, 'select = ["SQF001"]')
    app = project / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    flawed(app)
    for target in (app / "models.py", app):
        result = runner.invoke(main, ["check", str(target)])
        assert result.stderr == ""
        assert codes(result.stdout) == ["SQF001"], target
        assert paths_found(result.stdout) == {str(app / "models.py")}


# -- 3. which files a run takes ------------------------------------------------------------------------------
def test_extend_exclude_and_force_exclude(runner, project):
    configure(project, 'extend-exclude = ["legacy"]')
    legacy = flawed(project / "legacy")
    walked = runner.invoke(main, ["check", str(project)])
    assert walked.exit_code == 1
    assert paths_found(walked.stdout) == {str(project / "models.py")}
    # named on the command line: checked all the same (ruff's meaning), the file or its directory
    for named in (legacy, legacy.parent):
        result = runner.invoke(main, ["check", str(named)])
        assert result.exit_code == 1, named
        assert paths_found(result.stdout) == {str(legacy)}
        assert codes(result.stdout) == ALL_FOUND
    # with --force-exclude (pre-commit names every file), not even then
    for named in (legacy, legacy.parent):
        forced = runner.invoke(main, ["check", "--force-exclude", str(named)])
        assert forced.exit_code == 0, named
        assert findings(forced.stdout) == []
        assert "No Python files checked." in forced.stdout
    # nor with force-exclude in the file; the other files named are checked
    configure(project, 'extend-exclude = ["legacy"]\nforce-exclude = true')
    both = runner.invoke(main, ["check", str(legacy), str(project / "models.py")])
    assert paths_found(both.stdout) == {str(project / "models.py")}
    # and `fix --force-exclude` leaves the excluded file alone
    runner.invoke(main, ["fix", str(legacy), str(project / "models.py")])
    assert legacy.read_text() == FLAWED
    assert "index=True" in (project / "models.py").read_text()


def test_exclude_inside_a_named_directory_still_applies(runner, project):
    """Naming `legacy` lifts the pattern that excludes `legacy` itself, not the others below it."""
    configure(project, 'extend-exclude = ["legacy", "old_*.py"]')
    flawed(project / "legacy")
    flawed(project / "legacy", "old_models.py")
    flawed(project / "legacy" / "build")  # `build` is in the default exclude
    result = runner.invoke(main, ["check", str(project / "legacy")])
    assert paths_found(result.stdout) == {str(project / "legacy" / "models.py")}


def test_exclude_replaces_the_defaults(runner, project):
    flawed(project / "build")
    flawed(project / "legacy")
    default = runner.invoke(main, ["check", str(project)])
    assert paths_found(default.stdout) == {str(project / "models.py"), str(project / "legacy" / "models.py")}
    configure(project, 'exclude = ["legacy"]')
    replaced = runner.invoke(main, ["check", str(project)])
    assert paths_found(replaced.stdout) == {str(project / "models.py"), str(project / "build" / "models.py")}
    configure(project, "")
    on_the_command_line = runner.invoke(main, ["check", "--exclude", "legacy", str(project)])
    assert paths_found(on_the_command_line.stdout) == paths_found(replaced.stdout)
    extended = runner.invoke(main, ["check", "--extend-exclude", "legacy", str(project)])
    assert paths_found(extended.stdout) == {str(project / "models.py")}


def test_per_file_ignores_in_pyproject(runner, project):
    configure(project, 'per-file-ignores = {"tests/*" = ["SQF005"], "models.py" = ["SQF001"]}')
    flawed(project / "tests", "test_models.py")
    result = runner.invoke(main, ["check", str(project)])
    assert result.stderr == ""
    assert codes(result.stdout, str(project / "models.py")) == ["SQF003", "SQF004", "SQF005", "SQF005"]
    assert codes(result.stdout, str(project / "tests" / "test_models.py")) == ["SQF001", "SQF003", "SQF004"]
    # a name no file has ignores nothing
    configure(project, 'per-file-ignores = {"other.py" = ["SQF001"]}')
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert codes(result.stdout) == ALL_FOUND


def test_per_file_ignores_on_the_command_line(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    configure(project, 'per-file-ignores = {"tests/*" = ["SQF005"]}')
    flawed(project / "tests", "test_models.py")
    result = runner.invoke(main, ["check", "--per-file-ignores", "models.py:SQF001", "."])
    assert result.stderr == ""
    assert codes(result.stdout, "models.py") == ["SQF003", "SQF004", "SQF005", "SQF005"]
    # ruff's meaning: the command line's per-file-ignores replace the file's (tests/* keeps its SQF005)
    assert codes(result.stdout, "tests/test_models.py") == ALL_FOUND
    extended = runner.invoke(main, ["check", "--extend-per-file-ignores", "models.py:SQF001", "."])
    assert codes(extended.stdout, "models.py") == ["SQF003", "SQF004", "SQF005", "SQF005"]
    assert codes(extended.stdout, "tests/test_models.py") == ["SQF001", "SQF003", "SQF004"]
    bad = runner.invoke(main, ["check", "--per-file-ignores", "models.py", "."])
    assert_one_line_error(bad, "--per-file-ignores: expected PATTERN:CODES", "'models.py'")


def test_gitignore(runner, project):
    flawed(project / "generated")
    flawed(project / "keep", "a.py")
    flawed(project / "keep", "b.py")
    (project / ".gitignore").write_text("generated/\nkeep/*\n!keep/b.py\n")
    everything = {str(project / "models.py"), str(project / "generated" / "models.py"),
                  str(project / "keep" / "a.py"), str(project / "keep" / "b.py")}
    outside_git = runner.invoke(main, ["check", str(project)])
    assert paths_found(outside_git.stdout) == everything  # no work tree: no .gitignore
    (project / ".git").mkdir()
    respected = runner.invoke(main, ["check", str(project)])
    assert respected.exit_code == 1
    # `keep/` itself is not ignored (only what is in it), so its `!keep/b.py` brings b.py back
    assert paths_found(respected.stdout) == {str(project / "models.py"), str(project / "keep" / "b.py")}
    not_respected = runner.invoke(main, ["check", "--no-respect-gitignore", str(project)])
    assert paths_found(not_respected.stdout) == everything
    configure(project, "respect-gitignore = false")
    assert paths_found(runner.invoke(main, ["check", str(project)]).stdout) == everything
    overridden = runner.invoke(main, ["check", "--respect-gitignore", str(project)])
    assert paths_found(overridden.stdout) == paths_found(respected.stdout)
    # as ruff: a directory git ignores, named on the command line, is checked (unless --force-exclude)
    named = runner.invoke(main, ["check", "--respect-gitignore", str(project / "generated")])
    assert paths_found(named.stdout) == {str(project / "generated" / "models.py")}


def test_gitignore_of_a_subdirectory_and_a_negation_of_an_ignored_directory(runner, project):
    """A deeper .gitignore has the last word; a file below an ignored directory cannot be brought back."""
    (project / ".git").mkdir()
    flawed(project / "app", "a.py")
    flawed(project / "app", "b.py")
    flawed(project / "out")
    (project / ".gitignore").write_text("*.py\n!models.py\nout/\n!out/models.py\n")
    (project / "app" / ".gitignore").write_text("!b.py\n")
    result = runner.invoke(main, ["check", str(project)])
    assert paths_found(result.stdout) == {str(project / "models.py"), str(project / "app" / "b.py")}


# -- 4. the default path ---------------------------------------------------------------------------------------
def test_no_path_checks_the_current_directory(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert paths_found(result.stdout) == {"models.py"}
    assert codes(result.stdout) == ALL_FOUND
    assert "Found 5 findings in 1 file" in result.stdout
    fixed = runner.invoke(main, ["fix"])
    assert "index=True" in (project / "models.py").read_text()
    assert "models.py: fixed 2 findings (SQF001, SQF003)" in fixed.stdout


# -- 5. stdin -------------------------------------------------------------------------------------------------
def test_check_stdin_in_a_project(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "-", "--stdin-filename", "models.py"], input=FLAWED)
    assert result.exit_code == 1
    assert paths_found(result.stdout) == {"models.py"}
    assert codes(result.stdout) == ALL_FOUND
    # stdin stands in for the file: what it says is checked, not what is on disk
    (project / "models.py").write_text(CLEAN)
    again = runner.invoke(main, ["check", "-", "--stdin-filename", "models.py"], input=FLAWED)
    assert codes(again.stdout) == ALL_FOUND
    # --stdin-filename alone reads stdin too, and the file's per-file-ignores apply to it
    configure(project, 'per-file-ignores = {"models.py" = ["SQF005"]}')
    alone = runner.invoke(main, ["check", "--stdin-filename", "models.py"], input=FLAWED)
    assert codes(alone.stdout) == ["SQF001", "SQF003", "SQF004"]


def test_check_stdin_outside_a_project(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check", "-", "--stdin-filename", "models.py"], input=FLAWED)
    assert result.exit_code == 1
    assert paths_found(result.stdout) == {"models.py"}
    assert codes(result.stdout) == ALL_FOUND
    unnamed = runner.invoke(main, ["check", "-"], input=FLAWED)
    assert paths_found(unnamed.stdout) == {"-"}
    assert codes(unnamed.stdout) == ALL_FOUND


def assert_fixed_source(text: str) -> None:
    ast.parse(text)
    assert 'post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)' in text
    assert "body: Mapped[str] = mapped_column(Text)" in text
    assert "from sqlalchemy import ForeignKey, String, Text\n" in text


def test_fix_stdin_writes_the_fixed_source_to_stdout(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["fix", "-", "--stdin-filename", "models.py"], input=FLAWED)
    assert result.exit_code == 1  # the unsafe fixes remain
    assert_fixed_source(result.stdout)
    assert "cascade" not in result.stdout and "created_at" not in result.stdout  # unsafe: not applied
    assert findings(result.stdout) == [] and "Fixed" not in result.stdout
    # the findings and the talk on stderr
    assert codes(result.stderr) == ["SQF004", "SQF005", "SQF005"]
    assert "models.py: fixed 2 findings (SQF001, SQF003)" in result.stderr
    assert "Fixed 2 findings in 1 file; 3 remaining" in result.stderr
    assert (project / "models.py").read_text() == FLAWED  # the file named is not written
    # the fixed source is fixed: as stdin again, it needs nothing more of the safe rules
    again = runner.invoke(main, ["fix", "-", "--stdin-filename", "models.py", "--select", "SQF001,SQF003"],
                          input=result.stdout)
    assert again.exit_code == 0
    assert again.stdout == result.stdout


def test_fix_stdin_with_unsafe_fixes_and_nothing_remaining(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["fix", "-", "--stdin-filename", "models.py", "--unsafe-fixes"], input=FLAWED)
    assert result.exit_code == 0, result.stderr
    ast.parse(result.stdout)
    assert 'cascade="all, delete-orphan"' in result.stdout and "index=True" in result.stdout
    assert findings(result.stderr) == []
    assert "0 remaining" in result.stderr


def test_fix_diff_stdin(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["fix", "--diff", "-", "--stdin-filename", "models.py"], input=FLAWED)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- models.py\n+++ models.py\n@@")
    assert '+    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)\n' in result.stdout
    assert '-    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))\n' in result.stdout
    assert "Would fix 2 findings in 1 file" in result.stderr
    assert (project / "models.py").read_text() == FLAWED


@pytest.mark.parametrize("name", [None, "plain.py"])
def test_fix_stdin_without_sqlalchemy_is_echoed_unchanged(runner, project, monkeypatch, name):
    monkeypatch.chdir(project)
    source = b"# a Column of my own\r\nclass Column:\r\n    pass\r\n\r\nx = Column()  \r\n"
    named = ["--stdin-filename", name] if name else []
    result = runner.invoke(main, ["fix", "-", *named], input=source)
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == source
    checked = runner.invoke(main, ["check", "-", *named], input=source)
    assert checked.exit_code == 0
    assert checked.stdout == "All checks passed.\n"


@pytest.mark.parametrize("name", ["legacy/models.py", "legacy/new.py"])  # on disk, and not (an editor's new file)
def test_stdin_filename_excluded_with_force_exclude(runner, project, monkeypatch, name):
    """As ruff: with --force-exclude a source whose name is excluded is not checked, and `fix -` gives it back
    unchanged (an editor replaces its buffer with what comes out)."""
    monkeypatch.chdir(project)
    configure(project, 'extend-exclude = ["legacy"]')
    flawed(project / "legacy")
    fixed = runner.invoke(main, ["fix", "--force-exclude", "-", "--stdin-filename", name], input=FLAWED)
    assert fixed.exit_code == 0, fixed.stderr
    assert fixed.stdout == FLAWED
    assert "Traceback" not in fixed.stderr and findings(fixed.stderr) == []
    checked = runner.invoke(main, ["check", "--force-exclude", "-", "--stdin-filename", name], input=FLAWED)
    assert checked.exit_code == 0 and findings(checked.stdout) == []
    # without --force-exclude the name given is checked, as a file named on the command line is
    unforced = runner.invoke(main, ["check", "-", "--stdin-filename", name], input=FLAWED)
    assert unforced.exit_code == 1 and paths_found(unforced.stdout) == {name}
    unforced_fix = runner.invoke(main, ["fix", "-", "--stdin-filename", name], input=FLAWED)
    assert "index=True" in unforced_fix.stdout
    assert (project / "legacy" / "models.py").read_text() == FLAWED


def test_stdin_as_a_real_process(project):
    check = sqla_fix("check", "-", "--stdin-filename", "models.py", cwd=project, input=FLAWED)
    assert check.returncode == 1, check.stderr
    assert paths_found(check.stdout) == {"models.py"}
    assert codes(check.stdout) == ALL_FOUND
    fix = sqla_fix("fix", "-", "--stdin-filename", "models.py", cwd=project, input=FLAWED)
    assert fix.returncode == 1, fix.stderr
    assert_fixed_source(fix.stdout)
    assert codes(fix.stderr) == ["SQF004", "SQF005", "SQF005"]
    assert (project / "models.py").read_text() == FLAWED
    plain = "import os\n\nprint(os.sep)\n"
    echoed = sqla_fix("fix", "-", cwd=project, input=plain)
    assert echoed.returncode == 0 and echoed.stdout == plain
    diff = sqla_fix("fix", "--diff", "-", "--stdin-filename", "models.py", cwd=project, input=FLAWED)
    assert diff.returncode == 1 and diff.stdout.startswith("--- models.py\n+++ models.py\n")


# -- 6. exit codes -----------------------------------------------------------------------------------------------
def test_exit_zero(runner, project):
    result = runner.invoke(main, ["check", "--exit-zero", str(project / "models.py")])
    assert result.exit_code == 0
    assert codes(result.stdout) == ALL_FOUND
    short = runner.invoke(main, ["check", "-e", str(project / "models.py")])
    assert short.exit_code == 0 and codes(short.stdout) == ALL_FOUND


def test_exit_non_zero_on_fix(runner, project):
    path = project / "models.py"
    selected = ["--select", "SQF001,SQF003"]  # FLAWED's safe fixes: nothing remains after them
    result = runner.invoke(main, ["fix", "--exit-non-zero-on-fix", *selected, str(path)])
    assert result.exit_code == 1
    assert "Fixed 2 findings in 1 file; 0 remaining." in result.stdout
    assert "index=True" in path.read_text()
    again = runner.invoke(main, ["fix", "--exit-non-zero-on-fix", *selected, str(path)])
    assert again.exit_code == 0  # nothing fixed this time
    assert "Fixed 0 findings in 0 files; 0 remaining." in again.stdout
    path.write_text(FLAWED)
    without = runner.invoke(main, ["fix", *selected, str(path)])
    assert without.exit_code == 0  # fixed, and nothing remains
    assert "index=True" in path.read_text()


def test_fix_exit_codes_with_and_without_remaining_findings(runner, project):
    path = project / "models.py"
    remaining = runner.invoke(main, ["fix", str(path)])
    assert remaining.exit_code == 1  # the unsafe fixes remain
    assert codes(remaining.stdout) == ["SQF004", "SQF005", "SQF005"]
    nothing = runner.invoke(main, ["fix", "--unsafe-fixes", str(path)])
    assert nothing.exit_code == 0
    assert findings(nothing.stdout) == []


@pytest.mark.parametrize("command", [["check"], ["fix"], ["fix", "--diff"], ["check", "--exit-zero"]])
def test_missing_path_exits_2(runner, project, command):
    missing = project / "nope.py"
    result = runner.invoke(main, [*command, str(missing), str(project / "models.py")])
    assert result.exit_code == 2
    assert f"{missing}: no such file or directory" in result.stderr


# -- 7. check --fix ----------------------------------------------------------------------------------------------
def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and ".sqla_fix_cache" not in p.parts}


@pytest.mark.parametrize("extra", [[], ["--unsafe-fixes"], ["--select", "SQF001"]])
def test_check_fix_is_fix(runner, project, tmp_path, extra, monkeypatch):
    flawed(project / "app", "more.py")
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)
    monkeypatch.chdir(project)
    checked = runner.invoke(main, ["check", "--fix", *extra, "."])
    monkeypatch.chdir(twin)
    fixed = runner.invoke(main, ["fix", *extra, "."])
    assert tree(project) == tree(twin)
    assert tree(project)["models.py"] != FLAWED.encode() and tree(project)["app/more.py"] != FLAWED.encode()
    assert (checked.exit_code, checked.stdout, checked.stderr) == (fixed.exit_code, fixed.stdout, fixed.stderr)


def test_check_fix_diff_writes_nothing(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["check", "--fix", "--diff", str(path)])
    assert result.exit_code == 1
    assert path.read_text() == FLAWED
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@")
    assert '+    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)\n' in result.stdout
    plain = runner.invoke(main, ["fix", "--diff", str(path)])
    assert (plain.stdout, plain.stderr) == (result.stdout, result.stderr)
    check_diff = runner.invoke(main, ["check", "--diff", str(path)])
    assert check_diff.stdout == result.stdout
    assert path.read_text() == FLAWED


# -- 8. what is printed, and where -------------------------------------------------------------------------------
def test_quiet(runner, project):
    result = runner.invoke(main, ["check", "--quiet", str(project / "models.py")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and len(findings(result.stdout)) == 5  # the findings, nothing else
    assert "Found" not in result.stdout
    clean = runner.invoke(main, ["check", "-q", str(project / "clean.py")])
    assert clean.exit_code == 0 and clean.stdout == ""
    fixed = runner.invoke(main, ["fix", "-q", str(project / "models.py")])
    assert fixed.exit_code == 1
    assert codes(fixed.stdout) == ["SQF004", "SQF005", "SQF005"]
    assert len(fixed.stdout.splitlines()) == 3  # no "fixed", no summary, no migration hint
    assert "index=True" in (project / "models.py").read_text()


def test_silent(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["check", "--silent", str(path)])
    assert result.exit_code == 1
    assert result.stdout == "" and result.stderr == ""
    diff = runner.invoke(main, ["fix", "--diff", "-s", str(path)])
    assert diff.exit_code == 1 and diff.stdout == "" and diff.stderr == ""
    fixed = runner.invoke(main, ["fix", "-s", str(path)])
    assert fixed.exit_code == 1 and fixed.stdout == "" and fixed.stderr == ""
    assert "index=True" in path.read_text()
    # errors still show
    missing = runner.invoke(main, ["check", "-s", str(project / "nope.py")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr


def test_output_file(runner, project):
    out = project / "out.txt"
    result = runner.invoke(main, ["check", "--output-file", str(out), str(project / "models.py")])
    assert result.exit_code == 1
    assert result.stdout == ""
    report = out.read_text()
    assert codes(report) == ALL_FOUND
    assert "Found 5 findings in 1 file" in report
    as_json = runner.invoke(main, ["check", "-o", str(out), "--output-format", "json", str(project / "models.py")])
    assert as_json.stdout == ""
    assert sorted(item["code"] for item in json.loads(out.read_text())) == ALL_FOUND
    diff = runner.invoke(main, ["fix", "--diff", "-o", str(out), str(project / "models.py")])
    assert diff.exit_code == 1 and diff.stdout == ""
    assert out.read_text().startswith(f"--- {project / 'models.py'}\n")
    assert (project / "models.py").read_text() == FLAWED


def test_statistics(runner, project):
    result = runner.invoke(main, ["check", "--statistics", str(project / "models.py")])
    assert result.exit_code == 1
    assert findings(result.stdout) == []  # counted, not listed
    rows = [line.split("\t") for line in result.stdout.splitlines() if line.count("\t") == 2]
    assert [(count, code) for count, code, _ in rows] == [
        ("2", "SQF005"), ("1", "SQF001"), ("1", "SQF003"), ("1", "SQF004")]
    assert {code: name for _, code, name in rows}["SQF001"] == "[*] foreign-key-without-index"
    assert {code: name for _, code, name in rows}["SQF004"] == "[ ] parent-relationship-without-cascade"
    as_json = runner.invoke(main, ["check", "--statistics", "--output-format", "json", str(project / "models.py")])
    counted = {item["code"]: item["count"] for item in json.loads(as_json.stdout)}
    assert counted == {"SQF005": 2, "SQF001": 1, "SQF003": 1, "SQF004": 1}


def test_show_fixes(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["fix", "--show-fixes", str(path)])
    assert result.exit_code == 1
    assert f"{path}: fixed 2 findings (SQF001, SQF003)" in result.stdout
    listed = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(listed) == 2
    assert listed[0].startswith("  18:5 SQF003 [safe fix] Prose column `Comment.body` is String(50)")
    assert listed[1].startswith("  19:5 SQF001 [safe fix] Foreign key `Comment.post_id` has no index")
    path.write_text(FLAWED)
    without = runner.invoke(main, ["fix", str(path)])
    assert not [line for line in without.stdout.splitlines() if line.startswith("  ")]
    path.write_text(FLAWED)
    checked = runner.invoke(main, ["check", "--show-fixes", str(path)])
    assert "By rule (fixable):" in checked.stdout
    assert "  SQF001 foreign-key-without-index: 1 safe fix, 0 unsafe, 0 reported only" in checked.stdout
    assert "  SQF005 entity-without-timestamps: 0 safe fixes, 2 unsafe, 0 reported only" in checked.stdout


# -- 9. every output format --------------------------------------------------------------------------------------
def parsed_codes(fmt: str, text: str, path: Path) -> list[str]:
    """The codes of a report in `fmt`, each format parsed as what reads it would."""
    if fmt == "concise":
        return codes(text)
    if fmt == "full":
        assert text.count("= docs: https://") == 5 and text.count("= fix: ") == 5
        assert "19 |     post_id: Mapped[int] = mapped_column(ForeignKey(\"posts.id\"))" in text
        return codes(text)
    if fmt in ("json", "gitlab"):
        items = json.loads(text)
        key = "code" if fmt == "json" else "check_name"
        if fmt == "gitlab":
            assert len({item["fingerprint"] for item in items}) == len(items)
            assert {item["location"]["path"] for item in items} == {"models.py"}
        return sorted(item[key] for item in items)
    if fmt == "json-lines":
        return sorted(json.loads(line)["code"] for line in text.splitlines())
    if fmt == "grouped":
        lines = text.splitlines()
        assert lines[0] == f"{path}:"
        return sorted(re.match(r"^ +\d+:\d+ +(SQF\d{3}) \[", line)[1] for line in lines[1:] if line)
    if fmt == "github":
        return sorted(re.match(rf"^::error title=sqla-fix \((SQF\d{{3}})\),file={re.escape(str(path))},line=\d+,", line)[1]
                      for line in text.splitlines())
    if fmt == "pylint":
        return sorted(re.match(rf"^{re.escape(str(path))}:\d+: \[(SQF\d{{3}})\] ", line)[1]
                      for line in text.splitlines())
    if fmt == "junit":
        root = ET.fromstring(text)
        assert root.tag == "testsuites" and root.get("tests") == "5" and root.get("failures") == "5"
        cases = root.findall("./testsuite/testcase")
        assert all(case.find("failure") is not None for case in cases)
        return sorted(case.get("name").removeprefix("org.sqla_fix.") for case in cases)
    if fmt == "sarif":
        return sorted(result["ruleId"] for result in json.loads(text)["runs"][0]["results"])
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_output_format_parses(runner, project, monkeypatch, fmt):
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "--output-format", fmt, "models.py"])
    assert result.exit_code == 1
    assert result.stderr == ""
    report = result.stdout
    if fmt in ("concise", "full", "grouped", "pylint"):  # for people: a summary follows
        report, summary = report.rstrip("\n").rsplit("\n", 1)
        assert summary.startswith("Found 5 findings in 1 file (2 fixable with `sqla-fix fix`")
    # a machine's format is all the output has: the whole of it parses (no summary line after it)
    assert parsed_codes(fmt, report, Path("models.py")) == ALL_FOUND
    clean = runner.invoke(main, ["check", "--output-format", fmt, "clean.py"])
    assert clean.exit_code == 0
    if fmt in ("json", "gitlab"):
        assert json.loads(clean.stdout) == []
    elif fmt == "sarif":
        assert json.loads(clean.stdout)["runs"][0]["results"] == []
    elif fmt == "junit":
        assert ET.fromstring(clean.stdout).find("./testsuite/testcase").get("name") == "No errors found"
    elif fmt in ("concise", "full", "grouped", "pylint"):
        assert clean.stdout == "All checks passed.\n"
    else:
        assert clean.stdout == ""


def apply_edits(text: str, edits: list[dict]) -> str:
    """`edits` (rows and columns from 1, the end exclusive) applied to `text`, as an editor would."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(location: dict) -> int:
        return starts[location["row"] - 1] + location["column"] - 1

    spans = sorted(((offset(e["location"]), offset(e["end_location"]), e["content"]) for e in edits), reverse=True)
    for start, end, content in spans:
        assert start <= end
        text = text[:start] + content + text[end:]
    return text


@pytest.mark.parametrize("fmt", ["json", "json-lines"])
def test_json_objects_and_their_edits(runner, project, tmp_path, fmt):
    path = project / "models.py"
    result = runner.invoke(main, ["check", "--output-format", fmt, str(path)])
    items = json.loads(result.stdout) if fmt == "json" else [json.loads(line) for line in result.stdout.splitlines()]
    assert len(items) == 5
    for item in items:
        assert item["url"] == f"https://github.com/sqla-fix/sqla-fix/blob/main/docs/rules/{item['code']}.md"
        assert set(item["end_location"]) == {"row", "column"}
        assert (item["end_location"]["row"], item["end_location"]["column"]) >= (
            item["location"]["row"], item["location"]["column"])
        assert item["fix"]["applicability"] in ("safe", "unsafe")
        assert item["fix"]["edits"], item["code"]
    by_code = {item["code"]: item for item in items}
    assert by_code["SQF001"]["fix"]["applicability"] == "safe"
    assert by_code["SQF004"]["fix"]["applicability"] == "unsafe"
    # SQF001's own edits, applied to the original, give the file `fix --select SQF001` writes
    only = runner.invoke(main, ["check", "--select", "SQF001", "--output-format", fmt, str(path)])
    [item] = json.loads(only.stdout) if fmt == "json" else [json.loads(line) for line in only.stdout.splitlines()]
    assert item["fix"]["edits"]
    expected = apply_edits(FLAWED, item["fix"]["edits"])
    assert expected != FLAWED
    runner.invoke(main, ["fix", "--select", "SQF001", str(path)])
    assert path.read_text() == expected
    # and so for SQF003 (a replacement and an import)
    path.write_text(FLAWED)
    prose = runner.invoke(main, ["check", "--select", "SQF003", "--output-format", fmt, str(path)])
    [item] = json.loads(prose.stdout) if fmt == "json" else [json.loads(line) for line in prose.stdout.splitlines()]
    expected = apply_edits(FLAWED, item["fix"]["edits"])
    runner.invoke(main, ["fix", "--select", "SQF003", str(path)])
    assert path.read_text() == expected and "mapped_column(Text)" in expected


def test_sarif_validates_against_the_schema(runner, project):
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    result = runner.invoke(main, ["check", "--output-format", "sarif", str(project / "models.py")])
    sarif = json.loads(result.stdout)
    validator.validate(sarif)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == CODES
    assert sorted(r["ruleId"] for r in run["results"]) == ALL_FOUND
    assert all(r["fixes"][0]["artifactChanges"][0]["replacements"] for r in run["results"])
    clean = runner.invoke(main, ["check", "--output-format", "sarif", str(project / "clean.py")])
    validator.validate(json.loads(clean.stdout))
    # and the validator does reject what is not SARIF
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**sarif, "version": "2.0.0"})


# -- 10. the diff: on a real terminal, colour, and what it leaves out -------------------------------------------------
# The fix of SQF003 adds `, Text` to the first line, which grows past 80 columns (83).
WIDE_IMPORT = "from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String\n"
WIDE = FLAWED.replace("from sqlalchemy import ForeignKey, String\n", WIDE_IMPORT)
WIDE_FIXED_IMPORT = "+from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text\n"
DIFF_ARGUMENTS = ["fix", "--diff", "--select", "SQF001,SQF003", "wide.py"]


def terminal_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "CI")}
    env.update({"COLUMNS": "80", "LINES": "24", "TERM": "xterm-256color", **extra})
    return env


def run_on_terminal(arguments: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """`python -m sqla_fix` with stdout and stderr each on a pseudo-terminal of 80 columns: its exit code and
    all that it wrote to each (the terminal's \\r\\n read back as \\n)."""
    masters, slaves = [], []
    for _ in range(2):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        masters.append(master)
        slaves.append(slave)
    process = subprocess.Popen([sys.executable, "-m", "sqla_fix", *arguments], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=slaves[0], stderr=slaves[1], close_fds=True)
    for slave in slaves:
        os.close(slave)
    output = {master: bytearray() for master in masters}
    selector = selectors.DefaultSelector()
    for master in masters:
        selector.register(master, selectors.EVENT_READ)
    open_masters = set(masters)
    while open_masters:
        for key, _ in selector.select(timeout=300):
            try:
                data = os.read(key.fd, 65536)
            except OSError:  # EIO: the process has closed its end
                data = b""
            if data:
                output[key.fd] += data
            else:
                selector.unregister(key.fd)
                open_masters.discard(key.fd)
    returncode = process.wait(timeout=300)
    for master in masters:
        os.close(master)
    stdout, stderr = (bytes(output[m]).decode().replace("\r\n", "\n") for m in masters)
    return returncode, stdout, stderr


def run_piped(arguments: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    process = sqla_fix(*arguments, cwd=cwd, env=env)
    return process.returncode, process.stdout, process.stderr


@pytest.fixture
def wide(project: Path) -> Path:
    (project / "wide.py").write_text(WIDE)
    return project


def test_diff_on_a_terminal_is_never_cut_and_applies(wide, tmp_path):
    assert len(WIDE_FIXED_IMPORT.rstrip("\n")) - 1 > 80
    returncode, raw, stderr = run_on_terminal(DIFF_ARGUMENTS, wide, terminal_env())
    assert returncode == 1, stderr
    assert ANSI.search(raw), "a terminal gets colour"
    diff = ANSI.sub("", raw)
    assert diff.startswith("--- wide.py\n+++ wide.py\n@@")
    assert WIDE_FIXED_IMPORT in diff  # whole: not cut at 80 columns, nor wrapped with a newline
    assert "-" + WIDE_IMPORT in diff
    assert '+    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)\n' in diff
    assert "Would fix 2 findings in 1 file" in ANSI.sub("", stderr)
    assert (wide / "wide.py").read_text() == WIDE  # --diff writes nothing
    # the diff applies to a copy of the original, giving exactly what `fix` writes
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "wide.py").write_text(WIDE)
    (tmp_path / "fix.diff").write_text(diff)
    patched = subprocess.run(["patch", "-p0", "--forward", "--input", str(tmp_path / "fix.diff")], cwd=copy,
                             capture_output=True, text=True, check=False)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    fixed = sqla_fix(*[a for a in DIFF_ARGUMENTS if a != "--diff"], cwd=wide)
    assert fixed.returncode == 0, fixed.stderr
    assert (copy / "wide.py").read_text() == (wide / "wide.py").read_text()
    assert WIDE_FIXED_IMPORT[1:] in (wide / "wide.py").read_text()


def test_diff_of_a_wrapped_line_on_a_terminal(project, tmp_path):
    """At line-length 100 the fixed column line (96 characters) is one line; on a terminal too."""
    (project / "models.py").write_text(LONG_KEY)
    arguments = ["fix", "--diff", "--select", "SQF001", "--line-length", "100", "models.py"]
    returncode, raw, _ = run_on_terminal(arguments, project, terminal_env())
    assert returncode == 1
    diff = ANSI.sub("", raw)
    assert f"+{LONG_KEY_FIXED}" in diff
    (tmp_path / "fix.diff").write_text(diff)
    patched = subprocess.run(["patch", "-p0", "--input", str(tmp_path / "fix.diff")], cwd=project,
                             capture_output=True, text=True, check=False)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    assert (project / "models.py").read_text() == LONG_KEY.replace(
        '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), comment="the post")\n', LONG_KEY_FIXED)


@pytest.mark.parametrize(
    ("where", "options", "env", "coloured"),
    [
        ("terminal", [], {}, True),
        ("terminal", [], {"NO_COLOR": "1"}, False),
        ("terminal", [], {"TERM": "dumb"}, False),
        ("terminal", ["--color", "never"], {}, False),
        ("terminal", ["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ("pipe", [], {}, False),
        ("pipe", ["--color", "always"], {}, True),
        ("pipe", ["--color", "always"], {"NO_COLOR": "1"}, True),
        ("pipe", [], {"FORCE_COLOR": "1"}, True),
    ],
)
def test_diff_colour(wide, where, options, env, coloured):
    run = run_on_terminal if where == "terminal" else run_piped
    returncode, raw, _ = run([*DIFF_ARGUMENTS, *options], wide, terminal_env(**env))
    assert returncode == 1
    assert bool(ANSI.search(raw)) is coloured, repr(raw[:200])
    if coloured:
        assert "\x1b[32m" + WIDE_FIXED_IMPORT.rstrip("\n") + "\x1b[0m" in raw  # the whole line, green
    # the colour is all that differs: strip it and it is the plain diff
    _, plain, _ = run_piped([*DIFF_ARGUMENTS, "--color", "never"], wide, terminal_env())
    assert ANSI.sub("", raw) == plain
    assert plain.startswith("--- wide.py\n") and WIDE_FIXED_IMPORT in plain


def test_diff_summarises_what_it_does_not_fix(runner, project):
    result = runner.invoke(main, ["fix", "--diff", str(project / "models.py")])
    assert result.exit_code == 1
    assert result.stdout.startswith("--- ")
    lines = result.stderr.splitlines()
    start = lines.index("Not fixed: 3 findings (`sqla-fix check` lists them):")
    grouped = lines[start + 1:]
    assert grouped == [
        ("  SQF004 parent-relationship-without-cascade: 1 with an unsafe fix (applied with `--unsafe-fixes`)"
         " (`sqla-fix rule SQF004`)"),
        ("  SQF005 entity-without-timestamps: 2 with an unsafe fix (applied with `--unsafe-fixes`)"
         " (`sqla-fix rule SQF005`)"),
    ]
    assert "Not fixed" not in result.stdout
    # a finding without a certain fix is named as such
    (project / "tree.py").write_text(
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base()\n"
        "class Node(Base):  # noqa: SQF005\n"
        "    __tablename__ = 'nodes'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    parent_id = Column(Integer, ForeignKey('nodes.id'))\n"
    )
    tree_diff = runner.invoke(main, ["fix", "--diff", str(project / "tree.py")])
    assert "Not fixed: 1 finding" in tree_diff.stderr
    assert ("  SQF002 required-foreign-key-nullable: 1 without a certain fix: decide in the code or "
            "`# noqa: SQF002`") in tree_diff.stderr
    # with every fix applied, nothing is left to summarise
    everything = runner.invoke(main, ["fix", "--diff", "--unsafe-fixes", str(project / "models.py")])
    assert everything.exit_code == 1 and "Not fixed" not in everything.stderr


# -- 11. the migration hint ----------------------------------------------------------------------------------------
def test_orm_only_fix_asks_for_no_migration(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["fix", "--unsafe-fixes", "--select", "SQF004", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: fixed 1 finding (SQF004)" in result.stdout
    assert 'cascade="all, delete-orphan"' in path.read_text()
    assert MIGRATION_HINT not in result.output and "schema" not in result.output
    path.write_text(FLAWED)
    diff = runner.invoke(main, ["fix", "--diff", "--unsafe-fixes", "--select", "SQF004", str(path)])
    assert "Would fix 1 finding in 1 file." in diff.stderr and "schema" not in diff.stderr


def test_schema_fix_asks_for_a_migration_naming_the_table(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["fix", "--select", "SQF001", str(path)])
    assert result.exit_code == 0, result.output
    [hint] = [line for line in result.stdout.splitlines() if MIGRATION_HINT in line]
    assert hint == ("The fixes changed the schema of 1 table (comments): generate and review a migration "
                    "(alembic revision --autogenerate).")
    path.write_text(FLAWED)
    both = runner.invoke(main, ["fix", "--unsafe-fixes", str(path)])
    [hint] = [line for line in both.stdout.splitlines() if MIGRATION_HINT in line]
    assert "2 tables" in hint and "comments" in hint and "posts" in hint


# -- 12. a file that is not Python -----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "fix"])
def test_non_python_file_named_is_a_warning(runner, project, command):
    notes = project / "notes.txt"
    notes.write_text("import sqlalchemy\n")
    result = runner.invoke(main, [command, str(notes)])
    assert result.exit_code == 0
    assert f"warning: {notes}: not a Python file" in result.stderr
    assert "All checks passed." not in result.output
    assert notes.read_text() == "import sqlalchemy\n"
    with_python = runner.invoke(main, [command, str(notes), str(project / "clean.py")])
    assert with_python.exit_code == 0
    assert f"warning: {notes}: not a Python file" in with_python.stderr


# -- 13. rules and rule -----------------------------------------------------------------------------------------------
def test_rules_as_json(runner):
    result = runner.invoke(main, ["rules", "--output-format", "json"])
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    assert [rule["code"] for rule in rules] == CODES
    assert [rule["name"] for rule in rules] == NAMES
    for rule in rules:
        assert rule["fix_safety"] and isinstance(rule["fix_safety"], str)
        assert rule["url"] == f"https://github.com/sqla-fix/sqla-fix/blob/main/docs/rules/{rule['code']}.md"
        assert rule["summary"] and rule["explanation"]


def test_rule_all_and_by_name(runner):
    every = runner.invoke(main, ["rule", "--all"])
    assert every.exit_code == 0
    singles = []
    for rule in RULES:
        one = runner.invoke(main, ["rule", rule.code])
        assert one.exit_code == 0
        assert one.stdout.startswith(f"{rule.code} {rule.name}: ")
        singles.append(one.stdout.rstrip("\n"))
        by_name = runner.invoke(main, ["rule", rule.name])
        assert by_name.exit_code == 0 and by_name.stdout == one.stdout
    assert every.stdout.rstrip("\n") == "\n\n".join(singles)
    assert runner.invoke(main, ["rule", "foreign-key-without-index"]).stdout == runner.invoke(
        main, ["rule", "SQF001"]).stdout
    as_json = runner.invoke(main, ["rule", "foreign-key-without-index", "--output-format", "json"])
    assert json.loads(as_json.stdout)["code"] == "SQF001"
    all_json = runner.invoke(main, ["rule", "--all", "--output-format", "json"])
    assert [rule["code"] for rule in json.loads(all_json.stdout)] == CODES


def test_unknown_rule_exits_2(runner):
    result = runner.invoke(main, ["rule", "SQF999"])
    line = assert_one_line_error(result, "unknown rule 'SQF999'")
    for rule in RULES:
        assert f"{rule.code} ({rule.name})" in line
    neither = runner.invoke(main, ["rule"])
    assert neither.exit_code == 2 and "give a rule" in neither.stderr
    both = runner.invoke(main, ["rule", "SQF001", "--all"])
    assert both.exit_code == 2 and "give a rule" in both.stderr
