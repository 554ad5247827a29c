"""The last check before writing: only our kinds of edits, proven on Python's own AST."""

import pytest

from sqla_fix.rules.sqf013_naming_convention import CONVENTION
from sqla_fix.verify import unintended_change

NAMES = "{" + ", ".join(f"'{k}': '{v}'" for k, v in CONVENTION) + "}"  # SQF013's convention
OTHER_NAMES = NAMES.replace("pk_%(table_name)s", "pk_%(table_name)s_x")


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
        ("x = mapped_column(ForeignKey('a.id'), index=True)\n", "x = mapped_column(ForeignKey('a.id'), index=True, unique=True)\n"),
        ("x = db.Column(db.Integer, db.ForeignKey('a.id'))\n", "x = db.Column(db.Integer, db.ForeignKey('a.id'), unique=True)\n"),
        ("x: int = Field(foreign_key='a.id')\n", "x: int = Field(foreign_key='a.id', unique=True)\n"),
        ("m = MetaData(schema='a')\n", f"m = MetaData(schema='a', naming_convention={NAMES})\n"),
        ("B = declarative_base()\n", f"B = declarative_base(metadata=MetaData(naming_convention={NAMES}))\n"),
        ("class B(DeclarativeBase):\n    pass\n",
         f"class B(DeclarativeBase):\n    metadata = MetaData(naming_convention={NAMES})\n"),
        ("class B(DeclarativeBase):\n    'Doc.'\n",
         f"class B(DeclarativeBase):\n    'Doc.'\n    metadata = MetaData(naming_convention={NAMES})\n"),
        ("email = db.Column(db.String(120), index=True)\n", "email = db.Column(db.String(120), index=True, unique=True)\n"),
        ("class U:\n    email: str = Field(index=True)\n", "class U:\n    email: str = Field(index=True, unique=True)\n"),
        ("class U:\n    username: Mapped[str]\n", "class U:\n    username: Mapped[str] = mapped_column(unique=True)\n"),
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
        ("x = C(db.DateTime, default=datetime.utcnow, onupdate=lambda: datetime.utcnow())\n",
         "x = C(db.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc), "
         "onupdate=lambda: datetime.now(timezone.utc))\n"),
        ("x = C(TIMESTAMP(), default=dt.datetime.now)\n",
         "x = C(TIMESTAMP(timezone=True), default=lambda: dt.datetime.now(dt.timezone.utc))\n"),
        ("class C:\n    at: Mapped[datetime] = mapped_column('at', default=datetime.utcnow())\n",
         "class C:\n    at: Mapped[datetime] = mapped_column('at', DateTime(timezone=True), "
         "default=lambda: datetime.now(timezone.utc))\n"),
    ],
    ids=["keywords", "aliased-string", "sa-string", "backref", "class-columns", "table-columns",
         "sqlmodel-sa-column", "sqlmodel-field", "sqlmodel-default", "import", "money-typed", "money-bare-mapped",
         "money-mapped-column", "money-sa-double", "unique-key-typed", "unique-key-flask", "unique-key-sqlmodel",
         "convention-keyword", "convention-factory", "convention-for-pass", "convention-in-body", "unique-column",
         "unique-sqlmodel-field", "unique-bare-mapped", "orm-only-cascade", "orm-only-cascade-backref",
         "orm-only-cascade-constraint", "orm-only-cascade-sqlmodel", "aware-datetime", "aware-timestamp",
         "aware-mapped-column"],
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
        ("c = Column(ForeignKey('a.id'))\n", "c = Column(ForeignKey('a.id'), unique=False)\n", "unexpected addition"),
        ("c = Column(ForeignKey('a.id'))\n", "c = Column(ForeignKey('a.id', unique=True))\n", "unexpected addition"),
        ("m = MetaData()\n", f"m = MetaData(naming_convention={OTHER_NAMES})\n", "unexpected addition"),
        ("B = f()\n", f"B = f(metadata=MetaData(schema='x', naming_convention={NAMES}))\n", "unexpected addition"),
        ("class B:\n    pass\n", f"class B:\n    registry = MetaData(naming_convention={NAMES})\n", "became"),
        ("class B:\n    x = 1\n", f"class B:\n    x = 1\n    metadata = MetaData(naming_convention={OTHER_NAMES})\n",
         "unexpected addition"),
        ("c = Column(String, unique=False)\n", "c = Column(String, unique=True)\n", "False became True"),
        ("c = Column(String)\n", "c = Column(String, unique=False)\n", "unexpected addition keyword(arg='unique'"),
        ("class U:\n    x: Mapped[str]\n", "class U:\n    x: Mapped[str] = mapped_column(unique=True, index=True)\n",
         "became"),
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
         "unique-false", "unique-inside-foreign-key", "convention-not-the-documented-one",
         "convention-metadata-with-more", "convention-other-attribute", "convention-other-in-body",
         "unique-false-flipped", "unique-false-added", "bare-mapped-more-than-unique", "aware-other-class",
         "timezone-false", "date-not-datetime", "not-a-default-keyword", "aware-column-keyword-added"],
)
def test_anything_else_is_caught(old, new, problem):
    assert problem in unintended_change(old, new)


# SQF015: `name = <call>` of a function body made `with <call> as name:` over the statements after it
SESSION_OLD = "def f(x):\n    '''Doc.'''\n    db = S(bind=e)\n    db.run(x)\n    if x:\n        db.commit()\n"
SESSION_NEW = "def f(x):\n    '''Doc.'''\n    with S(bind=e) as db:\n        db.run(x)\n        if x:\n            db.commit()\n"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (SESSION_OLD, SESSION_NEW),
        (SESSION_OLD.replace("def f", "async def f"), SESSION_NEW.replace("def f", "async def f")),
        ("class A:\n    def m(self):\n        s = S()\n        s.go()\n",
         "class A:\n    def m(self):\n        with S() as s:\n            s.go()\n"),
    ],
    ids=["function", "async-function", "method"],
)
def test_a_session_closed_by_with_passes(old, new):
    assert unintended_change(old, new) is None


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # another name, another call, a statement left out of the block or added to it, a changed statement
        (SESSION_OLD, SESSION_NEW.replace("as db", "as s"), "became"),
        (SESSION_OLD, SESSION_NEW.replace("S(bind=e) as", "S() as"), "became"),
        (SESSION_OLD, SESSION_NEW.replace("        if x:\n            db.commit()\n", "    if x:\n        db.commit()\n"),
         "became"),
        (SESSION_OLD, SESSION_NEW + "        db.close()\n", "Assign became With"),
        (SESSION_OLD, SESSION_NEW.replace("db.run(x)", "db.run(y)"), "'x' became 'y'"),
        # not an assignment of a call, a `with` at module level, an annotated assignment
        ("def f():\n    db = s\n    db.go()\n", "def f():\n    with s as db:\n        db.go()\n", "became"),
        ("db = S()\ndb.go()\n", "with S() as db:\n    db.go()\n", "became"),
        ("def f():\n    db: T = S()\n    db.go()\n", "def f():\n    with S() as db:\n        db.go()\n", "became"),
    ],
    ids=["other-name", "other-call", "statement-left-out", "statement-added", "changed-inside", "not-a-call",
         "module-level", "annotated"],
)
def test_other_withs_are_caught(old, new, problem):
    assert problem in unintended_change(old, new)
