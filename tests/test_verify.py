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
        ("class C:\n    price: Mapped[float] = mapped_column(Float(53), default=0.0)\n",
         "class C:\n    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0.0)\n"),
        ("class C:\n    fee: Mapped[Optional[float]]\n",
         "class C:\n    fee: Mapped[Optional[Decimal]] = mapped_column(Numeric(12, 2))\n"),
        ("class C:\n    fee: Mapped[float] = mapped_column(default=1)\n",
         "class C:\n    fee: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=1)\n"),
        ("x = sa.Column(sa.Double())\n", "x = sa.Column(sa.Numeric(19, 4))\n"),
        ("email = db.Column(db.String(120), index=True)\n", "email = db.Column(db.String(120), index=True, unique=True)\n"),
        ("class U:\n    email: str = Field(index=True)\n", "class U:\n    email: str = Field(index=True, unique=True)\n"),
        ("class U:\n    username: Mapped[str]\n", "class U:\n    username: Mapped[str] = mapped_column(unique=True)\n"),
    ],
    ids=["keywords", "aliased-string", "sa-string", "backref", "class-columns", "table-columns", "sqlmodel-sa-column",
         "sqlmodel-field", "sqlmodel-default", "import", "money-typed", "money-bare-mapped", "money-mapped-column",
         "money-sa-double", "unique-column", "unique-sqlmodel-field", "unique-bare-mapped"],
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
        ("x = C(Float(asdecimal=True))\n", "x = C(Numeric(12, 2))\n", "became"),
        ("x = C(Integer)\n", "x = C(Numeric(12, 2))\n", "Name became Call"),
        ("x: float = 1.0\n", "x: Decimal = 1.0\n", "'float' became 'Decimal'"),
        ("x: Optional[float] = 1.0\n", "x: Optional[Decimal] = 1.0\n", "'float' became 'Decimal'"),
        ("x = f(float)\n", "x = f(Decimal)\n", "'float' became 'Decimal'"),
        ("c = mapped_column(default=1)\n", "c = mapped_column(Numeric(12, 2), default=2)\n", "unexpected addition"),
        ("c = Column(String, unique=False)\n", "c = Column(String, unique=True)\n", "False became True"),
        ("c = Column(String)\n", "c = Column(String, unique=False)\n", "unexpected addition keyword(arg='unique'"),
        ("class U:\n    x: Mapped[str]\n", "class U:\n    x: Mapped[str] = mapped_column(unique=True, index=True)\n",
         "became"),
    ],
    ids=["changed-name", "other-keyword", "other-statement", "removed-statement", "not-sqlalchemy-string",
         "repeated-keyword", "changed-default", "column-not-filled-by-the-database", "float-configured",
         "not-a-float", "float-outside-mapped", "optional-outside-mapped", "float-outside-annotation", "money-default-changed",
         "unique-false-flipped", "unique-false-added", "bare-mapped-more-than-unique"],
)
def test_anything_else_is_caught(old, new, problem):
    assert problem in unintended_change(old, new)
