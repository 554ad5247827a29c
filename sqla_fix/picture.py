"""The model picture: what every mapped class and table of the files in a run declares.

Facts are collected first, for every file, and the rules decide against them afterwards; a rule never
looks at the syntax tree of another file. Each fact keeps a reference to the `ast` node it came from, so
that a rule can anchor its finding and its edit there (edits are located in LibCST's tree by position).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .suppression import Suppressions
    from .syntax import SourceText


def keyword_flag(keywords: dict[str, ast.expr], keyword: str) -> bool | None:
    """True/False for a literal keyword, None when absent; an expression counts as "set" (True)."""
    value = keywords.get(keyword)
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        return value.value
    return True


class Style(Enum):
    TYPED = "typed"  # Mapped[...] annotations and mapped_column()
    CLASSIC = "classic"  # Column() attributes, declarative_base()
    IMPERATIVE = "imperative"  # Table("name", metadata, Column("name", ...))
    SQLMODEL = "sqlmodel"  # x: int = Field(...) on a SQLModel table


@dataclass
class ForeignKeyFact:
    call: ast.Call | None  # the ForeignKey(...) call; None for a ForeignKeyConstraint member
    target_table: str | None  # "users" for "users.id"
    target_class: str | None  # "User" for ForeignKey(User.id)
    ondelete: str | None
    use_alter: bool
    composite: bool = False  # one column of a multi-column ForeignKeyConstraint
    leads: bool = True  # the first column of its constraint


@dataclass
class ColumnFact:
    name: str
    statement: ast.AST  # the statement (or Column(...) argument) that declares it: findings go here
    call: ast.Call | None  # mapped_column(...) / Column(...); None for a bare `x: Mapped[int]`
    style: Style
    constructor: str | None = None  # "sa.mapped_column" / "sa.Column"
    db_name: str | None = None  # the column's name in the table, when it differs: Column("created_at", ...)
    type_call: ast.expr | None = None  # the type argument: String(50), Integer, ...
    type_name: str | None = None  # canonical: "sa.String"
    type_length: int | None = None
    foreign_keys: list[ForeignKeyFact] = field(default_factory=list)
    keywords: dict[str, ast.expr] = field(default_factory=dict)
    annotation_optional: bool | None = None  # None: no Mapped[] annotation
    default: ast.expr | None = None  # SQLModel `x: str = "a"`: the default written without Field()
    order: int = 0
    star_kwargs: bool = False  # `Column(..., **options)`: keywords we cannot see
    python_type: str | None = None  # `Mapped[datetime]`: "datetime"
    length_named: str | None = None  # `String(MAX_TITLE)`: a length given by a name, a deliberate limit
    sa_column: "ColumnFact | None" = None  # SQLModel `Field(sa_column=Column(...))`: the column inside

    def flag(self, keyword: str) -> bool | None:
        return keyword_flag(self.keywords, keyword)

    @property
    def primary_key(self) -> bool:
        return bool(self.flag("primary_key"))


@dataclass
class RelationshipFact:
    name: str
    statement: ast.AST
    call: ast.Call
    target: str | None  # class name
    collection: str | None  # "list"/"set"/"write_only"/"dynamic" when the annotation says collection
    scalar_annotation: bool  # Mapped["Parent"]: the many-to-one (or one-to-one) side
    keywords: dict[str, ast.expr] = field(default_factory=dict)
    star_kwargs: bool = False  # `relationship(..., **common)`: keywords we cannot see

    def flag(self, keyword: str) -> bool | None:
        return keyword_flag(self.keywords, keyword)


@dataclass
class ConstraintFact:
    kind: str  # "index", "unique", "primary_key", "foreign_key"
    columns: list[str]
    call: ast.Call
    spelled: str = ""  # the constraint's name as the file writes it: "sa.Index"


class ClassKind(Enum):
    ROOT = "root"  # a declarative base itself (DeclarativeBase subclass, declarative_base(), db.Model)
    MAPPED = "mapped"
    ABSTRACT = "abstract"  # __abstract__ = True
    MIXIN = "mixin"  # a plain class that mapped classes inherit columns from
    OTHER = "other"


@dataclass
class ModelClass:
    name: str
    node: ast.ClassDef
    module: ModuleFacts
    canonical_bases: set[str] = field(default_factory=set)  # sa.DeclarativeBase, flask.db.Model, sqlmodel.SQLModel
    base_refs: list[tuple[str, str]] = field(default_factory=list)  # (module, class) of the project's classes
    root_base: bool = False  # inherits a base made by declarative_base() (here or imported)
    unresolved_bases: list[str] = field(default_factory=list)  # bases defined outside what the run can read
    class_keywords: dict[str, ast.expr] = field(default_factory=dict)  # table=True (SQLModel)
    kind: ClassKind = ClassKind.OTHER
    explicit_tablename: str | None = None
    has_tablename_attribute: bool = False  # __tablename__ present, even if computed
    has_table_attribute: bool = False  # __table__ = Table(...)
    # __table_args__ we cannot read (a declared_attr, a name, a call): indexes and constraints unknown
    table_args_unknown: bool = False
    validated: set[str] = field(default_factory=set)  # attributes with an @validates(...) method
    tablename_rule: str | None = None  # "lower" when a base's declared_attr __tablename__ lower-cases the name
    columns: dict[str, ColumnFact] = field(default_factory=dict)
    sqlmodel_fields: dict[str, ColumnFact] = field(default_factory=dict)  # columns if a SQLModel class
    relationships: list[RelationshipFact] = field(default_factory=list)
    constraints: list[ConstraintFact] = field(default_factory=list)
    other_attributes: set[str] = field(default_factory=set)  # declared_attr functions, plain names
    last_column_statement: ast.AST | None = None
    flask: bool = False
    sqlmodel: bool = False
    dataclass_mapped: bool = False  # MappedAsDataclass somewhere up the chain
    inheritance: str | None = None  # "joined" / "single" for a subclass of a mapped class
    uses_typed_style: bool = False

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other

    @property
    def tablename(self) -> str | None:
        if self.explicit_tablename:
            return self.explicit_tablename
        if self.inheritance == "single":
            return None
        if self.sqlmodel or self.tablename_rule == "lower":
            return self.name.lower()
        if self.flask and not self.has_tablename_attribute:
            return flask_tablename(self.name)
        return None


@dataclass
class TableFact:
    """An imperative Table("name", metadata, Column(...), ...)."""

    variable: str | None
    name: str
    call: ast.Call
    statement: ast.AST
    columns: dict[str, ColumnFact] = field(default_factory=dict)
    constraints: list[ConstraintFact] = field(default_factory=list)


@dataclass
class IndexFact:
    """A module-level Index("ix", Post.user_id, ...) outside any class."""

    table_or_class: str
    columns: list[str]
    call: ast.Call | None = None  # the Index(...) call: its unique= and other keywords
    unique: bool = False  # Index(..., unique=True)
    expressions: list[str] = field(default_factory=list)  # columns used in expressions: func.lower(User.email)


@dataclass
class ModuleFacts:
    path: Path
    name: str = ""  # dotted module name in its project
    root: Path | None = None  # the project's root directory
    suppressions: "Suppressions | None" = None
    source: "SourceText | None" = None
    classes: dict[str, ModelClass] = field(default_factory=dict)
    tables: dict[str, TableFact] = field(default_factory=dict)  # by table name
    module_indexes: list[IndexFact] = field(default_factory=list)
    secondary_names: set[str] = field(default_factory=set)  # table names / variables used as secondary=
    external_bases: set[str] = field(default_factory=set)  # dotted names of bases from outside the project
    # (class, table variable) of `map_imperatively(Tag, tag_table)` calls: the class that maps a Table
    imperative_mappings: list[tuple[str, str]] = field(default_factory=list)
    # a module-level MetaData(), registry(), declarative_base() or SQLAlchemy(): decided even without models
    # (SQF013 reports a metadata where it is made, often a `db.py` of its own)
    makes_metadata: bool = False

    def mapped_classes(self):
        return [c for c in self.classes.values() if c.kind is ClassKind.MAPPED]


def flask_tablename(class_name: str) -> str:
    """Flask-SQLAlchemy 3's derived __tablename__ (``camel_to_snake_case``)."""
    name = re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", class_name)
    return name.lower().lstrip("_")


class Picture:
    """Every model fact of the run, across files, and the links between them."""

    def __init__(self, modules: list[ModuleFacts] | None = None):
        self.modules: list[ModuleFacts] = []
        # by (project root, dotted name): two projects of one run may each have a `models` module
        self._by_name: dict[tuple[Path | None, str], ModuleFacts] = {}
        self._mixins: list[ModelClass] | None = None
        self._mapped_ancestors: set[ModelClass] | None = None
        for module in modules or ():
            self.add(module)
        self.link()

    def add(self, module: ModuleFacts) -> None:
        self.modules = [m for m in self.modules if m.path != module.path] + [module]
        self._by_name[(module.root, module.name)] = module
        self._mixins = self._mapped_ancestors = None

    def mixins(self) -> list[ModelClass]:
        """Every mixin and abstract base of the run, in a stable order (computed once, not per class)."""
        if self._mixins is None:
            self._mixins = [
                model for module in sorted(self.modules, key=lambda m: (m.name, str(m.root)))
                for model in module.classes.values()
                if model.kind in (ClassKind.MIXIN, ClassKind.ABSTRACT)
            ]
        return self._mixins

    def mapped_ancestors(self) -> set[ModelClass]:
        """Every class that a mapped class of its project is or inherits from (computed once)."""
        if self._mapped_ancestors is None:
            self._mapped_ancestors = {
                ancestor for module in self.modules for model in module.classes.values()
                if model.kind is ClassKind.MAPPED for ancestor in self.chain(model)
            }
        return self._mapped_ancestors

    def classes_mapping(self, table: "TableFact", root: Path | None) -> list[str]:
        """The names of the classes mapped imperatively to `table` (by its variable), in any module of the project."""
        return sorted({cls for module in self.modules if module.root == root
                       for cls, variable in module.imperative_mappings if variable == table.variable})

    def class_at(self, module: str, name: str, root: Path | None = None) -> ModelClass | None:
        """The class `name` of the module `module` of the project at `root`."""
        facts = self._by_name.get((root, module))
        return facts.classes.get(name) if facts else None

    def parents(self, model: ModelClass) -> list[ModelClass]:
        # a base_refs (module, class) is in the project of the class that names it: imports stay inside it
        return [
            parent for ref in model.base_refs if (parent := self.class_at(*ref, root=model.module.root)) is not None
        ]

    def find_class(self, name: str | None, near: ModuleFacts) -> ModelClass | None:
        """The mapped class a relationship("Name") means: the registry resolves names across modules."""
        if name is None:
            return None
        name = name.rsplit(".", 1)[-1]
        if name in near.classes:
            return near.classes[name]
        # Only classes of the same project: a run over several projects must not mix their models.
        found = [
            m.classes[name] for m in self.modules
            if m.root == near.root and name in m.classes and m.classes[name].kind is ClassKind.MAPPED
        ]
        return found[0] if len(found) == 1 else None

    def chain(self, model: ModelClass) -> list[ModelClass]:
        """The class and every class of the project it inherits from, nearest first."""
        seen: list[ModelClass] = []
        pending = [model]
        while pending:
            current = pending.pop(0)
            if current in seen:
                continue
            seen.append(current)
            pending.extend(self.parents(current))
        return seen

    def link(self) -> None:
        """Decide what each class is, now that every class it inherits from is known."""
        self._mixins = self._mapped_ancestors = None
        done: set[int] = set()
        for module in self.modules:
            for model in module.classes.values():
                self._classify(model, done, set())

    def _classify(self, model: ModelClass, done: set[int], visiting: set[int]) -> None:
        if id(model) in done or id(model) in visiting:
            return
        visiting.add(id(model))
        parents = []
        for ref in model.base_refs:
            parent = self.class_at(*ref, root=model.module.root)
            if parent is None:
                if ".".join(ref) not in model.unresolved_bases:
                    model.unresolved_bases.append(".".join(ref))
                continue
            self._classify(parent, done, visiting)
            parents.append(parent)
        classify(model, parents)
        visiting.discard(id(model))
        done.add(id(model))


ROOT_BASES = frozenset({"sa.DeclarativeBase", "sa.DeclarativeBaseNoMeta"})


def classify(model: ModelClass, parents: list[ModelClass]) -> None:
    """Root, mapped, abstract, mixin; inheritance; Flask, SQLModel and dataclass flavour."""
    bases = model.canonical_bases
    model.dataclass_mapped = "sa.MappedAsDataclass" in bases or any(p.dataclass_mapped for p in parents)
    model.flask = "flask.db.Model" in bases or any(p.flask for p in parents)
    table_keyword = model.class_keywords.get("table")
    is_table = isinstance(table_keyword, ast.Constant) and table_keyword.value is True
    model.sqlmodel = "sqlmodel.SQLModel" in bases or any(p.sqlmodel for p in parents)
    if any(p.tablename_rule for p in parents) and not model.tablename_rule:
        model.tablename_rule = next(p.tablename_rule for p in parents if p.tablename_rule)
    declarative = (
        "flask.db.Model" in bases
        or model.root_base
        or any(p.kind in (ClassKind.ROOT, ClassKind.MAPPED, ClassKind.ABSTRACT) for p in parents)
    )
    abstract = "__abstract__" in model.other_attributes
    if model.sqlmodel:
        for name, column in model.sqlmodel_fields.items():
            if "sa_column" not in column.keywords:
                model.columns.setdefault(name, column)
            elif column.sa_column is not None:  # Field(sa_column=Column(...)): that column is the field
                model.columns.setdefault(name, column.sa_column)
            else:
                model.other_attributes.add(name)  # a column built elsewhere: there, but unreadable
        if model.sqlmodel_fields and model.last_column_statement is None:
            model.last_column_statement = max(model.sqlmodel_fields.values(), key=lambda c: c.order).statement
    else:
        model.other_attributes.update(model.sqlmodel_fields)
    if model.sqlmodel:
        model.kind = ClassKind.MAPPED if is_table else ClassKind.OTHER
    elif bases & ROOT_BASES:
        model.kind = ClassKind.ROOT
    elif declarative:
        model.kind = ClassKind.ABSTRACT if abstract else ClassKind.MAPPED
    elif model.unresolved_bases and (model.columns or model.relationships):
        # A base the run cannot read, but SQLAlchemy columns of its own: the class maps a table whose
        # ancestry is unknown. (A `__tablename__` alone is a spelling, which any library may share.)
        model.kind = ClassKind.ABSTRACT if abstract else ClassKind.MAPPED
    elif model.columns or model.relationships:
        model.kind = ClassKind.MIXIN
    else:
        model.kind = ClassKind.OTHER
    model.inheritance = None
    if model.kind is ClassKind.MAPPED:
        mapped_parents = [p for p in parents if p.kind is ClassKind.MAPPED]
        if mapped_parents:
            has_own_table = model.explicit_tablename is not None or model.has_tablename_attribute
            if (model.flask or model.sqlmodel) and not has_own_table:
                has_own_table = any(c.primary_key for c in model.columns.values())
            model.inheritance = "joined" if has_own_table else "single"
