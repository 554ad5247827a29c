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
"""

from __future__ import annotations

from collections.abc import Iterator

from ..names import prefix_of
from .base import Finding, Invalid, Rule, RuleContext, Valid
from .schema import in_any_constraint

_TEXT_FOR = {"sa.String": "Text", "sa.VARCHAR": "Text", "sa.Unicode": "UnicodeText", "sa.NVARCHAR": "UnicodeText"}


def is_prose(name: str, prose: list[str], short: list[str]) -> bool:
    words = name.lower().split("_")
    if any(word in short for word in words):
        return False
    return name.lower() in prose or words[-1] in prose


class ProseColumnAsString(Rule):
    code = "SQF003"
    name = "prose-column-as-string"
    summary = "prose column stored as String(n)"
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
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    summary: Mapped[str] = mapped_column(String(255), unique=True)\n'),
        Invalid('class C(Base):\n    __tablename__ = "c"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    notes: Mapped[str] = mapped_column(String(255), server_default="")\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        config = context.config
        for owner, column in context.columns():
            replacement = _TEXT_FOR.get(column.type_name or "")
            if replacement is None or column.type_length is None or column.call is None:
                continue
            if not is_prose(column.name, config.prose_names, config.short_names):
                continue
            if column.primary_key or column.foreign_keys:
                continue
            where = f"`{owner.name}.{column.name}`"
            blocker = None
            if column.flag("unique") or column.flag("index"):
                blocker = "it is unique/indexed, and MySQL cannot index TEXT without a prefix length"
            elif in_any_constraint(owner, column, context.facts.module_indexes):
                blocker = "it is in an index or constraint, and MySQL cannot index TEXT without a prefix length"
            elif "server_default" in column.keywords:
                blocker = "it has a server_default, and MySQL rejects a literal default on TEXT"
            if blocker:
                yield Finding(self.code, column.statement,
                              f"Prose column {where} is String({column.type_length}) but {blocker}; left as is")
                continue
            yield Finding(self.code, column.statement,
                          f"Prose column {where} is String({column.type_length}): longer text is truncated "
                          "or rejected",
                          fix=_to_text(context, column.type_call, replacement))


def _to_text(context: RuleContext, type_call, replacement: str):
    func = type_call.func if hasattr(type_call, "func") else type_call

    def fix(plan) -> bool:
        imports: list[tuple[str, str]] = []
        spelled = context.spelling.sqlalchemy(replacement, prefix_of(func), imports)
        if spelled is None:
            return False
        plan.replace(type_call, spelled)
        for module, name in imports:
            plan.add_import(module, name)
        return True

    return fix
