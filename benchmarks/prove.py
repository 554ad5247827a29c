"""Prove sqla-fix on a real database: the seed lesson's blog, before and after the fix, in PostgreSQL.

The "before" models are benchmarks/blog_before.py, the seed lesson's blog as an assistant writes it
(typed: `Mapped[int] = mapped_column(ForeignKey(...))`), and benchmarks/blog_before_classic.py, the same
blog in the classic `Column(Integer, ForeignKey(...))` style. The "after" models are not written by hand:
this script runs sqla-fix on each before file when it starts and imports what the tool produced. For each schema and each number of comments it creates a fresh PostgreSQL schema,
creates the tables from the models' metadata, loads the rows server-side (INSERT ... SELECT
generate_series), runs ANALYZE and measures:

  comments of one post   SELECT comments.* FROM comments WHERE post_id = :id
                         the EXPLAIN plan (top node, then its first child, ...) and the median time of
                         --repeat executions, each for another post
  delete an author       session.delete(user); session.flush() through the ORM, for --repeat authors,
                         each in its own transaction, rolled back afterwards so every run sees the same
                         data; the median time (or the error), and the orphans left by the first author:
                         posts whose author is gone or NULL / comments whose post or user is gone or
                         NULL, or whose post is such an orphan
  delete a commenter     the same for users who commented on other people's posts and wrote no posts

Data shape at N comments: 1,000 users (500 authors, 500 commenters), N/10 posts spread round-robin over
the authors, and N comments, each on a random post by a random commenter (seeded, so both schemas get
the same rows).

    python benchmarks/prove.py                       # 1,000 / 10,000 / 100,000 / 1,000,000 comments
    python benchmarks/prove.py --sizes 1000,10000 --repeat 5 --models typed --markdown

Why two styles: in SQLAlchemy 2.x `Mapped[int]` already makes a column NOT NULL, so the typed seed's keys
are NOT NULL in the database and the ORM's delete fails instead of orphaning; the classic style's keys are
nullable, and there the same delete succeeds and leaves orphans.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from sqla_fix.config import Config
from sqla_fix.engine import process_source

VARIANTS = {"typed": HERE / "blog_before.py", "classic": HERE / "blog_before_classic.py"}
DEFAULT_DSN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_SIZES = "1000,10000,100000,1000000"
USERS = 1000
AUTHORS = USERS // 2  # users 1..500 write posts; 501..1000 write comments
COMMENTS_PER_POST = 10
SEED = 0.42

LOAD = [
    "SELECT setseed(:seed)",
    """INSERT INTO users (id, email, name, bio, is_active, created_at)
       SELECT g, 'user' || g || '@example.com', 'User ' || g, NULL, true, now()
       FROM generate_series(1, :users) AS g""",
    """INSERT INTO posts (id, title, content, user_id)
       SELECT g, 'Post ' || g, 'The body of post ' || g, 1 + (g - 1) % :authors
       FROM generate_series(1, :posts) AS g""",
    """INSERT INTO comments (id, content, post_id, user_id)
       SELECT g, 'Comment ' || g, 1 + floor(random() * :posts)::int,
              :authors + 1 + floor(random() * (:users - :authors))::int
       FROM generate_series(1, :comments) AS g""",
]

ORPHANS = text("""
    WITH orphan_posts AS (
        SELECT p.id FROM posts AS p LEFT JOIN users AS u ON u.id = p.user_id WHERE u.id IS NULL
    )
    SELECT (SELECT count(*) FROM orphan_posts),
           (SELECT count(*) FROM comments AS c
                LEFT JOIN posts AS p ON p.id = c.post_id
                LEFT JOIN users AS u ON u.id = c.user_id
            WHERE p.id IS NULL OR u.id IS NULL OR c.post_id IN (SELECT id FROM orphan_posts))
""")


def fix_before_models(before: Path, after: Path) -> None:
    """Run sqla-fix on a before file; write what it makes of it to `after`."""
    source = before.read_bytes()
    result = process_source(before, source, Config())
    if result.error or not result.changed:
        sys.exit(f"sqla-fix did not fix {before}: {result.error or 'nothing changed'}")
    fixed = Counter(finding.code for finding in result.fixed)
    print(f"sqla-fix on {before.name}: fixed "
          + ", ".join(f"{count} {code}" for code, count in sorted(fixed.items())), file=sys.stderr)
    for finding in result.remaining:
        print(f"  remaining: {finding}", file=sys.stderr)
    after.write_bytes(result.fixed_source)


def import_models(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def plan_of(node: dict) -> str:
    """`Gather > Parallel Seq Scan`, `Bitmap Heap Scan > Bitmap Index Scan`, `Index Scan`."""
    names = []
    while node:
        names.append(("Parallel " if node.get("Parallel Aware") else "") + node["Node Type"])
        node = (node.get("Plans") or [None])[0]
    return " > ".join(names)


def error_name(error: DBAPIError) -> str:
    return type(error.orig).__name__ if error.orig is not None else type(error).__name__


def measure(variant: str, label: str, models: ModuleType, size: int, dsn: str, repeat: int) -> dict:
    schema = f"sqla_fix_prove_{variant}_{label}_{size}"
    admin = create_engine(dsn)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_engine(dsn, connect_args={"options": f"-c search_path={schema}"})
    posts = max(1, size // COMMENTS_PER_POST)
    row = {"models": variant, "schema": label, "comments": size, "posts": posts}
    try:
        models.Base.metadata.create_all(engine)
        started = time.perf_counter()
        with engine.begin() as connection:
            parameters = {"seed": SEED, "users": USERS, "authors": AUTHORS, "posts": posts, "comments": size}
            for statement in LOAD:
                connection.execute(text(statement), parameters)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        row["load_s"] = time.perf_counter() - started

        # Comments of one post.
        Comment = models.Comment
        chooser = random.Random(size)
        post_ids = [chooser.randint(1, posts) for _ in range(repeat)]
        with engine.connect() as connection:
            query = select(Comment.__table__).where(Comment.post_id == post_ids[0])
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar_one()
            row["plan"] = plan_of(explained[0]["Plan"])
            connection.execute(select(Comment.__table__).where(Comment.post_id == post_ids[-1])).all()  # warm up
            timings = []
            for post_id in post_ids:
                started = time.perf_counter()
                connection.execute(select(Comment.__table__).where(Comment.post_id == post_id)).all()
                timings.append(time.perf_counter() - started)
        row["query_ms"] = statistics.median(timings) * 1000

        # Delete a user through the ORM: authors (posts, comments under them), then commenters.
        authors = sorted({1 + (i * min(AUTHORS, posts)) // repeat for i in range(repeat)})
        commenters = [AUTHORS + 1 + (i * (USERS - AUTHORS)) // repeat for i in range(repeat)]
        row["delete_author"], orphans = delete_users(engine, models.User, authors, count_orphans=True)
        row["orphan_posts"], row["orphan_comments"] = orphans
        row["delete_commenter"], _ = delete_users(engine, models.User, commenters, count_orphans=False)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()
    return row


def delete_users(engine, User, user_ids: list[int], count_orphans: bool) -> tuple[str, tuple[int, int]]:
    """`median ms` or `Error (median ms)`, and the orphans left by the first user's delete."""
    timings, errors, orphans = [], Counter(), None
    for user_id in user_ids:
        with Session(engine) as session:
            user = session.get(User, user_id)
            started = time.perf_counter()
            try:
                session.delete(user)
                session.flush()
            except DBAPIError as error:
                timings.append(time.perf_counter() - started)
                errors[error_name(error)] += 1
                session.rollback()
                if orphans is None:
                    orphans = (0, 0)  # the transaction is rolled back: nothing was deleted
                continue
            timings.append(time.perf_counter() - started)
            if count_orphans and orphans is None:
                orphans = tuple(session.execute(ORPHANS).one())
            session.rollback()
    median = f"{statistics.median(timings) * 1000:.1f} ms"
    if errors:
        failed = ", ".join(f"{name}" + (f" {count}/{len(user_ids)}" if count < len(user_ids) else "")
                           for name, count in errors.items())
        return f"{failed} ({median})", orphans or (0, 0)
    return median, orphans or (0, 0)


COLUMNS = [
    ("models", "models"),
    ("schema", "schema"),
    ("comments", "comments"),
    ("plan", "comments of one post: plan"),
    ("query_ms", "median ms"),
    ("delete_author", "delete an author"),
    ("orphans", "orphans (posts / comments)"),
    ("delete_commenter", "delete a commenter"),
]


def cells(row: dict) -> list[str]:
    values = dict(row)
    values["comments"] = f"{row['comments']:,}"
    values["query_ms"] = f"{row['query_ms']:.2f}"
    values["orphans"] = f"{row['orphan_posts']:,} / {row['orphan_comments']:,}"
    return [str(values[key]) for key, _ in COLUMNS]


def render(rows: list[dict], markdown: bool) -> str:
    headers = [title for _, title in COLUMNS]
    body = [cells(row) for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(line) + " |" for line in body]
        return "\n".join(lines)
    widths = [max(len(line[i]) for line in [headers, *body]) for i in range(len(headers))]
    numeric = {2, 4}
    def fmt(line):
        return "  ".join(v.rjust(w) if i in numeric else v.ljust(w) for i, (v, w) in enumerate(zip(line, widths))).rstrip()
    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths), *map(fmt, body)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Load the seed blog schema before and after sqla-fix into PostgreSQL and measure "
                    "comments-of-one-post (plan, median time) and delete-a-user (time or error, orphans).",
    )
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help=f"comma-separated numbers of comments (default {DEFAULT_SIZES})")
    parser.add_argument("--repeat", type=int, default=11,
                        help="timed runs per measurement; the median is reported (default 11)")
    parser.add_argument("--dsn", default=DEFAULT_DSN, help=f"SQLAlchemy URL (default {DEFAULT_DSN})")
    parser.add_argument("--models", default=",".join(VARIANTS),
                        help="comma-separated model styles: typed (the seed lesson's blog), classic "
                             "(the same blog with Column()); default both")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args(argv)
    try:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error(f"--sizes: not a list of integers: {args.sizes}")
    variants = [name.strip() for name in args.models.split(",") if name.strip()]
    if not variants or any(name not in VARIANTS for name in variants):
        parser.error(f"--models: choose from {', '.join(VARIANTS)}")
    if not sizes or min(sizes) < COMMENTS_PER_POST or args.repeat < 1:
        parser.error(f"--sizes must be at least {COMMENTS_PER_POST}, --repeat at least 1")

    # psycopg warns when SQLAlchemy's pipelined executemany is cut short by the IntegrityError we expect.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sqla-fix-prove-") as directory:
        schemas = []
        for variant in variants:
            after = Path(directory, f"blog_after_{variant}.py")
            fix_before_models(VARIANTS[variant], after)
            schemas.append((variant, "before", import_models(VARIANTS[variant], f"blog_before_{variant}")))
            schemas.append((variant, "after", import_models(after, f"blog_after_{variant}")))
        with create_engine(args.dsn).connect() as connection:
            server = connection.exec_driver_sql("SHOW server_version").scalar_one()
        print(f"PostgreSQL {server}, Python {platform.python_version()}; {USERS:,} users "
              f"({AUTHORS} authors, {USERS - AUTHORS} commenters), comments/{COMMENTS_PER_POST} posts; "
              f"median of {args.repeat}", file=sys.stderr)
        rows = []
        for variant in variants:
            for size in sizes:
                for label, models in [(label, models) for v, label, models in schemas if v == variant]:
                    row = measure(variant, label, models, size, args.dsn, args.repeat)
                    print(f"  {variant:7} {label:6} {size:>9,} comments: loaded in {row['load_s']:.1f} s",
                          file=sys.stderr)
                    rows.append(row)
    print(render(rows, args.markdown))
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
