"""SQF003 prose column stored as String(n).

A ``String(50)`` comment, body or description truncates (or rejects) what users write: prose has no
natural length. On PostgreSQL ``text`` and ``varchar(n)`` perform the same, and ``varchar(n) -> text``
is binary-coercible (no table rewrite); SQLite ignores the length anyway (rulebook §4).

Fix: ``Text`` (``UnicodeText`` for ``Unicode(n)``), for columns whose name says prose (setting
``prose-names``; the last word counts: ``admin_notes``, ``post_body``).

Not fixed:
- names that are short by nature (``title``, ``name``, ``email``, ``slug``, ``url``, ``code``,
  ``status``, ...: setting ``short-names``), in any word of the name (``comment_title``);
- primary-key and foreign-key columns;
- unique or indexed columns, and columns named in an ``Index``/``UniqueConstraint``: MySQL cannot
  index a TEXT column without a prefix length (error 1170); reported;
- columns with a ``server_default``: MySQL rejects a literal default on TEXT; reported.

The fix is safe (the column still holds ``str``; only the stored type changes) where nothing says that
the length is deliberate. It is reported, not fixed, when the length is a named constant
(``String(MESSAGE_MAX)``), an ``@validates`` method checks the column, the project's code cuts the
value to the length (``message[:255]``) or one of its schemas limits a field of that name
(``Field(max_length=160)``, ``Length(max=512)``, a JSON schema's ``maxLength``), the project builds
forms from its columns (Flask-AppBuilder, Flask-Admin, SQLAdmin: a text input becomes a text area), a sibling column of the table is ``Text`` (a 255-character
``message`` beside a ``details`` Text is the short form of it), when the table's definition cannot be
read whole (a base sqla-fix cannot see, a computed ``__table_args__``), the column is declared on a mixin
that no class of the project maps (a library's mixin: its tables are the applications'), or the column
takes ``**kwargs``.

SQLModel: a prose ``str`` field is ``AutoString`` (``VARCHAR(255)`` on MySQL): it gets
``Field(..., sa_type=Text)``. With ``max_length=n`` the length is validated, hence deliberate: reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..names import prefix_of
from ..picture import ModelClass, Picture, Style
from .base import SAFE, Finding, Invalid, Questions, Rule, RuleContext, Valid, with_value
from .schema import (
    in_any_constraint,
    project_indexes,
    sqlmodel_at_least,
    unknown_definition,
)

if TYPE_CHECKING:
    from ..config import Config

TEXT_FOR = {"sa.String": "Text", "sa.VARCHAR": "Text", "sa.Unicode": "UnicodeText", "sa.NVARCHAR": "UnicodeText"}


def is_prose(name: str, prose: list[str], short: list[str]) -> bool:
    words = name.lower().split("_")
    if any(word in short for word in words):
        return False
    return name.lower() in prose or words[-1] in prose


class ProseColumnAsString(Rule):
    code = "SQF003"
    name = "prose-column-as-string"
    summary = "prose column stored as String(n)"
    fix_safety = SAFE
    deciding = """\
Say whether the length is a limit you mean:
- no limit: `Text` (`mapped_column(Text)`, `Column(Text)`; `UnicodeText` for `Unicode(n)`; SQLModel
  `Field(sa_type=Text)`). On MySQL a TEXT column in an index needs a prefix length
  (`Index("ix_posts_summary", "summary", mysql_length=255)`), and its default must be an expression
  (`server_default=text("('')")`, MySQL 8.0.13 and later);
- a deliberate limit: keep `String(n)` with `# noqa: SQF003` on the reported line. A SQLModel field says
  it explicitly with `Field(sa_type=String(n))`.

Where the limit is meant on PostgreSQL, `Text` with `CheckConstraint("length(body) <= 500")` keeps it
without the `varchar` type."""
    examples = [
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    title: Mapped[str] = mapped_column(String(200))\n'
              '    comment_title: Mapped[str] = mapped_column(String(80))\n'),
        Valid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    body: Mapped[str] = mapped_column(Text)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    body: Mapped[str] = mapped_column(String(500))  # the post\n',
                'class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    body: Mapped[str] = mapped_column(Text)  # the post\n'),
        Invalid('from sqlmodel import Field, SQLModel\n'
                'class N(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
                '    bio: str\n',
                'from sqlmodel import Field, SQLModel\n'
                'class N(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n'
                '    bio: str = Field(sa_type=Text)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    summary: Mapped[str] = mapped_column(String(255), unique=True)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    notes: Mapped[str] = mapped_column(String(255), server_default="")\n'),
    ]

    def usage_questions(self, picture: Picture, config: Config) -> Questions:
        """The prose-named columns of a limited length (SQLModel's `str` is VARCHAR too): does the project's
        code keep to that length (`slice_signs`)?"""
        return Questions(lengths=frozenset(
            column.name for module in picture.modules
            for owner in [*module.classes.values(), *module.tables.values()] for column in owner.columns.values()
            if (column.type_length is not None or column.length_named is not None or column.type_name == "str")
            and is_prose(column.name, config.prose_names, config.short_names)
        ))

    def check(self, context: RuleContext) -> Iterator[Finding]:
        config = context.config
        for owner, column in context.columns():
            sqlmodel = column.style is Style.SQLMODEL
            if sqlmodel:
                # `bio: str` is AutoString: VARCHAR(255) on MySQL, and `max_length=n` makes it VARCHAR(n)
                if column.type_name != "str" or {"sa_type", "sa_column"} & set(column.keywords):
                    continue
                declared = f"String({column.type_length})" if column.type_length else "str (VARCHAR(255) on MySQL)"
                replacement = "Text"
            else:
                replacement = TEXT_FOR.get(column.type_name or "")
                if replacement is None or column.call is None:
                    continue
                if column.type_length is None and column.length_named is None:
                    continue
                spelled = (column.type_name or "sa.String").rsplit(".", 1)[-1]  # String, Unicode, VARCHAR
                declared = f"{spelled}({column.type_length or column.length_named})"
            if not is_prose(column.name, config.prose_names, config.short_names):
                continue
            if column.primary_key or column.foreign_keys:
                continue
            where = f"`{owner.name}.{column.name}`"
            unlimited = "Field(sa_type=Text)" if sqlmodel else replacement
            blocker, caveat = text_blocker(context, owner, column)
            choice = f"{unlimited} {caveat}" if caveat else f"{unlimited} if the text has no natural length"
            if blocker:
                keep = (f"Field(sa_type=String({column.type_length or 255})) (the limit, explicitly), or "
                        "# noqa: SQF003" if sqlmodel else "or # noqa: SQF003 to keep the limit")
                yield Finding(self.code, column.statement,
                              f"Prose column {where} is {declared} but {blocker}; left as is; decide: {choice}, "
                              f"{keep}")
                continue
            fix = _sqlmodel_text(context, column) if sqlmodel else to_text(context, column.type_call, replacement)
            note = " (max_length= stays: it still validates input)" if sqlmodel and column.type_length else ""
            effect = ("on MySQL longer text is rejected or truncated" if sqlmodel and not column.type_length
                      else "longer text is rejected or truncated (SQLite alone ignores the length)")
            yield Finding(self.code, column.statement,
                          f"Prose column {where} is {declared}: {effect}{note}",
                          fix=fix)


def text_blocker(context: RuleContext, owner, column) -> tuple[str | None, str | None]:
    """Why a prose string column must not become Text here (None: nothing stops it), and the caveat that
    choosing Text anyway comes with (None: none). Shared by SQF003 and SQF006."""
    if column.flag("unique") or column.flag("index"):
        return ("it is unique/indexed, and MySQL cannot index TEXT without a prefix length",
                "(on MySQL its index then needs a prefix length, mysql_length=)")
    if in_any_constraint(owner, column, project_indexes(context.picture, context.facts)):
        return ("it is in an index or constraint, and MySQL cannot index TEXT without a prefix length",
                "(on MySQL its index then needs a prefix length, mysql_length=)")
    if "server_default" in column.keywords or "sa_column_kwargs" in column.keywords:
        return ("it has a server_default, and MySQL rejects a literal default on TEXT",
                "(on MySQL its default then must be an expression, server_default=text(\"('...')\"))")
    return deliberate_limit(context, owner, column) or unknown_definition(context.picture, owner), None


def deliberate_limit(context: RuleContext, owner, column) -> str | None:
    """A sign that the length is meant: then the limit is the author's decision, not an accident."""
    if column.star_kwargs:
        return "its keywords include **kwargs that sqla-fix cannot read"
    if column.length_named:
        return f"its length is a named constant ({column.length_named}), a deliberate limit"
    if column.style is Style.SQLMODEL and column.type_length:
        return f"max_length={column.type_length} validates it: a deliberate limit"
    if isinstance(owner, ModelClass) and column.name in owner.validated:
        return "an @validates method checks it: the limit is deliberate"
    for sibling in owner.columns.values():
        if sibling is not column and (sibling.type_name in _LONG_TEXT or _is_text_field(sibling)):
            return f"its sibling `{sibling.name}` is a long-text column: this one is the short form"
    signs = context.slice_signs(owner, column)
    if signs:
        return f"the project's code keeps it to a length ({signs[0]}): the limit is deliberate"
    forms = context.usage.form_framework if context.usage is not None else None
    if forms is not None:
        return (f"the project builds forms from its columns ({forms}): String(n) is a limited text input "
                "there, and Text changes it")
    return None


def _is_text_field(column) -> bool:
    sa_type = column.keywords.get("sa_type")
    return sa_type is not None and ast.unparse(sa_type).rsplit(".", 1)[-1] in ("Text", "UnicodeText")


_LONG_TEXT = {"sa.Text", "sa.UnicodeText", "sa.TEXT", "sa.CLOB", "sa.LargeBinary"}


def _sqlmodel_text(context: RuleContext, column):
    """`Field(..., sa_type=Text)`; a field written without Field() gets one (`bio: str = Field(sa_type=Text)`)."""

    def fix(plan) -> bool:
        imports: list[tuple[str, str]] = []
        text = context.spelling.sqlalchemy("Text", None, imports)
        if text is None:
            return False
        if not sqlmodel_at_least((0, 0, 11)):
            # Field(sa_type=) came with SQLModel 0.0.11: older ones (or none to ask) take sa_column=, which
            # replaces the whole column, so only a field that says nothing else about it can have it.
            keywords = set(column.keywords) - {"default"}
            column_code = context.spelling.sqlalchemy("Column", None, imports)
            field = context.spelling.imported("sqlmodel", "Field", imports)
            assignment = column.statement
            if keywords or column_code is None or field is None or not isinstance(assignment, ast.AnnAssign):
                return False
            given = column.keywords.get("default", column.default)
            default = f"default={context.source.segment(given)}, " if given is not None else ""
            nullable = "True" if column.annotation_optional else "False"
            plan.replace(assignment, with_value(
                f"{field}({default}sa_column={column_code}({text}, nullable={nullable}))"))
        elif column.call is not None:
            plan.add_keyword(column.call, "sa_type", text)
        else:
            field = context.spelling.imported("sqlmodel", "Field", imports)
            assignment = column.statement
            if field is None or not isinstance(assignment, ast.AnnAssign):
                return False
            default = f"default={context.source.segment(column.default)}, " if column.default is not None else ""
            plan.replace(assignment, with_value(f"{field}({default}sa_type={text})"))
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix


def to_text(context: RuleContext, type_call, replacement: str):
    func = type_call.func if hasattr(type_call, "func") else type_call
    # Whatever else String() was given stays: String(200, collation="NOCASE") -> Text(collation="NOCASE")
    kept = []
    if isinstance(type_call, ast.Call):
        positional = type_call.args
        if len(positional) > 1:
            kept.append(f"collation={context.source.segment(positional[1])}")
        kept += [context.source.segment(k) for k in type_call.keywords if k.arg not in (None, "length")]

    def fix(plan) -> bool:
        imports: list[tuple[str, str]] = []
        spelled = context.spelling.sqlalchemy(replacement, prefix_of(func), imports)
        if spelled is None:
            return False
        plan.replace(type_call, f"{spelled}({', '.join(kept)})" if kept else spelled)
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix
