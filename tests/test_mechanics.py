"""How a run treats its files: migration scripts left alone, several projects kept apart, newer syntax."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from sqla_fix import engine
from sqla_fix.cli import main
from sqla_fix.config import Config
from sqla_fix.migrations import imports_alembic, in_versions_directory, script_locations

MODEL = '''\
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):  # noqa: SQF005
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)


class Comment(Base):  # noqa: SQF005
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"))
'''

REVISION = '''\
"""create comments

Revision ID: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None

comments = sa.Table(
    "comments",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("body", sa.String(50)),
)


def upgrade():
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    )
'''

# A revision file that does not import alembic itself (a helper module in versions/): excluded by place.
SNAPSHOT = '''\
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Comment(Base):
    __tablename__ = "comments"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"))
    body = sa.Column(sa.String(50))
'''

ENV = '''\
from alembic import context
import sqlalchemy as sa
from models import Base

target_metadata = Base.metadata
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def outcome(results) -> dict[str, tuple]:
    """What a run makes of each file: its fixed source, error, findings, and what remains."""
    return {
        str(r.path): (r.fixed_source, r.error, [str(f) for f in r.findings], [str(f) for f in r.remaining])
        for r in results
    }


@pytest.fixture
def alembic_project(tmp_path: Path) -> Path:
    return write(tmp_path / "proj", {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "alembic.ini": "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = sqlite://\n",
        "models.py": MODEL,
        "alembic/env.py": ENV,
        "alembic/script.py.mako": "${upgrades}\n",
        "alembic/versions/0001_create_comments.py": REVISION,
        "alembic/versions/snapshot.py": SNAPSHOT,
    })


# -- 1. migration scripts ------------------------------------------------------------------------------

def test_migration_scripts_are_neither_fixed_nor_reported(runner, alembic_project):
    migrations = {k: v for k, v in snapshot(alembic_project).items() if k.startswith("alembic")}
    check = runner.invoke(main, ["check", str(alembic_project)])
    assert check.exit_code == 1, check.output
    assert "alembic" not in check.output  # nothing there is reported: only models.py
    assert f"{alembic_project / 'models.py'}:" in check.output
    assert check.stderr == ""

    fix = runner.invoke(main, ["fix", str(alembic_project)])
    assert fix.exit_code in (0, 1), fix.output
    assert "alembic" not in fix.stdout.replace("alembic revision --autogenerate", "")
    assert b"index=True" in (alembic_project / "models.py").read_bytes()  # the model file is fixed
    assert {k: v for k, v in snapshot(alembic_project).items() if k.startswith("alembic")} == migrations


def test_a_migration_named_on_the_command_line_is_skipped_without_error(runner, alembic_project):
    for name in ("alembic/versions/0001_create_comments.py", "alembic/versions/snapshot.py", "alembic/env.py"):
        path = alembic_project / name
        before = path.read_bytes()
        result = runner.invoke(main, ["fix", str(path)])
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert path.read_bytes() == before
    for name in ("alembic/versions/snapshot.py", "alembic/versions/0001_create_comments.py"):
        [result] = engine.run([alembic_project / name], Config())
        assert (result.error, result.findings, result.changed) == (None, [], False)


def test_migration_files_are_not_read_as_context(alembic_project):
    """`relationship("Comment")` in a model must not find the snapshot class of a revision file."""
    write(alembic_project, {
        "models.py": '''\
from sqlalchemy import Column, Integer
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Author(Base):  # noqa: SQF005
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    comments = relationship("Comment")
''',
        "alembic/versions/snapshot.py": '''\
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Comment(Base):
    __tablename__ = "comments"
    id = sa.Column(sa.Integer, primary_key=True)
    author_id = sa.Column(sa.Integer, sa.ForeignKey("authors.id"), nullable=False, index=True)
''',
    })
    with_migrations = outcome(engine.run([alembic_project / "models.py"], Config(unsafe_fixes=True)))
    shutil.rmtree(alembic_project / "alembic")
    without = outcome(engine.run([alembic_project / "models.py"], Config(unsafe_fixes=True)))
    assert with_migrations == without


def test_imports_alembic():
    assert imports_alembic(b"from alembic import op\n")
    assert imports_alembic(b"import alembic.context as context\n")
    assert imports_alembic(b"try:\n    from alembic import op\nexcept ImportError:\n    op = None\n")
    assert imports_alembic(b"type X = int\nfrom alembic import op\n")  # newer syntax: by its lines
    assert not imports_alembic(b"import alembic_utils\nfrom alembic_utils.pg_function import PGFunction\n")
    assert not imports_alembic(b"def upgrade_db():\n    from alembic import command\n")  # an app command
    assert not imports_alembic(b"# alembic revision --autogenerate\nimport sqlalchemy\n")
    assert not imports_alembic(b"import sqlalchemy\n")


def test_script_locations(tmp_path):
    root = write(tmp_path / "p", {
        "pyproject.toml": "[project]\nname = 'p'\n",
        "src/myapp/__init__.py": "",
        "src/myapp/db/migrations_here/versions/a.py": "import sqlalchemy\n",
        "deploy/alembic.ini": (
            "[alembic]\nscript_location = myapp:db/migrations_here\n"
            "version_locations = %(here)s/extra_versions\nlogging = 100%% odd\n"
        ),
        "deploy/extra_versions/b.py": "import sqlalchemy\n",
        "migrations/versions/c.py": "import sqlalchemy\n",  # Flask-Migrate
        "db/env.py": "", "db/script.py.mako": "", "db/versions/d.py": "import sqlalchemy\n",
        "app/versions/e.py": "import sqlalchemy\n",  # a `versions` package of the application
    })
    locations, version_locations = script_locations(root.resolve())
    assert (root / "src/myapp/db/migrations_here").resolve() in locations
    assert (root / "deploy/extra_versions").resolve() in version_locations
    assert in_versions_directory(root / "src/myapp/db/migrations_here/versions/a.py")
    assert in_versions_directory(root / "deploy/extra_versions/b.py")
    assert in_versions_directory(root / "migrations/versions/c.py")
    assert in_versions_directory(root / "db/versions/d.py")
    assert not in_versions_directory(root / "app/versions/e.py")


# -- 2. several project roots in one run --------------------------------------------------------------

PROJECT_A = {
    "pyproject.toml": "[project]\nname = 'a'\n",
    "base.py": '''\
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
''',
    "models.py": '''\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from base import Base, CreatedMixin


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: Mapped[list["Post"]] = relationship(back_populates="user")


class Post(CreatedMixin, Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship(back_populates="posts")
''',
}

PROJECT_B = {
    "pyproject.toml": "[project]\nname = 'b'\n",
    "base.py": '''\
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
''',
    "models.py": '''\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from base import Base, TimestampMixin


class Post(TimestampMixin, Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(2000))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
''',
}


@pytest.mark.parametrize("as_files", [False, True], ids=["directories", "files"])
@pytest.mark.parametrize("b_first", [False, True], ids=["a-first", "b-first"])
def test_two_projects_in_one_run_get_what_each_gets_alone(tmp_path, as_files, b_first):
    a, b = write(tmp_path / "a", PROJECT_A), write(tmp_path / "b", PROJECT_B)
    targets = [a / "models.py", b / "models.py"] if as_files else [a, b]
    if b_first:
        targets.reverse()
    alone = {**outcome(engine.run([targets[0]], Config())), **outcome(engine.run([targets[1]], Config()))}
    together = outcome(engine.run(targets, Config()))
    assert together == alone
    # and what each gets is its own project's: A's Post inherits created_at only, B's Post both timestamps
    a_result, b_result = together[str(a / "models.py")], together[str(b / "models.py")]
    assert any("SQF005" in f and "`Post` has no updated_at:" in f for f in a_result[2])
    assert not any("SQF005" in f for f in b_result[2])
    assert any("SQF003" in f for f in b_result[2]) and not any("SQF003" in f for f in a_result[2])


def test_a_class_named_in_one_project_is_looked_for_in_that_project(tmp_path):
    """B defines a `Post` of its own: that must not stop A's `relationship("Post")` from finding A's post.py."""
    a = write(tmp_path / "a", {
        "pyproject.toml": "[project]\nname = 'a'\n",
        "base.py": PROJECT_A["base.py"],
        "user.py": '''\
from sqlalchemy.orm import Mapped, mapped_column, relationship

from base import Base


class User(Base):  # noqa: SQF005
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: Mapped[list["Post"]] = relationship(back_populates="user")
''',
        "post.py": '''\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from base import Base


class Post(Base):  # noqa: SQF005
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    user: Mapped["User"] = relationship(back_populates="posts")
''',
    })
    b = write(tmp_path / "b", PROJECT_B)
    alone = outcome(engine.run([a / "user.py"], Config()))
    together = outcome(engine.run([a / "user.py", b / "models.py"], Config()))
    assert together[str(a / "user.py")] == alone[str(a / "user.py")]


# -- 3. syntax newer than the running Python ----------------------------------------------------------

NEWER = '''\
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()

type UserId = int


class Comment(Base):  # noqa: SQF005
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"))
'''

older_python = pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python parses `type X = ...` itself")


@older_python
def test_newer_syntax_is_checked_but_not_written(runner, tmp_path):
    project = write(tmp_path / "p", {"pyproject.toml": "[project]\nname = 'p'\n", "models.py": NEWER})
    models = project / "models.py"

    check = runner.invoke(main, ["check", str(models)])
    assert check.exit_code == 1, check.output
    assert f"{models}:12:5: SQF001" in check.stdout
    assert "cannot parse" not in check.output

    [result] = engine.run([models], Config())
    assert [f.code for f in result.findings][:1] == ["SQF001"]
    assert result.fixed_source is None and not result.changed
    assert result.error.startswith(f"fixes not applied: this Python (3.{sys.version_info.minor}) cannot parse")

    for arguments in (["fix"], ["fix", "--diff"]):
        fix = runner.invoke(main, [*arguments, str(models)])
        assert fix.exit_code == 2, fix.output  # not a success: the fixes are there, this Python cannot apply them
        assert [line for line in fix.stderr.splitlines() if "fixes not applied" in line] == [
            f"{models}: {result.error}"
        ]
        assert "Python 3.12+" in fix.stderr or sys.version_info.minor != 11
        assert models.read_text() == NEWER


@older_python
@pytest.mark.parametrize("syntax", [
    "class Box[T]:\n    pass\n",
    "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "label = f\"{'x' + f\"{1}\"}\"\n",
])
def test_newer_syntax_kinds_are_read_by_libcst(tmp_path, syntax):
    project = write(tmp_path / "p", {"pyproject.toml": "[project]\nname = 'p'\n", "models.py": NEWER.replace(
        "type UserId = int\n", syntax)})
    [result] = engine.run([project / "models.py"], Config(), fixing=False)
    assert result.error is None
    assert "SQF001" in [f.code for f in result.findings]


@older_python
def test_a_file_in_newer_syntax_is_still_context_for_the_others(runner, tmp_path):
    project = write(tmp_path / "p", {
        "pyproject.toml": "[project]\nname = 'p'\n",
        "base.py": PROJECT_B["base.py"] + "\n\ntype Stamp = datetime\n",
        "models.py": PROJECT_B["models.py"],
    })
    [result] = engine.run([project / "models.py"], Config())
    assert result.error is None
    assert not any(f.code == "SQF005" for f in result.findings)  # the mixin in base.py was read


@older_python
def test_a_real_syntax_error_is_still_one(tmp_path):
    project = write(tmp_path / "p", {"pyproject.toml": "[project]\nname = 'p'\n",
                                     "models.py": NEWER.replace("type UserId = int", "type UserId = = int")})
    [result] = engine.run([project / "models.py"], Config())
    assert result.error == "cannot parse: invalid syntax at line 6"
    assert result.findings == []


# -- files that declare no models but open sessions (SQF015) -------------------------------------------------

SESSIONS = {
    "pyproject.toml": "[project]\nname = 'jobs'\n",
    "jobs/__init__.py": "",
    "jobs/database.py": MODEL + "\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
                        "SessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n",
    # never mentions SQLAlchemy: decided for its functions, its factory resolved through the import
    "jobs/report.py": "from .database import SessionLocal, User\n\n\ndef report():\n    db = SessionLocal()\n"
                      "    print(db.query(User).count())\n",
    "jobs/other.py": "from .database import User\n\n\ndef names():\n    return [User.__name__]\n",
    # a name no import makes a session factory: unknown, quiet
    "jobs/unknown.py": "from somewhere import SessionLocal\n\n\ndef f():\n    db = SessionLocal()\n    db.go()\n",
}


def test_a_script_that_opens_sessions_is_decided_and_fixed(tmp_path):
    project = write(tmp_path / "p", SESSIONS)
    report = project / "jobs" / "report.py"
    results = {r.path.name: r for r in engine.run([project / "jobs"], Config())}
    assert [f.code for f in results["report.py"].findings] == ["SQF015"]
    assert results["report.py"].fixed_source.decode().endswith(
        "    with SessionLocal() as db:\n        print(db.query(User).count())\n")
    assert results["unknown.py"].findings == [] and not results["unknown.py"].changed
    assert results["other.py"].findings == [] and results["other.py"].original is None  # not even parsed
    # given alone, the script reads database.py for its factory, as in the whole project
    [alone] = engine.run([report], Config())
    assert alone.fixed_source == results["report.py"].fixed_source


def test_a_fixed_script_is_verified_like_any_file(tmp_path, monkeypatch):
    from sqla_fix import rewrite

    project = write(tmp_path / "p", SESSIONS)
    monkeypatch.setattr(rewrite, "unintended_change", lambda old, new, old_tree=None: "a change of ours")
    [result] = engine.run([project / "jobs" / "report.py"], Config())
    assert result.error == "internal error, file left unchanged: a change of ours" and result.fixed_source is None


def test_reading_session_files_leaves_the_models_decided_as_before(tmp_path):
    project = write(tmp_path / "p", SESSIONS)

    def findings(config):
        return {r.path.name: [(f.line, f.code, f.message) for f in r.findings if f.code != "SQF015"]
                for r in engine.run([project], config)}

    assert findings(Config()) == findings(Config(ignore=["SQF015"]))
    assert findings(Config())["database.py"]  # the models' own findings are there


@pytest.mark.parametrize(("source", "worth"), [
    (b"def f():\n    db = SessionLocal()\n", True),
    (b"def f():\n    s: Session = sa.orm.Session(bind=e)\n", True),
    (b"s = sessionmaker(engine)()\n", True),
    (b"from flask import session\n\ndef f():\n    user = session.get('user')\n", False),
    (b"def f():\n    self.session = SessionLocal()\n", False),  # the object owns it: nothing to decide
    (b"def f():\n    return get_db()\n", False),
])
def test_the_byte_test_for_sessions(source, worth):
    from sqla_fix.markers import may_open_sessions

    assert may_open_sessions(source) is worth
