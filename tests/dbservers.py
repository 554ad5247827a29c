"""PostgreSQL and MariaDB for the database tests: reachability, scratch schemas, rows, catalogs, outcomes.

A server that does not answer skips its tests, or fails them when SQLA_FIX_REQUIRE_DATABASES=1 (CI).
Each test works in a scratch namespace of its own, `sqlafix_<random>`, dropped afterwards: a PostgreSQL
schema (selected by `search_path`) or a MariaDB database (utf8mb4, InnoDB).

Run as a script, it plays the orphan scenario of a multi-file fixture project in a fresh interpreter
(a project's packages and SQLModel's global metadata cannot be imported twice in one process).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import re
import secrets
import sys
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}
SERVERS = list(URLS)
REQUIRE_ENV = "SQLA_FIX_REQUIRE_DATABASES"
TEXT_VALUE = ("Prose, written by a user: déjà vu, 10 € and more. " * 200)[:10_000]
assert len(TEXT_VALUE) == 10_000

_probed: dict[str, str | None] = {}


def unavailable(server: str) -> str | None:
    """Why the server cannot be used (None when it answers). Probed once per process."""
    if server not in _probed:
        engine = sa.create_engine(URLS[server], poolclass=NullPool, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            _probed[server] = None
        except Exception as exc:  # any reason at all: refused, timeout, auth, missing driver
            _probed[server] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        finally:
            engine.dispose()
    return _probed[server]


def require(server: str) -> None:
    """Skip (or, with SQLA_FIX_REQUIRE_DATABASES=1, fail) the calling test when the server does not answer."""
    import pytest

    reason = unavailable(server)
    if reason is None:
        return
    message = f"{server} does not answer at {URLS[server]} ({reason})"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")


def engine_for(server: str, namespace: str) -> sa.Engine:
    """An engine whose unqualified table names live in the scratch namespace."""
    if server == "postgresql":
        return sa.create_engine(URLS[server], connect_args={"options": f"-c search_path={namespace}"})
    return sa.create_engine(URLS[server].rsplit("/", 1)[0] + f"/{namespace}?charset=utf8mb4")


@contextlib.contextmanager
def scratch(server: str) -> Iterator[sa.Engine]:
    """A fresh `sqlafix_<random>` schema (PostgreSQL) or database (MariaDB), dropped on exit."""
    namespace = f"sqlafix_{secrets.token_hex(5)}"
    admin = sa.create_engine(URLS[server], poolclass=NullPool, isolation_level="AUTOCOMMIT")
    if server == "postgresql":
        create = f"CREATE SCHEMA {namespace}"
        drop = ["SET lock_timeout = '10s'", f"DROP SCHEMA IF EXISTS {namespace} CASCADE"]
    else:
        create = f"CREATE DATABASE {namespace} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        drop = ["SET SESSION lock_wait_timeout = 10", f"DROP DATABASE IF EXISTS {namespace}"]
    with admin.connect() as conn:
        conn.exec_driver_sql(create)
    engine = engine_for(server, namespace)
    engine.namespace = namespace  # for a subprocess that builds its own engine
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            for statement in drop:
                conn.exec_driver_sql(statement)
        admin.dispose()


# ---------------------------------------------------------------- rows that satisfy every constraint

_serial = itertools.count(1)


def dummy_value(column: sa.Column):
    """A valid value for the column's type; distinct each call, so unique columns stay unique."""
    n = next(_serial)
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):  # SQLModel's AutoString, a String underneath
        column_type = column_type.impl_instance
    if isinstance(column_type, sa.Enum) and column_type.enums:
        return column_type.enums[0]
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = str
    if python_type is bool:
        return False
    if python_type is int:
        return n
    if python_type in (float, Decimal):
        return python_type(n)
    if python_type is str:
        text, length = f"v{n:x}", getattr(column_type, "length", None)
        return text[-length:] if length else text
    if python_type is datetime:
        return datetime(2024, 1, 2, 3, 4, 5)
    if python_type is date:
        return date(2024, 1, 2)
    if python_type is time:
        return time(3, 4, 5)
    if python_type is timedelta:
        return timedelta(days=1)
    if python_type is bytes:
        return b"x"
    if python_type is uuid.UUID:
        return uuid.uuid4()
    if python_type in (dict, list):
        return python_type()
    raise TypeError(f"no dummy value for {column.table.name}.{column.name}: {column_type!r}")


def needs_value(column: sa.Column) -> bool:
    """An INSERT that leaves the column out fails: NOT NULL (or in the key) with no default of any kind."""
    if column is column.table.autoincrement_column:
        return False
    if column.server_default is not None or column.default is not None:
        return False
    return column.primary_key or not column.nullable


def row_values(conn, table: sa.Table, skip=(), fill=()) -> dict[str, object]:
    """Values for one new row of `table` (by column name), inserting the rows its required foreign keys
    point to first. Columns named in `skip` are left out; those in `fill` get a value even if optional."""
    values: dict[str, object] = {}
    for constraint in table.foreign_key_constraints:
        pairs = [(element.parent, element.column) for element in constraint.elements]
        if any(local.name in skip for local, _ in pairs):
            continue
        if not any(needs_value(local) or local.name in fill for local, _ in pairs):
            continue
        if constraint.referred_table is table:
            raise ValueError(f"{table.name}: a required key to its own table cannot be filled")
        parent = insert_row(conn, constraint.referred_table, fill={remote.name for _, remote in pairs})
        for local, remote in pairs:
            values[local.name] = parent[remote.name]
    for column in table.columns:
        if column.name in values or column.name in skip:
            continue
        if needs_value(column) or (column.name in fill and column is not table.autoincrement_column):
            values[column.name] = dummy_value(column)
    return values


def insert_row(conn, table: sa.Table, values=None, fill=()) -> dict[str, object]:
    """Insert one valid row (Core); return its values by column name, keys included."""
    values = row_values(conn, table, fill=fill) if values is None else values
    result = conn.execute(table.insert().values(values))
    row = dict(values)
    row.update(zip((c.name for c in table.primary_key.columns), result.inserted_primary_key))
    return row


def attribute_values(mapper, values: dict[str, object]) -> dict[str, object]:
    """Column-name values as constructor keywords (attribute names can differ from column names)."""
    table = mapper.local_table
    return {mapper.get_property_by_column(table.c[name]).key: value for name, value in values.items()}


# ---------------------------------------------------------------- what the database says

def describe_error(exc: BaseException) -> tuple[str, str | None]:
    """('not-null', column) | ('foreign-key', None) | ('unique', constraint) | ('other', message) from a DBAPI
    error."""
    orig = getattr(exc, "orig", exc)
    if hasattr(orig, "diag"):  # psycopg
        sqlstate = orig.sqlstate
        if sqlstate == "23502":
            return "not-null", orig.diag.column_name
        if sqlstate == "23503":
            return "foreign-key", None
        if sqlstate == "23505":  # duplicate key value violates unique constraint
            return "unique", orig.diag.constraint_name
        return "other", f"{sqlstate} {orig}"
    code = orig.args[0] if getattr(orig, "args", None) else None
    message = str(orig.args[1]) if len(getattr(orig, "args", ())) > 1 else str(orig)
    if isinstance(code, str) and code.startswith("UNIQUE constraint failed"):  # SQLite
        return "unique", code.split(": ", 1)[-1]
    if code == 1048:  # Column 'x' cannot be null
        return "not-null", message.split("'")[1]
    if code in (1451, 1452):  # Cannot delete or update a parent row / add a child row: FK fails
        return "foreign-key", None
    if code == 1062:  # Duplicate entry 'x' for key 'k'
        return "unique", message.rsplit("'", 2)[-2]
    return "other", f"{code} {message}"


def leading_index_columns(conn, server: str, table: str) -> dict[str, str]:
    """Index name -> first column, for every index of the table (primary key and unique constraints
    included), from the server's own catalog: pg_index + pg_attribute, or information_schema.statistics."""
    if server == "postgresql":
        query = """
            SELECT i.indexrelid::regclass::text, a.attname FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            WHERE n.nspname = current_schema() AND c.relname = :t"""
    else:
        query = """
            SELECT index_name, column_name FROM information_schema.statistics
            WHERE table_schema = DATABASE() AND table_name = :t AND seq_in_index = 1"""
    return dict(conn.execute(sa.text(query), {"t": table}).all())


def declared_index_names(table: sa.Table) -> set[str]:
    """The MariaDB names of the indexes the model declares: the primary key, `Index`es (`index=True`) and
    unique constraints (unnamed ones are named after their first column). InnoDB's own index for a
    foreign key that has none is not among them."""
    names = {"PRIMARY"} | {index.name for index in table.indexes}
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.columns:
            names.add(constraint.name if isinstance(constraint.name, str) else list(constraint.columns)[0].name)
    return names


def catalog_column(conn, table: str, column: str) -> tuple[str, bool] | None:
    """(data_type, nullable) from information_schema.columns, which both servers have; None if absent."""
    current = "current_schema()" if conn.dialect.name == "postgresql" else "DATABASE()"
    row = conn.execute(
        sa.text(f"SELECT data_type, is_nullable FROM information_schema.columns "
                f"WHERE table_schema = {current} AND table_name = :t AND column_name = :c"),
        {"t": table, "c": column},
    ).one_or_none()
    return None if row is None else (row[0].lower(), row[1] == "YES")


def mysql_portability(conn) -> list[str]:
    """What MariaDB accepts but MySQL rejects (rulebook §4): an index over a TEXT column (MariaDB silently
    takes a prefix or a hash; MySQL needs a prefix length, error 1170) and a literal default on TEXT."""
    indexed = conn.execute(sa.text("""
        SELECT s.table_name, s.index_name, s.column_name FROM information_schema.statistics s
        JOIN information_schema.columns c USING (table_schema, table_name, column_name)
        WHERE s.table_schema = DATABASE() AND c.data_type LIKE '%text'""")).all()
    defaults = conn.execute(sa.text("""
        SELECT table_name, column_name, column_default FROM information_schema.columns
        WHERE table_schema = DATABASE() AND data_type LIKE '%text' AND column_default <> 'NULL'""")).all()
    return [f"TEXT column in index {i}: {t}.{c}" for t, i, c in indexed] + [
        f"TEXT column with default {d}: {t}.{c}" for t, c, d in defaults]


def storage_engines(conn) -> dict[str, str]:
    return dict(conn.execute(sa.text(
        "SELECT table_name, engine FROM information_schema.tables WHERE table_schema = DATABASE()")).all())


# ---------------------------------------------------------------- the orphan scenario

OPERATIONS = ("session.delete", "bulk delete")


def _count(conn, table: sa.Table, where=None) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    return conn.execute(query if where is None else query.where(where)).scalar_one()


def _clear(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Empty every table of the metadata, foreign-key checks off (tables may form a cycle)."""
    off, on = (("SET session_replication_role = replica", "SET session_replication_role = DEFAULT")
               if engine.dialect.name == "postgresql" else ("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"))
    with engine.begin() as conn:
        conn.exec_driver_sql(off)
        for table in metadata.tables.values():
            conn.execute(table.delete())
        conn.exec_driver_sql(on)


def orphan_outcome(engine: sa.Engine, parent_class, relationship: str, operation: str, children: int = 2) -> str:
    """Create a parent and `children` children through the ORM, delete the parent by `operation`
    (`session.delete(parent)` or `session.execute(delete(Parent))`), commit; say what happened."""
    parent_mapper = sa.inspect(parent_class)
    rel = parent_mapper.relationships[relationship]
    child_mapper = rel.mapper
    child_table = child_mapper.local_table
    keys = [(local, remote) for local, remote in rel.local_remote_pairs]
    assert all(remote.table is child_table for _, remote in keys), f"{relationship}: not one-to-many"
    metadata = parent_mapper.local_table.metadata
    _clear(engine, metadata)

    with Session(engine) as session:
        conn = session.connection()
        parent_values = row_values(conn, parent_mapper.local_table, fill={local.name for local, _ in keys})
        parent = parent_class(**attribute_values(parent_mapper, parent_values))
        session.add(parent)
        session.flush()
        if not rel.uselist:  # a one-to-one's parent side (SQF012): one child, set as the attribute
            children = 1
            add = functools.partial(setattr, parent, relationship)
        else:
            collection = getattr(parent, relationship)
            add = getattr(collection, "append", None) or collection.add  # list, dynamic / write-only, set
        for _ in range(children):
            child_values = row_values(conn, child_table, skip={remote.name for _, remote in keys})
            add(child_mapper.class_(**attribute_values(child_mapper, child_values)))
        session.commit()
        identity = sa.inspect(parent).identity
    assert _count_children(engine, child_table) == children

    error = None
    with Session(engine) as session:
        try:
            if operation == "session.delete":
                session.delete(session.get(parent_class, identity))
            else:
                session.execute(sa.delete(parent_class))
            session.commit()
        except sa.exc.DBAPIError as exc:
            session.rollback()
            kind, detail = describe_error(exc)
            error = {"not-null": "IntegrityError: NOT NULL (the ORM set the key to NULL)",
                     "foreign-key": "IntegrityError: foreign key violation"}.get(kind, f"{type(exc).__name__}: {detail}")
        except sa.exc.InvalidRequestError as exc:
            session.rollback()
            unloadable = re.match(r"Attribute (\S+) can't load the existing state", str(exc))
            error = "InvalidRequestError: " + (f"{unloadable[1]} (write-only) cannot be loaded"
                                               if unloadable else str(exc).splitlines()[0])

    with engine.connect() as conn:
        left = _count(conn, child_table)
        parents = _count(conn, parent_mapper.local_table)
        key_null = sa.or_(*[remote.is_(None) for _, remote in keys])
        null = _count(conn, child_table, key_null)
        matching = sa.and_(*[local == remote for local, remote in keys])
        dangling = _count(conn, child_table, sa.and_(sa.not_(key_null), ~sa.exists().where(matching)))

    if error:
        assert left == children, f"{error}, yet {left} of {children} children left"
        return error
    if left == 0:
        return "children deleted" + (" by the database (ON DELETE CASCADE)" if operation == "bulk delete" else "")
    parts = [f"{null} orphans (key set NULL)" if null else "", f"{dangling} dangling (key to a deleted row)" if dangling else ""]
    described = ", ".join(p for p in parts if p) or f"{left} children kept, parent {'kept' if parents else 'deleted'}"
    return f"no error, {described}"


def _count_children(engine, child_table) -> int:
    with engine.connect() as conn:
        return _count(conn, child_table)


# ---------------------------------------------------------------- a project, in its own interpreter

def _project_main(argv: list[str]) -> None:
    """dbservers.py PROJECT_DIR SERVER NAMESPACE Class.rel...: import every module of the project,
    create its tables in the namespace and print {"Class.rel": {operation: outcome}} as JSON."""
    import importlib
    from pathlib import Path

    from sqlalchemy.orm import configure_mappers

    project, server, namespace, targets = Path(argv[0]), argv[1], argv[2], argv[3:]
    sys.path.insert(0, str(project))
    modules = []
    for path in sorted(project.rglob("*.py")):
        parts = list(path.relative_to(project).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(importlib.import_module(".".join(parts)))
    configure_mappers()
    engine = engine_for(server, namespace)
    done = []
    for module in modules:
        for value in vars(module).values():
            metadata = value if isinstance(value, sa.MetaData) else getattr(value, "metadata", None)
            if isinstance(metadata, sa.MetaData) and all(metadata is not m for m in done):
                metadata.create_all(engine)
                done.append(metadata)
    results = {}
    for target in targets:
        class_name, relationship = target.rsplit(".", 1)
        [cls] = {id(getattr(m, class_name)): getattr(m, class_name) for m in modules if hasattr(m, class_name)}.values()
        results[target] = {op: orphan_outcome(engine, cls, relationship, op) for op in OPERATIONS}
    engine.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    _project_main(sys.argv[1:])
