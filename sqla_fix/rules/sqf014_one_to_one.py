"""SQF014 one-to-one relationship whose foreign key is not unique.

A one-to-one is, for the database, a one-to-many: the child's row holds the foreign key to its parent
(``profiles.user_id``), and the parent's side of the relationship is made scalar, by ``uselist=False``,
by a non-collection annotation (``profile: Mapped["Profile"]``, ``Mapped[Optional["Profile"]]``: SQLAlchemy
2.0 derives ``uselist=False`` from it) or by ``backref("profile", uselist=False)`` on the child's
relationship (SQLAlchemy's "One To One" pattern). Only the database can keep it one-to-one: without a
unique key, two ``Profile`` rows of one user are inserted without an error, and ``user.profile`` then
silently loads one of them. Observed with SQLAlchemy 2.1.9 (SQLite, PostgreSQL 15, MariaDB 10.11): two
profiles of one user were inserted; the lazy load, ``selectinload`` and ``joinedload`` of ``User.profile``
each returned one of them with only ``SAWarning: Multiple rows returned with uselist=False for
lazily-loaded (eagerly-loaded) attribute 'User.profile'``. With SQLModel 0.0.50, a scalar annotation
``profile: Optional["Profile"] = Relationship(...)`` on the parent made ``uselist=False`` too
(``User.profile.property.uselist`` was False, its direction ONETOMANY).

Fix: ``unique=True`` on the child's key column, in the file's style (``mapped_column``, ``Column``,
``db.Column``, a ``Table``'s ``Column``, SQLModel's ``Field(unique=True)``, or the ``Column`` of a SQLModel
``Field(sa_column=...)``), also in the other file of the run that declares the key. Beside an
``index=True`` (written by the author or added by SQF001 in the same run) it makes the index unique
(``CREATE UNIQUE INDEX ix_profiles_user_id``); alone, a ``UNIQUE`` constraint. Observed on PostgreSQL 15
and MariaDB 10.11 with the fixed tables: the second child of one parent is refused (PostgreSQL
SQLSTATE 23505 ``duplicate key value violates unique constraint``, MariaDB error 1062 ``Duplicate entry``),
and several children with a NULL key are accepted on both (a nullable key stays optional).

The fix is **unsafe**, applied only with ``--unsafe-fixes``: an insert of a second child of one parent,
accepted today, now raises an IntegrityError, and the migration that adds the constraint fails while
duplicates exist (find them first: ``SELECT user_id FROM profiles WHERE user_id IS NOT NULL GROUP BY user_id
HAVING count(*) > 1``; without the ``WHERE`` the NULL keys come back as a group too, and they are no
duplicates). Observed on PostgreSQL 15.20 and MariaDB 10.11.19, on a table holding two children of one
parent and two with a NULL key: ``ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (user_id)`` failed
(PostgreSQL ``could not create unique index``, MariaDB 1062 ``Duplicate entry '7'``); with the duplicate
deleted it succeeded, both NULL keys kept; then a second child of the parent was refused and a third
NULL key accepted (tests/test_databases.py plays this, and the fixtures' fixed tables).

Quiet (no finding): a many-to-one (the scalar side holds the key: ``Profile.user``, with or without
``uselist=False``), a collection, ``secondary=`` (the key is in the link table), ``viewonly=True`` and
``order_by=`` relationships (one of many selected on purpose: "the latest version"), a ``uselist`` that
is not a literal, a class the run cannot find (``relationship(models.Port)`` is looked up as ``Port``), and a key that is unique already: ``unique=True``, the
child's whole primary key (joined-table inheritance, a shared primary key), a ``UniqueConstraint``,
unique ``Index`` or ``PrimaryKeyConstraint`` of the table whose columns are all in the key, a unique
module-level ``Index(...)`` in any file of the project, SQLModel's ``sa_column_kwargs={"unique": True}``
(whatever conditions its ``primaryjoin=`` adds, or its name says).

Reported, not fixed: ``unique=False`` written out (a decision); a ``primaryjoin=`` with more than one
equality (it may select one of several rows, for which a partial unique index or ``viewonly=True`` is
meant); a relationship whose name says it picks one of several (``latest_``, ``current_``, ``primary_``,
``main_``, ``active_``, ``default_``...: "the current plan" of many plans); several foreign keys from the child to the parent not narrowed by ``foreign_keys=`` (ambiguous);
a composite foreign key (``UniqueConstraint`` over its columns is for the author to write); a key that
is one column of a composite primary key, or of a composite ``UniqueConstraint`` (one row per parent and
``kind`` may be what is meant); a key declared on a mixin or a base class (every table that
uses it would change); a key in a file the run only reads; a module-level ``Index`` over it whose
uniqueness cannot be read, or an index a migration creates (it may be unique already); ``**kwargs`` on
the column; a table whose definition cannot be read whole (a base sqla-fix cannot see, a computed
``__table_args__``); a self-referencing one-to-one; a SQLModel scalar annotation where the installed
SQLModel is older than 0.0.12 or unknown (SQLModel ran on SQLAlchemy 1.4 before it, whose relationships
do not read annotations: the relationship was a list).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..picture import ClassKind, ColumnFact, ModelClass, RelationshipFact, TableFact, keyword_flag
from ..syntax import keywords_of, last_name, literal_string, parse_expression, positional_of
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import (
    foreign_keys_to,
    index_covering,
    named_columns,
    owner_table,
    primary_key_columns,
    project_indexes,
    sqlmodel_at_least,
    unknown_definition,
)

DUPLICATES = "SELECT {key} FROM {table} WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1"


class OneToOneNotUnique(Rule):
    code = "SQF014"
    name = "one-to-one-not-unique"
    summary = "one-to-one relationship whose foreign key is not unique"
    fix_safety = UNSAFE
    deciding = """\
Say whether a parent has one child or several:
- one (a one-to-one): `unique=True` on the child's key (`mapped_column(ForeignKey("users.id"), unique=True)`,
  SQLModel `Field(foreign_key="user.id", unique=True)`), or a `UniqueConstraint(...)` (or
  `Index(..., unique=True)`) over exactly the key's columns in `__table_args__`. What the unsafe fix writes;
  the migration fails while duplicates exist (`SELECT user_id FROM profiles WHERE user_id IS NOT NULL
  GROUP BY user_id HAVING count(*) > 1` finds them);
- several: make the relationship a collection (`Mapped[list["Profile"]]`, or drop `uselist=False`);
- several, of which the relationship loads one on purpose ("the latest"): `viewonly=True` with an
  `order_by=` (the rule stays quiet on both).

Or keep it as it is with `# noqa: SQF014` on the reported line (the relationship's statement; for a
`backref(..., uselist=False)`, the child's `relationship(...)`)."""
    examples = [
        Valid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    profile: Mapped["Profile"] = relationship(back_populates="user")\n'
              'class Profile(Base):\n    __tablename__ = "profiles"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)\n'
              '    user: Mapped["User"] = relationship(back_populates="profile")\n'),
        Valid('class Doc(Base):\n    __tablename__ = "docs"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    latest: Mapped["Version"] = relationship(viewonly=True, order_by="Version.id.desc()")\n'
              'class Version(Base):\n    __tablename__ = "versions"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
              '    doc_id: Mapped[int] = mapped_column(ForeignKey("docs.id"), index=True)\n'
              '    doc = relationship("Doc", uselist=False)\n'),
        Invalid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    profile: Mapped[Optional["Profile"]] = relationship(back_populates="user")\n'
                'class Profile(Base):\n    __tablename__ = "profiles"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))\n'
                '    user: Mapped["User"] = relationship(back_populates="profile")\n',
                'class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    profile: Mapped[Optional["Profile"]] = relationship(back_populates="user")\n'
                'class Profile(Base):\n    __tablename__ = "profiles"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)\n'
                '    user: Mapped["User"] = relationship(back_populates="profile")\n', unsafe=True),
        Invalid('class User(Base):\n    __tablename__ = "users"\n    id = Column(Integer, primary_key=True)\n'
                'class Avatar(Base):\n    __tablename__ = "avatars"\n    id = Column(Integer, primary_key=True)\n'
                '    user_id = Column(ForeignKey("users.id"), index=True, unique=False)\n'
                '    user = relationship("User", backref=backref("avatar", uselist=False))\n'),
        Invalid('class Team(Base):\n    __tablename__ = "teams"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    captain = relationship("Player", uselist=False,\n'
                '                           primaryjoin="and_(Team.id == Player.team_id, Player.captain)")\n'
                'class Player(Base):\n    __tablename__ = "players"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)\n'
                '    captain: Mapped[bool] = mapped_column(default=False)\n'),
        Invalid('class User(Base):\n    __tablename__ = "users"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    last_message = relationship("Message", uselist=False)\n'
                'class Message(Base):\n    __tablename__ = "messages"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
                '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)\n'),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        for model in context.facts.classes.values():
            if model.kind is not ClassKind.MAPPED:
                continue
            for relationship in model.relationships:
                finding = self._declared(context, model, relationship)
                if finding is None:
                    finding = self._backref(context, model, relationship)
                if finding is not None:
                    yield finding
        yield from self._from_read_files(context)
        yield from self._imperative(context)

    def _from_read_files(self, context: RuleContext) -> Iterator[Finding]:
        """One-to-ones declared in a file the run only reads (pre-commit passes the changed file) whose key is
        in this one: fixed here, as a run over both files fixes it; reported there when that file is run."""
        picture = context.picture
        for module in picture.modules:
            if module is context.facts or module.root != context.facts.root or context.plan_for(module) is not None:
                continue
            for parent in module.classes.values():
                if parent.kind is not ClassKind.MAPPED:
                    continue
                for relationship in parent.relationships:
                    said = _scalar(relationship.keywords, relationship, parent)
                    if said is None or _one_of_many(relationship.keywords):
                        continue
                    target = picture.find_class(_target_name(relationship), module)
                    if target is None or target.kind is not ClassKind.MAPPED or target.module is not context.facts:
                        continue
                    if context.suppressed(self.code, relationship.statement, module):
                        continue
                    where = f"`{parent.name}.{relationship.name}` ({said}, in {module.path.name})"
                    finding = self._judge(context, relationship, relationship.keywords, parent, target, where,
                                          anchored=True)
                    if finding is not None:
                        yield finding

    # -- which relationships are one-to-one -------------------------------------------------------------------
    def _declared(self, context: RuleContext, parent: ModelClass, relationship: RelationshipFact):
        """The relationship itself, made scalar on the side that does not hold the key."""
        keywords = relationship.keywords
        said = _scalar(keywords, relationship, parent)
        if said is None or _one_of_many(keywords):
            return None
        target = context.picture.find_class(_target_name(relationship), context.facts)
        if target is None or target.kind is not ClassKind.MAPPED:
            return None
        where = f"`{parent.name}.{relationship.name}` ({said})"
        return self._judge(context, relationship, keywords, parent, target, where)

    def _backref(self, context: RuleContext, child: ModelClass, relationship: RelationshipFact):
        """`relationship("User", backref=backref("profile", uselist=False))` on the child, which holds the key."""
        backref = relationship.keywords.get("backref")
        if not isinstance(backref, ast.Call) or context.resolver.call_name(backref) != "sa.backref":
            return None
        options = keywords_of(backref)
        if keyword_flag(options, "uselist") is not False or not isinstance(options.get("uselist"), ast.Constant):
            return None
        if _one_of_many(options) or _one_of_many(relationship.keywords):
            return None
        parent = context.picture.find_class(_target_name(relationship), context.facts)
        if parent is None or parent.kind is not ClassKind.MAPPED:
            return None
        positional = positional_of(backref)
        name = literal_string(positional[0]) if positional else None
        # the join is the forward relationship's: its primaryjoin/foreign_keys, read from the child's side
        keywords = {key: value for key, value in relationship.keywords.items()
                    if key in ("primaryjoin", "foreign_keys", "remote_side")}
        where = f"`{parent.name}.{name or '...'}` (backref of `{child.name}.{relationship.name}`, uselist=False)"
        return self._judge(context, relationship, keywords, parent, child, where, backref=True, scalar_name=name)

    # -- the key, and whether it is unique ------------------------------------------------------------------
    def _judge(self, context, relationship, keywords, parent: ModelClass, child: ModelClass, where: str,
               backref: bool = False, anchored: bool = False, scalar_name: str | None = None):
        """The finding of a one-to-one from `parent` to `child` (None: not one, or unique already). `anchored`:
        the relationship is in another file, read only: only a fix is reported here, on the key."""
        if anchored:
            finding = self._judge(context, relationship, keywords, parent, child, where, backref)
            if finding is None or finding.fix is None:
                return None
            finding.node = next(c.statement for _, c in foreign_keys_to(context.picture, child, parent)
                                if c.call is not None and _holds(finding, c))
            return finding
        picture = context.picture
        named = named_columns(keywords.get("foreign_keys"))
        join = keywords.get("primaryjoin")
        mentioned = _join_columns(join)
        if named is None and mentioned is not None:
            named = mentioned or None
        every_key = foreign_keys_to(picture, child, parent)
        keys = [(cls, c) for cls, c in every_key if not named or c.name in named]
        self_referencing = child is parent
        if self_referencing:
            if not keys:
                return None
            remote = named_columns(keywords.get("remote_side"))
            names = {c.name for _, c in keys}
            # remote_side naming the key: the relationship is the one-to-many side; naming the parent's
            # columns, the many-to-one side (and its backref the one-to-many side)
            forward_is_many_to_one = remote is not None and not (remote & names)
            if forward_is_many_to_one != backref:
                return None
        else:
            to_parent = [c for _, c in foreign_keys_to(picture, parent, child) if not named or c.name in named]
            if not keys or to_parent:
                return None  # the scalar side holds the key (a many-to-one), or which side does is not readable
        label = where
        if len(keys) == 1 and self._uniqueness(context, child, *keys[0]) is True:
            return None  # unique already, whatever the join and the name say
        selecting = _selecting_word(scalar_name if backref else relationship.name) if (
            scalar_name or not backref) else None
        if selecting is not None:
            return self._reported(relationship, label, child, keys,
                                  f"its name says it picks one of several (`{selecting}`)")
        if join is not None and not _plain_join(join):
            return self._reported(relationship, label, child, keys,
                                  "its primaryjoin= adds conditions: it may select one of several rows")
        if len(keys) > 1:
            if all(any(fk.composite for fk in c.foreign_keys) for _, c in keys):
                columns = ", ".join(f'"{c.db_name or c.name}"' for _, c in keys)
                return self._reported(relationship, label, child, keys,
                                      f"its key is a composite foreign key; decide: UniqueConstraint({columns}) in "
                                      f"`{child.name}`'s __table_args__, a collection, or # noqa: SQF014", decided=True)
            names = ", ".join(c.name for _, c in keys)
            return self._reported(relationship, label, child, keys,
                                  f"`{child.name}` has several foreign keys to `{parent.name}` ({names}) and "
                                  "foreign_keys= does not say which one is this relationship's")
        declaring, column = keys[0]
        if any(fk.composite for fk in column.foreign_keys):
            return self._reported(relationship, label, child, keys, "its key is one column of a composite foreign key")
        verdict = self._uniqueness(context, child, declaring, column)
        if verdict is True:
            return None
        if isinstance(verdict, str):
            return self._reported(relationship, label, child, keys, verdict)
        if relationship.star_kwargs and not backref:
            return self._reported(relationship, label, child, keys,
                                  "its keywords include **kwargs that sqla-fix cannot read (uselist may be there)")
        if self_referencing:
            return self._reported(relationship, label, child, keys,
                                  "it is self-referencing (which rows pair up is for the author to say)")
        if parent.sqlmodel and "uselist" not in keywords and not sqlmodel_at_least((0, 0, 12)):
            return self._reported(relationship, label, child, keys,
                                  "before SQLModel 0.0.12 (SQLAlchemy 1.4) a scalar annotation did not make it a "
                                  "one-to-one, and the installed SQLModel is older or unknown")
        plan_module = declaring.module if declaring.module is not context.facts else None

        def fix(plan) -> bool:
            """unique=True on the key, in this file's plan or the key's file's."""
            target_plan = plan if plan_module is None else context.plan_for(plan_module)
            if target_plan is None:
                return False
            target_plan.add_keyword(column.call, "unique", "True")
            return True

        fix.column = column
        table = owner_table(picture, child) or child.name
        key = column.db_name or column.name
        return Finding(self.code, relationship.statement,
                       f"{_flaw(label, child, parent, column)}; unique=True makes the database refuse a second "
                       f"`{child.name}` of one `{parent.name}` (an IntegrityError where the insert succeeds today), "
                       f"and its migration fails while duplicates exist (find them with "
                       f"{DUPLICATES.format(key=key, table=table)})",
                       fix=fix, safety=UNSAFE)

    def _uniqueness(self, context, child: ModelClass, declaring: ModelClass, column: ColumnFact):
        """True when the key is unique already; a reason when that, or a fix, cannot be certain; None: fix."""
        unique = column.flag("unique")
        if unique is not None and not isinstance(column.keywords.get("unique"), ast.Constant):
            return True  # an expression: the author decided, we cannot read which way
        if unique:
            return True
        options = column.keywords.get("sa_column_kwargs")
        if options is not None:
            if not isinstance(options, ast.Dict) or None in options.keys:
                return "its sa_column_kwargs= cannot be read (unique may be there)"
            for key, value in zip(options.keys, options.values):
                if literal_string(key) == "unique":
                    return True if not isinstance(value, ast.Constant) or value.value else "it says unique=False"
        if unique is False:
            return "it says unique=False"
        name = column.name
        owners = [cls for cls in context.picture.chain(child)]
        primary = primary_key_columns(child)
        if column.primary_key or name in primary:
            if set(primary) <= {name}:
                return True
            return f"`{child.name}.{name}` is one column of the composite primary key ({', '.join(primary)})"
        for cls in owners:
            for constraint in cls.constraints:
                if constraint.kind == "primary_key" and constraint.columns and set(constraint.columns) <= {name}:
                    return True
                if constraint.kind == "unique" and constraint.columns and set(constraint.columns) <= {name}:
                    return True
                if constraint.kind == "index" and constraint.columns and set(constraint.columns) <= {name}:
                    flag = keyword_flag(keywords_of(constraint.call), "unique")
                    if flag:
                        return True
        for cls in owners:
            for constraint in cls.constraints:
                wider = (constraint.kind == "unique" or (constraint.kind == "index" and keyword_flag(
                    keywords_of(constraint.call), "unique"))) and name in constraint.columns
                if wider and len(constraint.columns) > 1:
                    others = ", ".join(c for c in constraint.columns if c != name)
                    return (f"{constraint.spelled}({', '.join(constraint.columns)}) makes it unique only together "
                            f"with {others}: one row per {others} may be what is meant")
        tables = {cls.name for cls in owners}
        for index in project_indexes(context.picture, child.module):
            if index.table_or_class in tables and index.columns == [name]:
                call = index.call
                flag = keyword_flag(keywords_of(call), "unique") if call is not None else None
                if flag:
                    return True
                if flag is None and call is None:
                    return "a module-level Index(...) over it may be unique"
        history = context.history
        table = owner_table(context.picture, child)
        # a migration's index the model does not declare (the model's own index=True is not unique)
        if history is not None and (table, column.db_name or name) in history.indexes and index_covering(
                child, column, project_indexes(context.picture, child.module)) is None:
            made = history.where.get((table, column.db_name or name), "a migration")
            return (f"a migration creates an index leading with it ({made}), which may be unique: declare it in "
                    "the model as the migration makes it")
        if declaring is not child:
            return (f"`{name}` is declared on `{declaring.name}`, and every table that uses it would become "
                    "one-to-one")
        unknown = unknown_definition(context.picture, child)
        if unknown:
            return f"`{child.name}`: {unknown} (a unique constraint may be declared there)"
        if column.star_kwargs:
            return "its keywords include **kwargs that sqla-fix cannot read (unique may be there)"
        if column.call is None:
            return "its declaration cannot be rewritten"
        if declaring.module is not context.facts and context.plan_for(declaring.module) is None:
            return f"`{child.name}` is declared in {declaring.module.path.name}, which this run only reads"
        return None

    def _reported(self, relationship, where, child, keys, why: str, decided: bool = False) -> Finding:
        column = keys[0][1] if len(keys) == 1 else None
        key = (f"`{child.name}.{column.name}`" if column is not None
               else f"`{child.name}.({', '.join(c.name for _, c in keys)})`")
        flaw = (f"One-to-one {where} has a key {key} that may not be unique: a second `{child.name}` row of one "
                "parent is accepted, and the relationship then loads one of them")
        if decided:
            return Finding(self.code, relationship.statement, f"{flaw}; not fixed: {why}")
        return Finding(self.code, relationship.statement,
                       f"{flaw}; not fixed: {why}; decide: unique=True on {key} (a one-to-one), a collection if "
                       "there may be several, viewonly=True with order_by= if it loads one of several on purpose, or "
                       "# noqa: SQF014")

    # -- imperative mappings: map_imperatively(User, users, properties={"profile": relationship(...)}) -------
    def _imperative(self, context: RuleContext) -> Iterator[Finding]:
        tables = {table.variable: table for table in context.facts.tables.values() if table.variable}
        mapped = {cls: variable for cls, variable in context.facts.imperative_mappings}
        for node in ast.walk(context.module):
            if not isinstance(node, ast.Call):
                continue
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if method not in ("map_imperatively", "mapper") and context.resolver.call_name(node) != "sa.mapper":
                continue
            positional = positional_of(node)
            if len(positional) < 2:
                continue
            properties = keywords_of(node).get("properties")
            if properties is None and len(positional) > 2:
                properties = positional[2]
            parent_class, parent_table = last_name(positional[0]), tables.get(last_name(positional[1]))
            if parent_table is None or not isinstance(properties, ast.Dict):
                continue
            for key, value in zip(properties.keys, properties.values):
                if not isinstance(value, ast.Call) or context.resolver.call_name(value) not in (
                        "sa.relationship", "sa.relation"):
                    continue
                finding = self._imperative_relationship(context, parent_class, parent_table, literal_string(key),
                                                        value, tables, mapped)
                if finding is not None:
                    yield finding

    def _imperative_relationship(self, context, parent_class, parent_table: TableFact, name, call: ast.Call,
                                 tables, mapped):
        keywords = keywords_of(call)
        uselist = keywords.get("uselist")
        if not (isinstance(uselist, ast.Constant) and uselist.value is False) or _one_of_many(keywords):
            return None
        if "secondary" in keywords:
            return None
        positional = positional_of(call)
        target = last_name(positional[0]) if positional else literal_string(keywords.get("argument"))
        child_table = tables.get(mapped.get(target))
        if child_table is None or child_table is parent_table:
            return None
        named = named_columns(keywords.get("foreign_keys"))
        keys = [c for c in child_table.columns.values() if any(fk.target_table == parent_table.name
                for fk in c.foreign_keys) and (not named or c.name in named)]
        back = [c for c in parent_table.columns.values() if any(fk.target_table == child_table.name
                for fk in c.foreign_keys)]
        if not keys or back:
            return None
        where = f"`{parent_class}.{name or '...'}` (uselist=False)"
        relationship = RelationshipFact(name=name or "", statement=call, call=call, target=target, collection=None,
                                        scalar_annotation=False, keywords=keywords)
        child_label = ModelLabel(target or child_table.name)
        if "primaryjoin" in keywords and not _plain_join(keywords["primaryjoin"]):
            return self._reported(relationship, where, child_label, [(None, c) for c in keys],
                                  "its primaryjoin= adds conditions: it may select one of several rows")
        if len(keys) > 1:
            return self._reported(relationship, where, child_label, [(None, c) for c in keys],
                                  "the table has several foreign keys to the parent's, or a composite one")
        column = keys[0]
        if any(fk.composite for fk in column.foreign_keys):
            return self._reported(relationship, where, child_label, [(None, column)],
                                  "its key is one column of a composite foreign key")
        unique = column.flag("unique")
        if unique or (unique is not None and not isinstance(column.keywords.get("unique"), ast.Constant)):
            return None
        primary = primary_key_columns(child_table)
        if column.primary_key and set(primary) <= {column.name}:
            return None
        for constraint in child_table.constraints:
            if constraint.columns and set(constraint.columns) <= {column.name} and (
                    constraint.kind in ("unique", "primary_key")
                    or keyword_flag(keywords_of(constraint.call), "unique")):
                return None
        why = None
        if unique is False:
            why = "it says unique=False"
        elif column.primary_key:
            why = f"it is one column of the composite primary key ({', '.join(primary)})"
        elif column.star_kwargs or column.call is None:
            why = "its keywords include **kwargs that sqla-fix cannot read (unique may be there)"
        else:
            for index in project_indexes(context.picture, context.facts):
                if index.table_or_class == child_table.variable and index.columns == [column.name]:
                    call_of = index.call
                    if call_of is not None and keyword_flag(keywords_of(call_of), "unique"):
                        return None
                    if call_of is None:
                        why = "a module-level Index(...) over it may be unique"
            history = context.history
            if why is None and history is not None and (child_table.name, column.db_name or column.name) in \
                    history.indexes:
                why = "a migration creates an index leading with it, which may be unique"
        if why is not None:
            return self._reported(relationship, where, child_label, [(None, column)], why)
        key = column.db_name or column.name

        def fix(plan) -> bool:
            plan.add_keyword(column.call, "unique", "True")
            return True

        return Finding(self.code, call,
                       f"{_flaw(where, child_label, ModelLabel(parent_class), column)}; unique=True makes the database "
                       f"refuse a second `{child_label.name}` of one `{parent_class}` (an IntegrityError where the "
                       f"insert succeeds today), and its migration fails while duplicates exist (find them with "
                       f"{DUPLICATES.format(key=key, table=child_table.name)})",
                       fix=fix, safety=UNSAFE)


def _target_name(relationship: RelationshipFact) -> str | None:
    """The class a relationship names: `"Port"`, `Port`, or `models_v2.Port` (a module's class)."""
    if relationship.target is not None:
        return relationship.target
    positional = positional_of(relationship.call)
    return last_name(positional[0]) if positional and isinstance(positional[0], ast.Attribute) else None


def _holds(finding: Finding, column: ColumnFact) -> bool:
    return getattr(finding.fix, "column", None) is column


class ModelLabel:
    """A class known only by its name (imperatively mapped): what messages need of it."""

    def __init__(self, name: str):
        self.name = name


def _flaw(where: str, child, parent, column: ColumnFact) -> str:
    return (f"One-to-one {where} has a key `{child.name}.{column.name}` that is not unique: two `{child.name}` "
            f"rows can refer to one `{parent.name}`, and the relationship then loads one of them (SQLAlchemy only "
            "warns \"Multiple rows returned with uselist=False\")")


def _scalar(keywords: dict, relationship: RelationshipFact, model: ModelClass) -> str | None:
    """How the relationship is made scalar ("uselist=False", "a scalar annotation"), or None: a collection,
    or a uselist that is not a literal."""
    if "uselist" in keywords:
        value = keywords["uselist"]
        return "uselist=False" if isinstance(value, ast.Constant) and value.value is False else None
    if relationship.collection is not None or "secondary" in keywords:
        return None
    if literal_string(keywords.get("lazy")) == "dynamic":
        return None
    if relationship.scalar_annotation:
        return "a scalar annotation"
    return None


# Words of a relationship's name that say it picks one row among several ("latest_version", "current_plan").
SELECTING_WORDS = frozenset({"latest", "last", "current", "recent", "newest", "oldest", "first", "primary", "main",
                             "default", "active", "top", "best", "next", "previous", "prev"})


def _selecting_word(name: str) -> str | None:
    return next((word for word in name.lower().split("_") if word in SELECTING_WORDS), None)


def _one_of_many(keywords: dict) -> bool:
    """viewonly=True, order_by=, secondary=: one row chosen among several, or a key in a link table."""
    return bool(keyword_flag(keywords, "viewonly")) or "order_by" in keywords or "secondary" in keywords


def _join_expression(join: ast.expr | None) -> ast.expr | None:
    text = literal_string(join)
    if text is not None:
        return parse_expression(text)
    if isinstance(join, ast.Lambda):
        return join.body
    return join


def _plain_join(join: ast.expr) -> bool:
    """`Parent.id == Child.parent_id` and nothing else: the join the foreign key makes anyway."""
    expression = _join_expression(join)
    return (isinstance(expression, ast.Compare) and len(expression.ops) == 1 and isinstance(expression.ops[0], ast.Eq)
            and all(isinstance(side, ast.Attribute) for side in (expression.left, expression.comparators[0])))


def _join_columns(join: ast.expr | None) -> set[str] | None:
    """The attribute names a primaryjoin= mentions (`Child.parent_id`), to tell which key it uses."""
    if join is None:
        return None
    expression = _join_expression(join)
    if expression is None:
        return set()
    return {node.attr for node in ast.walk(expression) if isinstance(node, ast.Attribute)}
