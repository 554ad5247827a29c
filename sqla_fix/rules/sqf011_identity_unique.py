"""SQF011 an identity that nothing makes unique.

A user's ``email``, ``username``, ``login`` or ``handle`` is how the application finds the account: sign-in
looks it up and takes the first row. Without a unique constraint two accounts can share it (two sign-ups
racing, an import, an admin tool), and from then on the lookup returns either of them, a password reset
reaches the wrong account, and ``.one()`` raises. An application-side "is it taken?" check does not close
the race: only the database can. Observed with SQLAlchemy 2.1.9 on PostgreSQL 15.20, MariaDB 10.11.19
and SQLite (tests/test_databases.py ``test_identity_unique_facts``), a table with ``email`` declared
``unique=True``:

- a second row with the same email failed: PostgreSQL ``UniqueViolation: duplicate key value violates
  unique constraint "sqf011_people_email_key"``, MariaDB ``(1062, "Duplicate entry 'b@x.org' for key
  'email'")``, SQLite ``UNIQUE constraint failed``;
- two rows with a NULL email were both accepted on all three: a unique constraint does not make a
  nullable column required, so ``unique=True`` is right on a nullable email too;
- ``A@x.org`` next to ``a@x.org`` was accepted on PostgreSQL and SQLite (``unique=True`` is
  case-sensitive there; a unique index on ``lower(email)`` rejected the pair on PostgreSQL, the careful
  form; MariaDB 10.11 has no functional indexes), and rejected on MariaDB, whose default collations
  (``utf8mb4_unicode_ci``) are case-insensitive;
- adding the constraint to a table that already holds duplicates failed: PostgreSQL ``UniqueViolation:
  could not create unique index "uq_sqf011_dups_email"`` (SQLSTATE 23505), MariaDB ``(1062, "Duplicate
  entry 'c@x.org' for key 'uq_sqf011_dups_email'")``, SQLite ``UNIQUE constraint failed``; ``SELECT email,
  count(*) FROM t GROUP BY email HAVING count(*) > 1`` finds them first.

Fix (unsafe, only with ``--unsafe-fixes``): ``unique=True`` on the column (beside an ``index=True``:
the index becomes a unique one), for an identity column (setting ``identity-names``: ``email``,
``email_address``, ``username``, ``user_name``, ``login``, ``handle``) of the unmistakable user or
account table: the class named ``User``/``Users``/``Account``/``AppUser``/``UserAccount`` (a kind
suffix like ``UserModel`` aside), or ``__tablename__`` ``user``, ``users``, ``account``, ``accounts``,
``app_user(s)``, ``auth_user``, ``user_account(s)``. A typed ``email: Mapped[str]`` gets ``=
mapped_column(unique=True)``, a SQLModel ``Field(...)`` gets ``unique=True`` (and a
``Field(sa_column=Column(...))`` its inner ``Column``). Unsafe: the migration fails where the table
already holds duplicates, and inserts that succeed today (a second account with an email) raise
``IntegrityError``.

Quiet (no finding): a column already unique (``unique=True``, an explicit ``unique=False``: decided),
a primary key, a foreign key, the annotations of a class mapped imperatively (``map_imperatively(User,
user_table)``: its ``Table(...)`` is checked instead, and CKAN's says ``Index(..., func.lower(Column("email")),
unique=True, postgresql_where=...)``), a ``UniqueConstraint`` or unique ``Index`` that contains the column (in
``__table_args__``, in the ``Table(...)``, at module level in any file of the project; a composite one is
uniqueness per something the author chose; a functional one such as ``Index("uq", func.lower(email),
unique=True)`` is the careful form), and identity names on append-only records (logs, events, audit
entries, history, sign-in attempts), which repeat them by nature, and columns that are not strings (a
``login`` that is a timestamp).

Reported, not fixed (the message says which unique index the engineer would write):
- an identity column of a table of people other than the users table (``Member``, ``Customer``,
  ``Contact``, ``Profile``: setting ``entity-nouns``; and invitations, subscribers, sign-ups): whether each
  row is one person is the author's to say. On any other table it is quiet: an order's or a DNS zone's
  email is a contact address, a server's ``username`` a credential for something else (Designate's
  ``zones.email``, pgAdmin's ``Server.username``), and many rows share them by nature;
- a table with a tenant column (``tenant_id``, ``organization_id``, ``workspace_id``, ``team_id``,
  ``account_id``, ...): the email is usually unique per tenant, ``UniqueConstraint("tenant_id", "email")``;
- a soft-deleted table (``deleted_at``, ``is_deleted``): a deleted account keeps its email, so the unique
  index is a partial one, ``Index(..., unique=True, postgresql_where=text("deleted_at IS NULL"))``
  (MariaDB has no partial indexes);
- an auth ``provider`` column (``auth_source``, ``auth_type``, ``oauth_*``, ...): the same email signs in
  through several providers,
  ``UniqueConstraint("provider", "email")``;
- an explicit non-unique ``Index(...)`` on the column: making that index ``unique=True`` is the fix, not a
  second index beside it; an index the project's migrations create on it (unique or not is not read);
- a ``slug``: whether it is unique alone or per parent (a post's slug per blog) is in how the code looks
  it up, which this rule does not read yet: every slug without a covering unique index is reported;
- a ``Text`` column (MySQL refuses a unique index on TEXT without a prefix length);
- a column declared on a mixin or an abstract base (every table that uses it gets the constraint), on a
  single-table-inheritance subclass, a SQLModel field without ``Field(...)`` or declared on a non-table
  SQLModel base (``class UserBase(SQLModel)``, shared with the schemas built on it), ``**kwargs``, a
  ``sa_column_kwargs=`` that cannot be read, a base sqla-fix cannot read, a computed ``__table_args__``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..picture import ClassKind, ColumnFact, ModelClass, Style, TableFact
from ..syntax import literal_string
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid, with_value
from .schema import (
    _CLASS_SUFFIXES,
    all_columns,
    head_noun_matches,
    owner_table,
    project_indexes,
    snake_words,
    unknown_definition,
)
from .sqf005_timestamps import APPEND_ONLY_NOUNS

# Tables that are the users or accounts of the application (class name in snake case, or __tablename__).
USER_TABLES = frozenset({
    "user", "users", "account", "accounts", "app_user", "app_users", "auth_user", "auth_users", "user_account",
    "user_accounts", "site_user", "site_users",
})
SLUG_NAMES = frozenset({"slug"})
# Columns that make a table multi-tenant: an identity is then unique per tenant (the word before `_id`).
TENANT_WORDS = frozenset({
    "tenant", "organization", "organisation", "org", "workspace", "team", "company", "account", "site", "realm",
})
_TEXT_TYPES = frozenset({"sa.Text", "sa.UnicodeText", "sa.TEXT", "sa.CLOB"})
_STRING_TYPES = frozenset({"sa.String", "sa.Unicode", "sa.VARCHAR", "sa.NVARCHAR", "sa.CHAR", "sa.NCHAR",
                           "sa.citext.CITEXT", "sa.CITEXT"})
# Rows that stand for one person signing up, besides the entity nouns: an invitation, a subscriber.
_SIGN_UP_NOUNS = ["invitation", "invite", "subscriber", "subscription", "signup", "registration", "applicant", "lead"]
# Columns that say which authentication a row comes from (besides `*provider*`): pgAdmin's `auth_source`.
_AUTH_SOURCES = frozenset({"auth_source", "auth_type", "auth_method", "auth_backend", "login_type", "login_source",
                           "source", "sso"})
_ATTEMPT_NOUNS = [*APPEND_ONLY_NOUNS, "attempt", "login_attempt", "session", "token"]


def _entity_name(context: RuleContext, owner) -> str | None:
    """The user/account name the table goes by ("users", "User"), or None when it is not that table."""
    table = owner_table(context.picture, owner)
    if table and table.lower() in USER_TABLES:
        return table
    if isinstance(owner, ModelClass):
        words = snake_words(owner.name)
        if len(words) > 1 and words[-1] in _CLASS_SUFFIXES:
            words = words[:-1]
        if "_".join(words) in USER_TABLES:
            return owner.name
    return None


def _person_like(context: RuleContext, owner) -> bool:
    """A table of people or accounts other than the users table (`Member`, `Customer`, `Profile`): its
    `username` or `handle` may well be an identity; on other tables it is a credential for something else."""
    name = owner.name if isinstance(owner, ModelClass) else "".join(w.capitalize() for w in owner.name.split("_"))
    if isinstance(owner, ModelClass):  # `FsUserMixin`, `UserBase`: the columns of a user table
        name = re.sub(r"(Mixin|Base)$", "", name) or name
    return head_noun_matches(name, [*context.config.entity_nouns, *_SIGN_UP_NOUNS]) is not None


def _columns_of(context: RuleContext, owner) -> dict[str, ColumnFact]:
    if isinstance(owner, ModelClass):
        found = {name: column for name, (_, column) in all_columns(context.picture, owner).items()}
        return found
    return dict(owner.columns)


def _mentioned(node: ast.AST) -> set[str]:
    """The column names an index expression uses: "email", email, User.email, func.lower(User.email)."""
    text = literal_string(node)
    if text is not None:
        return {text}
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute):
            names.add(inner.attr)
        elif isinstance(inner, ast.Name):
            names.add(inner.id)
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            names.add(inner.value)
    return names


def _constraint_columns(call: ast.Call, is_index: bool) -> set[str]:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if is_index:
        positional = positional[1:]
    names: set[str] = set()
    for argument in positional:
        names |= _mentioned(argument)
    return names


def _textual(column: ColumnFact) -> bool:
    """A string column (or one whose type is not written: `Mapped[str]`, a SQLModel `str`): a `login` that
    is a timestamp or a flag, or a `handle` that is a number, is not an identity."""
    if column.type_call is not None:
        return column.type_name in _STRING_TYPES or column.type_name in _TEXT_TYPES
    if column.style is Style.SQLMODEL:
        return column.type_name in ("str", "EmailStr")
    return column.python_type in (None, "str")


def _unique_keyword(call: ast.Call) -> bool | None:
    for keyword in call.keywords:
        if keyword.arg == "unique":
            value = keyword.value
            return value.value if isinstance(value, ast.Constant) and isinstance(value.value, bool) else True
    return None


class IdentityNotUnique(Rule):
    code = "SQF011"
    name = "identity-not-unique"
    summary = "a user's email, username or login (or a slug) that no unique constraint covers"
    fix_safety = UNSAFE
    deciding = """\
Say what is unique, and per what:
- unique across the table: `email: Mapped[str] = mapped_column(String(255), unique=True)`,
  `db.Column(db.String(80), unique=True)`, SQLModel `Field(unique=True)`; case-insensitively on PostgreSQL and
  SQLite with a unique index on the lowered value, `Index("uq_users_email_lower", func.lower(email), unique=True)`
  in `__table_args__` (`unique=True` alone lets `A@x.org` and `a@x.org` both in there);
- unique per tenant, per provider or per parent: `UniqueConstraint("tenant_id", "email")` in `__table_args__`;
- unique among live rows only: `Index("uq_users_email", "email", unique=True,
  postgresql_where=text("deleted_at IS NULL"))`;
- not unique by design: write `unique=False` on the column;
- or `# noqa: SQF011` on the reported line.
Before adding a unique constraint to a table with rows, find the duplicates:
`SELECT email, count(*) FROM users GROUP BY email HAVING count(*) > 1`."""
    examples = [
        Valid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    email: Mapped[str] = mapped_column(String(255), unique=True)\n'
              '    username: Mapped[str] = mapped_column(String(50))\n'
              '    login: Mapped[Optional[str]] = mapped_column(String(50), unique=False)\n'
              '    __table_args__ = (UniqueConstraint("username"),)\n'),
        Valid('class Account(Base):\n    __tablename__ = "accounts"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    email: Mapped[str] = mapped_column(String(255))\n'
              '    __table_args__ = (Index("uq_accounts_email", func.lower(email), unique=True),)\n'),
        Valid('class LoginEvent(Base):\n    __tablename__ = "login_events"\n'
              '    id: Mapped[int] = mapped_column(primary_key=True)\n    email: Mapped[str] = mapped_column(String(255))\n'),
        Invalid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    email: Mapped[str] = mapped_column(String(255), index=True)  # sign-in\n'
                '    username: Mapped[str]\n',
                'class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    email: Mapped[str] = mapped_column(String(255), index=True, unique=True)  # sign-in\n'
                '    username: Mapped[str] = mapped_column(unique=True)\n',
                unsafe=True),
        Invalid('import sqlalchemy as sa\n'
                'class User(Base):\n    __tablename__ = "users"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    email = sa.Column(sa.String(120), nullable=True)\n',
                'import sqlalchemy as sa\n'
                'class User(Base):\n    __tablename__ = "users"\n    id = sa.Column(sa.Integer, primary_key=True)\n'
                '    email = sa.Column(sa.String(120), nullable=True, unique=True)\n',
                unsafe=True),
        Invalid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    tenant_id: Mapped[int]\n    email: Mapped[str] = mapped_column(String(255))\n'),
        Invalid('class Invitation(Base):\n    __tablename__ = "invitations"\n'
                '    id: Mapped[int] = mapped_column(primary_key=True)\n    email: Mapped[str] = mapped_column(String(255))\n'),
        Invalid('class Post(Base):\n    __tablename__ = "posts"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    slug: Mapped[str] = mapped_column(String(100))\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        identity = set(context.config.identity_names)
        self._inherited: dict[int, str] = {}  # columns of a SQLModel table declared on a non-table base
        imperative = {cls for cls, _ in context.facts.imperative_mappings}  # in this module: names are not unique
        for owner in context.owners():
            if isinstance(owner, ModelClass) and (owner.kind is ClassKind.ROOT or owner.name in imperative):
                continue  # a class mapped imperatively (CKAN's `User`): its Table(...) is checked, and says it
            for column in self._own_columns(context, owner):
                names = {column.name, column.db_name} - {None}
                if names & identity:
                    kind = "identity"
                elif names & SLUG_NAMES:
                    kind = "slug"
                else:
                    continue
                finding = self._column(context, owner, column, kind)
                if finding is not None:
                    yield finding

    def _own_columns(self, context: RuleContext, owner) -> list[ColumnFact]:
        """The owner's columns, and on a SQLModel table those of the non-table SQLModel bases it inherits
        (`class UserBase(SQLModel)`: no table of their own, so no one else checks them)."""
        columns = list(owner.columns.values())
        if isinstance(owner, ModelClass) and owner.sqlmodel and owner.kind is ClassKind.MAPPED:
            seen = set(owner.columns)
            for cls in context.picture.chain(owner)[1:]:
                if cls.kind is ClassKind.OTHER and cls.sqlmodel and cls.module is context.facts:
                    for name, column in cls.columns.items():
                        if name not in seen:
                            seen.add(name)
                            self._inherited[id(column)] = cls.name
                            columns.append(column)
        return columns

    # -- what covers it ---------------------------------------------------------------------------------------
    def _covered(self, context: RuleContext, owner, column: ColumnFact) -> bool:
        if column.flag("unique") is not None or column.primary_key or column.foreign_keys:
            return True
        options = column.keywords.get("sa_column_kwargs")
        if isinstance(options, ast.Dict) and any(literal_string(k) in ("unique", "primary_key") for k in options.keys):
            return True
        name = column.db_name or column.name
        wanted = {column.name, name}
        for constraint in self._constraints(context, owner):
            kind = constraint.kind
            if kind in ("unique", "primary_key") or (kind == "index" and _unique_keyword(constraint.call)):
                if wanted & (set(constraint.columns) | _constraint_columns(constraint.call, kind == "index")):
                    return True
        return any(index.unique and wanted & (set(index.columns) | set(index.expressions))
                   for index in self._module_indexes(context, owner))

    def _constraints(self, context: RuleContext, owner):
        if isinstance(owner, TableFact):
            return list(owner.constraints)
        return [c for cls in context.picture.chain(owner) for c in cls.constraints]

    def _module_indexes(self, context: RuleContext, owner):
        names = {owner.name} | ({owner.variable} if isinstance(owner, TableFact) and owner.variable else set())
        if isinstance(owner, ModelClass):
            names |= {cls.name for cls in context.picture.chain(owner)}
        return [i for i in project_indexes(context.picture, context.facts) if i.table_or_class in names]

    def _plain_index(self, context: RuleContext, owner, column: ColumnFact) -> bool:
        """An explicit non-unique Index(...) that contains the column."""
        wanted = {column.name, column.db_name or column.name}
        for constraint in self._constraints(context, owner):
            if constraint.kind == "index" and wanted & (set(constraint.columns)
                                                        | _constraint_columns(constraint.call, True)):
                return True
        return any(wanted & (set(i.columns) | set(i.expressions)) for i in self._module_indexes(context, owner))

    # -- the decision -------------------------------------------------------------------------------------------
    def _column(self, context: RuleContext, owner, column: ColumnFact, kind: str) -> Finding | None:
        if self._covered(context, owner, column) or not _textual(column):
            return None
        entity = _entity_name(context, owner) if kind == "identity" else None
        if (kind == "identity" and entity is None and not isinstance(owner, TableFact)
                and head_noun_matches(owner.name, _ATTEMPT_NOUNS)):
            return None  # a log of sign-ins repeats the email by nature
        if kind == "identity" and entity is None and isinstance(owner, TableFact) and head_noun_matches(
                "".join(w.capitalize() for w in owner.name.split("_")), _ATTEMPT_NOUNS):
            return None
        name = column.db_name or column.name
        if kind == "identity" and entity is None and not _person_like(context, owner):
            # `Server.username` (a credential for something else), `Order.email`, `Zone.email` (a contact
            # address): many rows share them by nature
            return None
        table = owner_table(context.picture, owner) or owner.name
        where = f"`{owner.name}.{column.name}`"
        duplicates = f"SELECT {name}, count(*) FROM {table} GROUP BY {name} HAVING count(*) > 1"
        if kind == "slug":
            return self._report(column, (
                f"{where} is a slug with no unique constraint: two rows can share it, and a lookup by slug then "
                f"gets either; not fixed: whether it is unique alone or per parent (a post's slug per blog) is in "
                f"how the code looks it up; decide: unique=True, UniqueConstraint(\"<parent>_id\", \"{name}\"), or "
                f"unique=False"))
        label = (f"{where} identifies a user, but the model declares no unique constraint on it: two rows can "
                 "share it, and a sign-in or reset lookup then finds either") if entity is not None else (
                 f"{where} looks like an identity, but the model declares no unique constraint on it: if each row "
                 "is one person or account, two rows can share it")
        blocker = self._blocker(context, owner, column, entity, name, table)
        if blocker is not None:
            reason, suggestion = blocker
            return self._report(column, f"{label}; not fixed: {reason}; decide: {suggestion}")
        fix = self._fix(context, column)
        if fix is None:
            return self._report(column, f"{label}; not fixed: its declaration cannot be rewritten here; decide: "
                                        "unique=True, a composite UniqueConstraint, or unique=False")
        return Finding(self.code, column.statement, (
            f"{label}; unique=True adds a unique constraint: inserts of a second row with the same {name} "
            f"raise IntegrityError, and the migration fails where duplicates exist (find them first: {duplicates}); "
            "unique=True is case-sensitive on PostgreSQL and SQLite (a unique index on lower("
            f"{name}) is the careful form)"), fix=fix, safety=UNSAFE)

    def _report(self, column: ColumnFact, message: str) -> Finding:
        return Finding(self.code, column.statement, f"{message}, or # noqa: {self.code}")

    def _blocker(self, context: RuleContext, owner, column: ColumnFact, entity, name: str,
                 table: str) -> tuple[str, str] | None:
        plain = ("unique=True, a composite UniqueConstraint, or unique=False if it is not unique by design")
        if column.star_kwargs:
            return "its keywords include **kwargs that sqla-fix cannot read", plain
        if id(column) in self._inherited:
            return (f"it is declared on `{self._inherited[id(column)]}`, a SQLModel base that other models may "
                    "share", f"`{column.name}: str = Field(unique=True)` there, or unique=False")
        if "sa_column_kwargs" in column.keywords:
            return "its sa_column_kwargs= may say it already", plain
        if isinstance(owner, ModelClass) and owner.kind in (ClassKind.MIXIN, ClassKind.ABSTRACT):
            return (f"it is declared on `{owner.name}`, shared by the tables that use it",
                    "unique=True where every such table wants it, or a UniqueConstraint per table")
        if isinstance(owner, ModelClass) and owner.inheritance == "single":
            return ("it is declared on a single-table-inheritance subclass: its column is in the parent's table, "
                    "shared with the other classes", plain)
        columns = _columns_of(context, owner)
        others = [c for c in columns if c != column.name]
        tenant = [c for c in others if c in TENANT_WORDS or (c.endswith("_id") and c[:-3] in TENANT_WORDS)]
        if tenant:
            return (f"the table has {tenant[0]}, so it is usually unique per {tenant[0].removesuffix('_id')}",
                    f"UniqueConstraint(\"{tenant[0]}\", \"{name}\") in __table_args__, or unique=True if it is "
                    "unique across tenants")
        deleted = [c for c in others if "deleted" in c.split("_") or c in ("deleted", "is_deleted")]
        if deleted:
            condition = f"{deleted[0]} IS NULL" if not deleted[0].startswith("is_") else f"NOT {deleted[0]}"
            return (f"the table soft-deletes rows ({deleted[0]}): a deleted row keeps its {name}",
                    f"a partial unique index, Index(\"uq_{table}_{name}\", \"{name}\", unique=True, "
                    f"postgresql_where=text(\"{condition}\")) (MariaDB has no partial index), or unique=True")
        provider = [c for c in others if {"provider", "idp", "oauth"} & set(c.split("_")) or c in _AUTH_SOURCES]
        if provider:
            return (f"the table has {provider[0]}: the same {name} may sign in through several providers",
                    f"UniqueConstraint(\"{provider[0]}\", \"{name}\"), or unique=True if accounts are one per {name}")
        # (after what the columns it sees say for certain: a provider column seen is one, whatever else is unseen)
        unknown = unknown_definition(context.picture, owner)
        if unknown:
            return unknown, plain
        if self._plain_index(context, owner, column):
            return ("a non-unique Index(...) already contains it: making that index unique is the fix, not a "
                    "second one", "unique=True on that Index, or unique=False on the column")
        history = context.history
        if history is not None and (table, name) in history.indexes:
            return (f"the project's migrations create an index or constraint on it ({history.where[(table, name)]}), "
                    "and whether it is unique is not read", "unique=True to match a unique one, or unique=False")
        if entity is None:
            return (f"`{owner.name}` is not the users or accounts table, so whether each row is one person or "
                    "account is not known", f"unique=True, UniqueConstraint(\"<owner>_id\", \"{name}\"), or "
                                            "unique=False")
        if column.type_name in _TEXT_TYPES and column.type_call is not None:
            return ("it is TEXT, and MySQL refuses a unique index on TEXT without a prefix length",
                    "String(255) with unique=True, or a unique index on a prefix")
        if column.style is Style.SQLMODEL and column.call is None:
            return ("it is a SQLModel field without Field(...)", f"`{column.name}: str = Field(unique=True)`")
        return None

    def _fix(self, context: RuleContext, column: ColumnFact):
        if column.call is not None:
            call = column.call

            def fix(plan) -> bool:
                plan.add_keyword(call, "unique", "True")
                return True

            return fix
        statement = column.statement
        if (column.style is not Style.TYPED or not isinstance(statement, ast.AnnAssign) or statement.value is not None):
            return None
        imports: list[tuple[str, str]] = []
        mapped_column = context.spelling.sqlalchemy("mapped_column", None, imports)
        if mapped_column is None:
            return None

        def fix_bare(plan) -> bool:
            plan.replace(statement, with_value(f"{mapped_column}(unique=True)"))
            for module, name in imports:
                plan.add_import(module, name)
            return True

        return fix_bare
