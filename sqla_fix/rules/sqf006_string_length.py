"""SQF006 string column without a length.

``String()`` (also the bare class ``String``, ``Unicode()``, ``VARCHAR()``, ``NVARCHAR()``) has no length,
and MySQL/MariaDB have no ``VARCHAR`` without one: ``CREATE TABLE`` of such a model fails there. It fails
before any SQL is sent, when SQLAlchemy compiles the DDL for the mysql dialect (observed with SQLAlchemy
2.1.9 against MariaDB 10.11, ``metadata.create_all``)::

    sqlalchemy.exc.CompileError: (in table 'notes', column 'body'): VARCHAR requires a length on dialect mysql

(a hand-written ``CREATE TABLE t (body VARCHAR)`` is MariaDB's syntax error 1064). PostgreSQL and SQLite
accept it: ``body VARCHAR`` is unbounded there (10,000 characters stored and read back whole on
PostgreSQL 15 and SQLite), the same as ``text``. So the model works until it meets MySQL.

A typed ``x: Mapped[str]`` with no type at all is the same ``String()``: the declarative base's type
annotation map turns ``str`` into ``String()``, ``body VARCHAR`` on PostgreSQL and the same CompileError on
MySQL (observed). It is reported when the base is a ``DeclarativeBase`` subclass of the project whose
``type_annotation_map`` (if any) is a literal that does not map ``str``; a map that maps ``str``
(``{str: String(200)}``) settles it. Where the map cannot be read (a ``declarative_base()`` or
Flask-SQLAlchemy base, a ``registry`` of its own, a computed map, a base sqla-fix cannot see), what the
column becomes is unknown: no finding.

Fix: only for prose names (setting ``prose-names``/``short-names``, as SQF003): ``Text`` (``UnicodeText``
for ``Unicode``/``NVARCHAR``), which is what the column already is on PostgreSQL and SQLite (``varchar``
to ``text`` is binary-coercible there: no table rewrite), and what makes it creatable on MySQL. Anything
else ``String()`` was given stays (``String(collation="NOCASE")`` becomes ``Text(collation="NOCASE")``).
The prose column keeps its length-less type and is reported, not fixed, under SQF003's restraints:
unique or indexed, in an ``Index``/``UniqueConstraint``, with a ``server_default`` (MySQL: no index and
no literal default on TEXT), an ``@validates`` method, code that cuts the value, a sibling ``Text``
column, a project that builds forms from its columns (Text becomes a text area), ``**kwargs``, a base or
``__table_args__`` that cannot be read, a library's mixin. Primary and foreign keys are never fixed
(a key's type must match the other side's).

Not fixed, reported: every other length-less string (``code``, ``name``, ``status``, ...): the length is
a decision about the data (``String(32)`` or ``String(255)``), which only the author can make; a
``Mapped[str]`` without a type (it gets none from sqla-fix either).

Not this rule's business: SQLModel's ``str`` fields (``AutoString``: ``VARCHAR(255)`` on MySQL, created
fine; prose ones are SQF003's), ``String(n)`` (SQF003 for prose), ``Text``, ``CHAR`` (``CHAR(1)`` on
MySQL), a ``String().with_variant(String(255), "mysql")``, and a column with no type that takes its
foreign key's.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..picture import ColumnFact, ModelClass, Picture, Style
from .base import SAFE, Finding, Invalid, Questions, Rule, RuleContext, Valid
from .schema import unknown_definition
from .sqf003_prose_text import TEXT_FOR, is_prose, text_blocker, to_text

if TYPE_CHECKING:
    from ..config import Config

_FAILS = "CREATE TABLE fails on MySQL/MariaDB (CompileError: VARCHAR requires a length on dialect mysql)"
_TYPED_ROOTS = frozenset({"sa.DeclarativeBase", "sa.DeclarativeBaseNoMeta"})


def lengthless(column: ColumnFact) -> bool:
    """`String()`, `String`, `String(None)`, `Unicode()`, `VARCHAR()`: a VARCHAR type with no length."""
    return (column.type_name in TEXT_FOR and column.type_call is not None and column.type_length is None
            and column.length_named is None)


def _spelled(column: ColumnFact) -> str:
    name = (column.type_name or "sa.String").rsplit(".", 1)[-1]
    return f"{name}()" if isinstance(column.type_call, ast.Call) else name


def _annotation_map_says(picture: Picture, owner: ModelClass, python_types=("str", "builtins.str")) -> str | None:
    """For a typed `x: Mapped[str]` with no type: "string" when the base's type annotation map makes it
    String() (no length), "mapped" when the map gives `str` a type, None when it cannot be read."""
    typed_root = False
    for cls in picture.chain(owner):
        if cls.unresolved_bases or cls.root_base or cls.flask or cls.sqlmodel:
            return None
        for statement in cls.node.body:
            targets = (statement.targets if isinstance(statement, ast.Assign)
                       else [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "registry" in names:
                return None  # a registry of its own: its type_annotation_map is not read
            if "type_annotation_map" in names:
                value = statement.value
                if not isinstance(value, ast.Dict) or None in value.keys:
                    return None
                keys = {ast.unparse(key) for key in value.keys}
                if keys & set(python_types):
                    return "mapped"
        if cls.canonical_bases & _TYPED_ROOTS:
            typed_root = True
    return "string" if typed_root else None


class StringWithoutLength(Rule):
    code = "SQF006"
    name = "string-without-length"
    summary = "string column without a length (CREATE TABLE fails on MySQL/MariaDB)"
    fix_safety = SAFE  # prose -> Text; every other finding has no fix
    deciding = """\
Say what the column holds:
- a value with a natural length: `String(n)` with the length you mean (`mapped_column(String(32))`,
  `Column(String(255))`, `db.Column(db.String(120))`); for a typed `x: Mapped[str]`, either
  `mapped_column(String(n))` or a `type_annotation_map = {str: String(255)}` on the declarative base;
- text with no natural length: `Text` (`UnicodeText` for `Unicode`). On MySQL a TEXT column in an index
  needs a prefix length (`mysql_length=`), and its default must be an expression;
- a schema that never meets MySQL/MariaDB (PostgreSQL or SQLite only, where `VARCHAR` is unbounded):
  `# noqa: SQF006` on the reported line."""
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    code: Mapped[str] = mapped_column(String(50))\n'
              '    body: Mapped[str] = mapped_column(Text)\n'),
        Valid('from sqlmodel import Field, SQLModel\n'
              'class N(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
              '    code: str\n'),
        Valid('class Mapped255(DeclarativeBase):\n    type_annotation_map = {str: String(255)}\n'
              'class C(Mapped255):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    code: Mapped[str]\n'),
        Valid('from elsewhere import ExternalBase\n'
              'class C(ExternalBase):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    name: Mapped[str]\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    body: Mapped[str] = mapped_column(String())  # the post\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    body: Mapped[str] = mapped_column(Text)  # the post\n'),
        Invalid('import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    notes = sa.Column(sa.Unicode())\n',
                'import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    notes = sa.Column(sa.UnicodeText)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    description: Mapped[str] = mapped_column(String)\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    description: Mapped[str] = mapped_column(Text)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    code: Mapped[str] = mapped_column(String(), unique=True)\n'),
        Invalid('from sqlalchemy import VARCHAR\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    status: Mapped[str] = mapped_column(VARCHAR())\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    name: Mapped[str]\n'),
    ]

    def usage_questions(self, picture: Picture, config: Config) -> Questions:
        """The length-less prose columns: does the project's code cut them to a length (`slice_signs`)?"""
        return Questions(lengths=frozenset(
            column.name for module in picture.modules
            for owner in [*module.classes.values(), *module.tables.values()] for column in owner.columns.values()
            if lengthless(column) and is_prose(column.name, config.prose_names, config.short_names)
        ))

    def check(self, context: RuleContext) -> Iterator[Finding]:
        config = context.config
        for owner, column in context.columns():
            if column.style is Style.SQLMODEL:
                inner = column.sa_column  # Field(sa_column=Column(String())): the column is that Column
                if inner is None or not lengthless(inner):
                    continue
                yield Finding(self.code, column.statement,
                              f"`{owner.name}.{column.name}` is {_spelled(inner)} without a length: {_FAILS}; "
                              "left as is; decide: String(n) with the length you mean, Text if it has no "
                              "natural length, or # noqa: SQF006 if the schema never meets MySQL")
                continue
            where = f"`{owner.name}.{column.name}`"
            if lengthless(column):
                yield from self._explicit(context, owner, column, where, config)
            elif (column.type_call is None and column.style is Style.TYPED and not column.foreign_keys
                  and column.python_type == "str" and isinstance(owner, ModelClass)
                  and "type_" not in column.keywords and not column.star_kwargs
                  and _annotation_map_says(context.picture, owner) == "string"):
                yield Finding(self.code, column.statement,
                              f"{where} is Mapped[str] with no type: the type annotation map makes it String() "
                              f"without a length, and {_FAILS}; left as is; decide: mapped_column(String(n)) with "
                              "the length you mean, mapped_column(Text) if it has no natural length, "
                              "type_annotation_map = {str: String(n)} on the base, or # noqa: SQF006 if the "
                              "schema never meets MySQL")

    def _explicit(self, context: RuleContext, owner, column: ColumnFact, where: str, config) -> Iterator[Finding]:
        declared = _spelled(column)
        replacement = TEXT_FOR[column.type_name]
        decide = (f"String(n) with the length you mean, {replacement} if it has no natural length, "
                  "or # noqa: SQF006 if the schema never meets MySQL")
        if not is_prose(column.name, config.prose_names, config.short_names):
            yield Finding(self.code, column.statement,
                          f"{where} is {declared} without a length: {_FAILS}; left as is; decide: {decide}")
            return
        if column.primary_key or column.foreign_keys:
            blocker = "it is a key, whose type must match the other side's"
        else:
            blocker, caveat = text_blocker(context, owner, column)
            if caveat:
                decide = (f"String(n) with the length you mean, {replacement} {caveat}, "
                          "or # noqa: SQF006 if the schema never meets MySQL")
        if blocker is None:
            blocker = unknown_definition(context.picture, owner)
        if blocker:
            yield Finding(self.code, column.statement,
                          f"Prose column {where} is {declared} without a length: {_FAILS}, but {blocker}; "
                          f"left as is; decide: {decide}")
            return
        yield Finding(self.code, column.statement,
                      f"Prose column {where} is {declared} without a length: {_FAILS}; {replacement} is what "
                      "it already is on PostgreSQL and SQLite",
                      fix=to_text(context, column.type_call, replacement))
