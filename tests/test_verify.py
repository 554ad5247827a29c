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
        ("x = C(db.DateTime, default=datetime.utcnow, onupdate=lambda: datetime.utcnow())\n",
         "x = C(db.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc), "
         "onupdate=lambda: datetime.now(timezone.utc))\n"),
        ("x = C(TIMESTAMP(), default=dt.datetime.now)\n",
         "x = C(TIMESTAMP(timezone=True), default=lambda: dt.datetime.now(dt.timezone.utc))\n"),
        ("class C:\n    at: Mapped[datetime] = mapped_column('at', default=datetime.utcnow())\n",
         "class C:\n    at: Mapped[datetime] = mapped_column('at', DateTime(timezone=True), "
         "default=lambda: datetime.now(timezone.utc))\n"),
    ],
    ids=["keywords", "aliased-string", "sa-string", "backref", "class-columns", "table-columns", "sqlmodel-sa-column",
         "sqlmodel-field", "sqlmodel-default", "import", "money-typed", "money-bare-mapped", "money-mapped-column",
         "money-sa-double", "aware-datetime", "aware-timestamp", "aware-mapped-column"],
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
        ("x = C(DateTime, default=datetime.utcnow)\n",
         "x = C(DateTime(timezone=True), default=lambda: other.now(timezone.utc))\n", "became"),
        ("x = C(DateTime, default=datetime.utcnow)\n",
         "x = C(DateTime(timezone=False), default=datetime.utcnow)\n", "became"),
        ("x = C(Date, default=date.today)\n", "x = C(Date(timezone=True), default=date.today)\n", "became"),
        ("x = C(DateTime, key=datetime.utcnow)\n",
         "x = C(DateTime, key=lambda: datetime.now(timezone.utc))\n", "became"),
        ("c = mapped_column(default=datetime.utcnow)\n",
         "c = mapped_column(DateTime(timezone=True), default=datetime.utcnow, index=True)\n", "unexpected addition"),
    ],
    ids=["changed-name", "other-keyword", "other-statement", "removed-statement", "not-sqlalchemy-string",
         "repeated-keyword", "changed-default", "column-not-filled-by-the-database", "float-configured",
         "not-a-float", "float-outside-mapped", "optional-outside-mapped", "float-outside-annotation", "money-default-changed",
         "aware-other-class", "timezone-false", "date-not-datetime", "not-a-default-keyword", "aware-column-keyword-added"],
)
def test_anything_else_is_caught(old, new, problem):
    assert problem in unintended_change(old, new)
