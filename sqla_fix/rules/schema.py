"""Questions about the schema that several rules ask: which columns lead an index, which foreign keys
point from one class to another, what a class's head noun is."""

from __future__ import annotations

import ast
import re
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

from ..picture import ClassKind, ColumnFact, ModelClass, ModuleFacts, Picture, TableFact
from ..syntax import last_name, literal_string, parse_expression
from .base import Owner


def unknown_definition(picture: Picture, owner: Owner) -> str | None:
    """Why the table's whole definition cannot be read here (so that no fix can be certain), or None."""
    if isinstance(owner, TableFact):
        return None
    unmapped = unmapped_mixin(picture, owner)
    if unmapped:
        return unmapped
    for cls in picture.chain(owner):
        if cls.unresolved_bases:
            return f"its base {', '.join(cls.unresolved_bases)} cannot be read"
        if cls.table_args_unknown:
            where = "" if cls is owner else f" (of `{cls.name}`)"
            return f"its __table_args__{where} is computed and cannot be read"
    return None


def unmapped_mixin(picture: Picture, owner: Owner) -> str | None:
    """A mixin or abstract base that no class of its project maps: its columns are for tables defined
    elsewhere (a library's mixin, mapped by the applications that use it), whose schemas and migrations
    an edit here changes without their authors' say."""
    if isinstance(owner, TableFact) or owner.kind not in (ClassKind.MIXIN, ClassKind.ABSTRACT):
        return None
    if owner in picture.mapped_ancestors():
        return None
    return (f"it is declared on `{owner.name}`, which no class of this project maps: its tables are defined "
            "where it is used")


def project_indexes(picture: Picture, module: ModuleFacts) -> list:
    """Module-level Index(...) of every file of the project: an index may be declared anywhere."""
    return [
        index for other in picture.modules if other.root == module.root or other is module
        for index in other.module_indexes
    ]


def owner_label(owner: Owner) -> str:
    return owner.name


def owner_table(picture: Picture, owner: Owner) -> str | None:
    if isinstance(owner, TableFact):
        return owner.name
    if owner.inheritance == "single":
        for parent in picture.chain(owner)[1:]:
            if parent.tablename:
                return parent.tablename
    return owner.tablename


def primary_key_columns(owner: Owner) -> list[str]:
    for constraint in owner.constraints:
        if constraint.kind == "primary_key":
            return constraint.columns
    return [c.name for c in sorted(owner.columns.values(), key=lambda c: c.order) if c.primary_key]


def index_covering(owner: Owner, column: ColumnFact, module_indexes) -> str | None:
    """Why `column` needs no index of its own (it leads one already), or None."""
    if column.flag("index") or column.flag("unique"):
        return "index=True" if column.flag("index") else "unique=True"
    primary = primary_key_columns(owner)
    if primary and primary[0] == column.name:
        return "it leads the primary key"
    for constraint in owner.constraints:
        if constraint.kind in ("index", "unique", "primary_key") and constraint.columns[:1] == [column.name]:
            return f"it leads {constraint.spelled}(...)"
    names = {owner.name} | ({owner.variable} if isinstance(owner, TableFact) and owner.variable else set())
    for index in module_indexes:
        if index.table_or_class in names and index.columns[:1] == [column.name]:
            return "it leads a module-level Index(...)"
    return None


def in_any_constraint(owner: Owner, column: ColumnFact, module_indexes) -> bool:
    names = {owner.name} | ({owner.variable} if isinstance(owner, TableFact) and owner.variable else set())
    return any(column.name in c.columns for c in owner.constraints) or any(
        index.table_or_class in names and column.name in index.columns for index in module_indexes
    )


def all_columns(picture: Picture, model: ModelClass) -> dict[str, tuple[ModelClass, ColumnFact]]:
    """Columns a mapped class has, its own and those it inherits from mixins and bases of the file."""
    columns: dict[str, tuple[ModelClass, ColumnFact]] = {}
    for cls in reversed(picture.chain(model)):
        for name, column in cls.columns.items():
            columns[name] = (cls, column)
    return columns


def foreign_keys_to(picture: Picture, child: ModelClass, parent: ModelClass) -> list[tuple[ModelClass, ColumnFact]]:
    """Columns of `child` (with the class that declares them) whose foreign key points at `parent`'s table."""
    parent_table = owner_table(picture, parent)
    parent_names = {cls.name for cls in picture.chain(parent)}
    found = []
    for declaring, column in all_columns(picture, child).values():
        for fk in column.foreign_keys:
            if (fk.target_table is not None and fk.target_table == parent_table) or fk.target_class in parent_names:
                found.append((declaring, column))
                break
    return found


def named_columns(expression: ast.expr | None) -> set[str] | None:
    """Column names in `foreign_keys=` ("Comment.author_id", [Comment.author_id], [author_id])."""
    if expression is None:
        return None
    text = literal_string(expression)
    if text is not None:
        expression = parse_expression(text)
        if expression is None:
            return set()
    items = expression.elts if isinstance(expression, (ast.List, ast.Tuple, ast.Set)) else [expression]
    return {name for item in items if (name := last_name(item)) is not None}


def snake_words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?=[A-Z][a-z]|\b|[0-9_])|[A-Z]?[a-z0-9]+", name)]


_CLASS_SUFFIXES = frozenset({"model", "models", "orm", "db", "table", "row", "entity", "record", "schema"})


def head_noun_matches(class_name: str, nouns: list[str]) -> str | None:
    """The record noun `class_name` ends with: LedgerEntry -> "ledger_entry", OrderItem -> None.
    A suffix that names the kind of class, not the thing (QueryHistoryModel, UserORM), is not the noun."""
    words = snake_words(class_name)
    if len(words) > 1 and words[-1] in _CLASS_SUFFIXES:
        words = words[:-1]
    for size in (3, 2, 1):
        if len(words) >= size:
            tail = "_".join(words[-size:])
            if tail in nouns or (tail.endswith("s") and tail[:-1] in nouns):
                return tail
    return None


def matches_any(name: str, patterns: list[str]) -> str | None:
    for pattern in patterns:
        if fnmatchcase(name, pattern):
            return pattern
    return None


@lru_cache(maxsize=None)
def installed_sqlmodel() -> tuple[int, ...] | None:
    """The SQLModel version of the environment sqla-fix runs in (None: not installed): what it writes must
    be accepted by it, and by every version when there is none to ask (pre-commit's own environment)."""
    try:
        installed = version("sqlmodel")
    except PackageNotFoundError:
        return None
    return tuple(int(part) for part in installed.split(".")[:3] if part.isdigit())


def sqlmodel_at_least(wanted: tuple[int, ...]) -> bool:
    installed = installed_sqlmodel()
    return installed is not None and installed >= wanted


def key_tables(picture: Picture, column: ColumnFact, near: ModuleFacts) -> set[str]:
    """The tables a column's foreign keys point at, `ForeignKey(Project.id)` resolved to its class's table
    (or, where the class is not in view, its name: two spellings of one target must compare equal)."""
    tables = set()
    for fk in column.foreign_keys:
        if fk.target_table:
            tables.add(fk.target_table)
        elif fk.target_class:
            target = picture.find_class(fk.target_class, near)
            tables.add((owner_table(picture, target) if target else None) or fk.target_class)
    return tables
