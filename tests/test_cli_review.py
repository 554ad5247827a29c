"""The command line's fixes after a review, one test (or a few) for each: the diff applies to files of any
encoding and line ending, a fix that edits two files, the edits of the findings `fix` leaves, configurations
and globs with ruff's meaning, stdin, and the errors of the options that cannot hold together.

Through click's runner (stdout and stderr apart) and, where `patch` or a real process matters, subprocesses."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import FLAWED, findings
from test_cli_options import (
    ALL_FOUND,
    apply_edits,
    assert_one_line_error,
    codes,
    configure,
    flawed,
    paths_found,
)

from sqla_fix.cli import main


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# -- 1. the diff applies with `patch -p0`, whatever the file's encoding and line endings ----------------------------
BODY_LINE = "    body: Mapped[str] = mapped_column(String(50))\n"
KEY_LINE = '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))\n'
DIFF_CASES = {
    "utf-8-bom": b"\xef\xbb\xbf" + FLAWED.encode(),
    "latin-1-cookie": ("# -*- coding: latin-1 -*-\n"
                       + FLAWED.replace(KEY_LINE, "    # café au lait\n" + KEY_LINE)).encode("latin-1"),
    "u2028-and-form-feed-in-a-comment": FLAWED.replace(BODY_LINE, "    # one\u2028two\x0cthree\n" + BODY_LINE).encode(),
    "form-feed-line": FLAWED.replace(BODY_LINE, "\x0c\n" + BODY_LINE).encode(),
    "crlf": FLAWED.replace("\n", "\r\n").encode(),
}


@pytest.mark.parametrize("case", list(DIFF_CASES))
def test_diff_applies_with_patch_and_gives_what_fix_writes(runner, project, tmp_path, monkeypatch, case):
    original = DIFF_CASES[case]
    (project / "m.py").write_bytes(original)
    monkeypatch.chdir(project)
    diff = runner.invoke(main, ["fix", "--diff", "m.py"])
    assert diff.exit_code == 1, diff.stderr
    assert diff.stdout_bytes.startswith(b"--- m.py\n+++ m.py\n@@")
    assert "Would fix 2 findings in 1 file" in diff.stderr
    assert (project / "m.py").read_bytes() == original  # --diff writes nothing
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "m.py").write_bytes(original)
    (tmp_path / "fix.diff").write_bytes(diff.stdout_bytes)
    patched = subprocess.run(["patch", "-p0", "--forward", "--batch", "--input", str(tmp_path / "fix.diff")],
                             cwd=copy, capture_output=True, check=False)
    assert patched.returncode == 0, (patched.stdout + patched.stderr).decode(errors="replace")
    fixed = runner.invoke(main, ["fix", "m.py"])
    assert fixed.exit_code == 1, fixed.stderr  # the unsafe fixes remain
    written = (project / "m.py").read_bytes()
    assert written != original and b"index=True" in written
    assert (copy / "m.py").read_bytes() == written
    # what the case is about survives the fix: the BOM, the latin-1 byte, the odd characters, the CRLFs
    if case == "utf-8-bom":
        assert written.startswith(b"\xef\xbb\xbf") and written.count(b"\xef\xbb\xbf") == 1
    elif case == "latin-1-cookie":
        assert b"# caf\xe9 au lait\n" in written
    elif case == "u2028-and-form-feed-in-a-comment":
        assert "    # one\u2028two\x0cthree\n".encode() in written
    elif case == "form-feed-line":
        assert b"\n\x0c\n    body: Mapped[str] = mapped_column(Text)\n" in written
    else:
        assert written.count(b"\r\n") == written.count(b"\n")


def test_diff_of_a_real_process_applies_to_every_case_at_once(project, tmp_path):
    """Through a real pipe: the diff of a directory holding every case above applies, file by file."""
    for case, original in DIFF_CASES.items():
        (project / f"{case.replace('-', '_')}.py").write_bytes(original)
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    diff = subprocess.run([sys.executable, "-m", "sqla_fix", "fix", "--diff", "."], cwd=project, capture_output=True,
                          timeout=300, check=False)
    assert diff.returncode == 1, diff.stderr.decode(errors="replace")
    assert diff.stdout.count(b"\n+++ ") == len(DIFF_CASES)
    patched = subprocess.run(["patch", "-p0", "--forward", "--batch"], input=diff.stdout, cwd=copy,
                             capture_output=True, check=False)
    assert patched.returncode == 0, (patched.stdout + patched.stderr).decode(errors="replace")
    fixed = subprocess.run([sys.executable, "-m", "sqla_fix", "fix", "."], cwd=project, capture_output=True,
                           timeout=300, check=False)
    assert fixed.returncode == 1, fixed.stderr.decode(errors="replace")
    for case, original in DIFF_CASES.items():
        name = f"{case.replace('-', '_')}.py"
        assert (project / name).read_bytes() != original
        assert (copy / name).read_bytes() == (project / name).read_bytes(), case


# -- 2. a fix that edits two files ---------------------------------------------------------------------------------
USER = '''\
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from pkg.base import Base


class User(Base):  # noqa: SQF005
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: WriteOnlyMapped["Post"] = relationship(back_populates="author")
'''
POST = '''\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pkg.base import Base


class Post(Base):  # noqa: SQF005
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author: Mapped["User"] = relationship(back_populates="posts")
'''


@pytest.fixture
def two_files(project: Path, monkeypatch) -> Path:
    """A write-only collection in pkg/user.py whose child's key is in pkg/post.py: its cascade needs
    `ondelete="CASCADE"` on that key, so SQF004's fix edits both files."""
    package = project / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text("from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n"
                                     "    pass\n")
    (package / "user.py").write_text(USER)
    (package / "post.py").write_text(POST)
    monkeypatch.chdir(project)
    return project


def test_fix_of_two_files_gives_no_edits_and_names_the_other_file(runner, two_files):
    result = runner.invoke(main, ["check", "--unsafe-fixes", "--output-format", "json", "pkg"])
    assert result.exit_code == 1, result.stderr
    [item] = json.loads(result.stdout)
    assert (item["code"], item["filename"]) == ("SQF004", "pkg/user.py")
    assert item["fix"]["applicability"] == "unsafe"
    assert item["fix"]["edits"] == []  # a part of a fix is not a fix
    assert "pkg/post.py" in item["fix"]["message"]
    assert "applied" not in item["fix"]


def test_fix_of_two_files_says_why_the_other_file_is_edited(runner, two_files):
    result = runner.invoke(main, ["fix", "--unsafe-fixes", "pkg"])
    assert result.exit_code == 0, result.stderr
    lines = lines_of(result.stdout)
    assert "pkg/post.py: edited for a fix reported in another file" in lines
    assert "pkg/user.py: fixed 1 finding (SQF004)" in lines
    assert "Fixed 1 finding in 2 files; 0 remaining." in lines
    assert 'ForeignKey("users.id", ondelete="CASCADE")' in (two_files / "pkg" / "post.py").read_text()
    user = (two_files / "pkg" / "user.py").read_text()
    assert 'cascade="all, delete-orphan"' in user and "passive_deletes=True" in user


# -- 3. the edits of what `fix` leaves are against the fixed file --------------------------------------------------
def test_fix_json_gives_the_remaining_findings_edits_of_the_fixed_file(runner, project, tmp_path, monkeypatch):
    monkeypatch.chdir(project)
    (project / "m.py").write_text(FLAWED)
    result = runner.invoke(main, ["fix", "--output-format", "json", "m.py"])
    assert result.exit_code == 1, result.stderr
    items = json.loads(result.stdout)  # the whole of stdout is the report
    assert sorted(item["code"] for item in items) == ["SQF004", "SQF005", "SQF005"]
    fixed = (project / "m.py").read_text()
    assert "index=True" in fixed and "mapped_column(Text)" in fixed
    for item in items:
        assert item["fix"]["applicability"] == "unsafe"
        assert set(item["fix"]) == {"applicability", "edits", "message"}
        assert item["fix"]["edits"], item["code"]
    [cascade] = [item for item in items if item["code"] == "SQF004"]
    expected = apply_edits(fixed, cascade["fix"]["edits"])
    ast.parse(expected)
    assert 'cascade="all, delete-orphan"' in expected
    assert "index=True" in expected and "mapped_column(Text)" in expected  # the safe fixes are kept
    # exactly what `fix --unsafe-fixes --select SQF004` writes on the fixed file
    twin = tmp_path / "twin"
    shutil.copytree(project, twin)
    monkeypatch.chdir(twin)
    unsafe = runner.invoke(main, ["fix", "--unsafe-fixes", "--select", "SQF004", "m.py"])
    assert unsafe.exit_code == 0, unsafe.stderr
    assert (twin / "m.py").read_text() == expected


# -- 4. one configuration per run: a path whose nearest is another one is warned of ---------------------------------
def test_second_paths_own_configuration_is_warned_of(runner, project, monkeypatch):
    first, second = project / "first", project / "second"
    for directory, selected in ((first, "SQF001"), (second, "SQF003")):
        flawed(directory)
        (directory / "pyproject.toml").write_text(f"[tool.sqla-fix]\nselect = [\"{selected}\"]\n")
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "first/models.py", "second/models.py"])
    assert result.exit_code == 1
    warnings = [line for line in lines_of(result.stderr) if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: second/models.py: its nearest configuration, ")
    assert str(second / "pyproject.toml") in warnings[0]
    assert str(first / "pyproject.toml") not in warnings[0]
    assert codes(result.stdout) == ["SQF001", "SQF001"]  # the first path's configuration, for both
    # paths that share one configuration: no warning
    same = runner.invoke(main, ["check", "first/models.py", "first"])
    assert "warning" not in same.stderr


# -- 5. exclude and per-file-ignores through a symlinked directory -------------------------------------------------
def test_exclude_and_per_file_ignores_through_a_symlink(runner, project, tmp_path, monkeypatch):
    configure(project, 'extend-exclude = ["legacy"]\nper-file-ignores = {"app/*" = ["SQF005"]}')
    flawed(project)
    flawed(project / "app")
    flawed(project / "legacy")
    (tmp_path / "link").symlink_to(project, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    real = runner.invoke(main, ["check", "project"])
    linked = runner.invoke(main, ["check", "link"])
    assert real.exit_code == linked.exit_code == 1
    assert paths_found(real.stdout) == {"project/models.py", "project/app/models.py"}
    assert paths_found(linked.stdout) == {"link/models.py", "link/app/models.py"}  # legacy excluded
    assert codes(linked.stdout, "link/app/models.py") == codes(real.stdout, "project/app/models.py") == [
        "SQF001", "SQF003", "SQF004"]
    assert codes(linked.stdout, "link/models.py") == ALL_FOUND
    # a file named through the link
    named = runner.invoke(main, ["check", "link/app/models.py"])
    assert codes(named.stdout) == ["SQF001", "SQF003", "SQF004"]
    forced = runner.invoke(main, ["check", "--force-exclude", "link/legacy/models.py"])
    assert forced.exit_code == 0 and findings(forced.stdout) == []
    assert "No Python files checked." in forced.stdout


# -- 6. a file whose fixes cannot be made -------------------------------------------------------------------------
@pytest.mark.skipif(sys.version_info >= (3, 14), reason="a t-string parses on Python 3.14+")
def test_file_that_cannot_be_fixed_keeps_its_findings(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    source = FLAWED + 'x = t"hi {1}"\n'
    (project / "t.py").write_text(source)
    fixed = runner.invoke(main, ["fix", "t.py"])
    assert fixed.exit_code == 2
    assert codes(fixed.stdout) == ALL_FOUND  # still listed
    assert "t.py: fixes not applied" in fixed.stderr
    assert "Fixed 0 findings in 0 files; 5 remaining" in fixed.stdout
    assert (project / "t.py").read_text() == source
    diff = runner.invoke(main, ["fix", "--diff", "t.py"])
    assert diff.exit_code == 2
    assert diff.stdout == ""
    lines = lines_of(diff.stderr)
    assert "Not fixed: 5 findings (`sqla-fix check` lists them):" in lines
    [sqf001] = [line for line in lines if line.startswith("  SQF001 ")]
    assert "1 with a safe fix that could not be made" in sqf001
    [sqf004] = [line for line in lines if line.startswith("  SQF004 ")]
    assert "1 with an unsafe fix (applied with `--unsafe-fixes`)" in sqf004


# -- 7. a `tool` that is not a table; an output file in a directory to be made -------------------------------------
def test_tool_that_is_not_a_table_is_one_line(runner, project):
    flawed(project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text('tool = "x"\n')
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert_one_line_error(result, str(pyproject), "tool", "expected a table")


def test_output_file_in_a_missing_directory_is_made(runner, project, monkeypatch):
    flawed(project)
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "--output-file", "out/d/report.txt", "models.py"])
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    report = (project / "out" / "d" / "report.txt").read_text()
    assert codes(report) == ALL_FOUND
    assert "Found 5 findings in 1 file" in report


# -- 8. .gitignore inside a directory named on the command line ----------------------------------------------------
def test_gitignore_below_a_named_directory(runner, project, monkeypatch):
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("app/sub/\n*_pb2.py\n")
    flawed(project / "app" / "sub")
    flawed(project / "app" / "sub", "gen_pb2.py")
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "app/sub"])
    assert result.exit_code == 1, result.stderr
    assert paths_found(result.stdout) == {"app/sub/models.py"}
    assert codes(result.stdout) == ALL_FOUND
    walked = runner.invoke(main, ["check", "."])  # app/sub/ itself is ignored in a walk from above
    assert walked.exit_code == 0 and findings(walked.stdout) == []


# -- 9. globs as ruff's (globset): `*` crosses `/`; the absolute path and the name ----------------------------------
def test_per_file_ignores_star_crosses_directories(runner, project, monkeypatch):
    configure(project, 'per-file-ignores = {"tests/*.py" = ["ALL"]}')
    flawed(project / "tests" / "unit", "test_models.py")
    flawed(project)
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "."])
    assert paths_found(result.stdout) == {"models.py"}
    assert codes(result.stdout, "models.py") == ALL_FOUND


def test_extend_exclude_star_crosses_directories(runner, project, monkeypatch):
    configure(project, 'extend-exclude = ["app/*.py"]')
    flawed(project)
    flawed(project / "app" / "sub", "models2.py")
    flawed(project / "lib" / "app", "other.py")  # not below the configuration's app/
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "."])
    assert paths_found(result.stdout) == {"models.py", "lib/app/other.py"}


def test_absolute_pattern(runner, project, monkeypatch):
    target = flawed(project / "app")
    configure(project, f'per-file-ignores = {{"{target}" = ["SQF005"]}}\nextend-exclude = ["{project / "old"}"]')
    flawed(project / "old")
    flawed(project)
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "."])
    assert paths_found(result.stdout) == {"models.py", "app/models.py"}
    assert codes(result.stdout, "app/models.py") == ["SQF001", "SQF003", "SQF004"]
    assert codes(result.stdout, "models.py") == ALL_FOUND


def test_negated_per_file_ignore(runner, project, monkeypatch):
    configure(project, 'per-file-ignores = {"!app/models.py" = ["SQF005"]}')
    flawed(project / "app")
    flawed(project / "lib")
    flawed(project)
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "."])
    assert codes(result.stdout, "app/models.py") == ALL_FOUND
    assert codes(result.stdout, "lib/models.py") == ["SQF001", "SQF003", "SQF004"]
    assert codes(result.stdout, "models.py") == ["SQF001", "SQF003", "SQF004"]


# -- 10. the command line's globs are relative to the current directory -------------------------------------------
def test_command_line_extend_exclude_is_relative_to_the_cwd(runner, project, monkeypatch):
    configure(project, "")  # the configuration is in project/, the run in project/app/
    flawed(project / "app")
    flawed(project / "app" / "sub", "models2.py")
    monkeypatch.chdir(project / "app")
    plain = runner.invoke(main, ["check", "."])
    assert paths_found(plain.stdout) == {"models.py", "sub/models2.py"}
    result = runner.invoke(main, ["check", "--extend-exclude", "sub/models2.py", "."])
    assert result.exit_code == 1
    assert paths_found(result.stdout) == {"models.py"}


# -- 11. --per-file-ignores replaces per-file-ignores, not extend-per-file-ignores ----------------------------------
CLASSIC = '''\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Post(Base):  # noqa: SQF005
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    comments = relationship("Comment")


class Comment(Base):  # noqa: SQF005
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    body = Column(String(50))
    post_id = Column(Integer, ForeignKey("posts.id"), index=True)
'''


def test_command_line_per_file_ignores_keep_the_files_extend_per_file_ignores(runner, project, monkeypatch):
    (project / "m.py").write_text(CLASSIC)
    monkeypatch.chdir(project)
    everything = runner.invoke(main, ["check", "m.py"])
    assert {"SQF002", "SQF003"} <= set(codes(everything.stdout))
    configure(project, 'extend-per-file-ignores = {"m.py" = ["SQF003"]}')
    configured = runner.invoke(main, ["check", "m.py"])
    assert "SQF003" not in codes(configured.stdout) and "SQF002" in codes(configured.stdout)
    result = runner.invoke(main, ["check", "--per-file-ignores", "m.py:SQF002", "m.py"])
    assert result.stderr == ""
    assert "SQF002" not in codes(result.stdout)
    assert "SQF003" not in codes(result.stdout)  # the file's extend-per-file-ignores still hold
    assert codes(result.stdout) == sorted(set(codes(everything.stdout)) - {"SQF002", "SQF003"})


# -- 12. options that contradict each other ------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "fix"])
def test_exit_zero_and_exit_non_zero_on_fix_is_a_usage_error(runner, project, command):
    path = flawed(project)
    result = runner.invoke(main, [command, "--exit-zero", "--exit-non-zero-on-fix", str(path)])
    assert result.exit_code == 2
    assert "--exit-zero and --exit-non-zero-on-fix" in result.stderr
    assert "Usage:" in result.stderr
    assert result.stdout == ""
    assert path.read_text() == FLAWED  # nothing fixed


# -- 13. the order of keys; a quoted key in --config ---------------------------------------------------------------
PROSE = '''\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Profile(Base):  # noqa: SQF005
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    bio: Mapped[str] = mapped_column(String(50))
    body: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(String(50))
'''


def prose_columns(output: str) -> set[str]:
    return {m["message"].split("`")[1] for m in findings(output) if m["code"] == "SQF003"}


def test_extend_prose_names_before_prose_names_still_extends(runner, project, monkeypatch):
    (project / "m.py").write_text(PROSE)
    monkeypatch.chdir(project)
    default = runner.invoke(main, ["check", "m.py"])
    assert prose_columns(default.stdout) == {"Profile.bio", "Profile.body", "Profile.summary"}
    configure(project, 'extend-prose-names = ["body"]\nprose-names = ["bio"]')
    result = runner.invoke(main, ["check", "m.py"])
    assert result.stderr == ""
    assert prose_columns(result.stdout) == {"Profile.bio", "Profile.body"}  # summary: no longer prose
    configure(project, 'prose-names = ["bio"]\nextend-prose-names = ["body"]')
    assert prose_columns(runner.invoke(main, ["check", "m.py"]).stdout) == {"Profile.bio", "Profile.body"}


# The fixed key line is 112 characters: whole at line-length 120, wrapped at 100.
LONGER_KEY = FLAWED.replace(KEY_LINE, '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), '
                                      'comment="the post of this comment")\n')
LONGER_KEY_FIXED = ('    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), comment="the post of this comment", '
                    'index=True)\n')


def test_quoted_line_length_in_config_beats_ruffs(runner, project, monkeypatch):
    assert 100 < len(LONGER_KEY_FIXED.rstrip("\n")) <= 120
    (project / "m.py").write_text(LONGER_KEY)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.ruff]\nline-length = 120\n")
    monkeypatch.chdir(project)
    ruffs = runner.invoke(main, ["fix", "--diff", "--select", "SQF001", "m.py"])
    assert ruffs.exit_code == 1, ruffs.stderr
    assert f"+{LONGER_KEY_FIXED}" in ruffs.stdout  # ruff's 120: one line
    for setting in ('"line-length" = 100', "'line-length' = 100", "line-length = 100"):
        overridden = runner.invoke(main, ["fix", "--diff", "--select", "SQF001", "--config", setting, "m.py"])
        assert overridden.exit_code == 1, (setting, overridden.stderr)
        assert f"+{LONGER_KEY_FIXED}" not in overridden.stdout, setting
        assert "+    post_id: Mapped[int] = mapped_column(\n" in overridden.stdout, setting


# -- 14. empty selectors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "parts"),
    [
        (["--select", ""], ["--select", "expected at least one rule selector"]),
        (["--select", " , "], ["--select", "expected at least one rule selector"]),
        (["--per-file-ignores", "tests/*:"], ["--per-file-ignores", "expected PATTERN:CODES", "'tests/*:'"]),
        (["--extend-per-file-ignores", "tests/*: "], ["--extend-per-file-ignores", "expected PATTERN:CODES"]),
    ],
)
def test_empty_selectors_are_errors(runner, project, arguments, parts):
    path = flawed(project)
    assert_one_line_error(runner.invoke(main, ["check", *arguments, str(path)]), *parts)


# -- 15. unsafe-fixes from the configuration, in the full format's hint --------------------------------------------
def test_unsafe_fixes_in_the_configuration_shows_in_the_full_format(runner, project, monkeypatch):
    flawed(project)
    monkeypatch.chdir(project)
    before = runner.invoke(main, ["check", "--output-format", "full", "models.py"])
    assert before.stdout.count("= fix: unsafe (applied only with --unsafe-fixes)") == 3
    configure(project, "unsafe-fixes = true")
    result = runner.invoke(main, ["check", "--output-format", "full", "models.py"])
    assert result.exit_code == 1, result.stderr
    assert result.stdout.count("= fix: unsafe (applied by sqla-fix fix --unsafe-fixes)") == 3
    assert "applied only with --unsafe-fixes" not in result.stdout
    assert result.stdout.count("= fix: safe (applied by sqla-fix fix)") == 2


# -- 16. stdin ------------------------------------------------------------------------------------------------------
def test_stdin_filename_reads_stdin_and_warns_of_the_paths(runner, project, monkeypatch):
    app = project / "app"
    app.mkdir()
    (app / "models.py").write_text("import os\n")  # on disk: nothing to find
    flawed(app / "sub")
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["check", "app/sub", "--stdin-filename", "app/models.py"], input=FLAWED)
    assert result.exit_code == 1
    assert paths_found(result.stdout) == {"app/models.py"}
    assert codes(result.stdout) == ALL_FOUND
    assert "warning: ignoring app/sub in favour of standard input" in lines_of(result.stderr)


def test_full_format_of_stdin_shows_the_stdin_line(runner, project, monkeypatch):
    flawed(project)
    monkeypatch.chdir(project)
    source = FLAWED.replace(KEY_LINE, '    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))  # from stdin\n')
    result = runner.invoke(main, ["check", "--output-format", "full", "-", "--stdin-filename", "models.py"],
                           input=source)
    assert result.exit_code == 1
    assert '19 |     post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))  # from stdin\n' in result.stdout
    assert '19 |     post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))\n' not in result.stdout


def fix_kinds(output: str) -> list[tuple[str, str, str, str]]:
    """(line, column, code, the fix's kind) of each concise finding."""
    return sorted((m["line"], m["col"], m["code"], m["message"].split("]")[0]) for m in findings(output))


def test_stdin_filename_not_on_disk_is_checked_in_its_project(runner, project, monkeypatch):
    flawed(project / "app")
    monkeypatch.chdir(project)
    unsaved = runner.invoke(main, ["check", "--stdin-filename", "app/new_models.py"], input=FLAWED)
    assert unsaved.exit_code == 1, unsaved.stderr
    assert paths_found(unsaved.stdout) == {"app/new_models.py"}
    assert not (project / "app" / "new_models.py").exists()
    flawed(project / "app", "new_models.py")
    on_disk = runner.invoke(main, ["check", "app/new_models.py"])
    assert on_disk.exit_code == 1
    assert fix_kinds(unsaved.stdout) == fix_kinds(on_disk.stdout)
    assert codes(unsaved.stdout) == ALL_FOUND


# -- 17. --force-exclude of a file without SQLAlchemy -------------------------------------------------------------
def test_force_exclude_of_a_plain_file(runner, project, monkeypatch):
    configure(project, 'extend-exclude = ["legacy"]')
    (project / "legacy").mkdir()
    (project / "legacy" / "plain.py").write_text("import os\n\nprint(os.sep)\n")
    flawed(project / "legacy")
    monkeypatch.chdir(project)
    plain = runner.invoke(main, ["check", "--force-exclude", "legacy/plain.py"])
    models = runner.invoke(main, ["check", "--force-exclude", "legacy/models.py"])
    assert plain.exit_code == models.exit_code == 0
    assert plain.stdout == models.stdout == "No Python files checked.\n"
    unforced = runner.invoke(main, ["check", "legacy/plain.py"])
    assert unforced.exit_code == 0 and unforced.stdout == "All checks passed.\n"
