"""Before a fixed file is written: prove, on Python's own AST, that only the intended edits were made.

The old and the new tree are walked side by side. The new one may contain what our fixes add, and
nothing else: keywords we add to calls (`index=True`, `nullable=False`, `cascade=...`), new import
lines and imported names, timestamp columns (filled in by `server_default`) in class bodies and
`Column(...)` arguments in `Table(...)`, and two replacements (`String(n)` or the bare `String` by `Text`, `backref="x"` by
`backref("x", cascade=...)`), `unique=True` on a column holding a foreign key (SQF014); and a default called once made a function (`default=f()` by `f` or
`lambda: ...`, SQLModel's `Field(default=f())` by `Field(default_factory=f)`); and money taken out of
floats (`Float`/`Double` by `Numeric(p, s)`, `float` by `Decimal` in an annotation, `x: Mapped[float]` given
`= mapped_column(Numeric(p, s))`, `mapped_column(...)` given a leading `Numeric(p, s)`); and naive datetimes
made aware (`DateTime`/`TIMESTAMP` by `DateTime(timezone=True)`, a typed `mapped_column(...)` given
`DateTime(timezone=True)` as its first argument or after its name, and a `default=`/`insert_default=`/`onupdate=`
of `datetime.utcnow`, `datetime.now` or `datetime.today` (or a lambda calling one) by
`lambda: datetime.now(timezone.utc)`, also where it was called once, `datetime.utcnow()`, SQF010); and identities
made unique (SQF011: `unique=True` added to a `Column`, `mapped_column` or `Field` that had no `unique=`, a bare
`x: Mapped[str]` given `= mapped_column(unique=True)`); and SQLAlchemy's
documented naming convention given to a metadata (SQF013: `naming_convention={...}` added to a `MetaData(...)`,
`metadata=MetaData(naming_convention={...})` to a factory, `metadata = MetaData(naming_convention={...})` in a
base's body, in place of its `pass`); and a session closed (SQF015): a function body's `name = <call>` made
`with <call> as name:` over the statements that followed it in that body, moved unchanged, the last statement
of the body. Anything else means a bug of ours, and the file is not written.
"""

from __future__ import annotations

import ast

ADDED_KEYWORDS = frozenset(
    {"index", "nullable", "cascade", "passive_deletes", "ondelete", "cascade_delete", "sa_relationship_kwargs",
     "sa_type", "server_default"}
)
_TEXT_TYPES = {"String": "Text", "VARCHAR": "Text", "Unicode": "UnicodeText", "NVARCHAR": "UnicodeText"}
# The functions whose called-once defaults SQF007 turns into functions.
_CALLED_ONCE = frozenset({"utcnow", "now", "today", "time", "time_ns", "uuid4", "uuid1"})
# The float types whose money columns SQF008 makes Numeric(p, s).
_FLOAT_TYPES = frozenset({"Float", "FLOAT", "Double", "DOUBLE", "DOUBLE_PRECISION", "REAL"})
# The column calls that SQF011 gives `unique=True`.
_COLUMN_CALLS = frozenset({"Column", "mapped_column", "Field"})


# The convention SQF013 writes, exactly (sqla_fix/rules/sqf013_naming_convention.py CONVENTION).
_NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The naive date-time types and clocks whose columns SQF010 makes aware.
_DATETIME_TYPES = frozenset({"DateTime", "TIMESTAMP"})
_NAIVE_CLOCKS = frozenset({"utcnow", "now", "today"})
_TIME_DEFAULTS = frozenset({"default", "insert_default", "onupdate"})


def unintended_change(old_source: str, new_source: str, old_tree: ast.Module | None = None) -> str | None:
    """None when `new_source` is `old_source` plus our kinds of edits; else what differs."""
    try:
        old = old_tree if old_tree is not None else ast.parse(old_source)
        new = ast.parse(new_source)
        compile(new, "<fixed>", "exec")  # what only the compiler rejects: a repeated keyword, say
    except SyntaxError as error:
        return f"the fixed source does not compile: {error}"
    return _Comparison(old, new).compare(old, new, "module")


def _filled_by_the_database(value: ast.AST | None) -> bool:
    """A column call whose value the database fills in (`server_default=func.now()`): what SQF005 adds."""
    if not isinstance(value, ast.Call):
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.keyword) and node.arg == "server_default":
            return True
        if isinstance(node, ast.Dict) and any(
            isinstance(key, ast.Constant) and key.value == "server_default" for key in node.keys
        ):
            return True
    return False


class _Comparison:
    def __init__(self, *trees: ast.AST):
        # `from sqlalchemy import String as Str`: Str(50) is String(50)
        self.imported_as = {
            alias.asname: alias.name
            for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names if alias.asname
        }
        self.call: ast.Call | None = None

    def name(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.imported_as.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            return node.attr
        return None

    def added_is_ours(self, node: ast.AST, where: str) -> bool:
        if where == "module.body":
            return isinstance(node, (ast.Import, ast.ImportFrom))
        if where == "class.body":  # a timestamp column, under the project's own name if it has one
            if self.metadata_statement(node):  # SQF013
                return True
            if isinstance(node, ast.AnnAssign):
                return isinstance(node.target, ast.Name) and _filled_by_the_database(node.value)
            if isinstance(node, ast.Assign):
                return all(isinstance(t, ast.Name) for t in node.targets) and _filled_by_the_database(node.value)
            return False
        if where == "call.keywords":
            if isinstance(node, ast.keyword) and node.arg == "unique":  # SQF014: a one-to-one's key
                return self.unique_key(node)
            return isinstance(node, ast.keyword) and (node.arg in ADDED_KEYWORDS or self.convention_keyword(node))
        if where == "call.args":  # Table(..., Column("created_at", ...))
            return (
                isinstance(node, ast.Call) and bool(node.args) and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str) and _filled_by_the_database(node)
            )
        if where == "importfrom.names":
            return isinstance(node, ast.alias)
        return False

    def replacement_is_ours(self, old: ast.AST | None, new: ast.AST) -> bool:
        # SQLModel `bio: str` / `bio: str = ""` -> `bio: str = Field([default=""], sa_type=Text)`, or on an
        # SQLModel older than 0.0.11 `Field([default=""], sa_column=Column(Text, nullable=False))`
        if isinstance(new, ast.Call) and self.name(new.func) == "Field" and (
            [k.arg for k in new.keywords][-1:] == ["sa_type"] or self._text_sa_column(new.keywords[-1:])
        ):
            if new.args:
                return False
            if old is None:
                return len(new.keywords) == 1
            defaults = [k.value for k in new.keywords if k.arg == "default"]
            return len(new.keywords) == 2 and len(defaults) == 1 and ast.dump(defaults[0]) == ast.dump(old)
        if old is None:  # SQF008: `x: Mapped[float]` -> `x: Mapped[Decimal] = mapped_column(Numeric(12, 2))`
            if _unique_only(new) and self.name(new.func) == "mapped_column":
                return True  # SQF011: `email: Mapped[str]` -> `email: Mapped[str] = mapped_column(unique=True)`
            return (isinstance(new, ast.Call) and self.name(new.func) == "mapped_column" and len(new.args) == 1
                    and not new.keywords and self.numeric(new.args[0]))
        # String(n) -> Text, String(n, collation="x") -> Text(collation="x")
        old_type = self.name(old.func) if isinstance(old, ast.Call) else None
        if old_type in _TEXT_TYPES and self.name(new) == _TEXT_TYPES[old_type]:
            return True
        if old_type in _TEXT_TYPES and isinstance(new, ast.Call) and self.name(new.func) == _TEXT_TYPES[old_type]:
            kept = {k.arg: ast.dump(k.value) for k in old.keywords if k.arg != "length"}
            if len(old.args) > 1:
                kept["collation"] = ast.dump(old.args[1])
            return not new.args and {k.arg: ast.dump(k.value) for k in new.keywords} == kept
        if self.money_type(old, new) or self.money_column(old, new):
            return True
        if self.aware_type(old, new) or self.aware_column(old, new):
            return True
        # backref="x" -> backref("x", cascade="all, delete-orphan")
        if isinstance(old, ast.Constant) and isinstance(new, ast.Call) and self.name(new.func) == "backref":
            return (
                len(new.args) == 1 and isinstance(new.args[0], ast.Constant) and new.args[0].value == old.value
                and [k.arg for k in new.keywords] == ["cascade"]
            )
        return False

    def unique_key(self, keyword: ast.keyword) -> bool:
        """`unique=True` on a column that holds a foreign key (`Column(ForeignKey(...))`, `mapped_column(...)`,
        SQLModel's `Field(foreign_key=...)`): what SQF014 adds to a one-to-one's key, and nothing else."""
        call = self.call
        if call is None or not (isinstance(keyword.value, ast.Constant) and keyword.value.value is True):
            return False
        if self.name(call.func) not in ("Column", "mapped_column", "Field"):
            return False
        return any(isinstance(a, ast.Call) and self.name(a.func) == "ForeignKey" for a in call.args) or any(
            k.arg == "foreign_key" for k in call.keywords)
    def convention(self, node: ast.AST | None) -> bool:
        """The dict literal of SQLAlchemy's documented naming convention, exactly (SQF013)."""
        if not isinstance(node, ast.Dict) or None in node.keys:
            return False
        try:
            return ast.literal_eval(node) == _NAMING_CONVENTION
        except ValueError:
            return False

    def convention_metadata(self, node: ast.AST | None) -> bool:
        """`MetaData(naming_convention={...})` with nothing else (SQF013)."""
        return (isinstance(node, ast.Call) and self.name(node.func) == "MetaData" and not node.args
                and len(node.keywords) == 1 and node.keywords[0].arg == "naming_convention"
                and self.convention(node.keywords[0].value))

    def convention_keyword(self, node: ast.keyword) -> bool:
        """`naming_convention={...}` (on a MetaData) or `metadata=MetaData(naming_convention={...})` (SQF013)."""
        if node.arg == "naming_convention":
            return self.convention(node.value)
        return node.arg == "metadata" and self.convention_metadata(node.value)

    def metadata_statement(self, node: ast.AST) -> bool:
        """`metadata = MetaData(naming_convention={...})` in a base's body (SQF013)."""
        return (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "metadata" and self.convention_metadata(node.value))

    def without_added_unique(self, old: ast.Call, new: ast.Call) -> ast.Call:
        """`new` without the `unique=True` that SQF011 adds to a column call (`Column`, `mapped_column`,
        SQLModel's `Field`) that had no `unique=`; `new` itself otherwise (then compared as it is)."""
        if self.name(new.func) not in _COLUMN_CALLS or any(k.arg == "unique" for k in old.keywords):
            return new
        added = [k for k in new.keywords if k.arg == "unique"]
        if len(added) != 1 or not (isinstance(added[0].value, ast.Constant) and added[0].value.value is True):
            return new
        return ast.Call(func=new.func, args=new.args, keywords=[k for k in new.keywords if k is not added[0]])

    def numeric(self, node: ast.AST) -> bool:
        """`Numeric(p, s)` with two integers, and nothing else (what SQF008 writes)."""
        return (isinstance(node, ast.Call) and self.name(node.func) == "Numeric" and len(node.args) == 2
                and not node.keywords and all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args))

    def money_type(self, old: ast.AST, new: ast.AST) -> bool:
        """A float type (`Float`, `sa.Float()`, `Float(53)`, `Float(precision=53)`) made `Numeric(p, s)` (SQF008)."""
        func = old.func if isinstance(old, ast.Call) else old
        if not isinstance(func, (ast.Name, ast.Attribute)) or self.name(func) not in _FLOAT_TYPES:
            return False
        if isinstance(old, ast.Call) and (len(old.args) > 1 or any(k.arg != "precision" for k in old.keywords)):
            return False
        return self.numeric(new)

    def money_column(self, old: ast.AST, new: ast.AST) -> bool:
        """`mapped_column(...)` with no type given a leading `Numeric(p, s)`, all else the same (SQF008)."""
        return (isinstance(old, ast.Call) and isinstance(new, ast.Call) and self.name(old.func) == "mapped_column"
                and ast.dump(old.func) == ast.dump(new.func) and len(new.args) == len(old.args) + 1
                and self.numeric(new.args[0]) and ast.dump(ast.Tuple(new.args[1:])) == ast.dump(ast.Tuple(old.args))
                and ast.dump(ast.Tuple(new.keywords)) == ast.dump(ast.Tuple(old.keywords)))

    def aware_type(self, old: ast.AST, new: ast.AST) -> bool:
        """`DateTime`, `sa.DateTime()`, `TIMESTAMP` made `...(timezone=True)`, spelled alike (SQF010)."""
        if isinstance(old, ast.Call):
            if old.args or old.keywords:
                return False
            old = old.func
        if not isinstance(old, (ast.Name, ast.Attribute)) or self.name(old) not in _DATETIME_TYPES:
            return False
        return (isinstance(new, ast.Call) and ast.dump(new.func) == ast.dump(old) and not new.args
                and [k.arg for k in new.keywords] == ["timezone"] and isinstance(new.keywords[0].value, ast.Constant)
                and new.keywords[0].value.value is True)

    def _aware_type_added(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and self.name(node.func) == "DateTime" and not node.args
                and [k.arg for k in node.keywords] == ["timezone"] and isinstance(node.keywords[0].value, ast.Constant)
                and node.keywords[0].value.value is True)

    def aware_column(self, old: ast.AST, new: ast.AST) -> bool:
        """`mapped_column([name, ]...)` given `DateTime(timezone=True)` first (or after its name), its time
        defaults made aware, all else the same (SQF010)."""
        if not (isinstance(old, ast.Call) and isinstance(new, ast.Call) and self.name(old.func) == "mapped_column"
                and ast.dump(old.func) == ast.dump(new.func) and len(new.args) == len(old.args) + 1
                and len(old.args) <= 1 and len(new.keywords) == len(old.keywords)):
            return False
        position = len(old.args)
        if not self._aware_type_added(new.args[position]):
            return False
        if ast.dump(ast.Tuple(new.args[:position])) != ast.dump(ast.Tuple(old.args)):
            return False
        for before, after in zip(old.keywords, new.keywords):
            if before.arg != after.arg:
                return False
            if ast.dump(before.value) != ast.dump(after.value) and not (
                    before.arg in _TIME_DEFAULTS and self.aware_default(before.value, after.value)):
                return False
        return True

    def aware_default(self, old: ast.AST, new: ast.AST) -> bool:
        """`datetime.utcnow` (`dt.datetime.now`, `lambda: datetime.today()`) made
        `lambda: datetime.now(timezone.utc)`, the class spelled alike (SQF010)."""
        if isinstance(old, ast.Lambda) and not _parameters(old.args) and isinstance(old.body, ast.Call) \
                and not old.body.args and not old.body.keywords:
            old = old.body.func
        elif isinstance(old, ast.Call) and not old.args and not old.keywords:  # `datetime.utcnow()`, called once
            old = old.func
        if not (isinstance(old, ast.Attribute) and old.attr in _NAIVE_CLOCKS):
            return False
        if not (isinstance(new, ast.Lambda) and not _parameters(new.args) and isinstance(new.body, ast.Call)):
            return False
        call = new.body
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "now"
                and ast.dump(call.func.value) == ast.dump(old.value) and not call.keywords and len(call.args) == 1):
            return False
        utc = call.args[0]
        return (isinstance(utc, ast.Attribute) and utc.attr == "utc"
                and self.name(utc.value) == "timezone")

    def bare_text_type(self, old: ast.AST, new: ast.AST) -> bool:
        """The bare class `String` (`sa.String`, `db.String`) replaced by `Text`, spelled alike (SQF006)."""
        kinds = (ast.Name, ast.Attribute)
        if not isinstance(old, kinds) or type(new) is not type(old):
            return False
        if isinstance(old, ast.Attribute) and ast.dump(old.value) != ast.dump(new.value):
            return False
        old_type = self.name(old)
        return old_type in _TEXT_TYPES and self.name(new) == _TEXT_TYPES[old_type]

    def mapped_decimal(self, old: ast.AST, new: ast.AST) -> bool:
        """`Mapped[float]` (`Mapped[Optional[float]]`, ...) made `Mapped[Decimal]`, nothing else changed (SQF008)."""
        if not (isinstance(old, ast.Subscript) and self.name(old.value) == "Mapped"):
            return False
        if not any(isinstance(node, ast.Name) and node.id == "float" for node in ast.walk(old)):
            return False

        class AsFloat(ast.NodeTransformer):
            def visit_Name(self, node):
                return ast.Name(id="float", ctx=node.ctx) if node.id == "Decimal" else node

            def visit_Attribute(self, node):
                if node.attr == "Decimal" and isinstance(node.value, ast.Name):
                    return ast.Name(id="float", ctx=node.ctx)
                return self.generic_visit(node)

        import copy

        return ast.dump(old) != ast.dump(new) and ast.dump(AsFloat().visit(copy.deepcopy(new))) == ast.dump(old)

    def deferred(self, old: ast.AST, new: ast.AST) -> bool:
        """A default evaluated once made a function (SQF007): `f()` -> `f`, `expr` -> `lambda: expr`, and
        on SQLModel `expr` -> `Field(default_factory=...)`; `old` calls one of the clock or UUID functions."""
        if not any(isinstance(node, ast.Call) and self.name(node.func) in _CALLED_ONCE for node in ast.walk(old)):
            return False
        if isinstance(old, ast.Call) and not old.args and not old.keywords and ast.dump(new) == ast.dump(old.func):
            return True
        arguments = new.args if isinstance(new, ast.Lambda) else None
        if arguments is not None and not (arguments.posonlyargs or arguments.args or arguments.kwonlyargs
                                          or arguments.vararg or arguments.kwarg):
            return ast.dump(new.body) == ast.dump(old)
        if isinstance(new, ast.Call) and self.name(new.func) == "Field" and not new.args and len(new.keywords) == 1:
            keyword = new.keywords[0]
            return keyword.arg == "default_factory" and self.deferred(old, keyword.value)
        return False

    def _text_sa_column(self, keywords: list[ast.keyword]) -> bool:
        if not keywords or keywords[0].arg != "sa_column" or not isinstance(keywords[0].value, ast.Call):
            return False
        column = keywords[0].value
        return (
            self.name(column.func) == "Column" and len(column.args) == 1
            and self.name(column.args[0]) in ("Text", "UnicodeText")
            and [k.arg for k in column.keywords] == ["nullable"]
        )

    def compare(self, old, new, path: str) -> str | None:
        if isinstance(old, (ast.FunctionDef, ast.AsyncFunctionDef)) and type(new) is type(old):
            new = _session_unwrapped(old, new)
        if isinstance(old, ast.AST) and isinstance(new, ast.AST):
            if isinstance(old, ast.Call) and isinstance(new, ast.Call) and self.replacement_is_ours(old, new):
                return None
            if isinstance(old, ast.Call) and isinstance(new, ast.Call):
                new = self.without_added_unique(old, new)
            if self.bare_text_type(old, new):
                return None
            if isinstance(old, ast.AnnAssign) and isinstance(new, ast.AnnAssign) and self.mapped_decimal(
                    old.annotation, new.annotation):  # SQF008: Mapped[float] -> Mapped[Decimal]; the rest compared
                new = ast.AnnAssign(target=new.target, annotation=old.annotation, value=new.value, simple=new.simple)
            if self.deferred(old, new):
                return None
            if isinstance(old, ast.keyword) and isinstance(new, ast.keyword) and (old.arg, new.arg) == (
                "default", "default_factory") and self.deferred(old.value, new.value):
                return None  # SQLModel Field(default=f()) -> Field(default_factory=f)
            if isinstance(old, ast.keyword) and isinstance(new, ast.keyword) and old.arg == new.arg and (
                old.arg in _TIME_DEFAULTS and self.aware_default(old.value, new.value)):
                return None  # default=datetime.utcnow -> default=lambda: datetime.now(timezone.utc) (SQF010)
            if isinstance(old, ast.keyword) and isinstance(new, ast.keyword) and old.arg == new.arg and (
                old.arg in ("default", "insert_default") and _fresh_mutable(old.value, new.value)):
                return None  # default=[] -> default=list (SQF009)
            if isinstance(old, ast.Pass) and self.metadata_statement(new):
                return None  # SQF013: a base's `pass` made its metadata
            if type(old) is not type(new):
                if self.replacement_is_ours(old, new):
                    return None
                return f"{path}: {type(old).__name__} became {type(new).__name__}"
            for field in old._fields:
                old_value, new_value = getattr(old, field, None), getattr(new, field, None)
                if isinstance(old_value, list):
                    outer = self.call
                    if isinstance(new, ast.Call):
                        self.call = new  # the call whose keywords are compared (SQF014's unique=True)
                    problem = self.compare_lists(old_value, new_value, _list_context(old, field), f"{path}.{field}")
                    self.call = outer
                else:
                    problem = self.compare(old_value, new_value, f"{path}.{field}")
                if problem:
                    return problem
            return None
        if old is None and isinstance(new, ast.AST) and self.replacement_is_ours(None, new):
            return None
        if isinstance(old, ast.AST) or isinstance(new, ast.AST):
            before = ast.dump(old) if isinstance(old, ast.AST) else repr(old)
            after = ast.dump(new) if isinstance(new, ast.AST) else repr(new)
            return f"{path}: {before[:80]} became {after[:80]}"
        return None if old == new else f"{path}: {old!r} became {new!r}"

    def compare_lists(self, old: list, new: list, where: str, path: str) -> str | None:
        position = 0
        for item in new:
            if position < len(old) and self.compare(old[position], item, f"{path}[{position}]") is None:
                position += 1
            elif self.added_is_ours(item, where):
                continue
            elif position < len(old):
                return self.compare(old[position], item, f"{path}[{position}]")
            else:
                return f"{path}: unexpected addition {ast.dump(item)[:80]}"
        if position < len(old):
            return f"{path}[{position}]: removed"
        return None


def _session_unwrapped(old: ast.FunctionDef, new: ast.FunctionDef) -> ast.FunctionDef:
    """`new` as it would be without SQF015's edit: where its body ends in `with <call> as name:` whose `old`
    counterpart is the statement `name = <call>` (one plain name, the same call), that statement and the
    block's statements after it, to be compared with `old`'s; else `new` itself."""
    index = len(new.body) - 1
    opened = new.body[index] if new.body else None
    if not isinstance(opened, ast.With) or len(opened.items) != 1 or index >= len(old.body):
        return new
    assignment, item = old.body[index], opened.items[0]
    if not (isinstance(assignment, ast.Assign) and len(assignment.targets) == 1
            and isinstance(assignment.targets[0], ast.Name) and isinstance(assignment.value, ast.Call)
            and isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == assignment.targets[0].id
            and ast.dump(item.context_expr) == ast.dump(assignment.value)
            and len(old.body) == index + 1 + len(opened.body)):
        return new
    import copy

    unwrapped = copy.copy(new)
    unwrapped.body = [*new.body[:index], assignment, *opened.body]
    return unwrapped


def _unique_only(new: ast.AST) -> bool:
    """A call whose only argument is `unique=True` (SQF011's `= mapped_column(unique=True)`)."""
    return (isinstance(new, ast.Call) and not new.args and len(new.keywords) == 1 and new.keywords[0].arg == "unique"
            and isinstance(new.keywords[0].value, ast.Constant) and new.keywords[0].value.value is True)


def _fresh_mutable(old: ast.AST, new: ast.AST) -> bool:
    """A mutable default made a function that builds it per row (SQF009): `[]`/`list()` -> `list`,
    `{}`/`dict()` -> `dict`, a literal list or dict -> `lambda: <the literal>`."""
    empty = {"list": isinstance(old, ast.List) and not old.elts, "dict": isinstance(old, ast.Dict) and not old.keys}
    if isinstance(old, ast.Call) and isinstance(old.func, ast.Name) and not old.args and not old.keywords:
        empty[old.func.id] = old.func.id in ("list", "dict")
    if isinstance(new, ast.Name) and empty.get(new.id):
        return True
    return (isinstance(old, (ast.List, ast.Dict)) and isinstance(new, ast.Lambda)
            and not (new.args.posonlyargs or new.args.args or new.args.kwonlyargs or new.args.vararg or new.args.kwarg)
            and ast.dump(new.body) == ast.dump(old))


def _parameters(arguments: ast.arguments) -> bool:
    return bool(arguments.posonlyargs or arguments.args or arguments.kwonlyargs or arguments.vararg or arguments.kwarg)


def _list_context(parent: ast.AST, field: str) -> str:
    if isinstance(parent, ast.Module) and field == "body":
        return "module.body"
    if isinstance(parent, ast.ClassDef) and field == "body":
        return "class.body"
    if isinstance(parent, ast.Call):
        return f"call.{field}"
    if isinstance(parent, ast.ImportFrom) and field == "names":
        return "importfrom.names"
    return field
