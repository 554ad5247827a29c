"""Edits keep the file's own layout: argument lists, comments, imports, line endings, encodings."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from sqla_fix.config import Config
from sqla_fix.edits import _keyword_arg, add_imports, append_arguments
from sqla_fix.engine import process_source


def add_index(code: str) -> str:
    call = cst.parse_expression(code)
    return cst.Module([]).code_for_node(append_arguments(call, [_keyword_arg("index", cst.Name("True"))]))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("f(a)", "f(a, index=True)"),
        ("f(a, b)", "f(a, b, index=True)"),
        ("f(\n    a,\n    b,\n)", "f(\n    a,\n    b,\n    index=True,\n)"),
        ("f(\n    a,\n    b\n)", "f(\n    a,\n    b,\n    index=True\n)"),
        ("f(\n    a  # why a\n)", "f(\n    a,  # why a\n    index=True\n)"),
        ("f(\n    a,  # why a\n)", "f(\n    a,  # why a\n    index=True,\n)"),
        ("f(a,\n  b)", "f(a,\n  b,\n  index=True)"),
        ("f()", "f(index=True)"),
    ],
    ids=["one", "two", "multiline-trailing-comma", "multiline-no-trailing-comma", "comment-after-last",
         "comment-after-trailing-comma", "hanging", "empty"],
)
def test_append_argument_follows_the_layout(before, after):
    assert add_index(before) == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from sqlalchemy import Column\n", "from sqlalchemy import Column, Text\n"),
        (
            "from sqlalchemy import (\n    Column,\n    String,\n)\n",
            "from sqlalchemy import (\n    Column,\n    String,\n    Text,\n)\n",
        ),
        ("from sqlalchemy import Text\n", "from sqlalchemy import Text\n"),
        ("import os\n\nx = 1\n", "import os\nfrom sqlalchemy import Text\n\nx = 1\n"),
    ],
    ids=["one-line", "parenthesized", "already-there", "new-line"],
)
def test_imports_merge_into_the_existing_line(before, after):
    assert add_imports(cst.parse_module(before), [("sqlalchemy", "Text")]).code == after


MODEL = textwrap.dedent(
    """\
    from sqlalchemy import Column, ForeignKey, Integer
    from sqlalchemy.orm import declarative_base
    Base = declarative_base()
    class Post(Base):  # noqa: SQF005
        __tablename__ = "posts"
        id = Column(Integer, primary_key=True)
    class Comment(Base):  # noqa: SQF005
    \t__tablename__ = "comments"
    \tid = Column(Integer, primary_key=True)
    \tpost_id = Column(Integer, ForeignKey("posts.id"))  # é
    """
)


def fix_bytes(source: bytes, tmp_path) -> bytes:
    path = tmp_path / "m.py"
    path.write_bytes(source)
    return process_source(path, source, Config(unsafe_fixes=True)).fixed_source


@pytest.mark.parametrize(
    ("prefix", "newline", "encoding"),
    [
        (b"", "\n", "utf-8"),
        (b"", "\r\n", "utf-8"),
        (b"\xef\xbb\xbf", "\n", "utf-8"),
        (b"# -*- coding: latin-1 -*-\n", "\n", "latin-1"),
    ],
    ids=["lf", "crlf", "bom", "latin-1-cookie"],
)
def test_line_endings_bom_tabs_and_encoding_are_kept(tmp_path, prefix, newline, encoding):
    source = prefix + MODEL.replace("\n", newline).encode(encoding)
    fixed = fix_bytes(source, tmp_path)
    expected_line = '\tpost_id = Column(Integer, ForeignKey("posts.id"), nullable=False, index=True)  # é'
    assert fixed == source.replace(
        '\tpost_id = Column(Integer, ForeignKey("posts.id"))  # é'.encode(encoding),
        expected_line.encode(encoding),
    )
    assert fixed.startswith(prefix)
    if newline == "\r\n":
        assert fixed.count(b"\r\n") == fixed.count(b"\n")


def test_added_columns_use_the_file_indent_and_newline(tmp_path):
    source = (
        "from sqlalchemy import Column, Integer\r\n"
        "from sqlalchemy.orm import declarative_base\r\n"
        "Base = declarative_base()\r\n"
        "class Tag(Base):\r\n"
        "\t__tablename__ = 'tags'\r\n"
        "\tid = Column(Integer, primary_key=True)\r\n"
    ).encode()
    fixed = fix_bytes(source, tmp_path).decode()
    assert fixed.count("\r\n") == fixed.count("\n")
    assert "\tcreated_at = Column(DateTime(timezone=True), server_default=func.now(), nullable=False)\r\n" in fixed
    assert "\tupdated_at = Column(\r\n\t\tDateTime(timezone=True),\r\n" in fixed
    assert fixed.startswith("from sqlalchemy import Column, Integer, DateTime, func\r\n")


@pytest.mark.parametrize(
    ("line_length", "expected"),
    [
        (120, '    x = mapped_column(ForeignKey("posts.id"), nullable=False, index=True)\n'),
        (60, '    x = mapped_column(\n        ForeignKey("posts.id"), nullable=False, index=True\n    )\n'),
        (40, '    x = mapped_column(\n        ForeignKey("posts.id"),\n        nullable=False,\n        index=True,\n    )\n'),
    ],
    ids=["fits", "hugged", "one-per-line"],
)
def test_a_line_pushed_past_the_line_length_is_wrapped(tmp_path, line_length, expected):
    source = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class C(Base):  # noqa: SQF005\n"
        "    __tablename__ = 'c'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        '    x = mapped_column(ForeignKey("posts.id"))\n'  # no annotation: nullable, so SQF002 (unsafe) too
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    config = Config(line_length=line_length, unsafe_fixes=True)
    fixed = process_source(path, source.encode(), config).fixed_source.decode()
    assert fixed.endswith(expected)


def test_a_call_inside_the_authors_multiline_call_is_not_wrapped(tmp_path):
    source = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class C(Base):  # noqa: SQF005\n"
        "    __tablename__ = 'c'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    a_very_long_attribute_name_id = mapped_column(ForeignKey('posts.id'),\n"
        "                                                  index=True)\n"
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    fixed = process_source(path, source.encode(), Config(unsafe_fixes=True)).fixed_source.decode()
    assert fixed.endswith(
        "    a_very_long_attribute_name_id = mapped_column(ForeignKey('posts.id'),\n"
        "                                                  index=True,\n"
        "                                                  nullable=False)\n"
    )
