"""The fixed schemas on real servers: PostgreSQL and MariaDB (InnoDB).

1. Every single-module after-fixture creates its tables on both servers, and its `# expect:` lines hold
   in the servers' own catalogs: foreign keys the tool indexed lead an index, columns it made NOT NULL
   reject an INSERT of NULL, prose columns are `text` and take 10,000 characters. A string the tool
   reports but leaves without a length (`no-length`) is an unbounded varchar on PostgreSQL, and its
   table is refused on MariaDB (SQLAlchemy: "VARCHAR requires a length on dialect mysql").
2. Orphans: for every parent relationship the tool gave `cascade="all, delete-orphan"`, a parent with two
   children is deleted through the ORM (`session.delete`) and in bulk (`session.execute(delete(Parent))`),
   on the before- and the after-fixture. The after-fixture leaves no child behind with `session.delete`;
   the before-fixture shows the flaw. Bulk deletes skip the ORM cascade: only the database's ON DELETE
   acts (rulebook §1). Every outcome is asserted exactly as observed, and tabulated in
   tests/bulk_delete_observations.md (`python tests/test_databases.py` rewrites it).

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
from modelcheck import check, expectations, import_path, metadatas, server_default_problem

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
    if kind == "server-default":  # a raw INSERT without the column stores the server default (SQF009)
        problem = server_default_problem(engine, tables, target)
        return [problem] if problem else []
    table_name, column = target.rsplit(".", 1) if "." in target else (target, None)
    kind = SERVER_DIFFERENCES.get((server, kind, target), kind)
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
