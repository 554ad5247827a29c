"""Bases from installed libraries are read from the environment's source (never imported); what is not
installed stays unknown, and is reported, not fixed."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from sqla_fix import libraries
from sqla_fix.config import Config
from sqla_fix.engine import run

LIBRARY = textwrap.dedent('''\
    import sqlalchemy as sa
    from sqlalchemy.orm import declared_attr

    raise RuntimeError("importing the library would run this: sqla-fix must only read it")


    class TimestampMixin:
        created_at = sa.Column(sa.DateTime, default=sa.func.now())
        updated_at = sa.Column(sa.DateTime, onupdate=sa.func.now())


    class OwnedMixin:
        owner_id = sa.Column(sa.Integer, sa.ForeignKey("owners.id"))

        @declared_attr
        def __table_args__(cls):
            return (sa.Index(f"ix_{cls.__tablename__}_owner", "owner_id"),)
''')

MODELS = textwrap.dedent('''\
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import declarative_base

    from stamplib.models import OwnedMixin, TimestampMixin

    Base = declarative_base()


    class Owner(TimestampMixin, Base):
        __tablename__ = "owners"
        id = Column(Integer, primary_key=True)


    class Document(TimestampMixin, OwnedMixin, Base):
        __tablename__ = "documents"
        id = Column(Integer, primary_key=True)
''')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (root / "models.py").write_text(MODELS)
    return root


@pytest.fixture
def installed(tmp_path: Path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "stamplib").mkdir(parents=True)
    (site / "stamplib" / "__init__.py").write_text("raise RuntimeError('not to be imported')\n")
    (site / "stamplib" / "models.py").write_text(LIBRARY)
    monkeypatch.syspath_prepend(str(site))
    libraries._source_of.cache_clear()
    yield site
    libraries._source_of.cache_clear()


def _findings(project: Path):
    [result] = [r for r in run([project / "models.py"], Config(unsafe_fixes=True)) if r.path.name == "models.py"]
    assert result.error is None
    return result


def test_an_installed_base_is_read_and_its_columns_count(project, installed):
    result = _findings(project)
    # the mixin's created_at/updated_at are seen: nothing to add; its owner_id is the library's, and
    # findings about it belong to the library's file, which is read, never reported on or written
    assert [(f.code, f.message) for f in result.findings] == []
    assert not result.changed
    assert "stamplib" not in sys.modules  # read, never imported


def test_a_base_that_is_not_installed_is_reported_not_fixed(project):
    libraries._source_of.cache_clear()
    result = _findings(project)
    sqf005 = [f for f in result.findings if f.code == "SQF005"]
    assert sqf005 and all(f.fix is None and "cannot be read" in f.message for f in sqf005)
    assert not result.changed
