"""SQF015 a session opened and never closed; a module-level session shared by all.

A ``Session`` holds a pooled connection from its first query until it is closed (or committed and not
used again), and with it an open transaction: its row locks, and on PostgreSQL a snapshot that keeps
``VACUUM`` from removing dead rows (the connection sits "idle in transaction"). ``db = SessionLocal()``
in a function that never calls ``db.close()`` gives the connection back only when the garbage collector
finds the session, which is not when the function returns: a Session and its transaction refer to each
other, so reference counting never frees them; the cycle collector does, some time later. Observed here
with SQLAlchemy 2.1.9 on PostgreSQL 15 (psycopg 3), MariaDB 10.11 (PyMySQL) and SQLite, the collector
off as between two of its runs: after a function that ran one query and returned without closing,
``engine.pool.checkedout()`` was 1, and PostgreSQL's ``pg_stat_activity`` showed that connection
``idle in transaction``; it went back to the pool only at ``gc.collect()``. With a pool of 2 and no
overflow, the third call of such a function waited ``pool_timeout`` and raised ``TimeoutError: QueuePool
limit of size 2 overflow 0 reached``. The same function with ``with SessionLocal() as db:`` left
``checkedout() == 0`` after every call (tests/test_databases.py ``test_session_leak_on_server``; the
fixtures' ``# expect: closes-sessions`` play the fixed functions on SQLite, and fail on the unfixed ones).

Fix (safe), where the shape is simple: ``db = SessionLocal()`` (a ``sessionmaker`` of the project,
resolved through imports, or ``Session(engine)`` of SQLAlchemy or SQLModel), a statement of the function
body itself, becomes ``with SessionLocal() as db:`` over the rest of the body: the session is closed when
the function ends, on an exception too. Nothing else changes: a closed Session rolls back what was not
committed, as the pool does when the collected session's connection comes back (``reset_on_return``);
closing does not expire the objects' loaded attributes; a closed Session can be used again (2.x's
``close_resets_only``); and what the function does inside is unchanged. The shape is simple when nothing
the session loaded can be used after the function: the function returns no value and yields none,
declares no ``global``/``nonlocal``, assigns nothing to an attribute or item of an object it did not make
here (``self.user = ...``, a parameter's), calls no keeping method of such an object with its own objects
(``results.append(user)``), hands nothing it made to a function its caller gave it (a callback), gives
the session none of its caller's objects (``db.add(user)`` of a parameter not annotated as a plain value:
closing would detach the caller's object), no nested function or lambda uses the session, and it has only
this one session. Otherwise closing it early
would change what the caller sees: an object returned from a closed session is detached, and a lazy
relationship of it raised ``DetachedInstanceError: Parent instance ... is not bound to a Session; lazy
load operation of attribute 'pets' cannot proceed`` on PostgreSQL, MariaDB and SQLite, where today it
loads (the uncollected session still holds it). Those are reported, with what to decide.

Reported, not fixed:
- a session not closed where the shape is not simple (above), or in a nested block (an ``if``, a loop,
  a ``try``), or with a type annotation (no place for it in a ``with``);
- ``db.close()`` that is not in a ``finally:`` (nor after the ``with``): an exception before it skips it;
- an ``AsyncSession`` (``async_sessionmaker``, ``AsyncSession(engine)``) not closed: only
  ``async with`` (or ``await db.close()`` in a ``finally:``) closes it, and an ``await`` is not ours to add;
- a generator (a FastAPI dependency, a ``contextmanager``) that yields the session and closes it
  outside a ``finally:``, or not at all: an exception thrown into it at the ``yield`` skips the close;
- a module-level ``session = SessionLocal()``: one session for every thread and request of the process
  (a Session is not thread-safe), never closed; its users are the whole program, so no fix.

Quiet: ``with SessionLocal() as db:``, ``with SessionLocal.begin() as db:``, ``async with``,
``contextlib.closing(...)``, ``try: ... finally: db.close()``, a generator that yields it with the close
in ``finally:`` (FastAPI's ``get_db``), a pytest fixture (``@pytest.fixture``: pytest ends it), a
function that returns the session or gives it to an object it returns (the caller owns it), a session
stored on an object (``self.session = Session()``, ``g.db = ...``, a tuple or a dict: the holder owns it),
one handed to what runs later (a thread, an executor, a callback registered: that code owns it), a
``scoped_session`` registry's session (the registry owns it; its ``remove()`` ends it where the
application's unit of work ends, which the tool cannot see), Flask-SQLAlchemy's ``db.session``, a
``Session()`` bound to no engine (it holds no connection), a name the tool cannot resolve to a session
factory (a factory made in a function, one imported from a library it cannot read: unknown), and the
``if __name__ == "__main__":`` block of a script (the process ends there).
Migration scripts are never read. A file that declares no models and never mentions SQLAlchemy is read
only where a line binds a name to a call of a name that says "session" (``db = SessionLocal()``,
``s = Session(engine)``: markers.may_open_sessions), so that a large tree is not parsed for nothing: a
factory named otherwise (``Maker = sessionmaker()``) is found where it is defined, not in such a file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..project import absolute, imported_names
from .base import SAFE, Finding, Invalid, Rule, RuleContext, Valid

_SESSION_CLASSES = {"sa.Session": "sync", "sqlmodel.Session": "sync", "sa.asyncio.AsyncSession": "async",
                    "sa.AsyncSession": "async"}
_MADE_BY = {"sa.sessionmaker": "sync", "sa.asyncio.async_sessionmaker": "async", "sa.scoped_session": "scoped",
            "sa.asyncio.async_scoped_session": "scoped"}
_BINDINGS = {"sessionmaker": "sync", "async-sessionmaker": "async", "scoped-session": "scoped"}
# calls that run their arguments later, elsewhere: a session handed to one outlives the function
_DEFERRING = frozenset({"Thread", "Process", "Timer", "submit", "map", "apply_async", "delay", "call_soon",
                        "call_later", "run_in_executor", "create_task", "ensure_future", "add_done_callback",
                        "register", "start_new_thread", "partial", "spawn"})
# methods that keep what they are given in the object they are called on
_KEEPING = frozenset({"append", "extend", "add", "update", "insert", "setdefault", "put", "put_nowait",
                      "appendleft", "push", "set", "__setitem__", "register", "send", "emit"})
_FIXTURES = ("pytest.fixture", "pytest.yield_fixture", "pytest_asyncio.fixture")
# what a Session takes into its identity map (with what their relationships cascade to)
_ATTACHING = frozenset({"add", "add_all", "delete", "enable_relationship_loading"})
_SCALAR_TYPES = frozenset({"str", "int", "float", "bool", "bytes", "Decimal", "datetime", "date", "time",
                           "timedelta", "UUID"})
_PLAIN_TYPES = _SCALAR_TYPES | {"Optional", "Union", "None", "list", "List", "dict", "Dict", "tuple", "Tuple", "set",
                                "Set", "Sequence", "Iterable", "Mapping", "typing", "decimal", "uuid", "datetime"}
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _own_nodes(nodes) -> Iterator[ast.AST]:
    """Every node of these statements of a function, not those of the functions and classes within."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _nested_bodies(nodes) -> Iterator[ast.AST]:
    for node in _own_nodes(nodes):
        if isinstance(node, _NESTED):
            yield node


def _parents(function: ast.AST) -> dict[int, ast.AST]:
    parents = {}
    for node in _own_nodes(function.body):
        if isinstance(node, _NESTED):
            continue
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for statement in function.body:
        parents[id(statement)] = function
    return parents


def _is_name(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _calls_close(node: ast.AST, name: str) -> bool:
    """`name.close()` (awaited or not)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "close"
            and _is_name(node.func.value, name))


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def _parameters(function) -> set[str]:
    arguments = function.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return set(names)


def _decorated_by(context: RuleContext, function, wanted: str) -> bool:
    """`@pytest.fixture`, `@pytest.fixture(...)`, `@fixture` from pytest (resolved through the imports)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if any(q.name == wanted for q in context.resolver.qualified(target)):
            return True
    return False


class SessionLeak(Rule):
    code = "SQF015"
    name = "session-leak"
    summary = "a session opened in a function and never closed; a module-level session shared by all"
    fix_safety = SAFE
    # (docs.py: the fix edits a function, not the schema)
    fix_safety_text = ("safe: `sqla-fix fix` applies it (it closes the session when the function ends, on an "
                       "exception too, and changes nothing else at run time)")
    deciding = """\
Say where the session ends:
- `with SessionLocal() as db:` around its use (`async with` for an `AsyncSession`), or
  `with SessionLocal.begin() as db:` to commit at the end too;
- `try: ... finally: db.close()` (`await db.close()` for an `AsyncSession`);
- a generator that yields it: `try: yield db` / `finally: db.close()`;
- one session per unit of work instead of a module-level one (`with SessionLocal() as session:` in
  each function that uses it, or a `scoped_session` registry whose `remove()` ends it);
- or `# noqa: SQF015` on the reported line, where something the tool cannot see closes it."""
    examples = [
        Valid("from sqlalchemy import text\nfrom sqlalchemy.orm import Session, sessionmaker\n"
              "SessionLocal = sessionmaker()\n"
              "def count():\n    with SessionLocal() as db:\n        db.execute(text('select 1'))\n"
              "def load():\n    with SessionLocal.begin() as db:\n        db.execute(text('select 1'))\n"
              "def get_db():\n    db = SessionLocal()\n    try:\n        yield db\n    finally:\n        db.close()\n"
              "def make():\n    db = SessionLocal()\n    return db\n"),
        Valid("from sqlalchemy import text\nfrom sqlalchemy.orm import Session, scoped_session, sessionmaker\n"
              "Registry = scoped_session(sessionmaker())\n"
              "def work():\n    db = Registry()\n    db.execute(text('select 1'))\n"
              "class Repository:\n    def __init__(self, engine):\n        self.session = Session(engine)\n"),
        Invalid("from sqlalchemy import text\nfrom sqlalchemy.orm import sessionmaker\n"
                "SessionLocal = sessionmaker()\n"
                "def purge():\n    db = SessionLocal()\n    db.execute(text('delete from t'))\n    db.commit()\n",
                "from sqlalchemy import text\nfrom sqlalchemy.orm import sessionmaker\n"
                "SessionLocal = sessionmaker()\n"
                "def purge():\n    with SessionLocal() as db:\n        db.execute(text('delete from t'))\n"
                "        db.commit()\n"),
        Invalid("from sqlalchemy.orm import Session\n"
                "def first_user(engine):\n    db = Session(engine)\n    return db.get(User, 1)\n"),
        Invalid("from sqlalchemy import text\nfrom sqlalchemy.orm import sessionmaker\n"
                "SessionLocal = sessionmaker()\n"
                "def purge():\n    db = SessionLocal()\n    db.execute(text('delete from t'))\n    db.close()\n"),
        Invalid("from sqlalchemy.orm import sessionmaker\n"
                "session = sessionmaker()()\n"),
        Invalid("from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                "AsyncLocal = async_sessionmaker()\n"
                "async def purge():\n    db = AsyncLocal()\n    await db.execute(text('delete from t'))\n"),
    ]

    def check(self, context: RuleContext) -> Iterator[Finding]:
        self._resolver = context.resolver
        yield from self._module_level(context, context.module.body)
        for node in ast.walk(context.module):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from self._function(context, node)

    # -- what opens a session -------------------------------------------------------------------------------
    def _local_imports(self, context: RuleContext, own) -> dict[str, str]:
        """What the function's own imports make of a name (`from .database import SessionLocal` in the
        function): the factory kind, through the project, for each name bound to one."""
        index, project = context.resolver.index, context.resolver.project
        found: dict[str, str] = {}
        if index is None or project is None:
            return found
        for node in own:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for local, target in imported_names(node):
                    resolved = project.resolve(absolute(target, index))
                    if resolved.kind in _BINDINGS and not resolved.rest:
                        found[local] = _BINDINGS[resolved.kind]
                    else:
                        found[local] = ""  # bound here to something else: not the module's name
        return found

    def _session_kind(self, context: RuleContext, value: ast.AST | None, local: set[str],
                      imported: dict[str, str] | None = None) -> str | None:
        """"sync", "async" or "scoped" for a call that opens a session; None for anything else, and for
        what cannot be resolved (a name bound in the function, a factory made elsewhere)."""
        if not isinstance(value, ast.Call):
            return None
        func = value.func
        if imported and isinstance(func, ast.Name) and func.id in imported:
            return imported[func.id] or None
        if imported and isinstance(_root(func), ast.Name) and _root(func).id in imported:
            return None
        if isinstance(_root(func), ast.Name) and _root(func).id in local:
            return None
        if isinstance(func, ast.Call):  # sessionmaker(bind=engine)()
            return _MADE_BY.get(context.resolver.call_name(func) or "")
        kind = _SESSION_CLASSES.get(context.resolver.canonical(func) or "")
        if kind is not None:
            # `Session()` bound to nothing holds no connection (a scratch session for cascades, expunged)
            bound = value.args or any(keyword.arg in ("bind", "binds", None) for keyword in value.keywords)
            return kind if bound else None
        return self._factory(context, func)

    def _factory(self, context: RuleContext, func: ast.AST) -> str | None:
        resolver = context.resolver
        index = resolver.index
        for qualified in resolver.qualified(func):
            if qualified.source == "LOCAL" and index is not None and "." not in qualified.name:
                binding = index.bindings.get(qualified.name)
                if binding is not None and binding.kind in _BINDINGS:
                    return _BINDINGS[binding.kind]
            resolved = resolver._imported(qualified)
            if resolved is not None and not resolved.rest and resolved.kind in _BINDINGS:
                return _BINDINGS[resolved.kind]
        return None

    # -- module level ---------------------------------------------------------------------------------------
    def _module_level(self, context: RuleContext, statements) -> Iterator[Finding]:
        for statement in statements:
            if isinstance(statement, ast.If) and _main_guard(statement.test):
                continue  # a script's own run: the process ends there
            if isinstance(statement, (ast.If, ast.Try)):
                blocks = [statement.body, statement.orelse]
                if isinstance(statement, ast.Try):
                    blocks += [statement.finalbody, *(handler.body for handler in statement.handlers)]
                for block in blocks:
                    yield from self._module_level(context, block)
                continue
            value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
            if value is None or self._session_kind(context, value, set()) not in ("sync", "async"):
                continue
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if not all(isinstance(target, ast.Name) for target in targets):
                continue
            name = targets[0].id
            yield Finding(self.code, statement, (
                f"`{name} = {ast.unparse(value)}` at module level is one session for every thread and request "
                "of the process (a Session is not thread-safe), never closed: its connection and transaction "
                "stay open between uses; not fixed: every user of it would change; decide: open one per unit of "
                f"work (`with {ast.unparse(value)} as {name}:` in each function that uses it), a "
                f"`scoped_session` registry whose `remove()` ends it, or `# noqa: {self.code}`"))

    # -- in a function --------------------------------------------------------------------------------------
    def _function(self, context: RuleContext, function) -> Iterator[Finding]:
        parameters = _parameters(function)
        own = list(_own_nodes(function.body))
        local = parameters | {node.id for node in own if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        local |= {node.name for node in own if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        imported = self._local_imports(context, own)
        opened = []
        for node in own:
            if not isinstance(node, (ast.Assign, ast.AnnAssign)):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if len(targets) != 1 or not isinstance(targets[0], ast.Name):
                continue  # `self.session = Session()`: the object owns it; `a = b = ...`: unknown
            # (a name the function binds itself is no factory we know: `Session = sessionmaker(...)` here)
            kind = self._session_kind(context, node.value, local - {targets[0].id}, imported)
            if kind in ("sync", "async"):
                opened.append((node, targets[0].id, kind))
        if not opened:
            return
        generator = any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own)
        if generator and any(_decorated_by(context, function, fixture) for fixture in _FIXTURES):
            return  # pytest runs the fixture's end, and tears the test down
        parents = _parents(function)
        for statement, name, kind in opened:
            finding = self._decide(context, function, own, parents, statement, name, kind, generator,
                                   parameters, local, single=len(opened) == 1)
            if finding is not None:
                yield finding

    def _decide(self, context, function, own, parents, statement, name, kind, generator, parameters, local,
                single) -> Finding | None:
        call = ast.unparse(statement.value)
        where = f"`{name} = {call}` in `{function.name}`"
        if any(isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names for node in own):
            return None  # a session of the module's (or the enclosing function's): not this function's to close
        uses = [node for node in own if _is_name(node, name) and isinstance(node.ctx, ast.Load)]
        closes = [node for node in own if _calls_close(node, name)]
        in_finally = [close for close in closes if _in_finally(close, parents)]
        if in_finally or any(self._ends_with(node, name) for node in own):
            return None
        handed = None
        for use in uses:
            parent = parents.get(id(use))
            if isinstance(parent, ast.Attribute):
                continue  # db.execute(...), db.commit
            if isinstance(parent, ast.Return):
                return None  # the caller owns it
            if isinstance(parent, (ast.Yield, ast.YieldFrom)):
                handed = "yield"
                continue
            if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) or _in_container(use, parents):
                return None  # stored: `self.session = db`, `g.db = db`, another name, a dict: its owner closes it
            if isinstance(parent, (ast.Call, ast.keyword)):
                call_node = parent if isinstance(parent, ast.Call) else parents.get(id(parent))
                if isinstance(call_node, ast.Call) and _called_name(call_node) in _DEFERRING:
                    return None  # a thread, an executor, a callback: what runs later owns it
                holder = isinstance(call_node, ast.Call) and self._is_class(context, call_node.func)
                if holder and _returned(call_node, parents):
                    return None  # `return Repository(db)`: the caller owns what holds it
                if holder and _stored(call_node, parents):
                    return None  # `self.repo = Repository(db)`: the object owns what holds it
        nested = [body for body in _nested_bodies(function.body)
                  if any(_is_name(node, name) for node in ast.walk(body))]
        if any(_calls_close(node, name) for body in nested for node in ast.walk(body)):
            return None  # closed by a function of its own (a callback, a cleanup): not ours to judge
        async_hint = ("`async with {f} as {n}:` or `await {n}.close()` in a `finally:`" if kind == "async"
                      else "`with {f} as {n}:` around its use or `{n}.close()` in a `finally:`").format(
            f=call, n=name)
        decide = f"decide: {async_hint}, or `# noqa: {self.code}` where something else closes it"
        if handed == "yield":
            how = f"closes it outside a `finally:` (line {closes[0].lineno})" if closes else "never closes it"
            return Finding(self.code, statement, (
                f"{where} yields the session and {how}: an exception thrown into the generator at the `yield` "
                "(a failed request, a `with` block that raises) skips the close, and the connection stays checked "
                f"out of the pool; not fixed: the generator's end is its caller's; decide: `try: yield {name}` / "
                f"`finally: {name}.close()`, or `# noqa: {self.code}`"))
        if closes:
            return Finding(self.code, statement, (
                f"{where} is closed outside a `finally:` (line {closes[0].lineno}): an exception before it skips the "
                "close, and the connection stays checked out of the pool (its transaction open) until the garbage "
                f"collector finds the session; not fixed: the close is the author's; {decide}"))
        leak = (f"{where} is never closed: what it holds (a connection checked out of the pool, its open "
                "transaction and locks) stays until the garbage collector finds the session, not when the function "
                "returns")
        reason = self._not_simple(context, function, own, parents, statement, name, kind, generator, parameters,
                                  local, single, uses, nested)
        if reason is not None:
            return Finding(self.code, statement, f"{leak}; not fixed: {reason}; {decide}")

        def fix(plan) -> bool:
            plan.open_with(statement)
            return True

        return Finding(self.code, statement, (
            f"{leak}; fix: `with {call} as {name}:` over the rest of the function, which closes it when the "
            "function ends, on an exception too"), fix, SAFE)

    def _made_here(self, context: RuleContext, statements, session: str) -> set[str]:
        """The names that only ever hold objects the function made: the session, what it loaded (`user =
        db.get(User, 1)`, `for user in db.scalars(...)`), new objects of the project's classes, literals and
        builtins' results. A name that is ever bound to anything else (`cfg = self.config`, `app =
        current_app()`, a loop over `self.users`) may hold an object from outside."""
        made, outside = {session}, set()

        def mentions(node) -> bool:
            return any(isinstance(n, ast.Name) and (n.id == session or n.id in made) for n in ast.walk(node))

        def new_object(value) -> bool:
            if isinstance(value, (ast.Constant, ast.List, ast.Dict, ast.Set, ast.Tuple, ast.ListComp, ast.DictComp,
                                  ast.SetComp, ast.GeneratorExp, ast.JoinedStr, ast.BinOp, ast.UnaryOp, ast.Compare)):
                return True
            if isinstance(value, ast.Call):
                if mentions(value) or self._is_class(context, value.func):
                    return True
                return any(q.source == "BUILTIN" for q in context.resolver.qualified(value.func)) or (
                    context.resolver.canonical(value.func) or "").startswith("sa.")
            return False

        for node in _own_nodes(statements):
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {n.id for target in targets for n in ast.walk(target)
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                if node.value is not None and new_object(node.value) or isinstance(node, ast.AugAssign):
                    made |= names
                else:
                    outside |= names
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                names = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                if mentions(node.iter):
                    made |= names
                else:
                    outside |= names
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                outside |= {n.id for n in ast.walk(node.optional_vars) if isinstance(n, ast.Name)}
        return made - outside

    def _is_class(self, context: RuleContext, func: ast.AST) -> bool:
        """A class of the project (here, or imported from its modules): what it is given, it may keep."""
        resolver = context.resolver
        for qualified in resolver.qualified(func):
            if qualified.source == "LOCAL" and resolver.index is not None:
                binding = resolver.index.bindings.get(qualified.name)
                if binding is not None and binding.kind == "class":
                    return True
            resolved = resolver._imported(qualified)
            if resolved is not None and resolved.kind == "class" and not resolved.rest:
                return True
        return False

    def _ends_with(self, node: ast.AST, name: str) -> bool:
        """`with db:`, `with closing(db)`, `async with db:` (what ends the session it is given)."""
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            return False
        for item in node.items:
            expression = item.context_expr
            if _is_name(expression, name):
                return True
            if (isinstance(expression, ast.Call) and any(_is_name(argument, name) for argument in expression.args)
                    and any(q.name == "contextlib.closing" for q in self._resolver.qualified(expression.func))):
                return True
        return False

    def _not_simple(self, context, function, own, parents, statement, name, kind, generator, parameters, local,
                    single, uses, nested) -> str | None:
        """Why `with` cannot be certain here, or None where the shape is simple."""
        if kind == "async":
            return "an AsyncSession closes only with an `await`, which the tool does not add"
        if isinstance(statement, ast.AnnAssign):
            return "its type annotation has no place in a `with`"
        if statement not in function.body:
            return "it is opened inside a block (an `if`, a loop, a `try`): where it should end is the author's"
        index = function.body.index(statement)
        if index == len(function.body) - 1:
            return "nothing after it uses it"
        following = function.body[index + 1]
        if following.lineno == statement.end_lineno:
            return "it shares its line with another statement"
        if not single:
            return "the function opens more than one session"
        if generator:
            return "the function is a generator: what it yields may be used after the session would close"
        returns = [node for node in own if isinstance(node, ast.Return) and node.value is not None
                   and not (isinstance(node.value, ast.Constant) and node.value.value is None)]
        if returns:
            return (f"the function returns a value (line {returns[0].lineno}): an object the session loaded would be "
                    "detached once it closes, and its lazy attributes raise DetachedInstanceError")
        if any(isinstance(node, (ast.Global, ast.Nonlocal)) for node in own):
            return "the function declares `global`/`nonlocal` names: what it keeps there may outlive the session"
        if nested:
            return "a nested function or lambda uses the session, and may run after it would close"
        later = function.body[index + 1 :]
        made_here = self._made_here(context, function.body, name) - parameters

        def outer(node) -> bool:
            return isinstance(node, ast.Name) and node.id not in made_here

        for node in _own_nodes(later):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, (ast.Attribute, ast.Subscript)) and isinstance(part.ctx, ast.Store) and outer(
                            _root(part)):
                        return (f"it assigns to `{ast.unparse(part)}` (line {node.lineno}), of an object the function "
                                "did not make: what the session loaded may be kept there after it closes")
            if isinstance(node, ast.Call) and (node.args or node.keywords):
                func = node.func
                root = _root(func)
                if (isinstance(func, ast.Attribute) and _is_name(func.value, name) and func.attr in _ATTACHING
                        and (given := _callers_objects(node, function))):
                    return (f"it gives the session `{given}` (line {node.lineno}), an object of its caller's, which "
                            "would be detached when the session closes")
                if isinstance(func, ast.Attribute) and func.attr in _KEEPING and outer(root) and root.id != name:
                    return (f"it calls `{ast.unparse(func)}` (line {node.lineno}) of an object the function did not "
                            "make, which may keep what the session loaded after it closes")
                if isinstance(root, ast.Name) and root.id in parameters and _passes_local(node, made_here):
                    return (f"it hands its objects to `{ast.unparse(func)}` (line {node.lineno}), given by the "
                            "caller, which may keep them after the session closes")
        return None


def _main_guard(test: ast.AST) -> bool:
    return (isinstance(test, ast.Compare) and _is_name(test.left, "__name__") and len(test.comparators) == 1
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__")


def _in_finally(node: ast.AST, parents) -> bool:
    child, parent = node, parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.finalbody:
            return True
        child, parent = parent, parents.get(id(parent))
    return False


def _in_container(node: ast.AST, parents) -> bool:
    parent = parents.get(id(node))
    return isinstance(parent, (ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Starred))


def _returned(node: ast.AST, parents) -> bool:
    parent = parents.get(id(node))
    return isinstance(parent, (ast.Return, ast.Yield))


def _stored(node: ast.AST, parents) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return any(not isinstance(target, ast.Name) for target in targets)
    return False


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _callers_objects(call: ast.Call, function) -> str | None:
    """The first name in the call's arguments that may hold an object of the caller's: a parameter not
    annotated as a plain value (`str`, `int`, ...), or `self`/`cls`."""
    arguments = function.args
    annotated = {a.arg: a.annotation for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    parameters = _parameters(function)
    for value in [*call.args, *(keyword.value for keyword in call.keywords)]:
        for node in ast.walk(value):
            if isinstance(node, ast.Name) and node.id in parameters and not _plain_value(annotated.get(node.id)):
                return node.id
    return None


def _plain_value(annotation: ast.AST | None) -> bool:
    """`str`, `int`, `Optional[str]`, `str | None`, `list[int]`: no mapped object can be in it."""
    if annotation is None:
        return False
    names = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(annotation)
             if isinstance(n, (ast.Name, ast.Attribute))}
    return bool(names & _SCALAR_TYPES) and names <= _PLAIN_TYPES  # (a bare `list` may hold mapped objects)


def _passes_local(call: ast.Call, made_here: set[str]) -> bool:
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(isinstance(n, ast.Name) and n.id in made_here for value in values for n in ast.walk(value))
