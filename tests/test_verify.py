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
        # SQF012: the collection's passive_deletes=True (in backref(...) too), the key's ondelete="CASCADE" on a
        # ForeignKey, a ForeignKeyConstraint of __table_args__ or a SQLModel Field
        ("r = relationship('C', cascade='all')\nk = Column(ForeignKey('p.id'))\n",
         "r = relationship('C', cascade='all', passive_deletes=True)\nk = Column(ForeignKey('p.id', ondelete='CASCADE'))\n"),
        ("r = relationship('P', backref=backref('cs', cascade='all'))\n",
         "r = relationship('P', backref=backref('cs', cascade='all', passive_deletes=True))\n"),
        ("class C:\n    __table_args__ = (ForeignKeyConstraint(['p_id'], ['p.id']),)\n",
         "class C:\n    __table_args__ = (ForeignKeyConstraint(['p_id'], ['p.id'], ondelete='CASCADE'),)\n"),
        ("class C:\n    p_id: int = Field(foreign_key='p.id')\n    cs: list = Relationship(cascade_delete=True)\n",
         "class C:\n    p_id: int = Field(foreign_key='p.id', ondelete='CASCADE')\n"
         "    cs: list = Relationship(cascade_delete=True, passive_deletes=True)\n"),
    ],
    ids=["keywords", "aliased-string", "sa-string", "backref", "class-columns", "table-columns", "sqlmodel-sa-column",
         "sqlmodel-field", "sqlmodel-default", "import", "money-typed", "money-bare-mapped", "money-mapped-column",
         "money-sa-double", "orm-only-cascade", "orm-only-cascade-backref", "orm-only-cascade-constraint",
         "orm-only-cascade-sqlmodel"],
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
    ],
    ids=["changed-name", "other-keyword", "other-statement", "removed-statement", "not-sqlalchemy-string",
         "repeated-keyword", "changed-default", "column-not-filled-by-the-database", "float-configured",
         "not-a-float", "float-outside-mapped", "optional-outside-mapped", "float-outside-annotation", "money-default-changed"],
)
def test_anything_else_is_caught(old, new, problem):
    assert problem in unintended_change(old, new)
