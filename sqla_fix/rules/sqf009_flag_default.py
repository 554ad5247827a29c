"""SQF009 flag or counter without a server default; defaults that disagree; a mutable default.

A ``Boolean`` flag or an integer counter (``*_count``, ``num_*``, ``count``) that is NOT NULL
(``nullable=False``, or a non-Optional ``Mapped[bool]``) and has only a Python-side ``default=`` gets
its value only from SQLAlchemy. Every insert that does not go through SQLAlchemy (raw SQL, another
service, a bulk load, a fixture in SQL) and every Alembic ``add_column`` on a table with rows fails. On
PostgreSQL 15 and MariaDB 10.11 (SQLAlchemy 2.1.9), ``INSERT INTO t (id) VALUES (1)`` on such a column
gave ``NotNullViolation: null value in column "n_none" ... violates not-null constraint`` and MariaDB's
``(1364, "Field 'n_none' doesn't have a default value")``.

Fix (safe): a server default that mirrors the Python default, so that a row inserted without the value
gets the same one whichever way it is inserted: ``default=False`` gets ``server_default=sa.false()``
(``func``-style spelling of the file: ``false()``, ``sa.false()``, ``db.false()``), ``default=True``
gets ``true()``, a counter's ``default=0`` gets ``server_default="0"``. ``create_all`` rendered them as
``BOOLEAN DEFAULT false NOT NULL`` / ``DEFAULT true`` and ``INTEGER DEFAULT '0' NOT NULL`` on
PostgreSQL, and ``BOOL NOT NULL DEFAULT false`` / ``DEFAULT true`` / ``INTEGER NOT NULL DEFAULT '0'`` on
MariaDB; a raw insert that omitted the columns stored ``False``, ``True`` and ``0`` on both servers.
Nothing else changes: SQLAlchemy still sends the Python default on its own inserts, and the server
default only gives a value to the inserts that fail today. Alembic's autogenerate does not see a
``server_default`` change unless ``compare_server_default=True``: write the migration's
``op.alter_column(..., server_default=...)`` by hand.

Reported, not fixed:
- a NOT NULL flag or counter with no default at all: inserts that omit it fail today, but nothing in
  the code says which value was meant (``is_active`` is usually true, ``is_admin`` false), and a server
  default would silently choose one for every raw insert. The finding suggests the usual choice;
- a nullable flag (``Column(Boolean)`` without ``nullable=``) with no default: a three-state flag, where
  NULL is neither true nor false (``WHERE NOT flag`` skips its NULL rows);
- ``default=`` and ``server_default=`` that disagree (``default=True, server_default=sa.false()`` or
  ``"0"`` or ``text("false")``): SQLAlchemy's inserts store one value, every other insert the other;
  which one is meant is the author's to say.

Fix (unsafe): a nullable flag whose Python default says the value (``Column(Boolean, default=False)``,
nullable only because ``nullable=`` is not written) gets ``server_default=false(), nullable=False``:
today raw inserts store NULL there and ORM code may assign None; after it they store the default or fail,
and the migration fails while NULL rows exist (backfill first).

A mutable ``default=[]`` / ``default={}`` (or ``list()``, ``dict()``, a literal list or dict) is one
object that SQLAlchemy keeps as a scalar (``ScalarElementColumnDefault([])``) and hands to every row:
after a flush two new rows' ``tags`` were the same list, ``row.tags.append("x")`` changed the column's
default itself, and the next row inserted got ``["x"]`` (SQLite, SQLAlchemy 2.1.9). Fix (safe):
``default=list`` / ``default=dict`` (``lambda: [...]`` for a literal with items), a
``CallableColumnDefault`` called per insert: each row then got its own ``[]``/``{}``, Core inserts too.
The DDL does not change. On a ``MappedAsDataclass`` model ``default=`` is the dataclass field's default
(a function there becomes the attribute's value): reported, ``default_factory=list`` is the choice.

Not this rule's business (no finding): SQLModel fields (Pydantic copies a mutable default per instance;
its defaults are Pydantic's), a base class sqla-fix cannot read, ``**kwargs``, a computed ``nullable=``,
a flag that already has a ``server_default``, a default that is a callable or an SQL expression, an
explicit ``nullable=True`` or ``Optional[bool]`` (three states by decision), keys, and a nullable counter.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..names import prefix_of
from ..picture import ColumnFact, ModelClass, Picture, Style
from ..syntax import literal_string
from ..usage import ASSIGN, COMPARE, SCHEMA, SQL, VALIDATES
from .base import (
    MIXED,
    SAFE,
    UNSAFE,
    Finding,
    Invalid,
    Questions,
    Rule,
    RuleContext,
    Valid,
)
from .schema import unmapped_mixin

if TYPE_CHECKING:
    from ..config import Config

_BOOLEANS = frozenset({"sa.Boolean", "sa.BOOLEAN"})
_INTEGERS = frozenset({"sa.Integer", "sa.BigInteger", "sa.SmallInteger", "sa.INTEGER", "sa.BIGINT", "sa.SMALLINT",
                       "sa.INT"})
_FALSE_WORDS = frozenset({"0", "false", "f", "n", "no", "off", "b'0'"})
_TRUE_WORDS = frozenset({"1", "true", "t", "y", "yes", "on", "b'1'"})
_MUTABLE_CALLS = {"builtins.list": "list", "builtins.dict": "dict"}


def _counter_name(name: str) -> bool:
    return name == "count" or name.endswith("_count") or name.startswith("num_")


def _kind(column: ColumnFact) -> str | None:
    """"flag" (a Boolean), "counter" (an integer named as one), "integer" (any other integer), or None."""
    if column.primary_key or column.foreign_keys:
        return None
    explicit = column.type_name if column.type_call is not None else None
    python = column.python_type if column.type_call is None else None
    if explicit in _BOOLEANS or python == "bool":
        return "flag"
    if explicit in _INTEGERS or python == "int":
        return "counter" if _counter_name(column.db_name or column.name) else "integer"
    return None


def _python_value(kind: str, node: ast.expr | None):
    """The literal default of a flag (True/False) or an integer (0, 1, -1); None when it is not one."""
    if isinstance(node, ast.Constant):
        value = node.value
        if kind == "flag":  # `default=0` on a Boolean is False (pgAdmin writes it so)
            return value if isinstance(value, bool) else bool(value) if type(value) is int and value in (0, 1) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind != "flag" and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _python_value(kind, node.operand)
        return -inner if inner is not None else None
    return None


def _word_value(kind: str, text: str):
    word = text.strip().strip("'\"").lower() if kind == "flag" else text.strip().strip("'\"")
    if kind == "flag":
        return False if word in _FALSE_WORDS else True if word in _TRUE_WORDS else None
    try:
        return int(word)
    except ValueError:
        return None


def _server_value(context: RuleContext, kind: str, node: ast.expr | None):
    """What a server default stores, where it can be read: `"0"`, `text("false")`, `sa.false()`."""
    text = literal_string(node)
    if text is not None:
        return _word_value(kind, text)
    if isinstance(node, ast.Call):
        name = context.resolver.canonical(node.func) or ""
        if kind == "flag" and not node.args and name.rsplit(".", 1)[-1] in ("false", "true"):
            return name.endswith("true")
        if name.rsplit(".", 1)[-1] == "text" and len(node.args) == 1:
            argument = literal_string(node.args[0])
            return _word_value(kind, argument) if argument is not None else None
    return None


def _not_null(column: ColumnFact) -> str | None:
    """"not null", "implicit" (nullable because nullable= is not written), or None (decided, or unknown)."""
    if "nullable" in column.keywords:
        flag = column.flag("nullable")
        value = column.keywords["nullable"]
        if not (isinstance(value, ast.Constant) and isinstance(value.value, bool)):
            return None  # computed: unknown
        return "not null" if flag is False else None
    typed = column.style is Style.TYPED and (column.call is None or column.constructor == "sa.mapped_column")
    if typed and column.annotation_optional is False:
        return "not null"
    if column.annotation_optional:
        return None
    return "implicit"


def _spelled(value, kind: str) -> str:
    return repr(value) if kind == "flag" else str(value)


class FlagWithoutDefault(Rule):
    code = "SQF009"
    name = "flag-without-default"
    summary = "NOT NULL flag or counter without a server default; defaults that disagree; a mutable default"
    fix_safety = MIXED
    deciding = """\
Say which value a row gets when an insert leaves the column out:
- a server default, with the same Python default: `mapped_column(default=False, server_default=sa.false())`,
  `Column(Boolean, nullable=False, default=True, server_default=true())`,
  `db.Column(db.Integer, nullable=False, default=0, server_default="0")`;
- a three-state flag on purpose (NULL means "not asked yet"): write `nullable=True` (or `Mapped[Optional[bool]]`);
- for `default=` and `server_default=` that disagree, make them say the same value;
- for a mutable default, a function that makes a fresh one per row: `default=list`, `default=dict`,
  `default=lambda: {"a": 1}` (on a `MappedAsDataclass` model `default_factory=list`);
- or `# noqa: SQF009` on the reported line."""
    examples = [
        Valid('from sqlalchemy import Boolean, false\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")\n'
              '    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())\n'
              '    maybe: Mapped[Optional[bool]]\n'
              '    legacy = Column(Boolean, nullable=True)\n'
              '    tags = Column(Text, default=list)\n'),
        Valid('from sqlalchemy import false\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    view_count: Mapped[int] = mapped_column(default=0, server_default="0")\n'
              '    score: Mapped[int] = mapped_column(default=0)\n'
              '    seen: Mapped[bool] = mapped_column(default=false())\n'),
        Valid('from elsewhere import ExternalBase\n'
              'class C(ExternalBase):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    is_admin: Mapped[bool] = mapped_column(default=False)\n'),
        Valid('from sqlmodel import Field, SQLModel\n'
              'class N(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
              '    is_admin: bool = False\n    view_count: int = Field(default=0)\n'),
        Valid('OPTIONS = {"nullable": False}\n'
              'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    is_admin: Mapped[bool] = mapped_column(default=False, **OPTIONS)\n'
              '    later: Mapped[bool] = mapped_column(default=lambda: False)\n'),
        Invalid('from sqlalchemy import false\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    is_admin: Mapped[bool] = mapped_column(default=False)\n'
                '    view_count: Mapped[int] = mapped_column(default=0)\n',
                'from sqlalchemy import false\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())\n'
                '    view_count: Mapped[int] = mapped_column(default=0, server_default="0")\n'),
        Invalid('import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    ok = sa.Column(sa.Boolean, nullable=False, default=True)\n'
                '    tags = sa.Column(sa.JSON, default=[])\n',
                'import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    ok = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())\n'
                '    tags = sa.Column(sa.JSON, default=list)\n'),
        Invalid('import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    g = sa.Column(sa.Boolean, default=False)\n',
                'import sqlalchemy as sa\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    g = sa.Column(sa.Boolean, default=False, nullable=False, server_default=sa.false())\n',
                unsafe=True),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    is_verified: Mapped[bool]\n'),
        Invalid('from sqlalchemy import Boolean\n'
                'class C(Base):\n    __tablename__ = "c"\n    id = Column(Integer, primary_key=True)\n'
                '    subscribed = Column(Boolean)\n'),
        Invalid('from sqlalchemy import text\n'
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    enabled: Mapped[bool] = mapped_column(default=True, server_default=text("false"))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for owner, column in context.columns():
            if column.style is Style.SQLMODEL or column.star_kwargs:
                continue
            if isinstance(owner, ModelClass) and any(cls.unresolved_bases for cls in context.picture.chain(owner)):
                continue  # a base that cannot be read: its type map, its events may set the value
            yield from self._check(context, owner, column)

    def _check(self, context: RuleContext, owner, column: ColumnFact) -> Iterator[Finding]:
        where = f"`{owner.name}.{column.name}`"
        unmapped = unmapped_mixin(context.picture, owner)
        keywords = column.keywords
        default_keyword = "default" if "default" in keywords else "insert_default"
        default = keywords.get(default_keyword)
        if default is not None and column.call is not None:
            mutable = self._mutable(context, owner, column, where, default_keyword, default, unmapped)
            if mutable is not None:
                yield mutable
        kind = _kind(column)
        if kind is None:
            return
        value = _python_value(kind, default)
        if "server_default" in keywords:
            server = _server_value(context, kind, keywords["server_default"])
            if value is not None and server is not None and server != value:
                written = context.source.segment(keywords["server_default"])
                yield Finding(self.code, column.statement, (
                    f"{where} has {default_keyword}={_spelled(value, kind)} but server_default={written}: inserts "
                    f"through SQLAlchemy store {_spelled(value, kind)}, every other insert (raw SQL, a migration's "
                    f"backfill) stores {_spelled(server, kind)}; left as is; decide: make them say the same value, "
                    "or # noqa: SQF009"))
            return
        if kind == "integer" or (default is not None and value is None):
            return  # not a counter; or a callable, an SQL expression, None: the value is made elsewhere
        nullness = _not_null(column)
        if nullness is None or (nullness == "implicit" and kind == "counter"):
            return
        thing = "flag" if kind == "flag" else "counter"
        if value is None:
            if nullness == "not null":
                usual = ("server_default=false() (or true(), as meant), with the same default=" if kind == "flag"
                         else 'server_default="0", with default=0')
                yield Finding(self.code, column.statement, (
                    f"NOT NULL {thing} {where} has no default: every insert that leaves it out fails; left as is: "
                    f"nothing says which value is meant; decide: {usual}, or # noqa: SQF009"))
            else:
                yield Finding(self.code, column.statement, (
                    f"{where} is a nullable flag with no default: three states, NULL being neither true nor false "
                    "(WHERE NOT flag skips the NULL rows); left as is; decide: nullable=False with default= and "
                    "server_default= of the value meant (false()/true()), or nullable=True if NULL is meant, or "
                    "# noqa: SQF009"))
            return
        if column.call is None:
            return
        server = self._server_text(context, owner, column, kind, value)
        label = (f"{where} has {default_keyword}={_spelled(value, kind)} but no server_default: inserts that do not "
                 "go through SQLAlchemy (raw SQL, another client, a migration adding it to rows) ")
        label += "fail on its NOT NULL" if nullness == "not null" else "store NULL in it"
        if unmapped:
            yield Finding(self.code, column.statement, f"{label}; not fixed: {unmapped}; decide: server_default= of "
                          "the same value, or # noqa: SQF009")
            return
        if nullness == "not null":
            yield Finding(self.code, column.statement, label + f"; the server default mirrors {default_keyword}=",
                          fix=self._fix(context, column, server, None), safety=SAFE)
            return
        signs = _null_by_design(context, owner, column)
        if signs:
            unread = [sign for sign in signs if sign.endswith("was not looked up in the project's code")]
            why = ("the project's code was not read for it, and it may treat NULL as a value" if unread
                   else f"the project's code treats NULL as a value of it ({'; '.join(signs[:2])})")
            yield Finding(self.code, column.statement, (
                f"{label}; not fixed: {why}; "
                "decide: nullable=False with server_default= of the value meant once NULL means nothing, "
                "nullable=True if NULL is meant, or # noqa: SQF009"))
        else:
            yield Finding(self.code, column.statement, label + (
                "; a two-state flag needs NOT NULL and the same server default (unsafe: NULL inserts fail then, "
                "and the migration fails while NULL rows exist)"),
                fix=self._fix(context, column, server, "False"), safety=UNSAFE)

    def usage_questions(self, picture: Picture, config: Config) -> Questions:
        """The nullable flags with a Python default (the ones the unsafe fix would make NOT NULL): does the
        project's code compare them with None, or set them to None?"""
        return Questions(keys=frozenset(
            column.name for module in picture.modules
            for owner in [*module.classes.values(), *module.tables.values()] for column in owner.columns.values()
            if _kind(column) == "flag" and _not_null(column) == "implicit"
        ), classes=frozenset(
            owner.name for module in picture.modules for owner in module.classes.values()
            if any(_kind(column) == "flag" and _not_null(column) == "implicit" for column in owner.columns.values())
        ))

    def _server_text(self, context: RuleContext, owner, column: ColumnFact, kind: str, value):
        if kind == "flag":
            return ("true" if value else "false", None)
        quote = '"'
        # the quotes the column already uses for its strings, else its class's (or Table's); not a docstring's
        for scope in (column.call, owner.node if isinstance(owner, ModelClass) else owner.call):
            found = None
            for node in ast.walk(scope):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    written = context.source.segment(node).lstrip("rRbBuU")
                    if written[:1] in ("'", '"') and not written.startswith(written[0] * 3):
                        found = written[0]
                        break
            if found:
                quote = found
                break
        return (None, f"{quote}{value}{quote}")

    def _fix(self, context: RuleContext, column: ColumnFact, server, nullable: str | None):
        function, literal = server
        call = column.call

        def fix(plan) -> bool:
            imports: list[tuple[str, str]] = []
            if function is not None:
                spelled = context.spelling.sqlalchemy(function, prefix_of(call.func), imports)
                if spelled is None:
                    return False
                value = f"{spelled}()"
            else:
                value = literal
            plan.add_keyword(call, "server_default", value)
            if nullable is not None:
                plan.add_keyword(call, "nullable", nullable)
            for module, name in imports:
                plan.add_import(module, name)
            return True

        return fix

    def _mutable(self, context, owner, column, where, keyword, default, unmapped) -> Finding | None:
        """`default=[]`/`{}`/`list()`/`dict()`/a literal list or dict: one object shared by every row."""
        function = None
        if isinstance(default, ast.List) and not default.elts:
            function = "list"
        elif isinstance(default, ast.Dict) and not default.keys:
            function = "dict"
        elif isinstance(default, ast.Call) and not default.args and not default.keywords:
            names = {q.name for q in context.resolver.qualified(default.func)}
            if len(names) == 1 and (name := names.pop()) in _MUTABLE_CALLS:
                function = _MUTABLE_CALLS[name]
            else:
                return None
        elif isinstance(default, (ast.List, ast.Dict)):
            if not all(isinstance(node, (ast.Constant, ast.List, ast.Dict, ast.Tuple, ast.UnaryOp, ast.USub,
                                         ast.Load)) or node is default for node in ast.walk(default)):
                return None
            function = f"lambda: {context.source.segment(default)}"
        else:
            return None
        written = context.source.segment(default)
        label = (f"{where} has {keyword}={written}: one object, shared by every row that takes the default (a row "
                 "that changes it in place changes the next rows' default)")
        blocker = unmapped
        choice = f"{keyword}={function}"
        if (context.resolver.call_name(column.call) == "sa.mapped_column" and isinstance(owner, ModelClass)
                and owner.dataclass_mapped and keyword == "default"):
            blocker = "on a MappedAsDataclass model default= is the dataclass field's default"
            choice = f"default_factory={function}"
        if function in ("list", "dict"):
            bound_in_class = isinstance(owner, ModelClass) and (
                function in owner.columns or function in owner.other_attributes
                or any(r.name == function for r in owner.relationships))
            if bound_in_class or any(q.source != "BUILTIN" for q in context.resolver.qualified(
                    ast.Name(id=function, ctx=ast.Load()))):
                blocker = blocker or f"`{function}` is not the builtin here"
        if blocker:
            return Finding(self.code, column.statement, f"{label}; not fixed: {blocker}; decide: a function that "
                           f"makes a fresh one ({choice}), or # noqa: SQF009")

        def fix(plan) -> bool:
            plan.replace(default, function, schema=False)
            return True

        return Finding(self.code, column.statement, label + f"; {function} makes one per row", fix=fix, safety=SAFE)


# What says NULL is a value of a flag: a comparison with None, an assignment of None, `IS NULL` in SQL, an
# Optional field of a schema. A truth test (`if obj.flag`) and a constructor that leaves the flag to its
# default say nothing of the kind: they are how every flag is used.
_NULL_KINDS = frozenset({COMPARE, SQL, ASSIGN, VALIDATES, SCHEMA})


def _null_by_design(context: RuleContext, owner, column: ColumnFact) -> list[str]:
    if isinstance(owner, ModelClass) and context.usage is not None:  # a flag is set through no relationship
        try:
            signs = context.usage.null_signs(owner.name, column.name)
        except ValueError:
            signs = [f"`{owner.name}.{column.name}` was not looked up in the project's code"]
    else:  # a text where the name was not looked up: unknown, so a sign
        signs = context.null_signs(owner, column)
    return [str(sign) for sign in signs if isinstance(sign, str) or (
        sign.kind in _NULL_KINDS and (sign.kind != COMPARE or "None" in sign.what))]
