"""A synthetic repository for the speed benchmark: model files in every style, and non-model files.

Every model file has something to fix (an unindexed foreign key, a prose column as String(n), a table
without timestamps, a collection without cascade), so that `fix --diff` rewrites each of them. The
non-model files are copies of the running Python's standard library: real code of realistic size.
"""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

TYPED = '''\
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Author{n}(Base):
    __tablename__ = "author{n}"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    bio: Mapped[Optional[str]] = mapped_column(String(500))
    books: Mapped[list["Book{n}"]] = relationship(back_populates="author")


class Book{n}(Base):
    __tablename__ = "book{n}"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000))
    author_id: Mapped[int] = mapped_column(ForeignKey("author{n}.id"))
    author: Mapped["Author{n}"] = relationship(back_populates="books")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
'''

CLASSIC = '''\
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from .base import Base


class Board{n}(Base):
    __tablename__ = "board{n}"

    id = Column(Integer, primary_key=True)
    title = Column(String(120), nullable=False)
    threads = relationship("Thread{n}", back_populates="board")


class Thread{n}(Base):
    __tablename__ = "thread{n}"

    id = Column(Integer, primary_key=True)
    board_id = Column(Integer, ForeignKey("board{n}.id"))
    content = Column(String(2000))
    board = relationship("Board{n}", back_populates="threads")
    created_at = Column(DateTime)
'''

PREFIXED = '''\
import sqlalchemy as sa
from sqlalchemy import orm

from .base import Base


class Shop{n}(Base):
    __tablename__ = "shop{n}"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(100), nullable=False)
    products = orm.relationship("Product{n}", back_populates="shop")


class Product{n}(Base):
    __tablename__ = "product{n}"

    id = sa.Column(sa.Integer, primary_key=True)
    shop_id = sa.Column(sa.Integer, sa.ForeignKey("shop{n}.id"), nullable=False)
    summary = sa.Column(sa.String(400))
    shop = orm.relationship("Shop{n}", back_populates="products")
'''

FLASK = '''\
from .extensions import db


class Team{n}(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), nullable=False)
    notes = db.relationship("Note{n}", backref="team")


class Note{n}(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    team_id = db.Column(db.Integer, db.ForeignKey("team{n}.id"), nullable=False)
    message = db.Column(db.String(500))
'''

IMPERATIVE = '''\
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

metadata = MetaData()

folders{n} = Table(
    "folders{n}",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
)

documents{n} = Table(
    "documents{n}",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("folder_id", Integer, ForeignKey("folders{n}.id"), nullable=False),
    Column("body", String(4000)),
)
'''

SQLMODEL = '''\
from typing import Optional

from sqlmodel import Field, Relationship, SQLModel


class Owner{n}(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    pets: list["Pet{n}"] = Relationship(back_populates="owner")


class Pet{n}(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="owner{n}.id")
    description: str = Field(max_length=300)
    owner: Optional[Owner{n}] = Relationship(back_populates="pets")
'''

STYLES = {"typed": TYPED, "classic": CLASSIC, "prefixed": PREFIXED, "flask": FLASK, "imperative": IMPERATIVE,
          "sqlmodel": SQLMODEL}

BASE = '''\
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
'''

EXTENSIONS = '''\
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
'''

# A model file with nothing to fix: the one-file hook run on a clean file.
CLEAN = '''\
from datetime import datetime

from sqlalchemy import ForeignKey, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Album(Base):
    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes: Mapped[str] = mapped_column(Text)
    tracks: Mapped[list["Track"]] = relationship(back_populates="album", cascade="all, delete-orphan")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Track(Base):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id"), index=True)
    album: Mapped["Album"] = relationship(back_populates="tracks")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
'''


def standard_library_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(
        path for path in root.rglob("*.py")
        if "site-packages" not in path.parts and "lib2to3" not in path.parts and path.stat().st_size < 400_000
    )


def build(directory: Path, model_files: int, other_files: int) -> Path:
    """A project at `directory`: `model_files` model modules (styles in turn) and `other_files` others."""
    if directory.exists():
        shutil.rmtree(directory)
    package = directory / "app"
    models = package / "models"
    models.mkdir(parents=True)
    (directory / "pyproject.toml").write_text("[project]\nname = 'synthetic'\nversion = '0'\n")
    (package / "__init__.py").write_text("")
    (models / "__init__.py").write_text("")
    (models / "base.py").write_text(BASE)
    (models / "extensions.py").write_text(EXTENSIONS)
    styles = list(STYLES.values())
    for number in range(model_files):
        (models / f"m{number:04d}.py").write_text(styles[number % len(styles)].format(n=number))
    library = standard_library_files()
    for number in range(other_files):
        source = library[number % len(library)]
        copy = package / "lib" / f"copy{number // len(library)}" / f"{source.stem}_{number}.py"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
    return directory
