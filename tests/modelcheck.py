"""Import a model file and look at the schema it declares: tables, indexes, NOT NULL, types, cascades.

The assertions of the semantic tests are read from the fixtures themselves, from comment lines:

    # expect: indexed comments.post_id; not-null comments.post_id; text comments.content
    # expect: cascade User.posts; no-cascade Tag.posts; timestamps comments; no-timestamps post_tags
    # expect: one-index tasks.user_id; column users.date_joined; no-column users.created_at
    # expect: no-length tickets.code   (a String() left as is: MySQL/MariaDB cannot create its table)
    # expect: callable-default tokens.value; callable-onupdate posts.edited_at; scalar-default posts.seen_at
    # expect: insertable tasks:case_id=1,title=x   (a row the naive fix would make impossible)
    # expect: numeric orders.total; float places.latitude   (money exact, measures left as floats)
    # expect: unique profiles.user_id; not-unique votes.user_id   (one child per parent, or several: SQF014)
    # expect: convention users; no-convention notes; constraint-named users=uq_users_email   (SQF013)
    # expect: closes-sessions purge   (the function, called with no arguments, gives back every connection)

so that each fixture says, next to its models, what the fixed schema must be.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import configure_mappers

_counter = itertools.count()
EXPECT = re.compile(r"#\s*expect:\s*(?P<body>.*)$", re.MULTILINE)


def import_path(path: Path):
    name = f"_fixture_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def metadatas(module) -> list[sa.MetaData]:
    found: list[sa.MetaData] = []
    for value in vars(module).values():
        candidate = value if isinstance(value, sa.MetaData) else getattr(value, "metadata", None)
        if isinstance(candidate, sa.MetaData) and all(candidate is not m for m in found):
            found.append(candidate)
    return found


def load_schema(path: Path):
    """Import, configure the mappers, create every table on SQLite; return (module, tables by name)."""
    module = import_path(path)
    configure_mappers()
    engine = sa.create_engine("sqlite://")
    tables: dict[str, sa.Table] = {}
    for metadata in metadatas(module):
        metadata.create_all(engine)
        tables.update(metadata.tables)
    return module, tables, engine


def expectations(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    found = []
    for match in EXPECT.finditer(text):
        for clause in match.group("body").split(";"):
            words = clause.split()
            if words:
                found.extend((words[0], target) for target in words[1:])
    return found


def _column(tables, target: str) -> sa.Column:
    table, column = target.rsplit(".", 1)
    return tables[table].c[column]


def _leads_an_index(table: sa.Table, column: sa.Column) -> bool:
    leading = [list(index.columns)[:1] for index in table.indexes]
    leading += [list(c.columns)[:1] for c in table.constraints if isinstance(c, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))]
    return [column] in leading or column.unique or column.index


def _cascade(module, target: str):
    class_name, attribute = target.rsplit(".", 1)
    cls = getattr(module, class_name)
    return sa.inspect(cls).relationships[attribute].cascade


def check(kind: str, target: str, module, tables, engine) -> str | None:
    """None when the schema meets the expectation, else what is wrong."""
    if kind in ("indexed", "not-indexed"):
        column = _column(tables, target)
        # what the database really has, read back from SQLite's catalog
        inspector = sa.inspect(engine)
        table = column.table
        catalog = [i["column_names"][:1] for i in inspector.get_indexes(table.name)]
        catalog.append(inspector.get_pk_constraint(table.name)["constrained_columns"][:1])
        catalog += [u["column_names"][:1] for u in inspector.get_unique_constraints(table.name)]
        indexed = [column.name] in catalog
        if indexed != (kind == "indexed"):
            return f"{target}: expected {kind}, catalog has leading columns {catalog}"
    elif kind in ("not-null", "nullable"):
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns(target.rsplit(".", 1)[0])}
        if target.rsplit(".", 1)[1] not in columns:
            return f"{target}: no such column"
        nullable = columns[target.rsplit(".", 1)[1]]["nullable"]
        if nullable != (kind == "nullable"):
            return f"{target}: expected {kind}, database says nullable={nullable}"
    elif kind in ("text", "varchar"):
        column_type = _column(tables, target).type
        is_text = isinstance(column_type, sa.Text)
        if is_text != (kind == "text"):
            return f"{target}: expected {kind}, type is {column_type!r}"
    elif kind in ("numeric", "float"):  # money in Numeric(p, s) (SQF008), measures left in a float
        column_type = _column(tables, target).type
        exact = isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float)
        if exact != (kind == "numeric") or (kind == "float" and not isinstance(column_type, sa.Float)):
            return f"{target}: expected {kind}, type is {column_type!r}"
        if kind == "numeric":  # 0.1 + 0.2 goes in and 0.30 comes back, exactly
            column = _column(tables, target)
            with engine.connect() as connection, connection.begin() as transaction:
                from decimal import Decimal

                table = column.table
                values = {c.name: 1 for c in table.columns if not c.nullable and c.server_default is None
                          and c.default is None and not c.primary_key}
                values[column.name] = 0.1 + 0.2
                connection.execute(table.insert().values(**values))
                back = connection.execute(sa.select(column)).scalars().all()
                transaction.rollback()
            if back != [Decimal("0.30")]:
                return f"{target}: 0.1 + 0.2 read back as {back}"
    elif kind == "no-length":  # a VARCHAR left without a length (reported, not fixed): MySQL cannot create it
        column_type = _column(tables, target).type
        if not isinstance(column_type, sa.String) or isinstance(column_type, sa.Text) or column_type.length:
            return f"{target}: expected a VARCHAR without a length, type is {column_type!r}"
    elif kind in ("callable-default", "callable-onupdate", "scalar-default"):
        # a default evaluated per insert (a function) or once (a value, as a call at import leaves it)
        column = _column(tables, target)
        default = column.onupdate if kind == "callable-onupdate" else column.default
        if default is None or default.is_callable != (kind != "scalar-default"):
            return f"{target}: expected a {kind}, has {default!r}"
    elif kind in ("aware", "naive"):  # SQF010: DateTime(timezone=True), and its Python defaults make aware values
        column = _column(tables, target)
        if not isinstance(column.type, sa.DateTime) or bool(column.type.timezone) != (kind == "aware"):
            return f"{target}: expected an {kind} DateTime, type is {column.type!r}"
        for default in (column.default, column.onupdate) if kind == "aware" else ():
            if default is not None and default.is_callable:
                made = default.arg(None)
                if made.tzinfo is None:
                    return f"{target}: its aware column's Python default made {made!r}"
    elif kind == "server-default":  # `server-default flags.is_admin=false`: a raw INSERT without it stores that
        return server_default_problem(engine, tables, target)
    elif kind in ("cascade", "no-cascade"):
        cascade = _cascade(module, target)
        deletes = cascade.delete and cascade.delete_orphan
        if deletes != (kind == "cascade"):
            return f"{target}: expected {kind}, cascade is {set(cascade)}"
    elif kind in ("unique", "not-unique"):  # an identity (SQF011), a one-to-one's key (SQF014): a second row
        column = _column(tables, target)
        if unique_by_catalog(sa.inspect(engine), column.table.name, column.name) != (kind == "unique"):
            return f"{target}: expected {kind}"
        return duplicate_key_problem(engine, column.table, column.name, kind == "unique")
    elif kind in ("db-cascade", "orm-only-cascade"):  # SQF012: does the database delete the children too?
        relationship = sa.inspect(getattr(module, target.rsplit(".", 1)[0])).relationships[target.rsplit(".", 1)[1]]
        keys = [remote for _, remote in relationship.local_remote_pairs]
        in_database = all(any((fk.ondelete or "").upper() == "CASCADE" for fk in key.foreign_keys) for key in keys)
        if not relationship.cascade.delete:
            return f"{target}: expected a delete cascade, cascade is {set(relationship.cascade)}"
        if in_database != (kind == "db-cascade"):
            return (f"{target}: expected {kind}, passive_deletes={relationship.passive_deletes}, "
                    f"ondelete={[fk.ondelete for key in keys for fk in key.foreign_keys]}")
    elif kind == "ondelete-cascade":
        column = _column(tables, target)
        if not any((fk.ondelete or "").upper() == "CASCADE" for fk in column.foreign_keys):
            return f"{target}: expected ondelete=CASCADE"
    elif kind in ("timestamps", "no-timestamps"):
        table = tables[target]
        present = [name for name in ("created_at", "updated_at") if name in table.c]
        if kind == "no-timestamps":
            return f"{target}: expected no timestamps, has {present}" if present else None
        if len(present) != 2:
            return f"{target}: expected created_at and updated_at, has {present}"
        for name in present:
            column = table.c[name]
            if column.nullable or column.server_default is None:
                return f"{target}.{name}: expected NOT NULL with a server default"
    elif kind == "one-index":  # exactly one index leads with the column: no duplicate was added
        column = _column(tables, target)
        inspector = sa.inspect(engine)
        leading = [i["column_names"][:1] for i in inspector.get_indexes(column.table.name)]
        leading += [u["column_names"][:1] for u in inspector.get_unique_constraints(column.table.name)]
        leading.append(inspector.get_pk_constraint(column.table.name)["constrained_columns"][:1])
        if leading.count([column.name]) != 1:
            return f"{target}: expected exactly one index leading with it, catalog has {leading}"
    elif kind in ("column", "no-column"):
        table, name = target.rsplit(".", 1)
        if (name in tables[table].c) != (kind == "column"):
            return f"{target}: expected {kind}"
    elif kind in ("convention", "no-convention"):  # SQF013: SQLAlchemy's documented naming convention
        from sqla_fix.rules.sqf013_naming_convention import CONVENTION

        convention = dict(tables[target].metadata.naming_convention)
        has = all(convention.get(key) == value for key, value in CONVENTION)
        if has != (kind == "convention"):
            return f"{target}: expected {kind}, metadata has {convention}"
    elif kind == "constraint-named":  # `users=uq_users_email`: the created table has a constraint so named
        table, name = target.split("=", 1)
        inspector = sa.inspect(engine)
        names = [inspector.get_pk_constraint(table).get("name")]
        names += [u["name"] for u in inspector.get_unique_constraints(table)]
        names += [f["name"] for f in inspector.get_foreign_keys(table)]
        names += [c["name"] for c in inspector.get_check_constraints(table)]
        if name not in names:
            return f"{target}: no constraint so named, the catalog has {names}"
    elif kind == "closes-sessions":
        return sessions_left_open(getattr(module, target), target)
    elif kind == "insertable":  # `insertable tasks:case_id=1,title=x`: such a row can be saved
        table, _, assignments = target.partition(":")
        values = dict(item.split("=", 1) for item in assignments.split(",") if item)
        try:
            with engine.begin() as connection:  # SQLite without PRAGMA foreign_keys: keys need no parents
                connection.execute(tables[table].insert().values(**values))
        except sa.exc.DBAPIError as error:
            return f"{target}: expected the row to be insertable, got {error.orig!r}"
    else:
        return f"unknown expectation {kind!r}"
    return None


def unique_by_catalog(inspector, table: str, column: str) -> bool:
    """A unique constraint, unique index or primary key of the table, read back from the catalog, whose
    columns are all `column`: its values are unique."""
    sets = [u["column_names"] for u in inspector.get_unique_constraints(table)]
    sets += [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
    sets.append(inspector.get_pk_constraint(table)["constrained_columns"])
    return any(columns and set(columns) <= {column} for columns in sets)


def duplicate_key_problem(engine: sa.Engine, table: sa.Table, column: str, unique: bool) -> str | None:
    """Two rows with one value of `column` (two children of one parent): refused where it is unique,
    accepted where not; two rows with NULL are accepted either way, where the column is nullable."""
    from dbservers import describe_error, insert_row, row_values

    target = f"{table.name}.{column}"
    with engine.connect() as connection, connection.begin() as transaction:
        try:
            key = next(iter(table.c[column].foreign_keys), None)
            if key is not None and key.column.table is table:  # self-referencing: a row to point at first
                anchor = insert_row(connection, table, values=row_values(connection, table, skip={column}))
                first = row_values(connection, table, skip={column})
                first[column] = anchor[key.column.name]
                connection.execute(table.insert().values(first))
            else:
                first = insert_row(connection, table, fill={column})
            # the columns of the key's foreign key, all of them for a composite one: the same parent
            together = next(([e.parent.name for e in c.elements] for c in table.foreign_key_constraints
                             if column in [e.parent.name for e in c.elements]), [column])
            second = row_values(connection, table, skip=set(together))
            second.update({name: first[name] for name in together})
            try:
                with connection.begin_nested():
                    connection.execute(table.insert().values(second))
                error = None
            except sa.exc.DBAPIError as exc:
                error = describe_error(exc)
            if unique and (error is None or error[0] != "unique"):
                return f"{target}: a second row with the same key gave {error or 'no error'}"
            if not unique and error is not None:
                return f"{target}: a second row with the same key was refused: {error}"
            if table.c[column].nullable:
                for _ in range(2):
                    values = row_values(connection, table, skip={column})
                    values[column] = None
                    try:
                        with connection.begin_nested():
                            connection.execute(table.insert().values(values))
                    except sa.exc.DBAPIError as exc:
                        return f"{target}: rows with a NULL key were refused: {describe_error(exc)}"
        finally:
            transaction.rollback()
    return None


def sessions_left_open(function, target: str) -> str | None:
    """`closes-sessions purge`: `purge()` of the fixed module gives back to the pool every connection it took,
    when it returns and with the garbage collector off (a session left open holds its connection until the
    collector finds it: SQF015). Counted by the pool's own events, on every engine the function's module sees."""
    import gc

    engines = [value for value in function.__globals__.values() if isinstance(value, sa.Engine)]
    if not engines:
        return f"{target}: its module has no engine to watch"
    out = [0]

    def checkout(*_):
        out[0] += 1

    def checkin(*_):
        out[0] -= 1

    for engine in engines:
        sa.event.listen(engine.pool, "checkout", checkout)
        sa.event.listen(engine.pool, "checkin", checkin)
    collecting = gc.isenabled()
    gc.disable()
    try:
        function()
        left = out[0]
    finally:
        for engine in engines:
            sa.event.remove(engine.pool, "checkout", checkout)
            sa.event.remove(engine.pool, "checkin", checkin)
        if collecting:
            gc.enable()
        gc.collect()
    return None if left == 0 else f"{target}: {left} connection(s) still checked out after it returned"


def server_default_problem(engine: sa.Engine, tables, target: str) -> str | None:
    """`flags.is_admin=false`: a raw SQL INSERT that gives only the primary key (as another client does, with
    no Python default) stores that value in the column: the server default is there and says it (SQF009)."""
    name, wanted = target.split("=", 1)
    table = _column(tables, name).table
    preparer = engine.dialect.identifier_preparer
    keys = [column.name for column in table.primary_key.columns]
    insert = (f"INSERT INTO {preparer.format_table(table)} ({', '.join(preparer.quote(k) for k in keys)}) "
              f"VALUES ({', '.join('1' for _ in keys)})")
    column = preparer.quote(name.rsplit(".", 1)[1])
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(sa.text(insert))
            stored = connection.execute(sa.text(f"SELECT {column} FROM {preparer.format_table(table)}")).scalar_one()
        except sa.exc.DBAPIError as error:
            return f"{target}: a raw INSERT without it failed: {error.orig!r}"
        finally:
            transaction.rollback()
    expected = {"false": False, "true": True}.get(wanted, None)
    matches = (bool(stored) is expected and stored in (0, 1)) if expected is not None else stored == int(wanted)
    return None if matches else f"{target}: a raw INSERT without it stored {stored!r}"


def check_project(project: Path) -> list[str]:
    """Import every module of a fixture project (with the project on sys.path, as its users run it),
    configure, create all tables on SQLite, and check the `# expect:` lines of all its files."""
    import importlib

    from sqla_fix.migrations import imports_alembic, in_versions_directory

    sys.path.insert(0, str(project))
    modules = []
    # Alembic's env.py and revisions run only inside an alembic command: not models to import
    model_files = [
        path for path in sorted(project.rglob("*.py"))
        if not in_versions_directory(path) and not imports_alembic(path.read_bytes())
    ]
    for path in model_files:
        parts = list(path.relative_to(project).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(importlib.import_module(".".join(parts)))
    configure_mappers()
    engine = sa.create_engine("sqlite://")
    tables: dict[str, sa.Table] = {}
    found: list[sa.MetaData] = []
    for module in modules:
        for metadata in metadatas(module):
            if all(metadata is not m for m in found):
                found.append(metadata)
    for metadata in found:
        metadata.create_all(engine)
        tables.update(metadata.tables)

    class Classes:  # what `Class.relationship` targets are looked up in
        def __getattr__(self, name):
            for module in modules:
                if hasattr(module, name):
                    return getattr(module, name)
            raise AttributeError(name)

    problems = []
    wanted = [e for path in model_files for e in expectations(path)]
    if not wanted:
        problems.append("no # expect: lines")
    for kind, target in wanted:
        problem = check(kind, target, Classes(), tables, engine)
        if problem:
            problems.append(problem)
    return problems


if __name__ == "__main__":  # python tests/modelcheck.py PROJECT_DIR: a fresh interpreter per project
    import json

    print(json.dumps(check_project(Path(sys.argv[1]))))
