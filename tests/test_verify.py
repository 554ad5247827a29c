"""The last check before writing: only our kinds of edits, proven on Python's own AST."""

import pytest

from sqla_fix.verify import unintended_change


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x = C(ForeignKey('a.id'))\n", "x = C(ForeignKey('a.id', ondelete='CASCADE'), nullable=False, index=True)\n"),
        ("from sqlalchemy import String as Str\nx = C(Str(5))\n", "from sqlalchemy import String as Str, Text\nx = C(Text)\n"),
        ("x = C(sa.String(5))\n", "x = C(sa.Text)\n"),
        ("r = relationship('P', backref='cs')\n", "r = relationship('P', backref=backref('cs', cascade='all, delete-orphan'))\n"),
        ("class A:\n    id = 1\n", "class A:\n    id = 1\n    created_at = C(server_default=f.now())\n"
         "    modified = C(server_default=f.now())\n"),
        ("t = Table('t', m, Column('id'))\n", "t = Table('t', m, Column('id'), Column('created_at', server_default=f()))\n"),
        ("class N:\n    bio: str = ''\n", "class N:\n    bio: str = Field(default='', sa_column=Column(Text, nullable=False))\n"),
        ("class N:\n    bio: str\n", "class N:\n    bio: str = Field(sa_type=Text)\n"),
        ("class N:\n    bio: str = ''\n", "class N:\n    bio: str = Field(default='', sa_type=Text)\n"),
        ("import os\n", "import os\nfrom datetime import datetime\n"),
    ],
    ids=["keywords", "aliased-string", "sa-string", "backref", "class-columns", "table-columns", "sqlmodel-sa-column",
         "sqlmodel-field", "sqlmodel-default", "import"],
)
def test_our_edits_pass(old, new):
    assert unintended_change(old, new) is None


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("x = f(a)\n", "x = f(b)\n", "module.body[0].value.args[0].id: 'a' became 'b'"),
        ("x = f(a)\n", "x = f(a, unique=True)\n", "unexpected addition keyword(arg='unique'"),
        ("class A:\n    x = 1\n", "class A:\n    x = 1\n    y = 2\n", "unexpected addition Assign"),
        ("class A:\n    x = 1\n    y = 2\n", "class A:\n    x = 1\n", "module.body[0].body[1]: removed"),
        ("x = C(Str(5))\n", "x = C(Text)\n", "Call became Name"),  # Str is not SQLAlchemy's String here
        ("f(a)\n", "f(a, index=True, index=True)\n", "keyword argument repeated"),
        ("class N:\n    bio: str = ''\n", "class N:\n    bio: str = Field(default='x', sa_type=Text)\n", "became"),
        ("class A:\n    x = 1\n", "class A:\n    x = 1\n    created_at = C()\n", "unexpected addition Assign"),
    ],
    ids=["changed-name", "other-keyword", "other-statement", "removed-statement", "not-sqlalchemy-string",
         "repeated-keyword", "changed-default", "column-not-filled-by-the-database"],
)
def test_anything_else_is_caught(old, new, problem):
    assert problem in unintended_change(old, new)
