"""SQF013 no naming convention (off by default: `extend-select = ["SQF013"]`).

A ``MetaData`` without ``naming_convention`` leaves the names of unique, foreign key, primary key and check
constraints to the database, and each database picks its own: the same model made on PostgreSQL 15 and
MariaDB 10.11 here gave ``sqf013_parent_code_key`` and ``code`` for one ``unique=True``,
``sqf013_child_parent_id_fkey`` and ``sqf013_child_ibfk_1`` for one ``ForeignKey``, and ``sqf013_child_pkey``
and ``PRIMARY`` for one primary key (SQLAlchemy 2.1.9). A migration that drops or alters such a constraint
must name it, and Alembic cannot: ``op.drop_constraint(None, ...)`` has no name to emit, and a name guessed
for one database is wrong on the other. SQLAlchemy's documentation ("Configuring Constraint Naming
Conventions") recommends ``{"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
"ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
"pk": "pk_%(table_name)s"}``. The rule is off by default (a one-time decision for a whole project, whose fix
is never safe): select it with ``extend-select = ["SQF013"]``.

With it, the same tables were created on both servers as ``uq_sqf013_parent_code``,
``fk_sqf013_child_parent_id_sqf013_parent`` and ``ck_sqf013_child_n_positive``, and ``pk_sqf013_child`` on
PostgreSQL (MariaDB names every primary key ``PRIMARY``); a name longer than PostgreSQL's 63 characters was
cut by SQLAlchemy with a hash (``..._parent_id_wi_d8d1``).
``ix`` is SQLAlchemy's default name for an unnamed ``Index`` already: index names do not change.

The fix (unsafe, and only with ``--unsafe-fixes``) writes that convention where the metadata is made, in
the file's spelling of ``MetaData`` (``MetaData``, ``sa.MetaData``; an import is added where needed):

- ``class Base(DeclarativeBase): pass`` -> ``metadata = MetaData(naming_convention={...})`` in the class
  body (SQLAlchemy 2.x takes a ``metadata`` class attribute as the base's metadata, observed);
- ``metadata = MetaData()`` / ``MetaData(schema="app")``, in a module or a base's body: the keyword added;
- ``declarative_base()``, ``registry()``, Flask-SQLAlchemy's ``SQLAlchemy()`` / ``SQLAlchemy(app)``:
  ``metadata=MetaData(naming_convention={...})`` added (Flask-SQLAlchemy 3.1.1 took it, and gave the
  metadata of a ``__bind_key__`` the same convention, observed).

Why it is unsafe: the names of constraints created from then on change, and only those. Existing
databases keep the names they have (the convention is not a migration), so the database made by
migrations and one made by ``create_all`` differ until the next migrations name the old constraints
explicitly. And Alembic's autogenerate, run after the change against a database made without it (Alembic
1.20.1), emitted a drop and a create of every unique constraint (PostgreSQL: ``remove_constraint`` and
``add_constraint``; MariaDB: ``remove_index`` and ``add_constraint``) because their names no longer match;
foreign keys, primary keys and indexes gave no difference. Such a migration must be edited, not applied.
A CHECK constraint named by the user (``name="n_positive"``) is created as ``ck_<table>_n_positive``.

Reported, not fixed:

- a project with any CHECK constraint (``CheckConstraint``, ``create_constraint=True``, anywhere in the text
  of its Python files, read by the run or not: a pre-commit run names one file): the ``ck`` entry takes
  ``%(constraint_name)s``, and an unnamed check then raises ``InvalidRequestError: Naming convention
  including %(constraint_name)s token requires that constraint is explicitly named`` where its table is
  declared, so the models no longer import (``CheckConstraint("n > 0")``, observed); an unnamed
  ``Boolean(create_constraint=True)`` raised it at CREATE TABLE on MariaDB and SQLite (PostgreSQL's
  native boolean makes no CHECK); and a named check is renamed in new databases. Leaving ``ck`` out
  would make the fix certain there, but then a tool writes a convention that differs from the documented
  one, silently: the user decides;
- a project with ``Boolean`` or ``Enum`` columns where nothing says it runs SQLAlchemy 1.4 or later (no
  2.0-style API in its code, no ``sqlalchemy>=1.4`` in its pyproject.toml, setup.cfg, setup.py or
  requirements): with SQLAlchemy 1.3.24 (a scratch environment, SQLite) a plain ``Boolean`` and a plain
  ``Enum("a", "b")`` under the convention raised the same ``InvalidRequestError``, as 1.3 gives them an
  unnamed CHECK by default; 1.4 made that ``create_constraint=False``;
- a table with two unnamed unique constraints led by the same column (``unique=True`` on ``s`` and
  ``UniqueConstraint("s", "n")``): ``uq_%(table_name)s_%(column_0_name)s`` gives both one name, and
  PostgreSQL refused the second (``relation "uq_sqf013_dup_s" already exists``), MariaDB too
  (``Duplicate key name``);
- a table of the metadata whose definition cannot be read whole (a base sqla-fix cannot see, a computed
  ``__table_args__``): its constraints are not known. The tables of a ``DeclarativeBase`` subclass are the
  classes that inherit it; for the other metadatas (``declarative_base()``, ``MetaData()``, Flask) every
  table of the project not under such a base is looked at;

All these facts are asserted by tests/test_databases.py (``test_naming_convention_*``) on both servers;
the Alembic observation was made once, in a scratch environment (Alembic is not a dependency).
- ``MetaData(**options)``, ``declarative_base(**options)``, ``SQLAlchemy(**options)``: what they are given is
  not known; a ``registry`` given to a base's body; Flask-SQLAlchemy's ``model_class=`` that is not a base
  of the project; a ``DeclarativeBase`` whose body starts with a function;
- SQLModel (quiet where it is set): its ``SQLModel.metadata`` is one global object; setting
  ``SQLModel.metadata.naming_convention = {...}`` before the models are defined is the user's call.

Quiet: a ``registry()`` whose metadata the project declares no table in (trove maps its classes with
``map_imperatively`` to Tables reflected into another ``MetaData``), a metadata given any ``naming_convention=``, a base whose metadata is passed in or assigned
(``metadata = shared_metadata``), a base from an installed library, and a project that sets
``<something>.naming_convention = ...`` (``Base.metadata.naming_convention = NAMES``) anywhere.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ..names import prefix_of
from ..picture import ClassKind, ModelClass
from .base import UNSAFE, Finding, Invalid, Rule, RuleContext, Valid
from .schema import all_columns, unknown_definition

CONVENTION = (
    ("ix", "ix_%(column_0_label)s"),
    ("uq", "uq_%(table_name)s_%(column_0_name)s"),
    ("ck", "ck_%(table_name)s_%(constraint_name)s"),
    ("fk", "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"),
    ("pk", "pk_%(table_name)s"),
)
_FACTORIES = {"sa.declarative_base": "declarative_base()", "sa.orm.declarative_base": "declarative_base()",
              "sa.registry": "registry()", "flask.SQLAlchemy": "SQLAlchemy()"}
_CHECK_MAKERS = re.compile(r"\bCheckConstraint\b|\bcreate_constraint\s*=\s*True\b")
# where one is made, to cite (the name alone, an import or an alias, still blocks: an alias's call is not seen)
_CHECK_MADE = re.compile(r"\bCheckConstraint\s*\(|\bcreate_constraint\s*=\s*True\b")
# `Base.metadata.naming_convention = ...`, `metadata.naming_convention.update(...)`: the name it is set on
_SETS_CONVENTION = re.compile(r"\b(\w+)(?:\.metadata)?\.naming_convention\s*(?:=|\.update\b|\[)")
_CONSEQUENCE = ("constraint names are left to each database (PostgreSQL's `t_col_key`, MariaDB's `col`), "
                "and Alembic cannot drop or alter a constraint it cannot name")
_DECIDE = ("decide: `naming_convention=` with names for ix, uq, ck, fk and pk (SQLAlchemy's documented "
           "convention) on the MetaData, or # noqa: SQF013")


def convention_dict(indent: str, unit: str) -> str:
    """The convention as a dict literal laid out one key a line, closing at `indent`."""
    inner = indent + unit
    items = "".join(f'{inner}"{key}": "{value}",\n' for key, value in CONVENTION)
    return "{\n" + items + indent + "}"


def _line_indent(context: RuleContext, node: ast.AST) -> str:
    line = context.lines[node.lineno - 1]
    return line[: len(line) - len(line.lstrip())]


class NoNamingConvention(Rule):
    code = "SQF013"
    name = "no-naming-convention"
    summary = "a MetaData (declarative base, registry, Flask-SQLAlchemy) without a naming_convention"
    fix_safety = UNSAFE
    default_enabled = False  # a one-time, project-wide decision: users opt in with extend-select
    deciding = """\
Off by default: select it with `extend-select = ["SQF013"]`. Say how the project's constraints are named:
- with SQLAlchemy's documented convention on the metadata:
  `metadata = MetaData(naming_convention={"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
  "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
  "pk": "pk_%(table_name)s"})` (or `Base.metadata.naming_convention = {...}` before the models), naming every
  CHECK constraint first (`CheckConstraint("x > 0", name="x_positive")`); existing constraints keep their names,
  so the next migrations must name them explicitly;
- with another convention of the project's own: any `naming_convention=` silences the rule;
- as the databases name them: `# noqa: SQF013` on the reported line."""
    examples = [
        Valid("Base.metadata.naming_convention = {\"pk\": \"pk_%(table_name)s\"}\n"
              "from sqlalchemy import MetaData\n"
              "class Model(DeclarativeBase):\n"
              "    metadata = MetaData(naming_convention={\"pk\": \"pk_%(table_name)s\"})\n"
              "shared = MetaData(naming_convention={})\n"
              "class Other(DeclarativeBase):\n    metadata = shared\n"
              "from sqlalchemy.orm import registry\n"
              "mapper_registry = registry()  # maps only Tables of other metadatas (map_imperatively)\n"),
        Invalid("from sqlalchemy import MetaData\nBase.metadata.naming_convention = {}\n"
                "class Model(DeclarativeBase):\n    pass\n",
                "from sqlalchemy import MetaData\nBase.metadata.naming_convention = {}\n"
                "class Model(DeclarativeBase):\n"
                "    metadata = MetaData(\n        naming_convention={\n"
                + "".join(f'            "{k}": "{v}",\n' for k, v in CONVENTION)
                + "        }\n    )\n",
                unsafe=True),
        Invalid("import sqlalchemy as sa\nBase.metadata.naming_convention = {}\n"
                'metadata = sa.MetaData(schema="app")\n',
                "import sqlalchemy as sa\nBase.metadata.naming_convention = {}\n"
                'metadata = sa.MetaData(\n    schema="app",\n    naming_convention={\n'
                + "".join(f'        "{k}": "{v}",\n' for k, v in CONVENTION)
                + "    },\n)\n",
                unsafe=True),
        Invalid("from sqlalchemy import CheckConstraint\nBase.metadata.naming_convention = {}\n"
                "class Model(DeclarativeBase):\n    pass\n"
                "class C(Model):\n    __tablename__ = \"c\"\n    id = Column(Integer, primary_key=True)\n"
                "    n = Column(Integer, CheckConstraint(\"n > 0\"))\n"),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        named = self._names_given_a_convention(context)
        for root, node, where, make in self._metadatas(context):
            if _bound_name(node) in named or (root is not None and root.name in named):
                continue  # `Base.metadata.naming_convention = {...}` somewhere in the project
            blocker = self._blocker(context, root) if not isinstance(make, str) else None
            label = f"{where} has no naming_convention: {_CONSEQUENCE}"
            if isinstance(make, str):
                yield Finding(self.code, node, f"{label}; not fixed: {make}; {_DECIDE}")
                continue
            if blocker:
                yield Finding(self.code, node, f"{label}; not fixed: {blocker}; {_DECIDE}")
                continue
            fix = make()
            if fix is None:
                yield Finding(self.code, node, (f"{label}; not fixed: the fix cannot be written here (`MetaData` "
                                                f"means something else, or the base's body is on its class line or "
                                                f"starts with a function); {_DECIDE}"))
                continue
            yield Finding(self.code, node, (
                f"{label}; adding SQLAlchemy's documented convention names the constraints created from now on "
                "(pk_, uq_, fk_, ck_<table>_<name>); constraints already in a database keep their names, so the "
                "next migrations must name them, and Alembic's autogenerate then drops and re-creates every "
                "unique constraint"), fix=fix, safety=UNSAFE)
        if "SQLModel" not in named:
            yield from self._sqlmodel(context)

    # -- where the metadata is made --------------------------------------------------------------------
    def _metadatas(self, context: RuleContext):
        """(the base class or None, node to report, what it is, a maker of the fix or why there is none) for
        each metadata made here."""
        resolver = context.resolver
        for statement in context.module.body:
            if isinstance(statement, ast.ClassDef):
                model = context.facts.classes.get(statement.name)
                if model is not None and model.kind is ClassKind.ROOT and model.node is statement:
                    found = self._base(context, model)
                    if found is not None:
                        yield (model, *found)
                continue
            value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
            if isinstance(statement, ast.Expr):
                value = statement.value
            if not isinstance(value, ast.Call):
                continue
            called = resolver.call_name(value)
            if called == "sa.MetaData":
                found = self._metadata_call(context, statement, value, "`MetaData()`")
                if found is not None:
                    yield (None, *found)
            elif called in _FACTORIES:
                found = self._factory(context, statement, value, _FACTORIES[called], called)
                if found is not None:
                    yield (None, *found)

    def _metadata_call(self, context: RuleContext, node, call: ast.Call, where: str):
        keywords = [k.arg for k in call.keywords]
        if "naming_convention" in keywords:
            return None
        if None in keywords or any(isinstance(a, ast.Starred) for a in call.args):
            return node, where, "its arguments include **kwargs or *args that sqla-fix cannot read"
        if len(call.args) > 1:
            return node, where, "it is given positional arguments that sqla-fix does not read"
        return node, where, lambda: self._keyword_fix(context, call)

    def _factory(self, context: RuleContext, statement, call: ast.Call, where: str, called: str):
        keywords = {k.arg: k.value for k in call.keywords}
        given = keywords.get("metadata")
        if given is not None:
            if isinstance(given, ast.Call) and context.resolver.call_name(given) == "sa.MetaData":
                return self._metadata_call(context, statement, given, f"the MetaData of `{where}`")
            return None  # a metadata made elsewhere: its own finding is there
        if called == "sa.registry" and not _registry_declares(context, _bound_name(statement)):
            return None  # it maps classes to Tables of other metadatas (map_imperatively): its own holds none
        if None in keywords or any(isinstance(a, ast.Starred) for a in call.args):
            return statement, f"`{where}`", "its arguments include **kwargs that sqla-fix cannot read"
        if called in ("sa.declarative_base", "sa.orm.declarative_base") and len(call.args) > 0:
            return statement, f"`{where}`", "it is given positional arguments that sqla-fix does not read"
        if called == "flask.SQLAlchemy" and "model_class" in keywords:
            target = keywords["model_class"]
            ref = context.resolver.class_ref(target)
            model = context.picture.class_at(*ref, root=context.facts.root) if ref else None
            if model is not None and model.kind is ClassKind.ROOT:
                return None  # the base's own metadata: its finding is at the class
            return statement, f"`{where}`", "its model_class= is not a base sqla-fix can read"
        return statement, f"`{where}`", lambda: self._metadata_keyword_fix(context, call, statement)

    def _base(self, context: RuleContext, model: ModelClass):
        where = f"the declarative base `{model.name}`"
        body = model.node.body
        for statement in body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "metadata" in names:
                value = statement.value
                if isinstance(value, ast.Call) and context.resolver.call_name(value) == "sa.MetaData":
                    return self._metadata_call(context, statement, value, where)
                return None  # metadata made elsewhere
            if "registry" in names:
                value = statement.value
                if isinstance(value, ast.Call) and any(k.arg == "metadata" for k in value.keywords):
                    return None  # the registry's metadata is made elsewhere: its own finding is there
                return model.node, where, "its metadata comes from the registry given to its body"
        return model.node, where, lambda: self._body_fix(context, model)

    # -- the fixes -------------------------------------------------------------------------------------
    def _spelled(self, context: RuleContext, prefer):
        imports: list[tuple[str, str]] = []
        spelled = context.spelling.sqlalchemy("MetaData", prefer, imports)
        return spelled, imports

    def _keyword_fix(self, context: RuleContext, call: ast.Call):
        indent = _line_indent(context, call)
        value = convention_dict(indent, context.indent_unit)

        def fix(plan) -> bool:
            plan.add_keyword(call, "naming_convention", value)
            return True

        return fix

    def _metadata_keyword_fix(self, context: RuleContext, call: ast.Call, statement):
        prefer = prefix_of(call.func)
        if prefer in context.spelling.flask_handles:
            prefer = None
        spelled, imports = self._spelled(context, prefer)
        if spelled is None:
            return None
        indent = _line_indent(context, statement)
        value = f"{spelled}(naming_convention={convention_dict(indent, context.indent_unit)})"

        def fix(plan) -> bool:
            plan.add_keyword(call, "metadata", value)
            for module, name in imports:
                plan.add_import(module, name)
            return True

        return fix

    def _body_fix(self, context: RuleContext, model: ModelClass):
        body = model.node.body
        spelled, imports = self._spelled(context, None)
        if spelled is None:
            return None
        unit = context.indent_unit
        if body[0].lineno == model.node.lineno:  # `class Base(DeclarativeBase): pass`
            return None
        # LibCST indents the statement's continuation lines with the block: written from column 0
        code = f"metadata = {spelled}(\n{unit}naming_convention={convention_dict(unit, unit)}\n)"
        first = body[0]
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
            first.value.value, str)
        if isinstance(first, ast.Pass) and len(body) == 1:
            def place(plan):
                plan.replace(first, _as_statement(code))
        elif docstring or isinstance(first, (ast.Assign, ast.AnnAssign, ast.Pass)):
            anchor = first
            for statement in body[1:]:
                if isinstance(statement, (ast.Assign, ast.AnnAssign)):
                    anchor = statement
                else:
                    break

            def place(plan):
                plan.add_statement_after(anchor, code)
        else:
            return None

        def fix(plan) -> bool:
            place(plan)
            for module, name in imports:
                plan.add_import(module, name)
            return True

        return fix

    # -- what can make the fix wrong ------------------------------------------------------------------
    def _project_modules(self, context: RuleContext):
        return [m for m in context.picture.modules if m is context.facts or (
            context.facts.root is not None and m.root == context.facts.root)]

    def _names_given_a_convention(self, context: RuleContext) -> set[str]:
        return {match.group(1) for m in self._project_modules(context) if m.source is not None
                for match in _SETS_CONVENTION.finditer(m.source.text)}

    def _blocker(self, context: RuleContext, root: ModelClass | None) -> str | None:
        """Why the convention could break the tables of this metadata (the base `root`, or None for the
        project's other metadatas: `declarative_base()`, `MetaData()`, Flask-SQLAlchemy), or None."""
        modules = sorted(self._project_modules(context), key=lambda m: str(m.path))
        check = _project_check(context)
        if check:
            return (f"the project declares a CHECK constraint ({check}): the `ck` entry's %(constraint_name)s "
                    "makes create_all raise for an unnamed one and renames a named one")
        old_types = _needs_modern_sqlalchemy(context)
        if old_types:
            return old_types
        for module in modules:
            for owner in [*module.classes.values(), *module.tables.values()]:
                if isinstance(owner, ModelClass):
                    if owner.kind not in (ClassKind.MAPPED, ClassKind.ABSTRACT) or owner.sqlmodel:
                        continue
                    roots = [c for c in context.picture.chain(owner) if c.kind is ClassKind.ROOT]
                    if (root is not None and root not in roots) or (root is None and roots):
                        continue  # a table of another metadata
                # a Table(...) may be given any metadata (`Base.metadata`): every one is looked at
                unknown = unknown_definition(context.picture, owner)
                if unknown and "which no class of this project maps" not in unknown:
                    return f"the constraints of `{owner.name}` ({module.path.name}) are not known: {unknown}"
                clash = _unique_clash(context, owner)
                if clash:
                    return (f"`{owner.name}` has two unnamed unique constraints led by `{clash}`, which the `uq` "
                            "entry gives one name (PostgreSQL refuses the second)")
        return None

    # -- SQLModel ---------------------------------------------------------------------------------------
    def _sqlmodel(self, context: RuleContext) -> Iterator[Finding]:
        tables = [c for c in context.facts.classes.values() if c.sqlmodel and c.kind is ClassKind.MAPPED]
        if not tables:
            return
        first_module = min((m for m in self._project_modules(context)
                            if any(c.sqlmodel and c.kind is ClassKind.MAPPED for c in m.classes.values())),
                           key=lambda m: str(m.path), default=context.facts)
        if first_module is not context.facts:
            return  # one finding for the project's one SQLModel.metadata
        first = min(tables, key=lambda c: c.node.lineno)
        yield Finding(self.code, first.node, (
            f"`SQLModel.metadata` (of `{first.name}` and every SQLModel table) has no naming_convention: "
            f"{_CONSEQUENCE}; not fixed: SQLModel's metadata is one global object, shared with every library "
            "that uses SQLModel; decide: `SQLModel.metadata.naming_convention = {...}` (SQLAlchemy's documented "
            "convention) before the models are defined, or # noqa: SQF013"))


def _unique_clash(context: RuleContext, owner) -> str | None:
    """The column that leads two unnamed unique constraints of `owner`, or None."""
    columns = all_columns(context.picture, owner).values() if isinstance(owner, ModelClass) else [
        (owner, c) for c in owner.columns.values()]
    leads = [column.db_name or column.name for _, column in columns if column.flag("unique") and not column.flag(
        "index")]
    for constraint in owner.constraints:
        if constraint.kind == "unique" and constraint.columns and not any(
                k.arg == "name" for k in constraint.call.keywords):
            leads.append(constraint.columns[0])
    for lead in leads:
        if leads.count(lead) > 1:
            return lead
    return None


def _project_texts(context: RuleContext) -> dict:
    """The text of every Python file of the project, read or not by this run (a pre-commit run names one
    file; the models may be anywhere), by path; computed once per run and project."""
    from ..discover import SKIPPED_DIRECTORIES
    from ..migrations import imports_alembic, in_versions_directory

    cache = context.picture.__dict__.setdefault("_sqf013_texts", {})
    root = context.facts.root
    key = root if root is not None else context.facts.path
    if key not in cache:
        texts = {m.path: m.source.text for m in context.picture.modules
                 if m.source is not None and (m is context.facts or (root is not None and m.root == root))}
        if root is not None:
            for path in sorted(root.rglob("*.py")):
                parts = path.relative_to(root).parts
                if path in texts or any(part in SKIPPED_DIRECTORIES for part in parts) or in_versions_directory(path):
                    continue
                if any(_project_marker(root.joinpath(*parts[:n])) for n in range(1, len(parts))):
                    continue  # a project of its own inside this one
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if not imports_alembic(text.encode("utf-8", errors="replace")):  # a migration: not the models'
                    texts[path] = text
        cache[key] = texts
    return cache[key]


def _project_check(context: RuleContext) -> str | None:
    """Where the project first makes a CHECK constraint (`file:line`), or None."""
    texts = _project_texts(context)
    root = context.facts.root
    for path in sorted(texts):
        match = _CHECK_MADE.search(texts[path]) or _CHECK_MAKERS.search(texts[path])
        if match:
            line = texts[path].count("\n", 0, match.start()) + 1
            where = path.relative_to(root) if root is not None and path.is_relative_to(root) else path.name
            return f"{where}:{line}"
    return None


# SQLAlchemy 1.4 and later: Boolean and Enum make no CHECK unless asked (`create_constraint=True`); on 1.3 an
# unnamed Boolean or Enum made create_all raise under the `ck` entry (observed with 1.3.24 on SQLite).
# SQLAlchemy's Boolean or Enum written in the text (`sa.Boolean`, `db.Enum(...)`, imported from sqlalchemy):
# a column a helper builds is not in the picture (Python's own `enum.Enum` is not these)
_SCHEMA_TYPES = re.compile(r"\b(?:sa|sqlalchemy|db|types|sqltypes|sqlalchemy\.types)\.(?:Boolean|Enum)\b")
_SQLALCHEMY_IMPORT = re.compile(r"from\s+sqlalchemy[\w.]*\s+import\s+(\([^)]*\)|[^\n]*)")
_SCHEMA_TYPE_NAMES = frozenset({"sa.Boolean", "sa.BOOLEAN", "sa.Enum"})
_MODERN_API = re.compile(
    r"\b(DeclarativeBase|DeclarativeBaseNoMeta|MappedAsDataclass|mapped_column|Mapped\[)"
    r"|from\s+sqlalchemy\.orm\s+import\s+[^\n]*\b(declarative_base|registry)\b")
_REQUIREMENT = re.compile(r"sqlalchemy\s*(?:\[[^\]]*\])?\s*(?:>=|==|~=|>|\^)\s*(\d+)\.(\d+)", re.IGNORECASE)
_REQUIREMENT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt", "requirements.in")


def _needs_modern_sqlalchemy(context: RuleContext) -> str | None:
    """Why the `ck` entry could break Boolean or Enum columns (an SQLAlchemy older than 1.4 is not ruled
    out, and the project has such columns), or None."""
    texts = _project_texts(context)
    uses = next((path for path in sorted(texts) if _schema_types_in(texts[path])), None)
    root = context.facts.root
    if uses is None:
        uses = next((m.path for m in context.picture.modules if m is context.facts or (root is not None and m.root == root)
                     for owner in [*m.classes.values(), *m.tables.values()] for column in owner.columns.values()
                     if column.type_name in _SCHEMA_TYPE_NAMES), None)
    if uses is None or any(_MODERN_API.search(text) for text in texts.values()):
        return None
    requirements = [root / name for name in _REQUIREMENT_FILES] if root is not None else []
    requirements += sorted(root.glob("*.dist-info/METADATA")) if root is not None else []  # an installed wheel
    for path in requirements:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _REQUIREMENT.finditer(text):
            if (int(match.group(1)), int(match.group(2))) >= (1, 4):
                return None
    return (f"nothing in the project says it runs SQLAlchemy 1.4 or later, and it has Boolean or Enum columns "
            f"({uses.name}): before 1.4 they make unnamed CHECK constraints, which the `ck` entry's "
            "%(constraint_name)s cannot name (create_all raises)")


def _registry_declares(context: RuleContext, name: str | None) -> bool:
    """Does the project declare tables in the metadata of the registry bound to `name` (a base it generates,
    classes it maps declaratively, Tables given its `.metadata`, a base's `registry = name`)?"""
    if name is None:
        return True  # not known: reported
    uses = re.compile(rf"\b{re.escape(name)}\.(?:generate_base|mapped|mapped_as_dataclass|as_declarative_base|metadata)\b"
                      rf"|\bregistry\s*=\s*{re.escape(name)}\b")
    return any(uses.search(text) for text in _project_texts(context).values())


def _schema_types_in(text: str) -> bool:
    if _SCHEMA_TYPES.search(text):
        return True
    return any(re.search(r"\b(Boolean|Enum)\b", match.group(1)) for match in _SQLALCHEMY_IMPORT.finditer(text))


def _project_marker(directory) -> bool:
    return any((directory / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg"))


def _bound_name(node: ast.AST) -> str | None:
    """The name a reported statement binds (`Base = declarative_base()`, `class Base`, `metadata = ...`)."""
    if isinstance(node, ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _as_statement(code: str):
    def rebuilt(node):
        import libcst as cst

        return cst.parse_statement(code).body[0]

    return rebuilt
