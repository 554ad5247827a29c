"""The command line, through click's runner and as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sqla_fix.cli import main

FLAWED = '''\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    comments: Mapped[list["Comment"]] = relationship(back_populates="post")


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(50))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    post: Mapped["Post"] = relationship(back_populates="comments")
'''

CLEAN = '''\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tag(Base):  # noqa: SQF005
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
'''

FINDING_LINE = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>SQF\d{3}) (?P<message>.+)$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "models.py").write_text(FLAWED)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def findings(output: str) -> list[re.Match]:
    return [m for line in output.splitlines() if (m := FINDING_LINE.match(line))]


def test_check_reports_findings_and_exits_1(runner, project):
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert result.exit_code == 1
    found = findings(result.output)
    codes = sorted(m["code"] for m in found)
    # no SQF002: `post_id: Mapped[int]` is NOT NULL already
    assert codes == ["SQF001", "SQF003", "SQF004", "SQF005", "SQF005"]
    body = next(m for m in found if m["code"] == "SQF003")
    assert (body["line"], body["col"]) == ("18", "5")
    # the cascade is unsafe, and so are the timestamps: the project has no migrations to add them
    assert "Found 5 findings in 1 file (2 fixable with `sqla-fix fix`; 3 more with `--unsafe-fixes`)" in result.output
    assert (project / "models.py").read_text() == FLAWED  # check never writes


def test_check_clean_file_exits_0(runner, project):
    result = runner.invoke(main, ["check", str(project / "clean.py")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "All checks passed."


def test_select_and_ignore(runner, project):
    path = str(project / "models.py")
    selected = runner.invoke(main, ["check", "--select", "SQF001,SQF003", path])
    assert sorted(m["code"] for m in findings(selected.output)) == ["SQF001", "SQF003"]
    ignored = runner.invoke(main, ["check", "--ignore", "SQF005", "--ignore", "SQF001", path])
    assert sorted(m["code"] for m in findings(ignored.output)) == ["SQF003", "SQF004"]


def test_ignoring_sqf002_keeps_the_cascade_off(runner, project):
    """Delete-orphan needs a NOT NULL key: without SQF002 a classic nullable key stays, so no cascade."""
    path = project / "classic.py"
    path.write_text(
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import declarative_base, relationship\n"
        "Base = declarative_base()\n"
        "class Post(Base):\n"
        "    __tablename__ = 'posts'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    comments = relationship('Comment')\n"
        "class Comment(Base):\n"
        "    __tablename__ = 'comments'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    post_id = Column(Integer, ForeignKey('posts.id'))\n"
    )
    result = runner.invoke(main, ["fix", "--diff", "--unsafe-fixes", "--select", "SQF004", str(path)])
    assert result.exit_code == 0
    assert "cascade" not in result.stdout
    result = runner.invoke(main, ["fix", "--diff", "--unsafe-fixes", "--select", "SQF002,SQF004", str(path)])
    assert "cascade='all, delete-orphan'" in result.stdout


def test_noqa_suppresses_one_code(runner, project):
    path = project / "models.py"
    path.write_text(FLAWED.replace('mapped_column(String(50))', 'mapped_column(String(50))  # noqa: SQF003'))
    result = runner.invoke(main, ["check", str(path)])
    assert "SQF003" not in result.output
    assert "SQF001" in result.output


def test_pyproject_config_is_read(runner, project):
    (project / "pyproject.toml").write_text("[tool.sqla-fix]\nignore = ['SQF005']\nextend-record-nouns = ['comment']\n")
    result = runner.invoke(main, ["check", str(project / "models.py")])
    codes = [m["code"] for m in findings(result.output)]
    assert "SQF005" not in codes
    [cascade] = [m for m in findings(result.output) if m["code"] == "SQF004"]
    assert "not fixed" in cascade["message"] and "record" in cascade["message"]


def test_bad_config_is_a_usage_error(runner, project):
    (project / "pyproject.toml").write_text("[tool.sqla-fix]\nselect = 'SQF001'\n")
    result = runner.invoke(main, ["check", str(project / "models.py")])
    assert result.exit_code == 2
    assert "select" in result.output


def test_fix_rewrites_and_second_run_is_clean(runner, project):
    path = project / "models.py"
    first = runner.invoke(main, ["fix", "--unsafe-fixes", str(path)])
    assert first.exit_code == 0, first.output
    assert "fixed 5 findings" in first.output
    text = path.read_text()
    assert 'post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)' in text
    # past the line length, so wrapped the way black would
    assert 'relationship(\n        back_populates="post", cascade="all, delete-orphan"\n    )' in text
    assert "mapped_column(Text)" in text
    second = runner.invoke(main, ["fix", "--unsafe-fixes", str(path)])
    assert second.exit_code == 0
    assert path.read_text() == text
    assert "Fixed 0 findings in 0 files" in second.output


def test_exit_non_zero_on_fix(runner, project):
    result = runner.invoke(main, ["fix", "--unsafe-fixes", "--exit-non-zero-on-fix", str(project / "models.py")])
    assert result.exit_code == 1
    again = runner.invoke(main, ["fix", "--unsafe-fixes", "--exit-non-zero-on-fix", str(project / "models.py")])
    assert again.exit_code == 0


def test_fix_exits_1_when_findings_remain(runner, project):
    path = project / "tree.py"
    path.write_text(
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import declarative_base\n"
        "Base = declarative_base()\n"
        "class Node(Base):  # noqa: SQF005\n"
        "    __tablename__ = 'nodes'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    parent_id = Column(Integer, ForeignKey('nodes.id'), index=True)\n"
    )
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 1
    [remaining] = findings(result.output)
    assert remaining["code"] == "SQF002" and "stays nullable" in remaining["message"]
    assert "own table" in remaining["message"]


def test_diff_writes_nothing_and_exits_1(runner, project):
    path = project / "models.py"
    result = runner.invoke(main, ["fix", "--diff", str(path)])
    assert result.exit_code == 1
    assert path.read_text() == FLAWED
    assert result.stdout.startswith(f"--- {path}\n+++ {path}\n@@")
    assert '+    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)\n' in result.stdout
    assert "cascade" not in result.stdout  # unsafe: only with --unsafe-fixes
    assert "\x1b[" not in result.stdout  # plain when piped
    assert "Would fix 2 findings in 1 file (3 more with `--unsafe-fixes`); the schema of 1 table would change: comments." in result.stderr


def test_diff_on_clean_file_is_empty_and_exits_0(runner, project):
    result = runner.invoke(main, ["fix", "--diff", str(project / "clean.py")])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_directory_walk_skips_virtualenvs_and_caches(runner, project):
    for skipped in (".venv/lib/models.py", "node_modules/x/models.py", "__pycache__/models.py", "build/models.py"):
        (project / skipped).parent.mkdir(parents=True, exist_ok=True)
        (project / skipped).write_text(FLAWED)
    env = project / "myenv"
    env.mkdir()
    (env / "pyvenv.cfg").write_text("home = /usr\n")
    (env / "models.py").write_text(FLAWED)
    result = runner.invoke(main, ["check", str(project)])
    paths = {m["path"] for m in findings(result.output)}
    assert paths == {str(project / "models.py")}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"import sqlalchemy\ndef f(:\n    pass\n", r"cannot parse: .* at line 2"),
        (b"import sqlalchemy\nx = '\xff\xfe'\n", r"cannot parse: .*'utf-8' codec can't decode"),
        (b"# -*- coding: klingon -*-\nimport sqlalchemy\n", r"cannot parse: unknown encoding: klingon"),
    ],
    ids=["syntax-error", "invalid-utf8", "unknown-cookie"],
)
def test_bad_file_is_reported_untouched_and_others_still_fixed(runner, project, content, reason):
    bad = project / "bad.py"
    bad.write_bytes(content)
    result = runner.invoke(main, ["fix", str(project)])
    assert result.exit_code == 2
    assert re.search(rf"^{re.escape(str(bad))}: {reason}", result.stderr, re.MULTILINE)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert bad.read_bytes() == content
    assert "index=True" in (project / "models.py").read_text()


def test_missing_path_exits_2(runner, project):
    result = runner.invoke(main, ["check", str(project / "nope.py")])
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def test_file_without_sqlalchemy_is_byte_identical(runner, project):
    path = project / "plain.py"
    content = b"# a Column of my own\r\nclass Column:\r\n    pass\r\n\r\nx = Column()\r\n"
    path.write_bytes(content)
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 0
    assert path.read_bytes() == content


def test_rules_and_rule_commands(runner):
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0
    for code in ("SQF001", "SQF002", "SQF003", "SQF004", "SQF005"):
        assert code in listing.output
    explained = runner.invoke(main, ["rule", "sqf004"])
    assert explained.exit_code == 0
    assert "delete-orphan" in explained.output and "Never on the many-to-one side" in explained.output


def test_fix_keeps_file_mode(runner, project):
    path = project / "models.py"
    os.chmod(path, 0o640)
    runner.invoke(main, ["fix", str(path)])
    assert (path.stat().st_mode & 0o777) == 0o640
    assert not [p for p in project.iterdir() if p.name.endswith(".sqla-fix")]


def test_real_process_python_m(project):
    """As a user runs it: a real process, exit codes and output."""
    path = project / "models.py"
    check = subprocess.run([sys.executable, "-m", "sqla_fix", "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 1
    assert len(findings(check.stdout)) == 5
    diff = subprocess.run([sys.executable, "-m", "sqla_fix", "fix", "--diff", str(path)], capture_output=True, text=True)
    assert diff.returncode == 1 and diff.stdout.startswith("--- ")
    fix = subprocess.run([sys.executable, "-m", "sqla_fix", "fix", str(path)], capture_output=True, text=True)
    assert fix.returncode == 1, fix.stdout + fix.stderr  # the unsafe cascade remains
    fix = subprocess.run([sys.executable, "-m", "sqla_fix", "fix", "--unsafe-fixes", str(path)],
                         capture_output=True, text=True)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    again = subprocess.run([sys.executable, "-m", "sqla_fix", "check", str(path)], capture_output=True, text=True)
    assert again.returncode == 0


def test_json_and_github_output(runner, project):
    import json

    path = str(project / "models.py")
    result = runner.invoke(main, ["check", "--output-format", "json", path])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data) == 5
    # ruff's keys, and ours: the rule's name and the tables whose DDL the fix changes
    assert {"code", "name", "message", "filename", "location", "end_location", "fix", "url", "noqa_row",
            "tables"} <= set(data[0])
    github = runner.invoke(main, ["check", "--output-format", "github", path])
    assert github.stdout.splitlines()[0].startswith(f"::error title=sqla-fix (SQF005),file={path},line=9,")


def test_readme_configuration_example_and_option_table_are_what_the_tool_takes(tmp_path):
    """README's [tool.sqla-fix] example loads as it is, and its option table names every option of check and fix."""
    from sqla_fix.config import KEYS, load_config

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    [example] = re.findall(r"```toml\n(\[tool\.sqla-fix\]\n.*?)```", readme, flags=re.DOTALL)
    (tmp_path / "pyproject.toml").write_text(example)
    config = load_config([tmp_path])
    assert config.ignore == ["SQF005"] and config.per_file_ignores["tests/*"] == ["SQF005"]
    assert "synopsis" in config.prose_names and config.line_length == 100
    table = readme[readme.index("| option | config key | meaning |"):]
    table = table[: table.index("\n\n")]
    for command in (main.commands["check"], main.commands["fix"]):
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert any(f"`{flag}" in table for flag in parameter.opts), (command.name, parameter.opts)
    for key in KEYS:
        assert f"`{key}" in table or f"`{key.removeprefix('extend-')}`" in table, key
