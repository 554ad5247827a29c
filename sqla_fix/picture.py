"""The model picture: what every mapped class and table of the files in a run declares.

Facts are collected first, for every file, and the rules decide against them afterwards; a rule never
looks at the syntax tree of another file. Each fact keeps a reference to the node it came from, so that
a rule can anchor its finding and its edit there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import libcst as cst


def keyword_flag(keywords: dict[str, cst.BaseExpression], keyword: str) -> bool | None:
    """True/False for a literal keyword, None when absent; an expression counts as "set" (True)."""
    value = keywords.get(keyword)
    if value is None:
        return None
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return value.value == "True"
    return True


class Style(Enum):
    TYPED = "typed"  # Mapped[...] annotations and mapped_column()
    CLASSIC = "classic"  # Column() attributes, declarative_base()
    IMPERATIVE = "imperative"  # Table("name", metadata, Column("name", ...))


@dataclass
class ForeignKeyFact:
    call: cst.Call | None  # the ForeignKey(...) call; None for a ForeignKeyConstraint member
    target_table: str | None  # "users" for "users.id"
    target_class: str | None  # "User" for ForeignKey(User.id)
    ondelete: str | None
    use_alter: bool
    composite: bool = False  # one column of a multi-column ForeignKeyConstraint


@dataclass
class ColumnFact:
    name: str
    statement: cst.CSTNode  # the statement (or Column(...) argument) that declares it: findings go here
    call: cst.Call | None  # mapped_column(...) / Column(...); None for a bare `x: Mapped[int]`
    style: Style
    constructor: str | None = None  # "sa.mapped_column" / "sa.Column"
    type_call: cst.BaseExpression | None = None  # the type argument: String(50), Integer, ...
    type_name: str | None = None  # canonical: "sa.String"
    type_length: int | None = None
    foreign_keys: list[ForeignKeyFact] = field(default_factory=list)
    keywords: dict[str, cst.BaseExpression] = field(default_factory=dict)
    annotation_optional: bool | None = None  # None: no Mapped[] annotation
    order: int = 0

    def flag(self, keyword: str) -> bool | None:
        return keyword_flag(self.keywords, keyword)

    @property
    def primary_key(self) -> bool:
        return bool(self.flag("primary_key"))


@dataclass
class RelationshipFact:
    name: str
    statement: cst.CSTNode
    call: cst.Call
    target: str | None  # class name
    collection: str | None  # "list"/"set"/"write_only"/"dynamic" when the annotation says collection
    scalar_annotation: bool  # Mapped["Parent"]: the many-to-one (or one-to-one) side
    keywords: dict[str, cst.BaseExpression] = field(default_factory=dict)

    def flag(self, keyword: str) -> bool | None:
        return keyword_flag(self.keywords, keyword)


@dataclass
class ConstraintFact:
    kind: str  # "index", "unique", "primary_key", "foreign_key"
    columns: list[str]
    call: cst.Call


class ClassKind(Enum):
    ROOT = "root"  # a declarative base itself (DeclarativeBase subclass, declarative_base(), db.Model)
    MAPPED = "mapped"
    ABSTRACT = "abstract"  # __abstract__ = True
    MIXIN = "mixin"  # a plain class that mapped classes inherit columns from
    OTHER = "other"


@dataclass
class ModelClass:
    name: str
    node: cst.ClassDef
    module: ModuleFacts
    bases: list[str]  # local class names or canonical SQLAlchemy names
    unresolved_bases: list[str]  # bases defined outside the file
    kind: ClassKind = ClassKind.OTHER
    explicit_tablename: str | None = None
    has_tablename_attribute: bool = False  # __tablename__ present, even if computed
    has_table_attribute: bool = False  # __table__ = Table(...)
    columns: dict[str, ColumnFact] = field(default_factory=dict)
    relationships: list[RelationshipFact] = field(default_factory=list)
    constraints: list[ConstraintFact] = field(default_factory=list)
    other_attributes: set[str] = field(default_factory=set)  # declared_attr functions, plain names
    last_column_statement: cst.CSTNode | None = None
    flask: bool = False
    dataclass_mapped: bool = False  # MappedAsDataclass somewhere up the chain
    inheritance: str | None = None  # "joined" / "single" for a subclass of a mapped class
    uses_typed_style: bool = False

    @property
    def tablename(self) -> str | None:
        if self.explicit_tablename:
            return self.explicit_tablename
        if self.flask and not self.has_tablename_attribute and self.inheritance != "single":
            return flask_tablename(self.name)
        return None


@dataclass
class TableFact:
    """An imperative Table("name", metadata, Column(...), ...)."""

    variable: str | None
    name: str
    call: cst.Call
    statement: cst.CSTNode
    columns: dict[str, ColumnFact] = field(default_factory=dict)
    constraints: list[ConstraintFact] = field(default_factory=list)


@dataclass
class IndexFact:
    """A module-level Index("ix", Post.user_id, ...) outside any class."""

    table_or_class: str
    columns: list[str]


@dataclass
class ModuleFacts:
    path: Path
    classes: dict[str, ModelClass] = field(default_factory=dict)
    tables: dict[str, TableFact] = field(default_factory=dict)  # by table name
    module_indexes: list[IndexFact] = field(default_factory=list)
    secondary_names: set[str] = field(default_factory=set)  # table names / variables used as secondary=

    def mapped_classes(self):
        return [c for c in self.classes.values() if c.kind is ClassKind.MAPPED]


def flask_tablename(class_name: str) -> str:
    """Flask-SQLAlchemy 3's derived __tablename__ (``camel_to_snake_case``)."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", class_name)
    return name.lower().lstrip("_")


@dataclass
class Picture:
    """Every model fact of the run, across files."""

    modules: list[ModuleFacts] = field(default_factory=list)

    def classes_named(self, module: ModuleFacts, name: str | None) -> ModelClass | None:
        if name is None:
            return None
        name = name.rsplit(".", 1)[-1]
        return module.classes.get(name)

    def chain(self, model: ModelClass) -> list[ModelClass]:
        """The class and every class of the file it inherits from, nearest first."""
        seen: list[ModelClass] = []
        pending = [model]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.append(current)
            for base in current.bases:
                parent = current.module.classes.get(base)
                if parent is not None:
                    pending.append(parent)
        return seen
