"""What the migrations say: the indexes they create, the model classes they use through the ORM, and
whether the project has migrations at all (sqla_fix/history.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sqla_fix.history import MigrationHistory

REVISION = textwrap.dedent('''\
    import sqlalchemy as sa
    from alembic import op

    from app.models import Setting

    def upgrade():
        op.create_index("ix_server_user_id", "server", ["user_id"])
        op.create_index(op.f("ix_tag_post_id"), table_name="tag", columns=["post_id", "name"])
        op.create_table(
            "pool_attributes",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), index=True),
            sa.Column("pool_id", sa.Integer, sa.ForeignKey("pools.id")),
            sa.UniqueConstraint("pool_id", "key"),
        )
        op.execute("CREATE UNIQUE INDEX ix_links_a ON links (a_id, b_id)")
        op.bulk_insert(Setting.__table__, [])
''')


def _project(tmp_path: Path, revision: str) -> list[Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("")
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_init.py").write_text(revision)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text("import sqlalchemy\n")
    return sorted(tmp_path.rglob("*.py"))


def test_indexes_created_by_migrations_are_known(tmp_path):
    history = MigrationHistory.read(_project(tmp_path, REVISION), {"app"})
    assert history.has_migrations
    assert {("server", "user_id"), ("tag", "post_id"), ("pool_attributes", "owner_id"),
            ("pool_attributes", "pool_id"), ("pool_attributes", "id"), ("links", "a_id")} <= history.indexes
    assert ("links", "b_id") not in history.indexes  # not the leading column
    assert history.where[("server", "user_id")] == "0001_init.py:7"


def test_model_classes_used_by_migrations_are_known(tmp_path):
    history = MigrationHistory.read(_project(tmp_path, REVISION), {"app"})
    assert history.imported_names == {"Setting"}
    other = MigrationHistory.read(_project(tmp_path / "x", REVISION), {"elsewhere"})
    assert other.imported_names == set()  # `app` is not this project's package there


def test_a_project_without_migrations_says_so(tmp_path):
    (tmp_path / "models.py").write_text("import sqlalchemy\n")
    history = MigrationHistory.read([tmp_path / "models.py"], {"models"})
    assert not history.has_migrations and not history.indexes


def test_a_revision_that_calls_a_helper_uses_what_the_helper_imports(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/models.py": "class SchemaVersion: ...\nclass Notice: ...\n",
        "app/setup/__init__.py": "from .versions import current_version\n",
        "app/setup/versions.py": "from app.models import SchemaVersion\n\ndef current_version(bind): ...\n",
        "migrations/env.py": "from alembic import context\nfrom app.models import Notice\n",
        "migrations/versions/0002_seed.py": (
            "from alembic import op\nfrom app.setup import current_version\n\nrevision = '0002'\n"),
    }
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    (tmp_path / "pyproject.toml").write_text("")
    history = MigrationHistory.read(paths, {"app"})
    assert "SchemaVersion" in history.imported_names
    assert "through app.setup.versions" in history.where["SchemaVersion"]
    # env.py is not a revision: what it imports is not followed (Notice is still named, as imported)
    assert history.where["Notice"].startswith("env.py")
