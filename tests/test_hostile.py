"""Inputs that must each give one clear line and leave the file untouched; writes that are all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sqla_fix import edits, engine, write
from sqla_fix.cli import main

MODEL = b'''\
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Comment(Base):  # noqa: SQF005
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    post_id = Column(Integer, ForeignKey("posts.id"))
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "models.py").write_bytes(MODEL)
    return tmp_path


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"import sqlalchemy\nx = 'a\x00b'\n", "cannot parse: source code string cannot contain null bytes"),
        (b"import sqlalchemy\nx = " + b"(" * 300 + b"1" + b")" * 300 + b"\n", "cannot parse: too many nested parentheses at line 2"),
        (b"# -*- coding: latin-2000 -*-\nimport sqlalchemy\n", "cannot parse: unknown encoding: latin-2000"),
        (b"import sqlalchemy\ndef f(:\n", "cannot parse: invalid syntax at line 2"),
    ],
    ids=["nul-byte", "nested-parentheses", "wrong-cookie", "syntax-error"],
)
def test_bad_input_gives_one_line_and_is_untouched(runner, project, content, message):
    bad = project / "bad.py"
    bad.write_bytes(content)
    result = runner.invoke(main, ["fix", str(project)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{bad}: {message}"]
    assert bad.read_bytes() == content
    assert b"index=True" in (project / "models.py").read_bytes()  # the others are still fixed


def test_empty_file_and_a_directory_named_like_a_module(runner, project):
    (project / "empty.py").write_bytes(b"")
    (project / "odd.py").mkdir()
    (project / "odd.py" / "inner.py").write_bytes(MODEL)
    result = runner.invoke(main, ["check", str(project / "empty.py"), str(project / "odd.py")])
    assert result.exit_code == 1  # the directory is walked like any other, the empty file has nothing
    assert str(project / "odd.py" / "inner.py") in result.stdout
    assert (project / "empty.py").read_bytes() == b""


def test_generated_file_over_the_size_limit(runner, project):
    big = project / "generated.py"
    content = MODEL + b"\n".join(b"x%d = %d" % (i, i) for i in range(200_000)) + b"\n"
    assert len(content) > 1_000_000
    big.write_bytes(content)
    result = runner.invoke(main, ["fix", str(big)])
    assert result.exit_code == 2
    assert error_lines(result) == [
        f"{big}: too large to fix safely ({len(content) / 1e6:.1f} MB, the limit is 1.0 MB: "
        "max-file-size in [tool.sqla-fix]); left unchanged"
    ]
    assert big.read_bytes() == content


def test_unreadable_file(runner, project, monkeypatch):
    secret = project / "secret.py"
    secret.write_bytes(MODEL)
    real_read = engine.read

    def read(path: Path) -> bytes:
        if path.name == "secret.py":  # root reads everything: the denial is simulated where it happens
            raise engine.LoadError("cannot read: Permission denied")
        return real_read(path)

    monkeypatch.setattr(engine, "read", read)
    result = runner.invoke(main, ["fix", str(project)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{secret}: cannot read: Permission denied"]
    assert secret.read_bytes() == MODEL


def test_read_only_file_is_reported_not_written(runner, project):
    path = project / "models.py"
    os.chmod(path, 0o444)
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{path}: read-only: not written"]
    assert path.read_bytes() == MODEL


def test_file_changed_on_disk_between_read_and_write(runner, project, monkeypatch):
    path = project / "models.py"
    real_run = engine.run

    def run_then_edit(paths, config, **options):
        results = real_run(paths, config, **options)
        path.write_bytes(MODEL + b"# edited meanwhile\n")
        return results

    monkeypatch.setattr(engine, "run", run_then_edit)
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{path}: changed on disk since it was read: not written"]
    assert path.read_bytes() == MODEL + b"# edited meanwhile\n"


def test_symlink_inside_the_paths_is_followed_and_stays_a_link(runner, project):
    (project / "real").mkdir()
    target = project / "real" / "models.py"
    os.replace(project / "models.py", target)
    link = project / "link.py"
    link.symlink_to(target)
    result = runner.invoke(main, ["fix", "--unsafe-fixes", str(link), str(project / "real")])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert b"index=True" in target.read_bytes()
    assert result.stdout.count("fixed 2 findings") == 1  # one file, reached twice, fixed once


def test_symlink_to_outside_the_paths_is_not_followed(runner, project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "models.py"
    outside.write_bytes(MODEL)
    (project / "sub").mkdir()
    link = project / "sub" / "link.py"
    link.symlink_to(outside)
    result = runner.invoke(main, ["fix", str(project / "sub")])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{link}: a symbolic link to outside the given paths: not followed"]
    assert outside.read_bytes() == MODEL


def test_a_deep_but_valid_expression_is_checked_and_fixes_there_are_not_applied(runner, project):
    """Python's parser reads it (detection runs on `ast`); LibCST's recursive parser cannot: not written."""
    path = project / "models.py"
    path.write_bytes(MODEL + b"\nflags = " + b" and ".join([b"a"] * 20000) + b"\n")
    check = runner.invoke(main, ["check", str(path)])
    assert check.exit_code == 1 and "SQF001" in check.stdout
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 2
    assert error_lines(result) == [f"{path}: fixes not applied: the file is nested too deeply for LibCST's parser"]
    assert path.read_bytes().startswith(MODEL)


def test_unintended_edit_is_caught_before_writing(runner, project, monkeypatch):
    """If a bug made the fixer change anything else, the AST check refuses to write."""
    real_apply = edits.apply

    def buggy_apply(module, plan, layout=None):
        fixed = real_apply(module, plan, layout)
        return fixed.with_changes(body=[*fixed.body[:-1]])  # drops the last class

    monkeypatch.setattr(edits, "apply", buggy_apply)
    path = project / "models.py"
    result = runner.invoke(main, ["fix", str(path)])
    assert result.exit_code == 2
    [line] = error_lines(result)
    assert line.startswith(f"{path}: internal error, file left unchanged: module.body")
    assert path.read_bytes() == MODEL


def test_interrupted_write_leaves_the_old_file_and_no_debris(project, monkeypatch):
    path = project / "models.py"

    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(write.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        engine.write_atomically(path, b"new content")
    assert path.read_bytes() == MODEL
    assert sorted(p.name for p in project.iterdir()) == ["models.py", "pyproject.toml"]
