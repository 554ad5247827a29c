"""The fixed schemas on real servers: PostgreSQL and MariaDB (InnoDB).

1. Every single-module after-fixture creates its tables on both servers, and its `# expect:` lines hold
   in the servers' own catalogs: foreign keys the tool indexed lead an index, columns it made NOT NULL
   reject an INSERT of NULL, prose columns are `text` and take 10,000 characters, a one-to-one's key made
   unique refuses a second child of one parent and takes several NULLs. A string the tool
   reports but leaves without a length (`no-length`) is an unbounded varchar on PostgreSQL, and its
   table is refused on MariaDB (SQLAlchemy: "VARCHAR requires a length on dialect mysql").
2. Orphans: for every parent relationship the tool gave `cascade="all, delete-orphan"`, a parent with two
   children is deleted through the ORM (`session.delete`) and in bulk (`session.execute(delete(Parent))`),
   on the before- and the after-fixture. The after-fixture leaves no child behind with `session.delete`;
   the before-fixture shows the flaw. Bulk deletes skip the ORM cascade: only the database's ON DELETE
   acts (rulebook §1). Every outcome is asserted exactly as observed, and tabulated in
   tests/bulk_delete_observations.md (`python tests/test_databases.py` rewrites it).

3. Sessions (SQF015): a session never closed keeps its pooled connection (PostgreSQL: `idle in
   transaction`) until the garbage collector runs, and a small pool runs dry; `with` gives it back; an
   object returned from a closed session is detached (`test_session_leak_on_server`).

A server that does not answer skips these tests; SQLA_FIX_REQUIRE_DATABASES=1 (CI) makes it a failure.
"""

from __future__ import annotations

import functools
from decimal import Decimal
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import configure_mappers

from conftest import AFTER, BEFORE
from dbservers import (OPERATIONS, SERVERS, TEXT_VALUE, catalog_column, declared_index_names, describe_error,
                       leading_index_columns, mysql_portability, orphan_outcome, require, row_values, scratch, storage_engines)
from modelcheck import (check, duplicate_key_problem, expectations, import_path, metadatas, server_default_problem,
                        unique_by_catalog)

MODULES = sorted(p for p in AFTER.glob("*.py") if p.name != "other_no_sqlalchemy.py")
OBSERVATIONS = Path(__file__).with_name("bulk_delete_observations.md")


@functools.cache
def load(path: Path):
    """Import a fixture once per process (before- and after-files declare the same class names)."""
    module = import_path(path)
    configure_mappers()
    found = metadatas(module)
    return module, found, {name: table for metadata in found for name, table in metadata.tables.items()}


@pytest.fixture(params=SERVERS)
def server(request) -> str:
    require(request.param)
    return request.param


# ---------------------------------------------------------------- 1. the after-schemas on the servers

# Where a server legitimately differs from the fixture's `# expect:` line (what it has instead, and why).
SERVER_DIFFERENCES = {
    # InnoDB creates an index of its own for every foreign key that has none (rulebook §2): `index=False`
    # cannot hold there.
    ("mariadb", "not-indexed", "page_views.country_id"): "indexed by InnoDB",
}


def _attempt(engine: sa.Engine, table: sa.Table, column: str, value):
    """Insert one otherwise valid row with `column` = value, read the column back, roll back.
    Returns (error kind and detail, or None; the value read back)."""
    with engine.connect() as conn, conn.begin() as transaction:
        try:
            values = row_values(conn, table)
            values[column] = value
            try:
                result = conn.execute(table.insert().values(values))
            except sa.exc.DBAPIError as exc:
                return describe_error(exc), None
            key = dict(values)
            key.update(zip((c.name for c in table.primary_key.columns), result.inserted_primary_key))
            where = [c == key[c.name] for c in table.primary_key.columns]
            return None, conn.execute(sa.select(table.c[column]).where(*where)).scalar_one()
        finally:
            transaction.rollback()


def _problems(server: str, engine: sa.Engine, kind: str, target: str, tables) -> list[str]:
    if kind == "insertable":
        return _insertable_problems(server, engine, target)
    if kind == "closes-sessions":  # played on SQLite by modelcheck; on the servers by test_session_leak_on_server
        return []
    if kind == "server-default":  # a raw INSERT without the column stores the server default (SQF009)
        problem = server_default_problem(engine, tables, target)
        return [problem] if problem else []
    if kind in ("convention", "no-convention"):  # the metadata's own (SQF013)
        problem = check(kind, target, None, tables, engine)
        return [problem] if problem else []
    if kind == "constraint-named":  # SQF013: the server's catalog has the convention's name
        table_name, name = target.split("=", 1)
        if server == "mariadb" and name.startswith("pk_"):
            return []  # MariaDB names every primary key PRIMARY, whatever it is given
        inspector = sa.inspect(engine)
        names = [inspector.get_pk_constraint(table_name).get("name")]
        names += [u["name"] for u in inspector.get_unique_constraints(table_name)]
        names += [f["name"] for f in inspector.get_foreign_keys(table_name)]
        names += [c["name"] for c in inspector.get_check_constraints(table_name)]
        return [] if name in names else [f"{target}: not in the catalog of {server}: {names}"]
    table_name, column = target.rsplit(".", 1) if "." in target else (target, None)
    kind = SERVER_DIFFERENCES.get((server, kind, target), kind)
    if kind in ("unique", "not-unique"):  # SQF011, SQF014: a second row with the value (a second child of one
        # parent) refused (23505, 1062), or not; several NULLs accepted where nullable
        with engine.connect() as conn:
            if unique_by_catalog(sa.inspect(conn), table_name, column) != (kind == "unique"):
                return [f"{target}: expected {kind} in the catalog"]
        problem = duplicate_key_problem(engine, tables[table_name], column, kind == "unique")
        return [problem] if problem else []
    with engine.connect() as conn:
        if kind == "one-index":  # exactly one index leads with the column: no duplicate was added
            indexes = leading_index_columns(conn, server, table_name)
            if server == "mariadb":  # InnoDB's own index for a foreign key is not a declared one
                declared = declared_index_names(tables[table_name])
                indexes = {name: first for name, first in indexes.items() if name in declared}
            count = list(indexes.values()).count(column)
            return [] if count == 1 else [f"{target}: {count} indexes lead with it: {indexes}"]
        if kind in ("column", "no-column"):
            present = catalog_column(conn, table_name, column) is not None
            return [] if present == (kind == "column") else [f"{target}: expected {kind}"]
        if kind in ("indexed", "not-indexed", "indexed by InnoDB"):
            indexes = leading_index_columns(conn, server, table_name)
            if server == "mariadb":  # InnoDB indexes every foreign key itself: tell its indexes apart
                declared = declared_index_names(tables[table_name])
                if kind == "indexed by InnoDB":
                    indexes = {name: first for name, first in indexes.items() if name not in declared}
                elif kind == "indexed":
                    indexes = {name: first for name, first in indexes.items() if name in declared}
            if (column in indexes.values()) == (kind == "not-indexed"):
                return [f"{target}: expected {kind}; indexes (name: first column) {indexes}"]
            return []
        if kind in ("timestamps", "no-timestamps"):
            columns = {c["name"]: c for c in sa.inspect(conn).get_columns(table_name)}
            present = [name for name in ("created_at", "updated_at") if name in columns]
            if kind == "no-timestamps":
                return [f"{target}: has {present}"] if present else []
            bad = [n for n in ("created_at", "updated_at") if n not in columns
                   or columns[n]["nullable"] or columns[n]["default"] is None]
            return [f"{target}: {bad} not NOT NULL with a server default"] if bad else []
        if kind == "ondelete-cascade":
            rules = [fk["options"].get("ondelete") for fk in sa.inspect(conn).get_foreign_keys(table_name)
                     if column in fk["constrained_columns"]]
            return [] if [r.upper() for r in rules if r] == ["CASCADE"] else [f"{target}: ON DELETE is {rules}"]
        if kind in ("cascade", "no-cascade"):
            return []  # an ORM setting, not a database one: the orphan tests below play it
        if kind in ("db-cascade", "orm-only-cascade"):
            return []  # SQF012: the key's ON DELETE is `ondelete-cascade`; test_sqf012_fixtures_bulk_delete plays it
        if kind in ("callable-default", "callable-onupdate", "scalar-default"):
            # a Python-side default (SQF007): not in the DDL; the column is there, and the default is the model's
            problem = check(kind, target, None, tables, None)
            if catalog_column(conn, table_name, column) is None:
                problem = f"{target}: no such column in the catalog"
            return [problem] if problem else []
        if kind in ("aware", "naive"):  # SQF010: timestamptz on PostgreSQL; DATETIME either way on MariaDB
            found = catalog_column(conn, table_name, column)
            wanted = {"postgresql": {"aware": ("timestamp with time zone",), "naive": ("timestamp without time zone",)},
                      "mariadb": {"aware": ("datetime", "timestamp"), "naive": ("datetime", "timestamp")}}[server][kind]
            problem = check(kind, target, None, tables, None)
            if found is None or found[0] not in wanted:
                problem = f"{target}: expected {wanted}, catalog says {found}"
            return [problem] if problem else []
        if kind == "no-length":  # on PostgreSQL: a varchar without a length, unbounded
            length = conn.execute(sa.text(
                "SELECT character_maximum_length FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = :t AND column_name = :c"), {"t": table_name, "c": column}).one()[0]
            found = catalog_column(conn, table_name, column)
            if found is None or found[0] != "character varying" or length is not None:
                return [f"{target}: expected a varchar without a length, catalog says {found}, length {length}"]
            return []
        found = catalog_column(conn, table_name, column)
    if found is None:
        return [f"{target}: no such column in the catalog"]
    data_type, nullable = found
    table = tables[table_name]
    if kind == "not-null":
        error, _ = _attempt(engine, table, column, None)
        if nullable or error != ("not-null", column):
            return [f"{target}: catalog nullable={nullable}; INSERT of NULL gave {error or 'no error'}"]
    elif kind == "nullable":
        error, _ = _attempt(engine, table, column, None)
        if not nullable or error:
            return [f"{target}: catalog nullable={nullable}; INSERT of NULL gave {error}"]
    elif kind == "text":
        error, back = _attempt(engine, table, column, TEXT_VALUE)
        if data_type != "text" or back != TEXT_VALUE:
            got = error or f"{len(back or '')} characters back"
            return [f"{target}: type {data_type}; 10,000 characters gave {got}"]
    elif kind == "varchar":
        if data_type not in ("character varying", "varchar"):
            return [f"{target}: expected varchar, catalog says {data_type}"]
    elif kind == "numeric":  # money (SQF008): exact, 0.1 + 0.2 reads back as 0.30
        error, back = _attempt(engine, table, column, 0.1 + 0.2)
        if data_type not in ("numeric", "decimal") or back != Decimal("0.30"):
            return [f"{target}: type {data_type}; 0.1 + 0.2 gave {error or repr(back)}"]
    elif kind == "float":  # a measure or a ratio, left in a float
        if data_type not in ("double precision", "real", "double", "float"):
            return [f"{target}: expected a float, catalog says {data_type}"]
    else:
        return [f"unknown expectation {kind!r}"]
    return []


@pytest.mark.database
@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_after_fixture_schema_on_server(server: str, path: Path):
    _, found, tables = load(path)
    wanted = expectations(path)
    assert wanted, "every model fixture says what its fixed schema must be"
    # A string left without a length (`# expect: no-length`, reported, not fixed) cannot be created on
    # MariaDB: its tables are shown to be refused there, and the rest of the fixture is created.
    refused = {t.rsplit(".", 1)[0] for kind, t in wanted if kind == "no-length"} if server == "mariadb" else set()
    with scratch(server) as engine:
        problems = [p for name in sorted(refused) for p in _refused_without_length(engine, tables[name])]
        for metadata in found:
            # a fixture that cannot be created on a server fails here
            metadata.create_all(engine, tables=[t for t in metadata.sorted_tables if t.name not in refused]
                                if refused else None)
        if server == "mariadb":
            with engine.connect() as conn:
                assert set(storage_engines(conn).values()) == {"InnoDB"}
                problems += mysql_portability(conn)  # the tool keeps TEXT out of indexes and literal defaults
        problems += [p for kind, target in wanted if target.split(".", 1)[0].split(":", 1)[0] not in refused
                     for p in _problems(server, engine, kind, target, tables)]
    assert not problems


def _refused_without_length(engine: sa.Engine, table: sa.Table) -> list[str]:
    """MySQL/MariaDB have no VARCHAR without a length: SQLAlchemy refuses the table's DDL (rule SQF006)."""
    try:
        with engine.begin() as conn:
            table.create(conn)
    except sa.exc.CompileError as error:
        if "VARCHAR requires a length on dialect mysql" in str(error):
            return []
        return [f"{table.name}: CREATE TABLE failed otherwise: {error}"]
    return [f"{table.name}: expected MariaDB to refuse a VARCHAR without a length, and it was created"]


def _insertable_problems(server: str, engine: sa.Engine, target: str) -> list[str]:
    """`insertable tasks:case_id=1,title=x`: a row with only these values can be saved. The servers
    enforce the foreign keys it points at, so the catalog is asked instead of inserting: every NOT NULL
    column without a default and not generated must be among the values."""
    table_name, _, assignments = target.partition(":")
    given = {item.split("=", 1)[0] for item in assignments.split(",") if item}
    with engine.connect() as conn:
        required = [
            c["name"] for c in sa.inspect(conn).get_columns(table_name)
            if not c["nullable"] and c.get("default") is None and not c.get("autoincrement")
            and c["name"] not in given
        ]
    return [f"{target}: a row without {required} cannot be saved on {server}"] if required else []


UNIQUE_MODULES = [p for p in MODULES if "_no_fix_" not in p.name and any(kind == "unique" for kind, _ in expectations(p))]


@pytest.mark.database
@pytest.mark.parametrize("path", UNIQUE_MODULES, ids=[p.name for p in UNIQUE_MODULES])
def test_one_to_one_key_before_the_fix_takes_a_second_child(server: str, path: Path):
    """SQF014's flaw, on the before-fixture: where the fixed key is unique (`# expect: unique`), the original
    table took a second child of one parent without an error (and the fixed one refuses it, above)."""
    _, found, tables = load(BEFORE / path.name)
    shown = []
    with scratch(server) as engine:
        for metadata in found:
            metadata.create_all(engine)
        for kind, target in expectations(path):
            if kind != "unique":
                continue
            table, column = target.rsplit(".", 1)
            with engine.connect() as conn:
                if unique_by_catalog(sa.inspect(conn), table, column):
                    continue  # unique before the fix already (a quiet case)
            assert duplicate_key_problem(engine, tables[table], column, unique=False) is None
            shown.append(target)
    assert shown, "the before-fixture shows the flaw somewhere"


@pytest.mark.database
def test_one_to_one_unique_migration_needs_the_duplicates_gone(server: str):
    """SQF014's message: the migration that makes a key unique fails while two children of one parent exist,
    NULL keys are no duplicates (the query it suggests skips them), and then a second child is refused."""
    with scratch(server) as engine:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE sqf014_children (id INTEGER PRIMARY KEY, user_id INTEGER)")
            conn.exec_driver_sql("INSERT INTO sqf014_children VALUES (1, 7), (2, 7), (3, NULL), (4, NULL)")
        add = "ALTER TABLE sqf014_children ADD CONSTRAINT uq_sqf014_user UNIQUE (user_id)"
        with pytest.raises(sa.exc.DBAPIError) as failed:
            with engine.begin() as conn:
                conn.exec_driver_sql(add)
        assert ("could not create unique index" if server == "postgresql" else "Duplicate entry '7'") in str(failed.value)
        with engine.begin() as conn:
            found = conn.exec_driver_sql("SELECT user_id FROM sqf014_children WHERE user_id IS NOT NULL "
                                         "GROUP BY user_id HAVING count(*) > 1").all()
            assert found == [(7,)]
            conn.exec_driver_sql("DELETE FROM sqf014_children WHERE id = 2")
            conn.exec_driver_sql(add)  # both NULL keys kept
        with pytest.raises(sa.exc.DBAPIError) as refused:
            with engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO sqf014_children VALUES (5, 7)")
        assert describe_error(refused.value)[0] == "unique"
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO sqf014_children VALUES (6, NULL)")


# ---------------------------------------------------------------- 2. orphans

NOT_NULL = "IntegrityError: NOT NULL (the ORM set the key to NULL)"
ORPHANS = "no error, 2 orphans (key set NULL)"
WRITE_ONLY = "InvalidRequestError: Feed.items (write-only) cannot be loaded"
FK_VIOLATION = "IntegrityError: foreign key violation"
DELETED = "children deleted"
DELETED_BY_DB = "children deleted by the database (ON DELETE CASCADE)"

# (fixture, relationship) -> outcomes of (before: session.delete, before: bulk, after: session.delete,
# after: bulk), observed alike on PostgreSQL 15 and MariaDB 10.11. A bulk delete never runs the ORM
# cascade, so it fails on the children's foreign key before and after the fix, except where the fix
# added ondelete="CASCADE" (the write-only collection): there the database deletes the children.
# Feed.readers (dynamic) before the fix fails on Feed.items: Feed cannot be deleted through the ORM at all.
EXPECTED = {
    ("classic_backref_cascade.py", "Thread.replies"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_cascade.py", "Gallery.photos"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_cascade.py", "Album.songs"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_crlf_line_endings.py", "Basket.items"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_no_fix_cascade_records.py", "Account.api_keys"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_single_quotes.py", "Tenant.projects"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("flask_app_models.py", "User.posts"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("flask_app_models.py", "ProjectTask.checklist"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("flask_cascade.py", "Writer.books"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("flask_cascade.py", "Bookcase.slots"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("sa_alias_cascade.py", "Recipe.steps"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("sa_alias_cascade.py", "Recipe.ingredients"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_blog.py", "User.posts"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_blog.py", "Post.comments"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_cascade.py", "Survey.questions"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_cascade.py", "Survey.tags"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_cascade.py", "Question.choices"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_fk_constraint.py", "Post.comments"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_formatting.py", "Venue.concerts"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_no_fix_cascade_records.py", "Order.items"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_no_fix_cascade_entities_lookups.py", "Post.comments"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_cascade_two_required_parents.py", "User.posts"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_cascade_two_required_parents.py", "User.comments"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("classic_cascade_two_required_parents.py", "Post.comments"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_write_only_cascade.py", "Feed.items"): (WRITE_ONLY, FK_VIOLATION, DELETED, DELETED_BY_DB),
    ("typed_write_only_cascade.py", "Feed.readers"): (WRITE_ONLY, FK_VIOLATION, DELETED, FK_VIOLATION),
    # multi-file projects, each side run in a fresh interpreter
    ("classic_shop_project", "Product.images"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("flask_project", "Author.books"): (ORPHANS, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("sqlmodel_project", "Team.heroes"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_blog_project", "User.posts"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
    ("typed_blog_project", "Post.comments"): (NOT_NULL, FK_VIOLATION, DELETED, FK_VIOLATION),
}
SERVER_EXCEPTIONS: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}  # (server, fixture, rel): none seen


def expected(server: str, fixture: str, relationship: str) -> tuple[str, ...]:
    return SERVER_EXCEPTIONS.get((server, fixture, relationship), EXPECTED[fixture, relationship])


def fixed_relationships(fixture: str) -> list[str]:
    """The `# expect: cascade` targets whose cascade the tool added (not already there before)."""
    after = AFTER / fixture
    files = sorted(after.rglob("*.py")) if after.is_dir() else [after]
    targets = [target for path in files for kind, target in expectations(path) if kind == "cascade"]
    if after.is_dir():  # the before-project's cascades: read by the fresh interpreter of the scenario
        return targets
    before, _, _ = load(BEFORE / fixture)
    fixed = []
    for target in targets:
        class_name, key = target.rsplit(".", 1)
        cascade = sa.inspect(getattr(before, class_name)).relationships[key].cascade
        if not (cascade.delete and cascade.delete_orphan):
            fixed.append(target)
    return fixed


CASCADE_MODULES = sorted({f for f, _ in EXPECTED if f.endswith(".py")})
PROJECTS = sorted({f for f, _ in EXPECTED if not f.endswith(".py")})


def test_every_fixed_cascade_is_played():
    """A new fixture whose cascade the tool fixes must be added to EXPECTED (no silent gap)."""
    modules = [p.name for p in MODULES if any(k == "cascade" for k, _ in expectations(p))]
    projects = [p.name for p in AFTER.iterdir() if p.is_dir()]
    wanted = {(f, r) for f in modules + projects for r in fixed_relationships(f)}
    assert wanted == set(EXPECTED)


def _record(outcomes: dict[str, dict[str, str]], side: str, found: dict) -> None:
    for relationship, by_operation in outcomes.items():
        for operation, outcome in by_operation.items():
            found[relationship, side, operation] = outcome


def _compare(server: str, fixture: str, found: dict) -> None:
    columns = [(side, op) for side in ("before", "after") for op in OPERATIONS]
    observed = {rel: tuple(found[rel, side, op] for side, op in columns) for rel in {r for r, _, _ in found}}
    wanted = {rel: expected(server, fixture, rel) for rel in observed}
    assert observed == wanted
    for rel, (before_delete, _, after_delete, _) in observed.items():
        assert after_delete == DELETED, f"{rel}: children left after session.delete on the fixed model"
        assert before_delete != DELETED, f"{rel}: the before-model shows no flaw"


@pytest.mark.database
@pytest.mark.parametrize("fixture", CASCADE_MODULES)
def test_orphans_single_module(server: str, fixture: str):
    found: dict = {}
    relationships = fixed_relationships(fixture)
    for side, root in (("before", BEFORE), ("after", AFTER)):
        module, metadatas_, _ = load(root / fixture)
        with scratch(server) as engine:
            for metadata in metadatas_:
                metadata.create_all(engine)
            outcomes = {}
            for target in relationships:
                class_name, key = target.rsplit(".", 1)
                outcomes[target] = {op: orphan_outcome(engine, getattr(module, class_name), key, op) for op in OPERATIONS}
        _record(outcomes, side, found)
    _compare(server, fixture, found)


@pytest.mark.database
@pytest.mark.parametrize("project", PROJECTS)
def test_orphans_project(server: str, project: str):
    found: dict = {}
    relationships = fixed_relationships(project)
    script = Path(__file__).with_name("dbservers.py")
    for side, root in (("before", BEFORE), ("after", AFTER)):
        with scratch(server) as engine:
            completed = subprocess.run([sys.executable, str(script), str(root / project), server, engine.namespace,
                                        *relationships], capture_output=True, text=True, timeout=120)
        assert completed.returncode == 0, completed.stderr
        _record(json.loads(completed.stdout), side, found)
    _compare(server, project, found)


# ---------------------------------------------------------------- the observations, for the README

def render_observations() -> str:
    rows: dict[tuple, dict[str, list[str]]] = {}
    for fixture, relationship in EXPECTED:
        for server in SERVERS:
            outcomes = expected(server, fixture, relationship)
            rows.setdefault(outcomes, {}).setdefault(server, []).append(f"{fixture} `{relationship}`")
    lines = [
        "# Deleting a parent: before and after `sqla-fix` (observed)",
        "",
        "Asserted by `tests/test_databases.py` on PostgreSQL 15 and MariaDB 10.11 (InnoDB), two children per",
        "parent. `session.delete` is `session.delete(parent); session.commit()`; bulk is",
        "`session.execute(delete(Parent)); session.commit()`, which never runs the ORM cascade: only the",
        "database's `ON DELETE` acts on it. Regenerate with `python tests/test_databases.py`.",
        "",
        "| server | fixture and relationship | before: session.delete | before: bulk delete "
        "| after: session.delete | after: bulk delete |",
        "|---|---|---|---|---|---|",
    ]
    for outcomes, by_server in rows.items():
        groups: dict[tuple, list[str]] = {}
        for server, targets in by_server.items():
            groups.setdefault(tuple(targets), []).append(server)
        for targets, servers in groups.items():
            names = " and ".join({"postgresql": "PostgreSQL", "mariadb": "MariaDB"}[s] for s in servers)
            lines.append(f"| {names} | {', '.join(targets)} | " + " | ".join(outcomes) + " |")
    lines += ["", "`Feed.readers` (dynamic) cannot be deleted through the ORM before the fix either: the delete fails on",
              "`Feed.items`, the write-only collection of the same parent."]
    return "\n".join(lines) + "\n"


def test_observations_table_is_current():
    assert OBSERVATIONS.read_text(encoding="utf-8") == render_observations(), "run python tests/test_databases.py"


if __name__ == "__main__":
    OBSERVATIONS.write_text(render_observations(), encoding="utf-8")
    print(f"wrote {OBSERVATIONS}")


# ---------------------------------------------------------------- 3. SQF013's naming convention


def _convention_tables(metadata: sa.MetaData) -> None:
    sa.Table("sqf013_parent", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("code", sa.String(20), unique=True))
    sa.Table("sqf013_child", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("parent_id", sa.ForeignKey("sqf013_parent.id"), index=True),
             sa.Column("n", sa.Integer), sa.CheckConstraint("n > 0", name="n_positive"))


def _constraint_names(engine: sa.Engine, table: str) -> dict[str, list]:
    inspector = sa.inspect(engine)
    return {"pk": [inspector.get_pk_constraint(table)["name"]],
            "uq": [u["name"] for u in inspector.get_unique_constraints(table)],
            "fk": [f["name"] for f in inspector.get_foreign_keys(table)],
            "ck": [c["name"] for c in inspector.get_check_constraints(table)]}


# What each server names the constraints it is given unnamed, and what the convention makes of them.
UNNAMED = {
    "postgresql": ({"pk": ["sqf013_parent_pkey"], "uq": ["sqf013_parent_code_key"], "fk": [], "ck": []},
                   {"pk": ["sqf013_child_pkey"], "uq": [], "fk": ["sqf013_child_parent_id_fkey"], "ck": ["n_positive"]}),
    "mariadb": ({"pk": [None], "uq": ["code"], "fk": [], "ck": []},  # every primary key is PRIMARY there
                {"pk": [None], "uq": [], "fk": ["sqf013_child_ibfk_1"], "ck": ["n_positive"]}),
}


@pytest.mark.database
def test_naming_convention_names_on_server(server: str):
    """SQF013's rationale: without a convention each server names the constraints its own way; with
    SQLAlchemy's documented one both have the same names (a named CHECK gets the ck_<table>_ prefix)."""
    from sqla_fix.rules.sqf013_naming_convention import CONVENTION

    with scratch(server) as engine:
        plain = sa.MetaData()
        _convention_tables(plain)
        plain.create_all(engine)
        assert (_constraint_names(engine, "sqf013_parent"), _constraint_names(engine, "sqf013_child")) == UNNAMED[server]
        plain.drop_all(engine)
        named = sa.MetaData(naming_convention=dict(CONVENTION))
        _convention_tables(named)
        named.create_all(engine)
        primary = [None] if server == "mariadb" else ["pk_sqf013_child"]
        assert _constraint_names(engine, "sqf013_child") == {
            "pk": primary, "uq": [], "fk": ["fk_sqf013_child_parent_id_sqf013_parent"], "ck": ["ck_sqf013_child_n_positive"]}
        assert _constraint_names(engine, "sqf013_parent")["uq"] == ["uq_sqf013_parent_code"]


@pytest.mark.database
def test_naming_convention_breaks_what_sqf013_reports(server: str):
    """The cases SQF013 reports without a fix: an unnamed CHECK raises where its table is declared (an unnamed
    Boolean(create_constraint=True) at CREATE TABLE where the server has no native boolean), and two
    unnamed unique constraints led by one column get one name, which the server refuses."""
    from sqla_fix.rules.sqf013_naming_convention import CONVENTION

    with scratch(server) as engine:
        checked = sa.MetaData(naming_convention=dict(CONVENTION))
        with pytest.raises(sa.exc.InvalidRequestError, match="requires that constraint is explicitly named"):
            # raised where the table is declared: a model module with such a CHECK no longer imports
            sa.Table("sqf013_checked", checked, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("n", sa.Integer), sa.CheckConstraint("n > 0"))
        boolean = sa.MetaData(naming_convention=dict(CONVENTION))
        sa.Table("sqf013_flag", boolean, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("on", sa.Boolean(create_constraint=True)))
        if server == "postgresql":  # a native boolean: no CHECK is made, and the table is created
            boolean.create_all(engine)
        else:  # MariaDB's BOOL is a TINYINT: the CHECK is made, and it has no name to give
            with pytest.raises(sa.exc.InvalidRequestError, match="requires that constraint is explicitly named"):
                boolean.create_all(engine)
        clash = sa.MetaData(naming_convention=dict(CONVENTION))
        sa.Table("sqf013_dup", clash, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("s", sa.String(10), unique=True), sa.Column("n", sa.Integer), sa.UniqueConstraint("s", "n"))
        with pytest.raises(sa.exc.DBAPIError) as refused:
            clash.create_all(engine)
        assert ("already exists" if server == "postgresql" else "Duplicate key name") in str(refused.value.orig)
# -- SQF015: a session that is never closed keeps its connection ------------------------------------------


@functools.cache
def _leak_models():
    """An owner with a lazy collection of pets (tables of SQF015's own, in the scratch namespace)."""
    from sqlalchemy.orm import declarative_base, relationship

    Base = declarative_base()

    class Owner(Base):
        __tablename__ = "sqf015_owners"
        id = sa.Column(sa.Integer, primary_key=True)
        pets = relationship(lambda: Pet)

    class Pet(Base):
        __tablename__ = "sqf015_pets"
        id = sa.Column(sa.Integer, primary_key=True)
        owner_id = sa.Column(sa.ForeignKey("sqf015_owners.id"), index=True, nullable=False)

    return Base, Owner


@pytest.mark.database
def test_session_leak_on_server(server: str):
    """What SQF015's rationale says, on the server: a function that opens a session, queries and returns
    without closing it leaves its connection checked out of the pool (on PostgreSQL `idle in transaction`)
    until the garbage collector runs; with a pool of 2, the third such call times out; the same function
    with `with SessionLocal() as db:` gives the connection back; and an object returned from a closed
    session is detached: its lazy relationship raises DetachedInstanceError, where it loads today."""
    import gc

    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.orm.exc import DetachedInstanceError

    from dbservers import URLS

    Base, Owner = _leak_models()
    with scratch(server) as scratch_engine:
        namespace = scratch_engine.namespace
        pool = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 1}
        if server == "postgresql":
            engine = sa.create_engine(URLS[server], connect_args={"options": f"-c search_path={namespace}"}, **pool)
        else:
            engine = sa.create_engine(URLS[server].rsplit("/", 1)[0] + f"/{namespace}?charset=utf8mb4", **pool)
        SessionLocal = sessionmaker(bind=engine)
        Base.metadata.create_all(engine)
        with SessionLocal.begin() as db:
            db.add(Owner(id=1, pets=[Owner.pets.property.mapper.class_(id=1)]))
        pids = []

        def leaks():
            db = SessionLocal()
            pids.append(db.execute(sa.text("SELECT pg_backend_pid()" if server == "postgresql"
                                           else "SELECT CONNECTION_ID()")).scalar())

        def closes():
            with SessionLocal() as db:
                db.execute(sa.text("SELECT 1"))

        collecting = gc.isenabled()
        gc.disable()
        try:
            leaks()
            assert engine.pool.checkedout() == 1
            if server == "postgresql":
                with scratch_engine.connect() as conn:
                    state = conn.execute(sa.text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pids[0]}).scalar()
                assert state == "idle in transaction"
            leaks()
            with pytest.raises(sa.exc.TimeoutError, match="QueuePool limit of size 2 overflow 0 reached"):
                leaks()
            gc.collect()
            assert engine.pool.checkedout() == 0
            closes()
            closes()
            closes()
            assert engine.pool.checkedout() == 0

            def load_open():
                db = SessionLocal()
                return db.get(Owner, 1)

            def load_closed():
                with SessionLocal() as db:
                    return db.get(Owner, 1)

            assert len(load_open().pets) == 1
            owner = load_closed()
            with pytest.raises(DetachedInstanceError, match="is not bound to a Session; lazy load operation"):
                owner.pets
        finally:
            if collecting:
                gc.enable()
            gc.collect()
            engine.dispose()


# ---------------------------------------------------------------- 3. facts behind SQF011 (identity-not-unique)

def _insert_all(engine: sa.Engine, table: sa.Table, rows: list[dict]) -> str:
    try:
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
    except sa.exc.DBAPIError as exc:
        return describe_error(exc)[0]
    return "ok"


@pytest.mark.database
@pytest.mark.parametrize("where", [*SERVERS, "sqlite"])
def test_identity_unique_facts(where: str):
    """What SQF011's rationale says of unique=True, on PostgreSQL 15, MariaDB 10.11 and SQLite: a duplicate
    is refused, several NULLs are not, case matters on PostgreSQL and SQLite but not under MariaDB's default
    collation, a unique index on lower() is case-blind on PostgreSQL, and a unique constraint cannot be added
    over duplicates (the GROUP BY ... HAVING count(*) > 1 of the fix's message finds them)."""
    import contextlib

    if where != "sqlite":
        require(where)
    context = scratch(where) if where != "sqlite" else contextlib.nullcontext(sa.create_engine("sqlite://"))
    with context as engine:
        metadata = sa.MetaData()
        people = sa.Table("sqf011_people", metadata, sa.Column("id", sa.Integer, primary_key=True),
                          sa.Column("email", sa.String(100), unique=True))
        dups = sa.Table("sqf011_dups", metadata, sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("email", sa.String(100)))
        metadata.create_all(engine)
        assert _insert_all(engine, people, [{"id": 1, "email": "b@x.org"}, {"id": 2, "email": "b@x.org"}]) == (
            "unique")  # SQLite: "UNIQUE constraint failed"
        assert _insert_all(engine, people, [{"id": 3, "email": None}, {"id": 4, "email": None}]) == "ok"
        cased = _insert_all(engine, people, [{"id": 5, "email": "A@x.org"}, {"id": 6, "email": "a@x.org"}])
        assert cased == ("unique" if where == "mariadb" else "ok")  # utf8mb4_unicode_ci is case-insensitive
        assert _insert_all(engine, dups, [{"id": 1, "email": "c@x.org"}, {"id": 2, "email": "c@x.org"}]) == "ok"
        with engine.connect() as conn:
            found = conn.execute(sa.text(
                "SELECT email, count(*) FROM sqf011_dups GROUP BY email HAVING count(*) > 1")).all()
        assert [tuple(row) for row in found] == [("c@x.org", 2)]
        add = ("CREATE UNIQUE INDEX uq_sqf011_dups_email ON sqf011_dups (email)" if where == "sqlite"
               else "ALTER TABLE sqf011_dups ADD CONSTRAINT uq_sqf011_dups_email UNIQUE (email)")
        with pytest.raises(sa.exc.IntegrityError) as failed:
            with engine.begin() as conn:
                conn.execute(sa.text(add))
        if where == "postgresql":
            assert 'could not create unique index "uq_sqf011_dups_email"' in str(failed.value.orig)
            lowered = sa.Table("sqf011_lower", metadata, sa.Column("id", sa.Integer, primary_key=True),
                               sa.Column("email", sa.String(100)))
            sa.Index("uq_sqf011_lower_email", sa.func.lower(lowered.c.email), unique=True)
            lowered.create(engine)
            assert _insert_all(engine, lowered, [{"id": 1, "email": "A@x.org"}, {"id": 2, "email": "a@x.org"}]) == "unique"
        elif where == "mariadb":
            assert "Duplicate entry 'c@x.org' for key 'uq_sqf011_dups_email'" in str(failed.value.orig)
# ---------------------------------------------------------------- SQF012: a delete cascade only the ORM knows

def _sqf012_models(ondelete: str | None, passive, nullable: bool = False, grandchild: bool = False):
    """sqf012_parents -> sqf012_children (cascade="all, delete-orphan"), and optionally sqf012_grandchildren
    under the children with the default cascade (the ORM sets their nullable key to NULL)."""
    from sqlalchemy import Column, ForeignKey, Integer
    from sqlalchemy.orm import DeclarativeBase, relationship

    class Base(DeclarativeBase):
        pass

    class Parent(Base):
        __tablename__ = "sqf012_parents"
        id = Column(Integer, primary_key=True)
        children = relationship("Child", cascade="all, delete-orphan", passive_deletes=passive)

    class Child(Base):
        __tablename__ = "sqf012_children"
        id = Column(Integer, primary_key=True)
        parent_id = Column(Integer, ForeignKey("sqf012_parents.id", ondelete=ondelete), nullable=nullable)
        if grandchild:
            grandchildren = relationship("Grandchild")

    if grandchild:
        class Grandchild(Base):
            __tablename__ = "sqf012_grandchildren"
            id = Column(Integer, primary_key=True)
            child_id = Column(Integer, ForeignKey("sqf012_children.id"), nullable=True)

        Child.grandchild_class = Grandchild  # the registry holds classes weakly: keep it alive
    return Base, Parent, Child


def _sqf012_play(engine: sa.Engine, operation: str, ondelete=None, passive=False, nullable=False,
                 grandchild=False) -> tuple[str, int, int]:
    """A parent with two children (each with a grandchild, if asked), deleted by `operation` in a fresh
    session: (what happened, children left, child ORM delete events fired)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    Base, Parent, Child = _sqf012_models(ondelete, passive, nullable, grandchild)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    fired = []
    event.listen(Child, "after_delete", lambda mapper, connection, target: fired.append(target.id))
    with Session(engine) as session:
        children = [Child(id=1), Child(id=2)]
        if grandchild:
            for child in children:
                child.grandchildren.append(Child.grandchild_class(id=child.id))
        session.add(Parent(id=1, children=children))
        session.commit()
    with Session(engine) as session:
        try:
            if operation == "bulk delete":
                session.execute(sa.delete(Parent))
            else:
                session.delete(session.get(Parent, 1))
            session.commit()
            outcome = "deleted"
        except sa.exc.IntegrityError as exc:
            session.rollback()
            outcome = "foreign-key" if "FOREIGN KEY constraint failed" in str(exc) else describe_error(exc)[0]
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM sqf012_children")).scalar_one()
    Base.metadata.drop_all(engine)
    return outcome, left, len(fired)


# (ondelete, passive_deletes, operation) -> (outcome, children left, child after_delete events), alike on
# PostgreSQL 15 and MariaDB 10.11 (InnoDB), and on SQLite with PRAGMA foreign_keys=ON.
SQF012_ENFORCED = {
    (None, False, "session.delete"): ("deleted", 0, 2),  # the ORM loads and deletes them
    (None, False, "bulk delete"): ("foreign-key", 2, 0),  # the ORM-only cascade: the bulk delete fails
    ("CASCADE", False, "session.delete"): ("deleted", 0, 2),  # the fix: the ORM still deletes them, events fire
    ("CASCADE", False, "bulk delete"): ("deleted", 0, 0),  # and the database deletes them in bulk deletes
    ("CASCADE", True, "session.delete"): ("deleted", 0, 0),  # passive_deletes too: no ORM events
    ("CASCADE", True, "bulk delete"): ("deleted", 0, 0),
    (None, True, "session.delete"): ("foreign-key", 2, 0),  # passive_deletes without ondelete: a trap
    (None, True, "bulk delete"): ("foreign-key", 2, 0),
    ("SET NULL", False, "bulk delete"): ("deleted", 2, 0),  # kept with a NULL key (nullable key)
    ("RESTRICT", False, "session.delete"): ("deleted", 0, 2),  # the ORM deletes the children first
    ("RESTRICT", False, "bulk delete"): ("foreign-key", 2, 0),
}
# SQLite without the PRAGMA enforces nothing: every delete of the parent succeeds and the database deletes
# no child; with passive_deletes the ORM does not either.
SQF012_SQLITE_UNENFORCED = {
    (None, False, "session.delete"): ("deleted", 0, 2),
    (None, False, "bulk delete"): ("deleted", 2, 0),  # two children left pointing at a deleted parent
    ("CASCADE", False, "session.delete"): ("deleted", 0, 2),  # the fix changes nothing here
    ("CASCADE", True, "session.delete"): ("deleted", 2, 0),  # left behind, were passive_deletes added
    ("CASCADE", True, "bulk delete"): ("deleted", 2, 0),
    (None, True, "session.delete"): ("deleted", 2, 0),
}


def _sqf012_observed(engine, cases) -> dict:
    return {case: _sqf012_play(engine, case[2], case[0], case[1], nullable=case[0] == "SET NULL") for case in cases}


@pytest.mark.database
def test_sqf012_orm_only_cascade_on_server(server: str):
    with scratch(server) as engine:
        assert _sqf012_observed(engine, SQF012_ENFORCED) == SQF012_ENFORCED
        # a nullable key changes nothing for ON DELETE CASCADE
        assert _sqf012_play(engine, "bulk delete", "CASCADE", True, nullable=True) == ("deleted", 0, 0)
        # grandchildren kept by the ORM (key set NULL) block the database's cascade: with the children's key
        # ON DELETE CASCADE and passive_deletes, session.delete(parent) fails where it worked before
        assert _sqf012_play(engine, "session.delete", None, False, grandchild=True) == ("deleted", 0, 2)
        assert _sqf012_play(engine, "session.delete", "CASCADE", True, grandchild=True) == ("foreign-key", 2, 0)
        # without passive_deletes (what the fix writes) the ORM still detaches them first
        assert _sqf012_play(engine, "session.delete", "CASCADE", False, grandchild=True) == ("deleted", 0, 2)


def test_sqf012_orm_only_cascade_on_sqlite():
    from sqlalchemy import event

    enforced = sa.create_engine("sqlite://")
    event.listen(enforced, "connect", lambda dbapi, record: dbapi.execute("PRAGMA foreign_keys=ON"))
    assert _sqf012_observed(enforced, SQF012_ENFORCED) == SQF012_ENFORCED
    assert _sqf012_observed(sa.create_engine("sqlite://"), SQF012_SQLITE_UNENFORCED) == SQF012_SQLITE_UNENFORCED


def _sqf012_many_to_one(engine: sa.Engine, tickets: int) -> tuple[str, int, int]:
    """cascade="all" on the many-to-one side: session.delete(child) deletes the parent too.
    (outcome, parents left, children left)."""
    from sqlalchemy import Column, ForeignKey, Integer
    from sqlalchemy.orm import DeclarativeBase, Session, relationship

    class Base(DeclarativeBase):
        pass

    class Owner(Base):
        __tablename__ = "sqf012_owners"
        id = Column(Integer, primary_key=True)

    class Ticket(Base):
        __tablename__ = "sqf012_tickets"
        id = Column(Integer, primary_key=True)
        owner_id = Column(Integer, ForeignKey("sqf012_owners.id"), nullable=True)
        owner = relationship(Owner, cascade="all")

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        owner = Owner(id=1)
        session.add_all([Ticket(id=n, owner=owner) for n in range(1, tickets + 1)])
        session.commit()
    outcome = "deleted"
    with Session(engine) as session:
        try:
            session.delete(session.get(Ticket, 1))
            session.commit()
        except sa.exc.IntegrityError as exc:
            session.rollback()
            outcome = describe_error(exc)[0]
    with engine.connect() as conn:
        counts = tuple(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                       for t in ("sqf012_owners", "sqf012_tickets"))
    Base.metadata.drop_all(engine)
    return outcome, *counts


@pytest.mark.database
def test_sqf012_many_to_one_cascade_deletes_the_parent(server: str):
    with scratch(server) as engine:
        assert _sqf012_many_to_one(engine, 1) == ("deleted", 0, 0)  # the owner went with its ticket
        # with a second ticket (not loaded): deleting one ticket tries to delete the owner and fails on the other
        assert _sqf012_many_to_one(engine, 2) == ("foreign-key", 1, 2)


def _sqf012_targets(fixture: str) -> list[str]:
    after = AFTER / fixture
    files = sorted(after.rglob("*.py")) if after.is_dir() else [after]
    return [target for path in files for kind, target in expectations(path) if kind == "db-cascade"]


SQF012_FIXTURES = sorted(p.name for p in AFTER.iterdir() if p.name.startswith("opt_in_") and _sqf012_targets(p.name))
# (fixture, relationship) -> before: session.delete, before: bulk, after: session.delete, after: bulk
SQF012_PASSIVE_WITHOUT_ONDELETE = {("opt_in_typed_orm_only_cascade.py", "Playlist.entries")}


@pytest.mark.database
@pytest.mark.parametrize("fixture", SQF012_FIXTURES)
def test_sqf012_fixtures_bulk_delete(server: str, fixture: str):
    """Before the fix a bulk delete of the parent fails on the children's key (the ORM-only cascade); after it
    the database deletes them; session.delete deletes them before and after."""
    targets = _sqf012_targets(fixture)
    found: dict = {}
    for side, root in (("before", BEFORE), ("after", AFTER)):
        if (root / fixture).is_dir():
            script = Path(__file__).with_name("dbservers.py")
            with scratch(server) as engine:
                completed = subprocess.run([sys.executable, str(script), str(root / fixture), server, engine.namespace,
                                            *targets], capture_output=True, text=True, timeout=120)
            assert completed.returncode == 0, completed.stderr
            _record(json.loads(completed.stdout), side, found)
            continue
        module, metadatas_, _ = load(root / fixture)
        with scratch(server) as engine:
            for metadata in metadatas_:
                metadata.create_all(engine)
            outcomes = {}
            for target in targets:
                class_name, key = target.rsplit(".", 1)
                outcomes[target] = {op: orphan_outcome(engine, getattr(module, class_name), key, op) for op in OPERATIONS}
        _record(outcomes, side, found)
    for target in targets:
        before_delete = FK_VIOLATION if (fixture, target) in SQF012_PASSIVE_WITHOUT_ONDELETE else DELETED
        assert tuple(found[target, side, op] for side in ("before", "after") for op in OPERATIONS) == (
            before_delete, FK_VIOLATION, DELETED, DELETED_BY_DB), target


# ---------------------------------------------------------------- 3. naive and aware datetimes (SQF010)

@pytest.mark.database
def test_naive_and_aware_datetimes(server: str):
    """What SQF010's rationale says of naive and aware datetimes, observed on the server: PostgreSQL reads
    naive values (and its `now()` into a naive column) in the session's time zone and converts aware ones
    into a naive column; `USING col AT TIME ZONE 'UTC'` keeps old values; MariaDB has no aware DATETIME,
    PyMySQL drops the offset, and `NOW()` is the session's local time."""
    from datetime import datetime, timedelta, timezone

    plus2 = timezone(timedelta(hours=2))
    metadata = sa.MetaData()
    table = sa.Table("sqf010_times", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("naive", sa.DateTime), sa.Column("aware", sa.DateTime(timezone=True)))
    with scratch(server) as engine:
        metadata.create_all(engine)
        with engine.begin() as conn:
            if server == "postgresql":
                conn.exec_driver_sql("SET TIME ZONE 'Europe/Berlin'")
                conn.execute(table.insert().values(id=1, naive=datetime(2024, 1, 1, 10, tzinfo=plus2),
                                                   aware=datetime(2024, 1, 1, 10)))
                naive, aware = conn.execute(sa.select(table.c.naive, table.c.aware)).one()
                assert naive == datetime(2024, 1, 1, 9)  # 10:00+02 converted to Berlin (+01), zone dropped
                assert aware.astimezone(timezone.utc) == datetime(2024, 1, 1, 9, tzinfo=timezone.utc)  # naive = Berlin
                conn.execute(table.insert().values(id=2, naive=sa.func.now(), aware=sa.func.now()))
                wall, instant, utc = conn.execute(sa.select(table.c.naive, table.c.aware, sa.text(
                    "now() AT TIME ZONE 'UTC'")).where(table.c.id == 2)).one()
                assert wall - utc == timedelta(hours=1) and instant.utcoffset() == timedelta(hours=1)  # December
                conn.exec_driver_sql("UPDATE sqf010_times SET naive = '2024-01-01 10:00'")
                before = conn.exec_driver_sql("SELECT pg_relation_filenode('sqf010_times')").scalar()
                conn.exec_driver_sql("ALTER TABLE sqf010_times ALTER COLUMN naive TYPE timestamptz "
                                     "USING naive AT TIME ZONE 'UTC'")
                assert conn.exec_driver_sql("SELECT pg_relation_filenode('sqf010_times')").scalar() != before
                kept = conn.exec_driver_sql("SELECT naive AT TIME ZONE 'UTC' FROM sqf010_times").scalars().all()
                assert kept == [datetime(2024, 1, 1, 10)] * 2
            else:
                assert catalog_column(conn, "sqf010_times", "aware")[0] == "datetime"  # timezone=True: DATETIME
                conn.exec_driver_sql("SET time_zone = '+02:00'")
                conn.execute(table.insert().values(id=1, aware=datetime(2024, 1, 1, 10, tzinfo=plus2)))
                conn.execute(table.insert().values(id=2, aware=datetime(2024, 1, 1, 8, tzinfo=timezone.utc)))
                back = conn.execute(sa.select(table.c.aware).order_by(table.c.id)).scalars().all()
                assert back == [datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 8)]  # offset dropped, naive back
                local, utc = conn.exec_driver_sql("SELECT NOW(), UTC_TIMESTAMP()").one()
                assert local - utc == timedelta(hours=2)
