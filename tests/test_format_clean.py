"""A formatter-clean file stays formatter-clean: what sqla-fix adds or changes is laid out as ruff format
(black's style) lays it out.

Every model below is put through `ruff format` first, so it is clean by construction, then through
sqla-fix; the output must be what `ruff format` makes of it (the assertion shows the diff). The edits
are made two ways: through the rules (the whole tool, as users run it) and as explicit edit plans (every
kind of edit the applier makes, whatever the rules decide). Files that are not formatter-clean keep their
own layout: see tests/test_layout.py.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from sqla_fix.config import Config, load_config
from sqla_fix.edits import CstEdits as EditPlan, Layout, add_imports, apply
from sqla_fix.engine import process_source, run


def _ruff() -> list[str] | None:
    for name in ("ruff", "ruff.exe"):
        binary = Path(sys.executable).with_name(name)
        if binary.is_file():
            return [str(binary)]
    try:
        import ruff  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "ruff"]


RUFF = _ruff()
pytestmark = pytest.mark.skipif(RUFF is None, reason="ruff is not installed: pip install -e '.[test]'")
LINE_LENGTHS = [79, 88, 100]


def ruff_format(source: str, line_length: int) -> str:
    result = subprocess.run(
        [*RUFF, "format", "--isolated", f"--line-length={line_length}", "-"],
        input=source, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_formatter_clean(text: str, line_length: int) -> None:
    assert text == ruff_format(text, line_length)


def every_fix(line_length: int, config: Config | None = None) -> Config:
    config = config or Config(line_length=line_length)
    if any(f.name == "unsafe_fixes" for f in dataclasses.fields(Config)):
        config.unsafe_fixes = True  # every fix, the ones that change behaviour included
    return config


def fix(source: str, line_length: int, tmp_path: Path, name: str = "models.py") -> str:
    path = tmp_path / name
    path.write_text(source)
    result = process_source(path, source.encode(), every_fix(line_length))
    assert result.error is None, result.error
    assert result.fixed_source is not None, "nothing was fixed: the model no longer exercises an edit"
    return result.fixed_source.decode()


# -- through the rules ------------------------------------------------------------------------------------
MODELS = {
    "typed": '''
        from datetime import datetime
        from typing import List, Optional

        from sqlalchemy import ForeignKey, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class Organisation(Base):
            __tablename__ = "organisations"

            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(100), unique=True)
            projects: Mapped[List["Project"]] = relationship(back_populates="organisation")


        class Project(Base):
            __tablename__ = "projects"

            id: Mapped[int] = mapped_column(primary_key=True)
            organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
            a_reviewing_organisation_with_a_long_name_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
            sponsoring_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, comment="who pays")  # a trailing comment
            owning_organisation_id: Mapped[int] = mapped_column(
                ForeignKey("organisations.id"),  # who owns it
                nullable=False,
            )
            hosting_organisation_id: Mapped[int] = mapped_column(
                # the host
                ForeignKey("organisations.id")
            )
            description: Mapped[str] = mapped_column(String(2000), nullable=False, comment="what the project is about")
            summary: Mapped[Optional[str]] = mapped_column(String(500))
            organisation: Mapped["Organisation"] = relationship(back_populates="projects", foreign_keys=[organisation_id])


        class Board(Base):
            __tablename__ = "boards"

            id: Mapped[int] = mapped_column(primary_key=True)
            cards_in_the_order_they_were_pinned: Mapped[List["Card"]] = relationship(back_populates="board", order_by="Card.id")


        class Card(Base):
            __tablename__ = "cards"

            id: Mapped[int] = mapped_column(primary_key=True)
            board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
            board: Mapped["Board"] = relationship(back_populates="cards_in_the_order_they_were_pinned")
    ''',
    "classic": '''
        from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, func
        from sqlalchemy.orm import declarative_base, relationship

        Base = declarative_base()


        class Author(Base):
            __tablename__ = "authors"

            id = Column(Integer, primary_key=True)
            name = Column(String(100), nullable=False)


        class Post(Base):
            __tablename__ = "posts"

            id = Column(Integer, primary_key=True)
            author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
            body = Column(String(5000), nullable=False)
            created_at = Column(DateTime(timezone=True), server_default=func.now(), nullable=False)
            author = relationship("Author", backref="posts")


        class PostRevisionWithALongName(Base):
            __tablename__ = "post_revisions"

            id = Column(Integer, primary_key=True)
            the_revised_post_with_a_long_name_id = Column(Integer, ForeignKey("posts.id"), nullable=False)
            the_revised_post = relationship("Post", backref="revisions", order_by="PostRevisionWithALongName.id")
    ''',
    "sa_alias": '''
        import sqlalchemy as sa
        from sqlalchemy import orm


        class Base(orm.DeclarativeBase):
            pass


        class Store(Base):
            __tablename__ = "stores"

            id: orm.Mapped[int] = orm.mapped_column(primary_key=True)


        class Shift(Base):
            __tablename__ = "shifts"

            id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
            store_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("stores.id"), nullable=False)
            notes: orm.Mapped[str] = orm.mapped_column(sa.String(1000), nullable=False, doc="free text")
    ''',
    "flask": '''
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class Quote(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            text = db.Column(db.String(1000), nullable=False)
            added_by_the_author_with_an_id = db.Column(db.Integer, db.ForeignKey("author.id"), nullable=False)


        class Author(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(80), nullable=False)
    ''',
    "imperative": '''
        from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

        metadata = MetaData()

        users = Table("users", metadata, Column("id", Integer, primary_key=True))

        user_profiles = Table(
            "user_profiles",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
            Column("biography", String(4000), nullable=False),
        )
    ''',
    "imperative_alias": '''
        import sqlalchemy as sa

        metadata = sa.MetaData()

        teams = sa.Table(
            "teams", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50))
        )
    ''',
    "write_only": '''
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship


        class Base(DeclarativeBase):
            pass


        class Account(Base):
            __tablename__ = "accounts"

            id: Mapped[int] = mapped_column(primary_key=True)
            login_attempts: WriteOnlyMapped["LoginAttempt"] = relationship(back_populates="account")


        class LoginAttempt(Base):
            __tablename__ = "login_attempts"

            id: Mapped[int] = mapped_column(primary_key=True)
            account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
            account: Mapped["Account"] = relationship(back_populates="login_attempts")
    ''',
    "dataclass": '''
        from sqlalchemy import ForeignKey
        from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column


        class Base(MappedAsDataclass, DeclarativeBase):
            pass


        class Category(Base):
            __tablename__ = "categories"

            id: Mapped[int] = mapped_column(primary_key=True, init=False)
            parent_category_with_a_long_name_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), nullable=False)
    ''',
    "sqlmodel": '''
        from typing import Optional

        from sqlmodel import Field, SQLModel


        class Team(SQLModel, table=True):
            id: Optional[int] = Field(default=None, primary_key=True)
            name: str = Field(max_length=50)
    ''',
}


@pytest.mark.parametrize("line_length", LINE_LENGTHS)
@pytest.mark.parametrize("style", MODELS)
def test_a_formatter_clean_model_stays_clean(tmp_path, style, line_length):
    source = ruff_format(textwrap.dedent(MODELS[style]), line_length)
    assert_formatter_clean(fix(source, line_length, tmp_path), line_length)


@pytest.mark.parametrize("line_length", LINE_LENGTHS)
def test_the_line_length_comes_from_the_formatters_config(tmp_path, line_length):
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.ruff]\nline-length = {line_length}\n")
    model = tmp_path / "models.py"
    model.write_text(ruff_format(textwrap.dedent(MODELS["classic"]), line_length))
    config = load_config([tmp_path])
    assert config.line_length == line_length
    [result] = run([tmp_path], every_fix(line_length, config))
    assert result.error is None and result.fixed_source is not None
    assert_formatter_clean(result.fixed_source.decode(), line_length)


def _fixture_modules():
    before = Path(__file__).resolve().parent.parent / "fixtures" / "before"
    return sorted(before.glob("*.py"))


@pytest.mark.parametrize("path", _fixture_modules(), ids=lambda path: path.name)
def test_the_fixtures_once_formatted_stay_clean(tmp_path, path):
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        pytest.skip("ruff format reads UTF-8 only")
    source = ruff_format(text, 88)
    target = tmp_path / path.name
    target.write_text(source, encoding="utf-8")
    result = process_source(target, source.encode("utf-8"), every_fix(88))
    assert result.error is None, result.error
    if result.fixed_source is not None:
        assert_formatter_clean(result.fixed_source.decode("utf-8"), 88)


@pytest.mark.parametrize("style", ["typed", "classic", "imperative"])
def test_crlf_files_stay_clean(tmp_path, style):
    source = ruff_format(textwrap.dedent(MODELS[style]), 88).replace("\n", "\r\n").encode()
    path = tmp_path / "models.py"
    result = process_source(path, source, every_fix(88))
    assert result.error is None and result.fixed_source is not None
    formatted = subprocess.run([*RUFF, "format", "--isolated", "-"], input=result.fixed_source, capture_output=True)
    assert formatted.returncode == 0 and formatted.stdout == result.fixed_source
    assert result.fixed_source.count(b"\r\n") == result.fixed_source.count(b"\n")


# -- every kind of edit, as an explicit plan --------------------------------------------------------------
def _calls(module: cst.Module, name: str) -> list[cst.Call]:
    found = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if cst.Module([]).code_for_node(node.func) == name:
                found.append(node)

    module.visit(Calls())
    return found


def edited(source: str, line_length: int, edit) -> str:
    """`edit(plan, calls)` on the formatted `source`, applied as the engine applies a plan."""
    module = cst.parse_module(ruff_format(textwrap.dedent(source), line_length))
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    plan = EditPlan()
    edit(plan, lambda name, index=0: _calls(module, name)[index])
    assert plan
    layout = Layout(line_length, module.code.splitlines(), positions, module.default_indent)
    return apply(module, plan, layout).code


CLASS = '''
    class Post(Base):
        __tablename__ = "posts"

        id: Mapped[int] = mapped_column(primary_key=True)
        {}
'''
TIMESTAMP = 'Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False)'
EDITS = {
    "keyword-fits": (CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))'),
                     lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-pushes-past": (
        CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), nullable=False)'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keywords-explode": (
        CLASS.format('reviewing_author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), comment="who reviewed")'),
        lambda plan, call: (plan.add_keyword(call("mapped_column", 1), "nullable", "False"),
                            plan.add_keyword(call("mapped_column", 1), "index", "True"))),
    "keyword-hugged": (
        CLASS.format('reviewing_author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), default=None)'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-hugged-explodes": (
        CLASS.format('reviewing_author_with_a_long_name_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), '
                     'nullable=False, comment="who reviewed it")'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-magic-trailing-comma": (
        CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), nullable=False,)'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-after-comments": (
        CLASS.format('author_id: Mapped[int] = mapped_column(\n'
                     '            ForeignKey("authors.id"),  # who wrote it\n'
                     '            # required\n'
                     '            nullable=False  # always\n'
                     '        )'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-after-own-line-comment": (
        CLASS.format('author_id: Mapped[int] = mapped_column(\n            # who wrote it\n'
                     '            ForeignKey("authors.id")\n        )'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-comment-after-bracket": (
        CLASS.format('author_id: Mapped[int] = mapped_column(  # who wrote it\n'
                     '            ForeignKey("authors.id"), nullable=False\n        )'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-trailing-comment": (
        CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))  # who wrote the post'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "nullable", "False")),
    "keyword-pragma-comment": (
        CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))  # noqa: SQF002 pragmas are not counted'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-wide-characters": (
        CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), comment="著者の識別子、必須の項目です。")'),
        lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True")),
    "keyword-nested": (
        CLASS.format('author_id = Column(Integer, ForeignKey("authors_table.id"), nullable=False, index=True)'),
        lambda plan, call: plan.add_keyword(call("ForeignKey"), "ondelete", '"CASCADE"')),
    "keyword-nested-and-outer": (
        CLASS.format('author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)'),
        lambda plan, call: (plan.add_keyword(call("ForeignKey"), "ondelete", '"CASCADE"'),
                            plan.add_keyword(call("Column"), "index", "True"))),
    "keyword-parenthesised-value": (
        CLASS.format('a_reviewing_author_with_a_very_long_name: Mapped[Optional["Author"]] = relationship()'),
        lambda plan, call: plan.add_keyword(call("relationship"), "cascade", '"all, delete-orphan"')),
    "cascade": (
        CLASS.format('comments: Mapped[List["Comment"]] = relationship(back_populates="post", order_by="Comment.id")'),
        lambda plan, call: plan.add_keyword(call("relationship"), "cascade", '"all, delete-orphan"')),
    "backref": (
        CLASS.format('comments = relationship("Comment", backref="post", order_by="Comment.created_at")'),
        lambda plan, call: plan.replace(call("relationship").args[1].value,
                                        'backref("post", cascade="all, delete-orphan")')),
    "text-joins-the-line": (
        CLASS.format('body: Mapped[str] = mapped_column(String(2000), nullable=False, comment="the post")'),
        lambda plan, call: plan.replace(call("String"), "Text")),
    "text-in-a-table": (
        ('pages = Table(\n    "pages",\n    metadata,\n    Column("id", Integer, primary_key=True),\n'
         '    Column("meta_description", String(300), nullable=False, comment="for search"),\n)\n'),
        lambda plan, call: plan.replace(call("String"), "Text")),
    "table-argument": (
        'users = Table("users", metadata, Column("id", Integer, primary_key=True))\n',
        lambda plan, call: plan.add_argument(call("Table"), TIMESTAMP)),
    "table-arguments-exploded": (
        'user_groups = Table(\n    "user_groups",\n    metadata,\n    Column("id", Integer, primary_key=True),\n)\n',
        lambda plan, call: (plan.add_argument(call("Table"), TIMESTAMP),
                            plan.add_argument(call("Table"), TIMESTAMP.replace("created", "updated")))),
    "table-key": (
        ('memberships = Table(\n    "memberships",\n    metadata,\n'
         '    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),\n)\n'),
        lambda plan, call: plan.add_keyword(call("Column"), "index", "True")),
}


@pytest.mark.parametrize("line_length", LINE_LENGTHS)
@pytest.mark.parametrize("kind", EDITS)
def test_every_kind_of_edit_keeps_the_file_clean(kind, line_length):
    source, edit = EDITS[kind]
    assert_formatter_clean(edited(source, line_length, edit), line_length)


def test_a_shorter_call_is_joined_back_onto_its_line():
    source = CLASS.format('body: Mapped[str] = mapped_column(String(2000), nullable=False, comment="the post")')
    code = edited(source, 79, lambda plan, call: plan.replace(call("String"), "Text"))
    assert '    body: Mapped[str] = mapped_column(Text, nullable=False, comment="the post")\n' in code


def test_a_call_pushed_past_the_line_is_split_as_the_formatter_splits_it():
    source = CLASS.format('author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), nullable=False)')
    code = edited(source, 88, lambda plan, call: plan.add_keyword(call("mapped_column", 1), "index", "True"))
    assert code.endswith(
        '    author_id: Mapped[int] = mapped_column(\n'
        '        ForeignKey("authors.id"), nullable=False, index=True\n'
        '    )\n'
    )


@pytest.mark.parametrize("line_length", LINE_LENGTHS)
@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("from sqlalchemy import Column, ForeignKey, Integer\n", ["Text"]),
        ("from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String, Table\n", ["Text", "func"]),
        ("from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String  # models\n", ["Text"]),
        ("from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData  # noqa: F401\n", ["Text", "func"]),
        ("from sqlalchemy import (\n    Column,\n    ForeignKey,\n)\n", ["Text"]),
        ("from sqlalchemy import (\n    Column,  # the column\n    ForeignKey,\n)\n", ["Text"]),
        ("import os\n\nfrom sqlalchemy import Column\n\nx = 1\n", ["Text"]),
    ],
    ids=["fits", "pushed-past", "trailing-comment", "pragma", "parenthesised", "commented", "among-others"],
)
def test_import_lines_stay_clean(source, names, line_length):
    module = cst.parse_module(ruff_format(source, line_length))
    code = add_imports(module, [("sqlalchemy", name) for name in names], line_length).code
    assert all(name in code for name in names)
    assert_formatter_clean(code, line_length)


# -- files that are not formatter-clean keep their layout --------------------------------------------------
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (  # a hanging layout is the author's
            "x = mapped_column(ForeignKey('a.id'),\n                  nullable=False)\n",
            "x = mapped_column(ForeignKey('a.id'),\n                  nullable=False,\n                  index=True)\n",
        ),
        (  # no space after the comma: not the formatter's line, and it keeps its spelling
            "x = mapped_column(ForeignKey('a.id'),nullable=False)\n",
            "x = mapped_column(ForeignKey('a.id'),nullable=False,index=True)\n",
        ),
        (  # the arguments on a line of their own: the new one joins them
            "x = mapped_column(\n  ForeignKey('a.id'), nullable=False\n)\n",
            "x = mapped_column(\n  ForeignKey('a.id'), nullable=False, index=True\n)\n",
        ),
    ],
    ids=["hanging", "no-space", "two-space-hug"],
)
def test_a_statement_the_formatter_did_not_lay_out_keeps_its_layout(before, after):
    module = cst.parse_module(before)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    plan = EditPlan()
    plan.add_keyword(_calls(module, "mapped_column")[0], "index", "True")
    layout = Layout(88, module.code.splitlines(), positions, module.default_indent)
    assert apply(module, plan, layout).code == after


def test_arguments_of_the_authors_own_that_the_addition_pushes_past_the_line_go_one_per_line():
    before = "t = Table(\n  'users', metadata, Column('id', Integer, primary_key=True)\n)\n"
    module = cst.parse_module(before)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    plan = EditPlan()
    plan.add_argument(_calls(module, "Table")[0], TIMESTAMP)
    layout = Layout(88, module.code.splitlines(), positions, module.default_indent)
    assert apply(module, plan, layout).code == (
        "t = Table(\n  'users',\n  metadata,\n  Column('id', Integer, primary_key=True),\n"
        f"  {TIMESTAMP},\n)\n"
    )
