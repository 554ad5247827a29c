"""The rules' documentation (docs.py, docs/rules/) and how a user settles a finding that is not fixed.

- the committed pages are what the rules make of them (docstring, `deciding`, examples never drift);
- every rule has a page, a `deciding` and a declared `fix_safety` that its examples and findings agree with;
- every page's examples compile, and the URLs of `rule_url` name files of the repository;
- every explicit choice that `deciding` and the messages suggest silences the rule, and so does
  `# noqa: CODE` on the reported line; every finding reported without a fix says how to decide.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import BEFORE, ROOT
from sqla_fix import docs
from sqla_fix.config import Config
from sqla_fix.engine import process_source, run
from sqla_fix.rules import RULES, RULES_BY_CODE
from sqla_fix.rules.base import EXAMPLE_HEADER, FIX_SAFETIES, MIXED, NO_FIX, SAFE, UNSAFE, Invalid
from sqla_fix.rules.sqf004_cascade import sqlmodel_supports_cascade_delete

DOCS = ROOT / "docs" / "rules"
CODES = [rule.code for rule in RULES]
REGENERATE = "run `python -m sqla_fix.docs` and commit docs/rules/"


def findings_of(code: str, body: str, tmp_path: Path, config: Config | None = None):
    """The findings of rule `code` on a module made of EXAMPLE_HEADER and `body`, every rule running."""
    source = EXAMPLE_HEADER + body
    path = tmp_path / "models.py"
    path.write_text(source)
    # a rule that is off by default runs here as its users run it: selected on top of the defaults
    result = process_source(path, source.encode(), config or Config(extend_select=[code]))
    assert result.error is None, result.error
    return [finding for finding in result.findings if finding.code == code]


# -- the pages ---------------------------------------------------------------------------------------------


def test_the_committed_pages_are_what_the_rules_make():
    stale = docs.stale_pages(DOCS)
    assert not stale, f"out of date: {', '.join(p.name for p in stale)}; {REGENERATE}"


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_page_a_decision_and_a_fix_safety(code):
    rule = RULES_BY_CODE[code]
    page = DOCS / f"{code}.md"
    assert page.is_file(), REGENERATE
    assert rule.deciding.strip(), "say how to decide a finding that is not fixed"
    assert f"# noqa: {code}" in rule.deciding
    assert rule.fix_safety in FIX_SAFETIES
    text = page.read_text()
    assert rule.deciding.strip() in text and f"# noqa: {code}" in text and f'ignore = ["{code}"]' in text
    assert f"]({code}.md)" in (DOCS / "README.md").read_text()


@pytest.mark.parametrize("code", CODES)
def test_fix_safety_agrees_with_the_examples(code):
    rule = RULES_BY_CODE[code]
    fixed = [example for example in rule.examples if isinstance(example, Invalid) and example.fixed is not None]
    kinds = {UNSAFE if example.unsafe else SAFE for example in fixed}
    allowed = {SAFE: {SAFE}, UNSAFE: {UNSAFE}, MIXED: {SAFE, UNSAFE}, NO_FIX: set()}[rule.fix_safety]
    assert kinds <= allowed, (rule.fix_safety, kinds)
    if rule.fix_safety != NO_FIX:
        assert fixed, "a rule with fixes shows one"


@pytest.fixture(scope="module")
def fixture_findings():
    """Every finding on the golden fixtures (a safe-only run, as `sqla-fix check` reports them)."""
    return [finding for result in run([BEFORE], Config()) for finding in result.findings]


def test_fix_safety_agrees_with_the_findings(fixture_findings):
    allowed = {SAFE: {SAFE, None}, UNSAFE: {UNSAFE, None}, MIXED: {SAFE, UNSAFE, None}, NO_FIX: {None}}
    seen: dict[str, set] = {}
    for finding in fixture_findings:
        seen.setdefault(finding.code, set()).add(finding.fix)
    for code, kinds in seen.items():
        assert kinds <= allowed[RULES_BY_CODE[code].fix_safety], (code, kinds)
    assert {SAFE, UNSAFE} <= seen["SQF005"], "SQF005 says its fixes are sometimes safe, sometimes unsafe"


def _blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("code", CODES)
def test_every_example_of_a_page_compiles(code):
    text = (DOCS / f"{code}.md").read_text()
    blocks = _blocks(text)
    python = [body for language, body in blocks if language == "python"]
    assert python[0] == EXAMPLE_HEADER.rstrip() + "\n", "the page shows the examples' header first"
    sources = [EXAMPLE_HEADER + body for body in python[1:]]
    for language, body in blocks:
        if language == "diff":
            sources += [EXAMPLE_HEADER + side for side in docs.diff_sides(body)]
    assert len(sources) >= len(RULES_BY_CODE[code].examples)
    for number, source in enumerate(sources):
        compile(source, f"{code}.md example {number}", "exec")


def test_a_diff_gives_back_both_sides():
    rule = RULES_BY_CODE["SQF005"]
    for example in rule.examples:
        if isinstance(example, Invalid) and example.fixed is not None:
            assert docs.diff_sides(docs.fix_diff(example.code, example.fixed)) == (example.code, example.fixed)


@pytest.mark.parametrize("code", CODES)
def test_the_rule_url_names_the_page_in_the_repository(code):
    url = docs.rule_url(code)
    prefix = f"{docs.REPOSITORY}/blob/main/"
    assert url.startswith(prefix)
    assert (ROOT / url[len(prefix):]).is_file(), url
    assert url[len(prefix):] == f"docs/rules/{code}.md"


def test_the_index_links_every_page():
    links = re.findall(r"\]\(([^)]+)\)", (DOCS / "README.md").read_text())
    assert sorted(links) == sorted(f"{code}.md" for code in CODES)
    assert all((DOCS / link).is_file() for link in links)


@pytest.mark.parametrize("code", CODES)
def test_rule_text_explains_the_rule_for_a_terminal(code):
    rule = RULES_BY_CODE[code]
    text = docs.rule_text(rule)
    assert text.startswith(f"{code} {rule.name}: {rule.summary}\n")
    assert docs.rationale(rule) in text and rule.deciding.strip() in text
    assert f"# noqa: {code}" in text and docs.rule_url(code) in text
    assert "```" not in text


def test_the_check_command_lists_stale_pages(tmp_path, capsys):
    assert docs.main(["--check", "--directory", str(tmp_path)]) == 1
    assert f"{tmp_path / 'SQF001.md'}" in capsys.readouterr().out
    written = docs.write_docs(tmp_path)
    assert sorted(p.name for p in written) == sorted(["README.md", *(f"{code}.md" for code in CODES)])
    assert docs.main(["--check", "--directory", str(tmp_path)]) == 0
    (tmp_path / "SQF002.md").write_text("edited by hand\n")
    (tmp_path / "SQF999.md").write_text("a rule that is gone\n")
    assert docs.main(["--check", "--directory", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "SQF002.md" in out and "SQF999.md" in out and "SQF001.md" not in out
    docs.write_docs(tmp_path)
    assert not (tmp_path / "SQF999.md").exists() and docs.stale_pages(tmp_path) == []


# -- messages ---------------------------------------------------------------------------------------------


def _example_findings(tmp_path):
    for rule in RULES:
        for example in rule.examples:
            if isinstance(example, Invalid):
                yield from findings_of(rule.code, example.code, tmp_path)


def test_every_finding_without_a_fix_says_how_to_decide(fixture_findings, tmp_path):
    every = [*fixture_findings, *_example_findings(tmp_path)]
    unfixed = [finding for finding in every if finding.fix is None]
    assert {finding.code for finding in unfixed} == set(CODES)
    for finding in unfixed:
        assert "; decide: " in finding.message, finding.message
        assert f"# noqa: {finding.code}" in finding.message.split("; decide: ", 1)[1], finding.message
    for finding in every:
        assert "\n" not in finding.message


REPORTED = [(rule, example) for rule in RULES for example in rule.examples if isinstance(example, Invalid)]


@pytest.mark.parametrize(("rule", "example"), REPORTED, ids=[f"{r.code}-{i}" for i, (r, _) in enumerate(REPORTED)])
def test_noqa_on_the_reported_line_silences_the_finding(rule, example, tmp_path):
    before = findings_of(rule.code, example.code, tmp_path)
    assert before
    offset = EXAMPLE_HEADER.count("\n")
    for finding in before:
        lines = example.code.splitlines()
        lines[finding.line - offset - 1] += f"  # noqa: {rule.code}"
        after = findings_of(rule.code, "\n".join(lines) + "\n", tmp_path)
        assert [f.line for f in after] == [f.line for f in before if f.line != finding.line]


# -- every suggested choice silences the rule ---------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    code: str
    before: str  # a model with a finding of `code`
    after: str  # the same model with one of the choices written: no finding of `code`
    said: str | None = None  # how the message of the finding (reported without a fix) names that choice


def _class(name: str, table: str, *lines: str) -> str:
    body = "".join(f"    {line}\n" for line in lines)
    return f'class {name}(Base):\n    __tablename__ = "{table}"\n    id: Mapped[int] = mapped_column(primary_key=True)\n{body}'


# SQF001
COMPUTED_ARGS = 'def table_args():\n    return ()\n' + _class(
    "C", "c", "__table_args__ = table_args()", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))')
INDEX_FALSE = _class("C", "c", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"), index=False)')
PLAIN_KEY = _class("C", "c", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))')
COMPOSITE = "from sqlalchemy import ForeignKeyConstraint\n" + _class(
    "C", "c", '__table_args__ = (ForeignKeyConstraint(["p_id", "p_n"], ["p.id", "p.n"]),)',
    "p_id: Mapped[int]", "p_n: Mapped[int]")
# SQF002
TREE = 'class Node(Base):\n    __tablename__ = "nodes"\n    id = Column(Integer, primary_key=True)\n' \
       '    up_id = Column(Integer, ForeignKey("nodes.id"))\n'
DEFAULT_NONE = 'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n' \
               '    editor_id = Column(Integer, ForeignKey("users.id"), default=None)\n'
NULLABLE_KEY = 'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n' \
               '    p_id = Column(Integer, ForeignKey("p.id"))\n'
# SQF003
UNIQUE_PROSE = _class("C", "c", "summary: Mapped[str] = mapped_column(String(255), unique=True)")
DEFAULT_PROSE = "from sqlalchemy import text\n" + _class(
    "C", "c", 'notes: Mapped[str] = mapped_column(String(255), server_default="")')
NAMED_LENGTH = "BODY_MAX = 500\n" + _class("C", "c", "body: Mapped[str] = mapped_column(String(BODY_MAX))")
SQLMODEL_PROSE = ("from sqlmodel import Field, SQLModel\n"
                  "class Hero(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
                  "    summary: str = Field(unique=True)\n")
# SQF006
NO_LENGTH = _class("C", "c", "code: Mapped[str] = mapped_column(String())")
BARE_STR = _class("C", "c", "name: Mapped[str]")
# SQF004
RECORDS = (_class("Customer", "customers", 'orders: Mapped[list["Order"]] = relationship()')
           + _class("Order", "orders", 'customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))'))
BACKREF = ('class Thread(Base):\n    __tablename__ = "threads"\n    id = Column(Integer, primary_key=True)\n'
           'class Bookmark(Base):\n    __tablename__ = "bookmarks"\n    id = Column(Integer, primary_key=True)\n'
           '    thread_id = Column(Integer, ForeignKey("threads.id"), nullable=True)\n'
           '    thread = relationship("Thread", backref="bookmarks")\n')
WRITE_ONLY_LINK = ('link = Table("link", Base.metadata,\n'
                   '             Column("p_id", ForeignKey("p.id", ondelete="RESTRICT"), primary_key=True),\n'
                   '             Column("t_id", ForeignKey("t.id"), primary_key=True))\n'
                   + _class("P", "p", 'ts: WriteOnlyMapped["T"] = relationship(secondary=link)') + _class("T", "t"))
WRITE_ONLY = (_class("Feed", "feeds", 'items: WriteOnlyMapped["Item"] = relationship()')
              + _class("Item", "items", 'feed_id: Mapped[Optional[int]] = mapped_column(ForeignKey("feeds.id"))'))
STAR_KWARGS = ("common = {}\n" + _class("P", "p", 'cs: Mapped[list["C"]] = relationship(**common)')
               + _class("C", "c", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))'))
SQLMODEL_MEMBERS = ("from sqlmodel import Field, Relationship, SQLModel\n"
                    "class Team(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
                    '    members: list["User"] = Relationship(back_populates="team")\n'
                    "class User(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
                    '    team_id: int = Field(foreign_key="team.id", index=True)\n'
                    '    team: Optional[Team] = Relationship(back_populates="members")\n')
SQLMODEL_KEEP = "cascade_delete=False" if sqlmodel_supports_cascade_delete() else \
    'sa_relationship_kwargs={"cascade": "save-update, merge"}'
# SQF007
DATACLASS_ONCE = ("from sqlalchemy.orm import MappedAsDataclass\nclass DBase(MappedAsDataclass, DeclarativeBase):\n    pass\n"
                  'class C(DBase):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True, init=False)\n'
                  "    at: Mapped[datetime] = mapped_column(default=datetime.utcnow())\n")
STAR_ONCE = ('class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
             '    at = Column(DateTime, **{"default": datetime.utcnow()})\n')
# SQF009
FLAG_NO_DEFAULT = _class("C", "c", "is_verified: Mapped[bool]")
THREE_STATE = "from sqlalchemy import Boolean\n" + _class("C", "c", "subscribed = Column(Boolean)")
DISAGREE = "from sqlalchemy import text\n" + _class(
    "C", "c", 'enabled: Mapped[bool] = mapped_column(default=True, server_default=text("false"))')
DATACLASS_MUTABLE = ("from sqlalchemy import JSON\nfrom sqlalchemy.orm import MappedAsDataclass\n"
                     "class DBase(MappedAsDataclass, DeclarativeBase):\n    pass\n"
                     'class C(DBase):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True, init=False)\n'
                     "    tags: Mapped[list] = mapped_column(JSON, default=[])\n")
# SQF008
MONEY_SQLMODEL = ("from sqlmodel import Field, SQLModel\n"
                  "class Item(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
                  "    price: float\n")
MONEY_CONFIGURED = "from sqlalchemy import Float\n" + _class("C", "c", "amount = Column(Float(asdecimal=True))")
# SQF014
ONE_VOTE = (_class("User", "users", 'vote: Mapped[Optional["Vote"]] = relationship()')
            + _class("Vote", "votes", 'user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=False)'))
ONE_PROFILE = (_class("User", "users", 'profile: Mapped["Profile"] = relationship()')
               + _class("Profile", "profiles", 'user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))'))
# SQF010
NAIVE_MODULE = _class("C", "c", "created_at = Column(DateTime, default=datetime.utcnow)", "expires_at = Column(DateTime)")
NAIVE_SQLMODEL = ("from sqlmodel import Field, SQLModel\n"
                  "class Item(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n"
                  "    created_at: datetime = Field(default_factory=datetime.utcnow)\n")
# SQF005
LOOK_ALIKES = _class("C", "c", "created: Mapped[datetime]", "modified: Mapped[datetime]")
STAMPED = (
    "created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)",
    ("updated_at: Mapped[datetime] = mapped_column(\n"
     "        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False\n    )"),
)
NAIVE = ('class Job(Base):\n    __tablename__ = "jobs"\n    id = Column(Integer, primary_key=True)\n'
         '    run_at = Column(DateTime)\n    due_at = Column(DateTime)\n')
NAIVE_STAMPS = ('    created_at = Column(DateTime, server_default=func.now(), nullable=False)\n'
                '    updated_at = Column(DateTime, server_default=func.now(), onupdate=func.now(), nullable=False)\n')
TABLE_LOOK_ALIKE = ('events = Table("pages", Base.metadata, Column("id", Integer, primary_key=True),\n'
                    '               Column("created", DateTime))\n')
MIXIN = ("class Stamped:\n" + "".join(f"    {line}\n" for line in STAMPED))
# SQF015
RETURNED = ("from sqlalchemy.orm import Session\n"
            "def first(engine):\n    db = Session(engine)\n    return db.get(C, 1)\n")
SHARED = "from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\nsession = SessionLocal()\n"
DEPENDENCY = ("from sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker()\n"
              "def get_db():\n    db = SessionLocal()\n    yield db\n    db.close()\n")

# SQF013 (the header's Base is given a convention of its own: the finding is that of `Model`)
NO_CONVENTION = ("from sqlalchemy import CheckConstraint, MetaData\nBase.metadata.naming_convention = {}\n"
                 "class Model(DeclarativeBase):\n    pass\n"
                 'class C(Model):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                 '    n = Column(Integer, CheckConstraint("n > 0"))\n')

# SQF011
TENANT_EMAIL = _class("User", "users", "tenant_id: Mapped[int]", "email: Mapped[str] = mapped_column(String(255))")
SOFT_EMAIL = _class("User", "users", "deleted_at: Mapped[Optional[datetime]]",
                    "email: Mapped[str] = mapped_column(String(255))")
INVITE_EMAIL = _class("Invitation", "invitations", "email: Mapped[str] = mapped_column(String(255))")
POST_SLUG = _class("Post", "posts", "blog_id: Mapped[int]", "slug: Mapped[str] = mapped_column(String(100))")

# SQF012
ORM_ONLY = (_class("P", "p", 'cs: Mapped[list["C"]] = relationship(cascade="all, delete-orphan")')
            + _class("C", "c", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))'))
CHILD_SIDE = (_class("P", "p") + _class("C", "c", 'p_id: Mapped[int] = mapped_column(ForeignKey("p.id"))',
                                        'p: Mapped["P"] = relationship(cascade="all")'))
PASSIVE_ONLY = (_class("P", "p", 'cs: Mapped[list["C"]] = relationship(passive_deletes=True, cascade="save-update")')
                + _class("C", "c", 'p_id: Mapped[Optional[int]] = mapped_column(ForeignKey("p.id"))'))
DECISIONS = [
    # SQF011: unique per tenant, among live rows, not unique by design, unique alone or per parent
    Decision("SQF011", TENANT_EMAIL, TENANT_EMAIL.replace(
        "    id:", '    __table_args__ = (UniqueConstraint("tenant_id", "email"),)\n    id:'),
             'UniqueConstraint("tenant_id", "email")'),
    Decision("SQF011", SOFT_EMAIL, "from sqlalchemy import text\n" + SOFT_EMAIL.replace(
        "    id:", '    __table_args__ = (Index("uq_users_email", "email", unique=True, '
                   'postgresql_where=text("deleted_at IS NULL")),)\n    id:'), "postgresql_where="),
    Decision("SQF011", INVITE_EMAIL, INVITE_EMAIL.replace("String(255))", "String(255), unique=False)"), "unique=False"),
    Decision("SQF011", POST_SLUG, POST_SLUG.replace("String(100))", "String(100), unique=True)"), "unique=True"),
    Decision("SQF011", POST_SLUG, POST_SLUG.replace(
        "    id:", '    __table_args__ = (UniqueConstraint("blog_id", "slug"),)\n    id:'), "UniqueConstraint("),
    # SQF014: a unique key (unique=True, a UniqueConstraint), a collection, one of many on purpose
    Decision("SQF014", ONE_VOTE, ONE_VOTE.replace("unique=False", "unique=True"), "unique=True on `Vote.user_id`"),
    Decision("SQF014", ONE_VOTE, ONE_VOTE.replace('Mapped[Optional["Vote"]]', 'Mapped[list["Vote"]]'), "a collection"),
    Decision("SQF014", ONE_VOTE, ONE_VOTE.replace("relationship()", 'relationship(viewonly=True, order_by="Vote.id")'),
             "viewonly=True with order_by="),
    Decision("SQF014", ONE_PROFILE, ONE_PROFILE.replace(
        '    __tablename__ = "profiles"\n', '    __tablename__ = "profiles"\n    __table_args__ = (UniqueConstraint("user_id"),)\n')),
    Decision("SQF014", ONE_PROFILE, ONE_PROFILE.replace(
        '    __tablename__ = "profiles"\n', '    __tablename__ = "profiles"\n'
        '    __table_args__ = (Index("ix_profiles_user", "user_id", unique=True),)\n')),
    # SQF013: a naming convention on the metadata (any), in its MetaData(...) or set on it before the models
    Decision("SQF013", NO_CONVENTION, NO_CONVENTION.replace(
        "    pass\n", '    metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s"})\n'),
             "`naming_convention=`"),
    Decision("SQF013", NO_CONVENTION, NO_CONVENTION.replace(
        "class Model(DeclarativeBase):\n    pass\n",
        'class Model(DeclarativeBase):\n    pass\nModel.metadata.naming_convention = {"pk": "pk_%(table_name)s"}\n')),
    # SQF015: where the session ends, said in the code
    Decision("SQF015", RETURNED, RETURNED.replace("    db = Session(engine)\n    return", "    with Session(engine) as db:\n        return"),
             "`with Session(engine) as db:` around its use"),
    Decision("SQF015", RETURNED, RETURNED.replace("    return db.get(C, 1)\n",
                                                  "    try:\n        return db.get(C, 1)\n    finally:\n        db.close()\n"),
             "`db.close()` in a `finally:`"),
    Decision("SQF015", SHARED, SHARED.replace("session = SessionLocal()\n", "def work():\n    with SessionLocal() as session:\n"
                                              "        session.execute(text('select 1'))\n"), "open one per unit of work"),
    Decision("SQF015", DEPENDENCY, DEPENDENCY.replace("    yield db\n    db.close()\n",
                                                      "    try:\n        yield db\n    finally:\n        db.close()\n"),
             "`try: yield db`"),
    # SQF012: the database deletes them too, or refuses on purpose; the many-to-one side's cascade moved
    Decision("SQF012", ORM_ONLY, ORM_ONLY.replace('delete-orphan")', 'delete-orphan", passive_deletes=True)')
             .replace('ForeignKey("p.id")', 'ForeignKey("p.id", ondelete="CASCADE")')),
    Decision("SQF012", ORM_ONLY, ORM_ONLY.replace('ForeignKey("p.id")', 'ForeignKey("p.id", ondelete="RESTRICT")')),
    Decision("SQF012", CHILD_SIDE, CHILD_SIDE.replace('cascade="all"', 'cascade="save-update, merge"'),
             'cascade="save-update, merge"'),
    Decision("SQF012", PASSIVE_ONLY, PASSIVE_ONLY.replace('ForeignKey("p.id")', 'ForeignKey("p.id", ondelete="SET NULL")'),
             'ondelete="SET NULL"'),
    Decision("SQF012", PASSIVE_ONLY, PASSIVE_ONLY.replace("passive_deletes=True, ", ""), "remove passive_deletes"),
    # SQF010: the module's datetimes made aware together, or naive written out
    Decision("SQF010", NAIVE_MODULE, "from datetime import timezone\n" + NAIVE_MODULE.replace(
        "Column(DateTime, default=datetime.utcnow)",
        "Column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))").replace(
        "expires_at = Column(DateTime)", "expires_at = Column(DateTime(timezone=True))"),
             "DateTime(timezone=True) with an aware default"),
    Decision("SQF010", NAIVE_MODULE, NAIVE_MODULE.replace("Column(DateTime, default", "Column(DateTime(timezone=False), default"),
             "DateTime(timezone=False)"),
    Decision("SQF010", NAIVE_SQLMODEL, "from datetime import timezone\n" + NAIVE_SQLMODEL.replace(
        "Field(default_factory=datetime.utcnow)",
        "Field(default_factory=lambda: datetime.now(timezone.utc), sa_type=DateTime(timezone=True))"),
             "Field(default_factory=lambda: datetime.now(timezone.utc), sa_type=DateTime(timezone=True))"),
    # SQF008: Numeric and Decimal (SQLModel's max_digits/decimal_places), or an integer of cents
    Decision("SQF008", MONEY_SQLMODEL, "from decimal import Decimal\n" + MONEY_SQLMODEL.replace(
        "price: float", "price: Decimal = Field(max_digits=12, decimal_places=2)"),
             "Decimal = Field(max_digits=12, decimal_places=2)"),
    Decision("SQF008", MONEY_SQLMODEL, MONEY_SQLMODEL.replace("price: float", "price_cents: int"), "an integer of cents"),
    Decision("SQF008", MONEY_CONFIGURED, "from sqlalchemy import Numeric\n" + MONEY_CONFIGURED.replace(
        "Float(asdecimal=True)", "Numeric(12, 2)"), "Numeric(12, 2) with Decimal in Python"),
    # SQF001: index=True, an Index(...) led by the key (in __table_args__ or at module level), a UniqueConstraint
    Decision("SQF001", COMPUTED_ARGS, COMPUTED_ARGS.replace('ForeignKey("p.id"))', 'ForeignKey("p.id"), index=True)'),
             "index=True"),
    Decision("SQF001", INDEX_FALSE, INDEX_FALSE.replace("index=False", "index=True"), "index=True"),
    Decision("SQF001", COMPOSITE, COMPOSITE.replace('"p.n"]),)', '"p.n"]), Index("ix_c_p_id_p_n", "p_id", "p_n"))'),
             "Index(...)"),
    Decision("SQF001", PLAIN_KEY, PLAIN_KEY + 'Index("ix_c_p_id", C.p_id)\n'),
    Decision("SQF001", PLAIN_KEY, PLAIN_KEY.replace('    id:', '    __table_args__ = (Index("ix_c_p", "p_id"),)\n    id:')),
    Decision("SQF001", PLAIN_KEY, PLAIN_KEY.replace('    id:', '    __table_args__ = (UniqueConstraint("p_id", "id"),)\n    id:')),
    # SQF002: nullable=True or nullable=False, or the typed annotation that says it
    Decision("SQF002", TREE, TREE.replace('"nodes.id"))', '"nodes.id"), nullable=True)'), "nullable=True"),
    Decision("SQF002", TREE, TREE.replace('"nodes.id"))', '"nodes.id"), nullable=False)'), "nullable=False"),
    Decision("SQF002", DEFAULT_NONE, DEFAULT_NONE.replace("default=None)", "default=None, nullable=True)"),
             "nullable=True"),
    Decision("SQF002", DEFAULT_NONE, DEFAULT_NONE.replace(
        'editor_id = Column(Integer, ForeignKey("users.id"), default=None)',
        'editor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)')),
    Decision("SQF002", NULLABLE_KEY, NULLABLE_KEY.replace('"p.id"))', '"p.id"), nullable=True)')),
    Decision("SQF002", NULLABLE_KEY, NULLABLE_KEY.replace('"p.id"))', '"p.id"), nullable=False)')),
    # SQF003: Text (with what MySQL then needs), or SQLModel's explicit String(n)
    Decision("SQF003", UNIQUE_PROSE, UNIQUE_PROSE.replace("String(255), unique=True", "Text, unique=True"), "Text"),
    Decision("SQF003", UNIQUE_PROSE, UNIQUE_PROSE.replace(
        "mapped_column(String(255), unique=True)", "mapped_column(Text)\n"
        '    __table_args__ = (Index("ix_c_summary", "summary", unique=True, mysql_length=255),)'), "mysql_length="),
    Decision("SQF003", DEFAULT_PROSE, DEFAULT_PROSE.replace(
        'String(255), server_default="")', 'Text, server_default=text("(\'\')"))'), "server_default=text("),
    Decision("SQF003", NAMED_LENGTH, NAMED_LENGTH.replace("String(BODY_MAX)", "Text"), "Text if"),
    Decision("SQF003", SQLMODEL_PROSE, SQLMODEL_PROSE.replace("unique=True)", "unique=True, sa_type=Text)"),
             "Field(sa_type=Text)"),
    Decision("SQF003", SQLMODEL_PROSE, SQLMODEL_PROSE.replace("unique=True)", "unique=True, sa_type=String(255))"),
             "Field(sa_type=String(255))"),
    # SQF006: the length meant, Text, or a type annotation map that gives str its length
    Decision("SQF006", NO_LENGTH, NO_LENGTH.replace("String()", "String(32)"), "String(n) with the length you mean"),
    Decision("SQF006", NO_LENGTH, NO_LENGTH.replace("String()", "Text"), "Text if it has no natural length"),
    Decision("SQF006", BARE_STR, BARE_STR.replace("name: Mapped[str]", "name: Mapped[str] = mapped_column(String(80))"),
             "mapped_column(String(n))"),
    Decision("SQF006", BARE_STR, "class Base80(DeclarativeBase):\n    type_annotation_map = {str: String(80)}\n"
             + BARE_STR.replace("class C(Base)", "class C(Base80)"), "type_annotation_map = {str: String(n)}"),
    # SQF004: an explicit cascade (with passive_deletes and an ondelete where the database decides)
    Decision("SQF004", RECORDS, RECORDS.replace("relationship()", 'relationship(cascade="all, delete-orphan")'),
             'cascade="all, delete-orphan"'),
    Decision("SQF004", RECORDS, RECORDS.replace("relationship()", 'relationship(cascade="save-update, merge")'),
             'cascade="save-update, merge"'),
    Decision("SQF004", RECORDS, RECORDS.replace(
        "relationship()", 'relationship(cascade="save-update, merge", passive_deletes="all")').replace(
        'ForeignKey("customers.id")', 'ForeignKey("customers.id", ondelete="RESTRICT")')),
    Decision("SQF004", RECORDS, RECORDS.replace(
        "relationship()", 'relationship(cascade="all, delete-orphan", passive_deletes=True)').replace(
        'ForeignKey("customers.id")', 'ForeignKey("customers.id", ondelete="CASCADE")')),
    Decision("SQF004", BACKREF, BACKREF.replace('backref="bookmarks"',
                                                'backref=backref("bookmarks", cascade="save-update, merge")'),
             'backref=backref("bookmarks", cascade="save-update, merge")'),
    Decision("SQF004", BACKREF, BACKREF.replace('backref="bookmarks"',
                                                'backref=backref("bookmarks", cascade="all, delete-orphan")'),
             'backref=backref("bookmarks", cascade="all, delete-orphan")'),
    Decision("SQF004", WRITE_ONLY_LINK, WRITE_ONLY_LINK.replace("secondary=link)", "secondary=link, passive_deletes=True)"),
             "passive_deletes=True"),
    Decision("SQF004", WRITE_ONLY, WRITE_ONLY.replace(
        "relationship()", 'relationship(cascade="save-update, merge", passive_deletes=True)').replace(
        'ForeignKey("feeds.id")', 'ForeignKey("feeds.id", ondelete="SET NULL")'), "passive_deletes=True"),
    Decision("SQF004", STAR_KWARGS, STAR_KWARGS.replace("(**common)", '(cascade="save-update, merge", **common)'),
             'cascade="save-update, merge"'),
    Decision("SQF004", SQLMODEL_MEMBERS, SQLMODEL_MEMBERS.replace('back_populates="team")',
                                                                  f'back_populates="team", {SQLMODEL_KEEP})'),
             SQLMODEL_KEEP),
    Decision("SQF004", SQLMODEL_MEMBERS, SQLMODEL_MEMBERS.replace(
        'back_populates="team")', 'back_populates="team", sa_relationship_kwargs={"cascade": "save-update, merge"})')),
    # SQF005: the columns declared by hand (or a mixin that has them)
    Decision("SQF005", LOOK_ALIKES, LOOK_ALIKES + "".join(f"    {line}\n" for line in STAMPED),
             "declare created_at, updated_at yourself"),
    Decision("SQF005", NAIVE, NAIVE + NAIVE_STAMPS, "declare created_at, updated_at yourself"),
    Decision("SQF005", TABLE_LOOK_ALIKE, TABLE_LOOK_ALIKE.replace(
        'Column("created", DateTime))',
        'Column("created", DateTime),\n'
        '               Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),\n'
        '               Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False))'),
             "declare created_at, updated_at yourself"),
    Decision("SQF005", LOOK_ALIKES, MIXIN + LOOK_ALIKES.replace("class C(Base)", "class C(Stamped, Base)")),
    # SQF007: the function (insert_default= on a dataclass model), the server's time, or a module constant
    Decision("SQF007", DATACLASS_ONCE, DATACLASS_ONCE.replace(
        "mapped_column(default=datetime.utcnow())", "mapped_column(insert_default=datetime.utcnow, init=False)"),
             "insert_default=datetime.utcnow with init=False"),
    Decision("SQF007", DATACLASS_ONCE, DATACLASS_ONCE.replace(
        "mapped_column(default=datetime.utcnow())", "mapped_column(default_factory=datetime.utcnow)"),
             "default_factory=datetime.utcnow"),
    Decision("SQF007", STAR_ONCE, STAR_ONCE.replace('**{"default": datetime.utcnow()}', "default=datetime.utcnow"),
             "default=datetime.utcnow"),
    Decision("SQF007", STAR_ONCE, STAR_ONCE.replace('**{"default": datetime.utcnow()}', "server_default=func.now()"),
             "server_default=func.now()"),
    Decision("SQF007", STAR_ONCE, "STARTED = datetime.utcnow()\n" + STAR_ONCE.replace(
        '**{"default": datetime.utcnow()}', "default=STARTED")),
    # SQF009: the value meant, on both sides; NULL meant; defaults that agree; a fresh object per row
    Decision("SQF009", FLAG_NO_DEFAULT, "from sqlalchemy import false\n" + FLAG_NO_DEFAULT.replace(
        "is_verified: Mapped[bool]", "is_verified: Mapped[bool] = mapped_column(default=False, server_default=false())"),
             "server_default=false()"),
    Decision("SQF009", THREE_STATE, THREE_STATE.replace("Column(Boolean)", "Column(Boolean, nullable=True)"),
             "nullable=True"),
    Decision("SQF009", DISAGREE, DISAGREE.replace('text("false")', 'text("true")')),
    Decision("SQF009", DATACLASS_MUTABLE, DATACLASS_MUTABLE.replace("default=[]", "default_factory=list"),
             "default_factory=list"),
]


@pytest.mark.parametrize("decision", DECISIONS, ids=[f"{d.code}-{i}" for i, d in enumerate(DECISIONS)])
def test_every_suggested_choice_silences_the_rule(decision, tmp_path):
    before = findings_of(decision.code, decision.before, tmp_path)
    assert before, "the model has the finding"
    if decision.said is not None:
        assert all(finding.fix is None for finding in before), "a choice the message suggests is for a finding not fixed"
        assert any(decision.said in finding.message.split("; decide: ", 1)[-1] for finding in before), \
            [finding.message for finding in before]
    compile(EXAMPLE_HEADER + decision.after, "after", "exec")
    after = findings_of(decision.code, decision.after, tmp_path)
    assert after == [], [finding.message for finding in after]


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_its_choices_proved(code):
    assert sum(decision.code == code for decision in DECISIONS) >= 2


def test_declaring_a_migrations_index_silences_sqf001(tmp_path):
    """Where a migration made the index, the model declares it as the migration names it."""
    project = tmp_path / "migration_index_project"
    shutil.copytree(BEFORE / project.name, project, ignore=shutil.ignore_patterns(".sqla_fix_cache"))
    models = project / "app" / "models.py"
    config = Config(select=["SQF001"])

    def reported() -> list:
        return [f for result in run([project], config) if result.path.name == "models.py" for f in result.findings]

    before = reported()
    keys = sorted(f.message.split("`")[1] for f in before if f.fix is None)
    assert keys == ["Server.group_id", "Server.user_id"]
    assert all("index=True for ix_server_user_id" in f.message for f in before if "user_id" in f.message)
    source = models.read_text()
    source = source.replace('ForeignKey("users.id"), nullable=False)\n    group_id',
                            'ForeignKey("users.id"), nullable=False, index=True)\n    group_id')
    source = source.replace('    __tablename__ = "server"\n',
                            '    __tablename__ = "server"\n    __table_args__ = (UniqueConstraint("group_id", "name"),)\n')
    source = source.replace("from sqlalchemy import Column", "from sqlalchemy import UniqueConstraint, Column")
    models.write_text(source)
    assert [f.message.split("`")[1] for f in reported() if f.fix is None] == []
