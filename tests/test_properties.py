"""Property tests: generated model modules in every style, and Python that is not SQLAlchemy's.

For every generated module (tests/model_strategies.py: typed, classic, sa_alias, flask, sqlmodel,
imperative), fixed with unsafe fixes on (`Config(unsafe_fixes=True)`, the CLI's --unsafe-fixes): the
fixer does not crash, every fix it applies is of its rule's kind (SQF002 and SQF004 unsafe, the rest
safe), its output parses and keeps the file's line endings, a second run changes nothing, nothing
fixable remains, the output imports, configures its mappers and creates its tables on SQLite with no
new SQLAlchemy warning, and against the unfixed module's schema:

- every foreign key (and link-table key) leads exactly one index, or the ones its author made;
- keys NOT NULL as written (`Mapped[int]`, SQLModel `int`, nullable=False) stay so; implicit Column(...)
  keys are made NOT NULL, but optional ones (Optional[...], nullable=True, ondelete="SET NULL", optional
  by name, a tree's parent_id, a sibling key to another table that is nullable by decision, two keys
  each unique without the other) stay nullable;
- prose columns become TEXT unless unique, indexed, in a constraint, with a server default, with a named
  length constant, beside a Text sibling (the short form) or, in SQLModel, given max_length= (in any
  field of that name of the project, in a run on one file too); short names stay VARCHAR;
- every parent collection cascades delete (all, delete-orphan) except where SQF004 says it must not: a
  child whose key stays nullable, a record (Order, Invoice, Payment, AuditLog, Event), an entity of its
  own (User, Team, Member, UserGroup), a lookup parent (Category, UserGroup), a tree, a child with two
  keys to the parent, and a child with a key to another table that stays nullable (however its own
  key became NOT NULL); a write-only collection also gets passive_deletes=True and ondelete="CASCADE";
- no other relationship's cascade or passive_deletes changes; no many-to-one side and no many-to-many
  gets delete-orphan;
- every entity table gets created_at and updated_at (append-only records: created_at only), in the
  names most of the tables in view use (created/modified), unless it has them, through its mixin or
  itself, a column plays their role under another name, the tables mix names, or they store naive
  datetimes only; what one pass adds counts in the next; those added are NOT NULL, server default,
  DateTime(timezone=True), init=False on dataclasses; link tables get none;
- nothing else changes: every column keeps its type (but prose), length, collation, nullability (but
  keys), uniqueness, server default and references; no column is added but the timestamps.

With safe fixes alone (`Config()`) every applied fix is safe, and no key's nullability or ondelete and
no relationship's cascade changes; indexes, Text and timestamps are as above.

The same schemas split into a package (a module a class), with or without an Alembic revision: run()
over the project gives each file the bytes it gets run alone (the pre-commit case), and the invariants
hold (SQF005's fixes are unsafe in a project without migrations). Arbitrary Python (hypothesmith)
without SQLAlchemy, or mentioning it with no models, and look-alike models of another library come
back byte-identical.

Profiles: "ci" (the default) and "thorough" (HYPOTHESIS_PROFILE=thorough).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import os
import string
import sys
import warnings
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import hypothesmith
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st
from sqlalchemy.orm import clear_mappers, configure_mappers

from model_strategies import (
    STYLES,
    Schema,
    added_timestamps,
    expect_cascade,
    expect_text,
    expected_not_null,
    not_null_as_written,
    render,
    render_project,
    schemas,
    with_prefix,
)
from sqla_fix.config import IDENTITY_NAMES, Config
from sqla_fix.rules import RULES
from sqla_fix.rules.base import UNSAFE
from sqla_fix.engine import LoadError, process_source, run

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# ci: 32 modules per style (192 in all, each fixed twice, imported twice and created), 16 more fixed with
# safe fixes alone, 10 projects of 2-6 modules, 16 look-alike modules and ~90 hypothesmith programs, in
# about 90 s on two cores; no explain phase (it re-runs a failure under a tracer for minutes).
settings.register_profile("ci", max_examples=32, deadline=None, suppress_health_check=_SLOW, print_blob=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=_SLOW,
                          print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _examples(fraction: float) -> settings:
    """A share of the profile's max_examples (hypothesmith is slower per example than the models)."""
    return settings(max_examples=max(10, int(settings.default.max_examples * fraction)))


_counter = itertools.count()


def _unique_prefix() -> str:
    """Qa, Qb, ..., Qba: a word of its own for SQLAlchemy's and the fixer's name splitting."""
    n, letters = next(_counter), ""
    while True:
        n, digit = divmod(n, 26)
        letters = string.ascii_lowercase[digit] + letters
        if n == 0:
            return "Q" + letters


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("properties")
    (directory / "pyproject.toml").write_text("")  # the project root for run(): nothing above is read
    return directory


# ------------------------------------------------------------------------------------------ importing


def _import(path: Path):
    name = f"_property_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def _own_tables(schema: Schema, module) -> dict[str, sa.Table]:
    tables = {}
    for entity in schema.entities:
        owner = getattr(module, entity.table if schema.style == "imperative" else entity.cls)
        tables[entity.table] = owner if isinstance(owner, sa.Table) else owner.__table__
    for link in schema.links:
        owner = getattr(module, link.cls if schema.style == "sqlmodel" else link.table)
        tables[link.table] = owner if isinstance(owner, sa.Table) else owner.__table__
    return tables


def _import_package(root: Path, package: str) -> SimpleNamespace:
    """Import a generated package (with its root on sys.path, as its users run it); its submodules'
    names in one namespace."""
    sys.path.insert(0, str(root))
    try:
        importlib.import_module(package)
    finally:
        sys.path.remove(str(root))
    names = {}
    for name, module in list(sys.modules.items()):
        if name.startswith(package + "."):
            names.update(vars(module))
    return SimpleNamespace(**names)


def load(schema: Schema, path: Path | tuple[Path, str]):
    """Import (a module, or a package: (root, name)), configure the mappers, create the schema's tables
    on a fresh SQLite database.

    Returns (module, tables by name, engine, SQLAlchemy warnings). On failure every mapper is cleared,
    so that one broken module (SQLModel's registry is global) cannot fail the examples after it."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = _import(path) if isinstance(path, Path) else _import_package(*path)
            configure_mappers()
            tables = _own_tables(schema, module)
            engine = sa.create_engine("sqlite://")
            next(iter(tables.values())).metadata.create_all(engine, tables=list(tables.values()))
    except Exception:
        clear_mappers()
        raise
    said = sorted({str(w.message).replace(schema.prefix, "") for w in caught if issubclass(w.category, sa.exc.SAWarning)})
    return module, tables, engine, said


# ------------------------------------------------------------------------------------------ invariants


def _leading(inspector, table: str) -> Counter:
    """How many indexes, unique constraints and primary keys each column leads, from SQLite's catalog."""
    leading = Counter(i["column_names"][0] for i in inspector.get_indexes(table) if i["column_names"])
    leading.update(u["column_names"][0] for u in inspector.get_unique_constraints(table) if u["column_names"])
    leading.update(inspector.get_pk_constraint(table)["constrained_columns"][:1])
    return leading


def _column_facts(column: sa.Column, prefix: str) -> dict:
    """What a fix may not change by accident (SQLModel's before/after copies differ by their prefix)."""
    default = column.server_default
    return {
        "type": type(column.type).__name__,
        "length": getattr(column.type, "length", None),
        "collation": getattr(column.type, "collation", None),
        "nullable": column.nullable,
        "unique": bool(column.unique),
        "primary_key": column.primary_key,
        "server_default": None if default is None else str(getattr(default, "arg", default)),
        "references": sorted(fk.target_fullname.replace(prefix.lower(), "") for fk in column.foreign_keys),
        "ondelete": sorted(fk.ondelete or "" for fk in column.foreign_keys),
    }


def shape(engine, tables: dict[str, sa.Table], prefix: str = "") -> dict[str, tuple[set[str], Counter, dict]]:
    """Each table's columns, leading-index counts (from SQLite's catalog) and column facts, as created."""
    inspector = sa.inspect(engine)
    return {name: ({c["name"] for c in inspector.get_columns(name)}, _leading(inspector, name),
                   {c.name: _column_facts(c, prefix) for c in table.c})
            for name, table in tables.items()}


def _changed(before: dict, after: dict, may_change: set[str]) -> list[str]:
    return [f"{key} {before[key]!r} -> {after[key]!r}" for key in before
            if key not in may_change and before[key] != after[key]]


def _deletes(relationship) -> bool:
    return relationship.cascade.delete and relationship.cascade.delete_orphan


def flag_default_fix(schema: Schema, unsafe: bool) -> dict:
    """What SQF009 makes of the generator's `is_active` flag (`default=True`): a NOT NULL one (a typed
    `Mapped[bool]`) gets `server_default=true()` (safe); a nullable one (`Column(Boolean, default=True)`)
    also becomes NOT NULL, with unsafe fixes only; SQLModel's is left alone, and an imperative table's
    `Column("is_active", Boolean)` has no Python default to mirror (reported only)."""
    if schema.style in ("sqlmodel", "imperative"):
        return {}
    if schema.typed_body:
        return {"server_default": "true"}
    return {"server_default": "true", "nullable": False} if unsafe else {}


def identity_table(entity) -> bool:
    """The users or accounts table, by its class or table name, as SQF011 reads it (its fix is unsafe: an
    identity there may be made unique; whether it is, the rule's own tests say)."""
    from sqla_fix.rules.sqf011_identity_unique import USER_TABLES

    return entity.table.lower() in USER_TABLES or entity.cls.lower() in USER_TABLES


def invariant_problems(schema: Schema, module, tables: dict[str, sa.Table], engine,
                       before: dict[str, tuple[set[str], Counter, dict]], unsafe: bool = True,
                       project: bool = False) -> list[str]:
    """What is wrong with the fixed module's schema; `before` is the unfixed module's `shape`. `unsafe`:
    the fixes ran with unsafe fixes on (else no key's nullability or ondelete, no cascade may change);
    `project`: the schema was fixed as a package (SQF005's naming convention is read per module)."""
    inspector = sa.inspect(engine)
    after = shape(engine, tables, schema.prefix)
    problems: list[str] = []
    mapped = schema.style != "imperative"
    for entity in schema.entities:
        where = entity.table
        table = tables[entity.table]
        catalog = {c["name"]: c for c in inspector.get_columns(entity.table)}
        leading = _leading(inspector, entity.table)
        added = added_timestamps(schema, entity, project)
        columns_before, leading_before, facts_before = before[entity.table]
        may_change = {fk.name: {"nullable", "ondelete"} for fk in entity.fks} if unsafe else {}
        for column in entity.columns:
            if expect_text(schema, entity, column, project) and not column.text:
                may_change[column.name] = {"type", "length"}
        if unsafe and identity_table(entity):  # SQF011 may make a user's email or username unique
            for column in entity.columns:
                if column.name in IDENTITY_NAMES and not column.unique:
                    may_change.setdefault(column.name, set()).add("unique")
        flag_fix = flag_default_fix(schema, unsafe)  # SQF009: the server default mirrors default=True
        if "is_active" in entity.extras and flag_fix:
            may_change["is_active"] = set(flag_fix)
            fixed_flag = after[entity.table][2]["is_active"]
            if {key: fixed_flag[key] for key in flag_fix} != flag_fix:
                problems.append(f"{where}.is_active: {fixed_flag}, expected {flag_fix}")
        for name, facts in facts_before.items():
            changed = _changed(facts, after[entity.table][2][name], may_change.get(name, set()))
            if changed:
                problems.append(f"{where}.{name}: changed by the fix: {', '.join(changed)}")
        if set(catalog) != columns_before | added:
            problems.append(f"{where}: columns {sorted(catalog)}, expected {sorted(columns_before | added)}")
        for fk in entity.fks:
            want = leading_before[fk.name] or 1  # one index, or the ones the author made: never a duplicate
            if leading[fk.name] != want:
                problems.append(f"{where}.{fk.name}: foreign key leads {leading[fk.name]} indexes, expected {want}")
            want_not_null = expected_not_null(schema, fk) if unsafe else not_null_as_written(schema, fk)
            if catalog[fk.name]["nullable"] == want_not_null:
                problems.append(f"{where}.{fk.name}: nullable={catalog[fk.name]['nullable']}, "
                                f"expected {'NOT NULL' if want_not_null else 'nullable'}")
        for column in entity.columns:
            is_text = isinstance(table.c[column.name].type, sa.Text)
            want = expect_text(schema, entity, column, project)
            if is_text != want:
                problems.append(f"{where}.{column.name}: type {table.c[column.name].type!r}, expected "
                                f"{'TEXT' if want else 'VARCHAR'}")
        for name in sorted(added & set(table.c.keys())):
            column = table.c[name]
            if (column.nullable or column.server_default is None or not isinstance(column.type, sa.DateTime)
                    or not column.type.timezone):
                problems.append(f"{where}.{name}: added as {column.type!r} nullable={column.nullable} "
                                f"server_default={column.server_default!r}")
        if not mapped:
            continue
        if schema.dataclass:
            parameters = inspect.signature(getattr(module, entity.cls).__init__).parameters
            if added & set(parameters):
                problems.append(f"{entity.cls}: added timestamps are __init__ parameters (no init=False)")
        child = sa.inspect(getattr(module, entity.cls))
        for fk in entity.fks:
            parent_entity = schema.entities[fk.parent]
            parent = sa.inspect(getattr(module, parent_entity.cls))
            if fk.attr in child.relationships and _deletes(child.relationships[fk.attr]):
                problems.append(f"{entity.cls}.{fk.attr}: many-to-one side cascades delete-orphan")
            if fk.collection is None:
                continue
            name = fk.collection_name
            collection = parent.relationships[name]
            want = unsafe and expect_cascade(schema, fk)
            if _deletes(collection) != want:
                problems.append(f"{parent_entity.cls}.{name} ({fk.collection}): cascade {sorted(collection.cascade)}, "
                                f"expected {'all, delete-orphan' if want else 'no delete-orphan'}")
            if want and fk.collection == "write_only":
                ondelete = {k.ondelete for k in table.c[fk.name].foreign_keys}
                if collection.passive_deletes is not True or ondelete != {"CASCADE"}:
                    problems.append(f"{parent_entity.cls}.{name}: write-only without passive_deletes/ondelete "
                                    f"CASCADE ({collection.passive_deletes}, {ondelete})")
    for link in schema.links:
        catalog = {c["name"]: c for c in inspector.get_columns(link.table)}
        leading = _leading(inspector, link.table)
        columns_before, leading_before, facts_before = before[link.table]
        for name, facts in facts_before.items():
            changed = _changed(facts, after[link.table][2][name], {"nullable"} if unsafe else set())
            if changed:
                problems.append(f"{link.table}.{name}: changed by the fix: {', '.join(changed)}")
        if set(catalog) != columns_before:
            problems.append(f"{link.table}: columns {sorted(catalog)}, expected {sorted(columns_before)}")
        for column in (link.left_column, link.right_column):
            want = leading_before[column] or 1
            if leading[column] != want:
                problems.append(f"{link.table}.{column}: link key leads {leading[column]} indexes, expected {want}")
            if unsafe and catalog[column]["nullable"]:
                problems.append(f"{link.table}.{column}: link key is nullable")
        if not mapped:
            continue
        for side, attr in ((link.left, link.left_attr), (link.right, link.right_attr)):
            relationships = sa.inspect(getattr(module, schema.entities[side].cls)).relationships
            if attr in relationships and relationships[attr].cascade.delete_orphan:
                problems.append(f"{schema.entities[side].cls}.{attr}: many-to-many with delete-orphan")
    return problems


# ------------------------------------------------------------------------------------------ the properties


# NOT NULL and cascades change behaviour; indexes, Text and timestamps do not, but new columns are unsafe in
# a project without migrations (run() reads the project: an existing table would not get them)
UNSAFE_RULES = frozenset({"SQF002", "SQF004"} | {rule.code for rule in RULES if rule.fix_safety == UNSAFE})
WITHOUT_MIGRATIONS = UNSAFE_RULES | {"SQF005"}
# SQF009: a server default for a flag NOT NULL already is safe; making a nullable flag NOT NULL is not.
EITHER_KIND = frozenset({"SQF009"})


def _applied_kinds_problems(findings, unsafe: bool, unsafe_rules: frozenset = UNSAFE_RULES) -> list[str]:
    """Every applied fix is of its rule's kind, and none is unsafe unless unsafe fixes are on."""
    def kinds(code: str) -> set[str]:
        return {"safe", "unsafe"} if code in EITHER_KIND else {"unsafe" if code in unsafe_rules else "safe"}

    return [f"{f.code} applied as a {f.fix} fix{'' if unsafe else ' without unsafe fixes'}: {f.message}"
            for f in findings if f.fixable and (f.fix not in kinds(f.code) or not (unsafe or f.fix == "safe"))]


def _fix(path: Path, source: bytes, line_length: int = 88, unsafe: bool = True):
    config = Config(unsafe_fixes=unsafe)
    config.line_length = line_length
    result = process_source(path, source, config)
    assert result.error is None, result.error
    problems = _applied_kinds_problems(result.findings, unsafe)
    assert not problems, "\n".join(problems)
    return result


def relationship_facts(schema: Schema, module) -> dict[tuple[int, str], tuple]:
    """Every relationship of every mapped class (backrefs included), by (entity, name): its cascade and
    passive_deletes, what decides what a delete takes with it."""
    if schema.style == "imperative":
        return {}
    facts = {}
    for index, entity in enumerate(schema.entities):
        for relationship in sa.inspect(getattr(module, entity.cls)).relationships:
            facts[(index, relationship.key)] = (sorted(relationship.cascade), relationship.passive_deletes)
    return facts


def relationship_problems(schema: Schema, before: dict, after: dict, unsafe: bool = True) -> list[str]:
    """No relationship's cascade or passive_deletes changes, but the collections SQF004 cascades (unsafe)."""
    cascaded = {(fk.parent, fk.collection_name) for entity in schema.entities for fk in entity.fks
                if unsafe and fk.collection and expect_cascade(schema, fk)}
    problems = [] if set(before) == set(after) else [f"relationships {sorted(before)} -> {sorted(after)}"]
    for key in sorted(set(before) & set(after) - cascaded):
        if before[key] != after[key]:
            problems.append(f"{schema.entities[key[0]].cls}.{key[1]}: cascade/passive_deletes changed by the fix: "
                            f"{before[key]} -> {after[key]}")
    return problems


def _named(schema: Schema) -> tuple[Schema, Schema]:
    """The schema to fix, and the one to import unfixed. SQLModel has one registry and one metadata per
    process: there every import needs names of its own (a prefix); elsewhere they are the same."""
    if schema.style != "sqlmodel":
        return schema, schema
    return with_prefix(schema, _unique_prefix()), with_prefix(schema, _unique_prefix())


def check_generated_module(schema: Schema, workdir: Path, line_length: int = 88, unsafe: bool = True) -> None:
    """Fixed with unsafe fixes on (or, `unsafe=False`, the safe ones alone: then no key's nullability or
    ondelete and no relationship's cascade changes)."""
    schema, original = _named(schema)
    source = render(schema).encode()
    note(source.decode())
    stem = f"{schema.style}_{next(_counter)}"
    before_path = workdir / f"{stem}_before.py"
    before_path.write_bytes(render(original).encode())
    try:
        module, tables, engine, warned_before = load(original, before_path)
    except Exception as error:  # pragma: no cover - the generator's fault, not the fixer's
        raise AssertionError(f"generator bug: the unfixed module does not load: {error!r}") from error
    shaped = shape(engine, tables, original.prefix)
    before = {new.table: shaped[old.table]
              for new, old in zip(schema.entities + schema.links, original.entities + original.links)}
    relationships_before = relationship_facts(original, module)

    path = workdir / f"{stem}.py"
    path.write_bytes(source)
    first = _fix(path, source, line_length, unsafe)
    fixed = first.fixed_source if first.changed else source
    note(f"--- fixed:\n{fixed.decode()}")
    ast.parse(fixed)
    if schema.newline == "\r\n":
        assert fixed.count(b"\n") == fixed.count(b"\r\n"), "line endings changed"
    else:
        assert b"\r" not in fixed, "line endings changed"
    assert not [r for r in first.remaining if r.fixable], f"fixable findings remain: {first.remaining}"
    second = _fix(path, fixed, line_length, unsafe)
    assert not second.changed, "a second run changed the fixed module:\n" + second.fixed_source.decode()

    path.write_bytes(fixed)
    module, tables, engine, warned_after = load(schema, path)
    assert set(warned_after) <= set(warned_before), f"new SQLAlchemy warnings: {warned_after}"
    problems = invariant_problems(schema, module, tables, engine, before, unsafe)
    problems += relationship_problems(schema, relationships_before, relationship_facts(schema, module), unsafe)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("style", STYLES)
@given(data=st.data())
def test_generated_models_are_fixed_soundly(style, data, workdir):
    schema = data.draw(schemas(style), label="schema")
    check_generated_module(schema, workdir, data.draw(st.sampled_from((88, 88, 60, 120)), label="line_length"))


@_examples(0.5)
@given(data=st.data())
def test_safe_fixes_change_no_behaviour(data, workdir):
    """`fix` without --unsafe-fixes: every fix it applies is safe, and every key keeps its nullability and
    ondelete, every relationship its cascade and passive_deletes; the indexes, Text types and timestamps
    are what they are with unsafe fixes on."""
    style = data.draw(st.sampled_from(STYLES), label="style")
    check_generated_module(data.draw(schemas(style), label="schema"), workdir, unsafe=False)


INITIAL_REVISION = '''\
"""initial"""
from alembic import op  # noqa: F401

revision = "0001"
down_revision = None


def upgrade():
    pass


def downgrade():
    pass
'''


def _write_project(root: Path, package: str, files: dict[str, str], migrations: bool = False) -> dict[str, Path]:
    """The package's files under `root` (a pyproject.toml: the project root); `migrations`: also an empty
    Flask-Migrate-style revision, migrations/versions/0001_initial.py."""
    (root / package).mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    if migrations:
        (root / "migrations" / "versions").mkdir(parents=True)
        (root / "migrations" / "versions" / "0001_initial.py").write_text(INITIAL_REVISION)
    paths = {}
    for name, text in files.items():
        paths[name] = root / package / name
        paths[name].write_bytes(text.encode())
    return paths


def _run(paths: list[Path], unsafe: bool = True, migrations: bool = True) -> dict[Path, bytes | None]:
    """run() as the CLI calls it (`--unsafe-fixes` unless `unsafe` is False): each file's new bytes, None
    when unchanged. `migrations`: the project has migrations (else SQF005's fixes are unsafe)."""
    results = run(paths, Config(unsafe_fixes=unsafe))
    assert not [r for r in results if r.error], [(r.path, r.error) for r in results if r.error]
    assert not [r for r in results for f in r.remaining if f.fixable], "fixable findings remain"
    unsafe_rules = UNSAFE_RULES if migrations else WITHOUT_MIGRATIONS
    problems = [f"{r.path.name}: {problem}" for r in results
                for problem in _applied_kinds_problems(r.findings, unsafe, unsafe_rules)]
    assert not problems, "\n".join(problems)
    return {r.path.resolve(): (r.fixed_source if r.changed else None) for r in results}


def check_generated_project(schema: Schema, workdir: Path, migrations: bool = False) -> None:
    """The schema split into a package (a module a class, base.py for what they share; `migrations`: and
    an Alembic revision): run() on the project fixes each file as it fixes the one-module version's
    invariants, each file run alone gets the same bytes (the pre-commit case), a second run changes
    nothing, and the package imports."""
    schema, original = _named(schema)
    n = next(_counter)
    before_root, root = workdir / f"project_before_{n}", workdir / f"project_{n}"
    _write_project(before_root, f"generated_before_{n}", render_project(original))
    try:
        module, tables, engine, warned_before = load(original, (before_root, f"generated_before_{n}"))
    except Exception as error:  # pragma: no cover - the generator's fault, not the fixer's
        raise AssertionError(f"generator bug: the unfixed package does not load: {error!r}") from error
    shaped = shape(engine, tables, original.prefix)
    before = {new.table: shaped[old.table]
              for new, old in zip(schema.entities + schema.links, original.entities + original.links)}
    relationships_before = relationship_facts(original, module)

    files = render_project(schema)
    for name, text in files.items():
        note(f"--- {name}\n{text}")
    paths = _write_project(root, f"generated_{n}", files, migrations)
    whole = _run([root], migrations=migrations)
    for name, path in paths.items():
        alone = _run([path], migrations=migrations)[path.resolve()]
        assert alone == whole[path.resolve()], f"{name}: run alone differs from the run over the project"
    for path in paths.values():
        if whole[path.resolve()] is not None:
            note(f"--- fixed {path.name}\n{whole[path.resolve()].decode()}")
            path.write_bytes(whole[path.resolve()])
    again = {path: new for path, new in _run([root], migrations=migrations).items() if new is not None}
    assert not again, f"a second run changed {sorted(p.name for p in again)}"
    module, tables, engine, warned_after = load(schema, (root, f"generated_{n}"))
    assert set(warned_after) <= set(warned_before), f"new SQLAlchemy warnings: {warned_after}"
    problems = invariant_problems(schema, module, tables, engine, before, project=True)
    problems += relationship_problems(schema, relationships_before, relationship_facts(schema, module))
    assert not problems, "\n".join(problems)


# A write-only collection whose children live in another file is the README's one exception to "a file
# alone gets the project's result" (test_write_only_across_files_run_alone_is_reported_not_half_fixed):
# the project property generates plain lists in its place.
WRITE_ONLY_ACROSS_FILES = False


@_examples(0.25)
@given(data=st.data())
def test_generated_projects_are_fixed_soundly(data, workdir):
    style = data.draw(st.sampled_from(STYLES), label="style")
    schema = data.draw(schemas(style), label="schema")
    for fk in (fk for entity in schema.entities for fk in entity.fks):
        if fk.collection == "write_only" and not WRITE_ONLY_ACROSS_FILES:
            fk.collection = "list"
    check_generated_project(schema, workdir, migrations=data.draw(st.booleans(), label="migrations"))


# ------------------------------------------------------------------------------------------ not SQLAlchemy


def check_untouched(source: bytes) -> None:
    """No crash (a LoadError for what libcst cannot parse is fine) and not a byte changed, unsafe fixes on."""
    try:
        result = process_source(Path("generated.py"), source, Config(unsafe_fixes=True))
    except LoadError:
        return
    assert result.error is None
    assert not result.changed
    assert result.fixed_source is None or result.fixed_source == source
    assert not [r for r in result.findings if r.fixable]


python_code = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


def _encoded(code: str) -> bytes:
    try:
        return code.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not a file anyone can write
        assume(False)
        raise


@_examples(2.0)
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@given(code=python_code)
def test_arbitrary_python_without_sqlalchemy_is_byte_identical(code):
    source = _encoded(code)
    assume(b"sqlalchemy" not in source and b"sqlmodel" not in source)
    check_untouched(source)


MENTIONS = (
    b"# models live elsewhere; this module only mentions sqlalchemy\n",
    b"import sqlalchemy  # noqa: F401 (no models here)\n",
    b"from sqlalchemy.orm import Session\n",
)


@_examples(0.75)
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@given(code=python_code, mention=st.sampled_from(MENTIONS), at_end=st.booleans())
def test_python_that_mentions_sqlalchemy_but_has_no_models_is_byte_identical(code, mention, at_end):
    body = _encoded(code)
    assume(b"sqlmodel" not in body)
    if at_end and body and not body.endswith((b"\n", b"\r")):
        body += b"\n"
    check_untouched(body + mention if at_end else mention + body)


LOOKALIKE_IMPORTS = (
    (b"from sqlalchemy.orm import", b"from lookalike.orm import"),
    (b"from sqlalchemy import", b"from lookalike import"),
    (b"import sqlalchemy as sa", b"import lookalike as sa"),
    (b"from flask_sqlalchemy import", b"from lookalike.flask import"),
    (b"from sqlmodel import", b"from lookalike.models import"),
)


@_examples(0.5)
@given(data=st.data())
def test_lookalike_models_of_another_library_are_byte_identical(data, workdir):
    """The same modules with their names imported from another library: `Column`, `relationship`,
    `db.Model`, `SQLModel` are not SQLAlchemy's, so nothing is reported and not a byte changes (run
    over a directory, as the CLI does: most such files are not even parsed; process_source parses all)."""
    style = data.draw(st.sampled_from(STYLES), label="style")
    source = render(data.draw(schemas(style), label="schema")).encode()
    for old, new in LOOKALIKE_IMPORTS:
        source = source.replace(old, new)
    note(source.decode())
    assert b"sqlalchemy" not in source and b"sqlmodel" not in source
    directory = workdir / f"lookalike_{next(_counter)}"
    directory.mkdir()
    (directory / "pyproject.toml").write_text("")
    (directory / "models.py").write_bytes(source)
    config = Config(unsafe_fixes=True)
    for result in [*run([directory], config), process_source(directory / "models.py", source, config)]:
        assert result.error is None and not result.changed
        assert not result.findings, [str(r) for r in result.findings]


# -------------------------------------------------------------------------------------- found, fixed
# A minimal case of each bug the generator found, kept as a regression test now that it is fixed (the
# generator's flags in model_strategies turned the spelling back on).

COLLATED_PROSE = b'''\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    body = Column(String(200, collation="NOCASE"))
'''


def test_prose_column_keeps_its_collation(tmp_path):
    path = tmp_path / "collated.py"
    result = _fix(path, COLLATED_PROSE)
    assert result.changed
    path.write_bytes(result.fixed_source)
    column = _import(path).Note.__table__.c.body
    assert isinstance(column.type, sa.Text) and column.type.collation == "NOCASE"


LOOKALIKE_FLASK = b'''\
from lookalike.flask import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
'''


def test_lookalike_base_class_is_not_reported(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models.py").write_bytes(LOOKALIKE_FLASK)
    [result] = run([tmp_path], Config())
    assert not result.changed
    assert not result.findings, [str(r) for r in result.findings]


WRITE_ONLY_PROJECT = {
    "base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
    "user.py": (
        "from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship\n\n"
        "from .base import Base\n\n\n"
        "class User(Base):\n"
        "    __tablename__ = \"users\"\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    posts: WriteOnlyMapped[\"Post\"] = relationship()\n"
    ),
    "post.py": (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n\n"
        "from .base import Base\n\n\n"
        "class Post(Base):\n"
        "    __tablename__ = \"posts\"\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    user_id: Mapped[int] = mapped_column(ForeignKey(\"users.id\"))\n"
    ),
    "__init__.py": "",
}


def test_write_only_collection_across_files_gets_ondelete_cascade(tmp_path):
    paths = _write_project(tmp_path, "blog", WRITE_ONLY_PROJECT)
    fixed = _run([tmp_path], migrations=False)
    assert b"passive_deletes=True" in fixed[paths["user.py"].resolve()]
    assert b'ondelete="CASCADE"' in (fixed[paths["post.py"].resolve()] or b"")


def test_write_only_across_files_run_alone_is_reported_not_half_fixed(tmp_path):
    """The one documented exception to "a file alone gets the whole project's result": a write-only
    collection whose child key is in another file needs edits in both files (passive_deletes=True alone
    would make every delete fail), so a run that may write only one of them reports instead."""
    paths = _write_project(tmp_path, "blog", WRITE_ONLY_PROJECT)
    alone = [r for r in run([paths["user.py"]], Config(unsafe_fixes=True)) if r.path == paths["user.py"]][0]
    assert b"passive_deletes" not in (alone.fixed_source or b"")
    [finding] = [f for f in alone.findings if f.code == "SQF004"]
    assert not finding.fixable and finding.fix is None  # no fix at all, not merely an unsafe one
    whole = _run([tmp_path], migrations=False)
    assert b"passive_deletes=True" in whole[paths["user.py"].resolve()]


# -------------------------------------------------------------------------------------- found, fixed
# More of them, found with the oracles of the safe/unsafe rules (their flags in model_strategies: the
# generator writes those spellings again).


def _fixed_module(tmp_path: Path, source: bytes, unsafe: bool = True):
    path = tmp_path / "models.py"
    result = _fix(path, source, unsafe=unsafe)
    path.write_bytes(result.fixed_source if result.changed else source)
    return _import(path)


MIXED_SPELLING_ALTERNATIVE_OWNER = b'''\
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Project(Base):
    __tablename__ = "projects"
    id = Column(Integer, primary_key=True)


class Album(Base):
    __tablename__ = "albums"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("projects.id"))
    author_id = Column(Integer, ForeignKey(Project.id), nullable=True)
'''


def test_sibling_key_to_the_same_table_by_attribute_is_no_alternative_owner(tmp_path):
    module = _fixed_module(tmp_path, MIXED_SPELLING_ALTERNATIVE_OWNER)
    assert not module.Album.__table__.c.owner_id.nullable


NULLABLE_SIBLING_BY_ATTRIBUTE = b'''\
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Project(Base):
    __tablename__ = "projects"
    id = Column(Integer, primary_key=True)


class Recipe(Base):
    __tablename__ = "recipes"
    id = Column(Integer, primary_key=True)
    courses = relationship("Course")


class Course(Base):
    __tablename__ = "courses"
    id = Column(Integer, primary_key=True)
    recipe_id = Column(Integer, ForeignKey("recipes.id"))
    reviewer_id = Column(Integer, ForeignKey(Project.id))
'''


def test_nullable_sibling_key_by_attribute_blocks_the_cascade(tmp_path):
    result = _fix(tmp_path / "models.py", NULLABLE_SIBLING_BY_ATTRIBUTE)
    [cascade] = [f for f in result.findings if f.code == "SQF004"]  # the verdict on the file as written
    assert cascade.fix is None, cascade.message  # as with ForeignKey("projects.id"): no fix


def test_nullable_sibling_key_blocks_the_cascade_in_every_pass(tmp_path):
    source = NULLABLE_SIBLING_BY_ATTRIBUTE.replace(b"ForeignKey(Project.id)", b'ForeignKey("projects.id")')
    module = _fixed_module(tmp_path, source)
    assert not module.Course.__table__.c.recipe_id.nullable  # SQF002 makes the key NOT NULL
    assert module.Course.__table__.c.reviewer_id.nullable  # optional by name
    assert not _deletes(sa.inspect(module.Recipe).relationships["courses"])  # another owner's key stays nullable


KEYED_TIMESTAMPS = b'''\
from sqlalchemy import Column, DateTime, Integer, func
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    ts_created = Column("created_at", DateTime(timezone=True), server_default=func.now())
    ts_updated = Column("updated_at", DateTime(timezone=True), server_default=func.now())


class Album(Base):
    __tablename__ = "albums"
    id = Column(Integer, primary_key=True)
'''


def test_timestamp_convention_is_the_column_names(tmp_path):
    module = _fixed_module(tmp_path, KEYED_TIMESTAMPS, unsafe=False)
    assert set(module.Album.__table__.c.keys()) == {"id", "created_at", "updated_at"}


STANDARD_BESIDE_CONVENTION = b'''\
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Album(Base):
    __tablename__ = "albums"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
'''


def test_standard_timestamps_play_their_role_under_another_convention(tmp_path):
    module = _fixed_module(tmp_path, STANDARD_BESIDE_CONVENTION, unsafe=False)
    assert set(module.Album.__table__.c.keys()) == {"id", "created_at"}  # a look-alike: nothing added


SQLMODEL_AWARE_TIMESTAMPS = b'''\
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, func
from sqlmodel import Field, SQLModel


class QopenTeam(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True),
                                           sa_column_kwargs={"server_default": func.now()})
    updated_at: Optional[datetime] = Field(default=None, sa_type=DateTime(timezone=True),
                                           sa_column_kwargs={"server_default": func.now()})


class QopenHero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
'''


def test_sqlmodel_sa_type_timestamps_are_aware(tmp_path):
    module = _fixed_module(tmp_path, SQLMODEL_AWARE_TIMESTAMPS, unsafe=False)
    assert {"created_at", "updated_at"} <= set(module.QopenHero.__table__.c.keys())


# A file run alone is decided on the project's evidence, as in a run over the project (the pre-commit
# case): another schema's `Field(max_length=50)` for `body` limits a bare `body: str` in both.

SCHEMA_LIMIT_PROJECT = {
    "__init__.py": "",
    "user.py": (
        "from typing import Optional\n\nfrom sqlmodel import Field, SQLModel\n\n\n"
        "class QopenUser(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    body: str = Field(max_length=50)\n"
    ),
    "member.py": (
        "from typing import Optional\n\nfrom sqlmodel import Field, SQLModel\n\n\n"
        "class QopenMember(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    body: str\n"
    ),
}


def test_schema_limits_are_the_same_evidence_run_alone(tmp_path):
    paths = _write_project(tmp_path, "app", SCHEMA_LIMIT_PROJECT)
    member = paths["member.py"].resolve()
    assert _run([paths["member.py"]], migrations=False)[member] == _run([tmp_path], migrations=False)[member]
