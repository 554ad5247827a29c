"""Safe and unsafe fixes (ruff's model): what `fix` applies, what only `--unsafe-fixes` applies, and how
`check` tells them apart."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from modelcheck import load_schema
from sqla_fix.cli import main
from sqla_fix.config import Config
from sqla_fix.engine import process_source
from sqla_fix.rules import schema

# The seed lesson's classic blog in miniature: nullable keys, no cascades, no index, a prose String(n).
BLOG = textwrap.dedent('''\
    from sqlalchemy import Column, ForeignKey, Integer, String
    from sqlalchemy.orm import declarative_base, relationship

    Base = declarative_base()


    class User(Base):  # noqa: SQF005
        __tablename__ = "users"
        id = Column(Integer, primary_key=True)
        posts = relationship("Post", back_populates="author")


    class Post(Base):  # noqa: SQF005
        __tablename__ = "posts"
        id = Column(Integer, primary_key=True)
        content = Column(String(2000))
        user_id = Column(Integer, ForeignKey("users.id"))
        author = relationship("User", back_populates="posts")
''')


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'blog'\n")
    path = tmp_path / "models.py"
    path.write_text(BLOG)
    return path


def test_check_shows_the_kind_of_fix_of_every_finding(runner, blog):
    result = runner.invoke(main, ["check", str(blog)])
    assert result.exit_code == 1
    kinds = {line.split(" ", 2)[1]: line for line in result.output.splitlines() if ": SQF" in line}
    lines = [line for line in result.output.splitlines() if ": SQF" in line]
    assert any("SQF001 [safe fix]" in line for line in lines)
    assert any("SQF003 [safe fix]" in line for line in lines)
    assert any("SQF002 [unsafe fix]" in line for line in lines)
    # the cascade counts on SQF002's fix of the key: it is unsafe too, and offered as such
    assert any("SQF004 [unsafe fix]" in line for line in lines), kinds
    assert "(2 fixable with `sqla-fix fix`; 2 more with `--unsafe-fixes`)" in result.output


def test_fix_applies_only_safe_fixes(runner, blog):
    result = runner.invoke(main, ["fix", str(blog)])
    fixed = blog.read_text()
    assert "index=True" in fixed and "Text" in fixed
    assert "nullable=False" not in fixed and "cascade" not in fixed
    assert result.exit_code == 1  # the unsafe ones remain
    assert "2 remaining (2 of them with an unsafe fix: `--unsafe-fixes`)" in result.output


def test_unsafe_fixes_apply_everything_and_the_result_imports(runner, blog):
    result = runner.invoke(main, ["fix", "--unsafe-fixes", str(blog)])
    assert result.exit_code == 0, result.output
    fixed = blog.read_text()
    assert 'nullable=False' in fixed and 'cascade="all, delete-orphan"' in fixed
    module, tables, _ = load_schema(blog)
    assert not tables["posts"].c.user_id.nullable


def test_unsafe_fixes_from_the_config_and_overridden_on_the_command_line(runner, blog):
    (blog.parent / "pyproject.toml").write_text("[tool.sqla-fix]\nunsafe-fixes = true\n")
    runner.invoke(main, ["fix", "--no-unsafe-fixes", str(blog)])
    assert "nullable=False" not in blog.read_text()
    runner.invoke(main, ["fix", str(blog)])
    assert "nullable=False" in blog.read_text()


def test_a_bad_unsafe_fixes_value_is_an_error(runner, blog):
    (blog.parent / "pyproject.toml").write_text('[tool.sqla-fix]\nunsafe-fixes = "yes"\n')
    result = runner.invoke(main, ["check", str(blog)])
    assert result.exit_code == 2
    assert f"{blog.parent / 'pyproject.toml'}: unsafe-fixes: expected true or false, got a string ('yes')" in result.stderr


def test_no_cascade_counts_on_a_key_that_sqf002_does_not_fix(runner, blog):
    """Decisions are not chained on fixes that are not made: with SQF002 off, the key stays nullable."""
    runner.invoke(main, ["fix", "--unsafe-fixes", "--ignore", "SQF002", str(blog)])
    fixed = blog.read_text()
    assert "cascade" not in fixed and "nullable=False" not in fixed
    result = runner.invoke(main, ["check", "--ignore", "SQF002", str(blog)])
    assert any("SQF004 [no fix]" in line for line in result.output.splitlines())


def test_json_carries_the_kind_of_fix(runner, blog):
    result = runner.invoke(main, ["check", "--output-format", "json", str(blog)])
    kinds = {(f["code"], f["fix"]["applicability"] if f["fix"] else None) for f in json.loads(result.stdout)}
    assert ("SQF002", "unsafe") in kinds and ("SQF001", "safe") in kinds


SQLMODEL = textwrap.dedent('''\
    from typing import Optional

    from sqlmodel import Field, SQLModel


    class Note(SQLModel, table=True):
        id: Optional[int] = Field(default=None, primary_key=True)
        body: str = ""
''')


@pytest.mark.parametrize("installed", [None, (0, 0, 8), (0, 0, 24)], ids=["none", "0.0.8", "0.0.24"])
def test_sqlmodel_output_is_accepted_by_the_installed_version(tmp_path, monkeypatch, installed):
    """Field(sa_type=) exists from SQLModel 0.0.11 on: older versions and a run with no SQLModel to ask
    (pre-commit's own environment) get sa_column=Column(...), which every version accepts."""
    monkeypatch.setattr(schema, "installed_sqlmodel", lambda: installed)
    path = tmp_path / "notes.py"
    result = process_source(path, SQLMODEL.encode(), Config(unsafe_fixes=True))
    fixed = result.fixed_source.decode()
    if installed is None or installed < (0, 0, 11):
        assert "sa_type" not in fixed
        assert 'body: str = Field(default="", sa_column=Column(Text, nullable=False))' in fixed
        assert fixed.count("sa_column=Column(") == 3  # body, created_at, updated_at
    else:
        assert 'sa_type=Text' in fixed and "sa_type=DateTime(timezone=True)" in fixed
    path.write_text(fixed)
    from sqlmodel import SQLModel

    SQLModel.metadata.clear()  # one metadata for every SQLModel class of the process
    _, tables, _ = load_schema(path)
    note = tables["note"]
    assert not note.c.body.nullable and not note.c.created_at.nullable
    assert note.c.created_at.server_default is not None and note.c.updated_at.onupdate is not None
