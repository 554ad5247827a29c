"""What the project's own code says about a foreign key: signs that it is NULL by design.

A model can declare ``team_id = Column(ForeignKey("teams.id"))`` and say nothing more, while the code
around it says plainly that NULL is meant: a user without a team (``User.team_id.is_(None)`` in the
query for unassigned users), a broadcast notification with no recipient (``Notification(body=...)``
with no ``recipient_id``), a row belonging to an incident *or* a case (``task.incident_id = None`` when
it moves to a case), a document whose folder is chosen later (``DocumentCreate.folder_id:
Optional[int]``), a role assigned after the constructor commits (``m = Member(name=...)``, ``commit()``,
then ``m.role_id = ...``). A database engineer reads that code before making the key NOT NULL (SQF002)
or before letting a parent's delete take the rows with it (SQF004), and any such sign turns the fix
into a report. This module is that reading; the rules ask it, it decides nothing itself.

``ProjectUsage.scan(files, attributes, classes)`` reads the files once (a bytes prefilter: a file that
mentions none of the names is not parsed; one ``ast.parse`` per remaining file, cached by content;
files that do not parse, modules that import alembic and files under a ``versions/`` directory of
the project are skipped silently; nothing is imported), and ``null_signs(class, key, relationships)``
lists the signs for one key (asking about a name the scan was not given raises ``ValueError``: the
prefilter may have skipped the files that mention it):

- comparisons with None: ``X.key.is_(None)``, ``.is_not(None)``/``.isnot(None)``, ``== None``,
  ``!= None``, ``== null()``, ``obj.key is (not) None``, ``getattr(obj, "key") is None``,
  ``filter_by(key=None)``, ``~X.rel.has()``, a truth test (``if obj.key``, ``not obj.key``), a
  ``@validates("key")`` that tests its value against None, and SQL text (``key IS NULL``,
  ``SET key = NULL``, in any string constant, docstrings included);
- assignments that leave it None: ``obj.key = None`` (or ``= None if ... else ...``),
  ``setattr(obj, "key", None)``, ``X(key=None)``, the same for the relationships set through the key
  (``obj.post = None``, ``X(post=None)``), and bulk ``.values(key=None)`` / ``.update({X.key: None})``;
- constructors that leave it out: ``X(a=..., b=...)`` of the model (resolved through the file's
  imports: ``from app.models import Comment as C``, ``models.Comment(...)``; subclasses found in the
  scanned files count as the model) with at least one keyword, no ``*args``/``**kwargs``, no
  positional argument, and neither the key nor a relationship; and ``obj = X(...)`` saved
  (``commit()``/``flush()``) in the same function before ``obj.key``/``obj.rel`` is set;
- ``Optional[...]``, ``X | None``, ``= None`` (``Field(None)``, ``field(default=None)``, marshmallow
  ``allow_none=True``) fields named like the key on the project's non-ORM classes named after the
  model (``InviteCreate``, ``InviteBase``, ``InviteOut``; not ``InviteUpdate``/``InvitePatch``/
  ``InviteFilter``, whose fields are all optional by nature, and not ``Invitation``).

Over-reporting is the safe direction (a sign only turns a fix into a report), so where the type of
``obj`` is unknown, ``obj.key`` counts whenever the attribute has the key's name (PATCH handlers'
``if payload.team_id is not None`` included); it does not count on another model class named in
``classes`` (``Reaction.post_id`` is not ``Comment.post_id``; a class not named there counts). The
relationship names are commoner words (``user``, ``team``), so for them the receiver must be the
model or a subclass, ``self``/``cls`` in one of its methods, a local variable or an imported object
(``current_user.team is None``), but not a framework namespace (``g.user = None``, ``request.user``,
``session.user``). SQL text is matched by the attribute's name, not the column's, and only for keys.

Deliberately not seen:
- a row built where the key is set anyway: ``post.comments.append(Comment(...))`` (also ``extend``,
  ``insert``, ``add``/``add_all``, on an attribute that is not a session or repository: a local
  list's ``rows.append(Comment(...))`` and ``db.session.add(Comment(...))`` are signs),
  ``Post(comments=[Comment(...)])``, ``post.comments = [...]``, and, only when the caller names the
  parent-side attributes in ``back_references``, ``Post(pinned=Comment(...))``/``post.pinned = c``;
- ``X(**data)``, ``X(*args)``, ``X("positional")`` (a custom ``__init__`` we do not read), ``X()``
  without keywords (filled in afterwards, unless saved first), dict rows (``row["key"]``,
  ``data.get("key")``), ``filter_by(**{...})``, comments;
- data flow: ``c = Comment(...)`` followed by ``c.post_id = ...`` is read in source order within one
  function, ignoring branches and loops; an alias ``d = c`` is not followed; a constructor returned
  to a caller that sets the key counts as a sign;
- types: ``obj`` is not inferred (hence the name rule above); a subclass defined and used only in
  files that mention neither the model nor the key is not known (name it in ``classes``);
- the model's own declaration (``Optional`` annotations, ``nullable=``, ``default=None`` on the
  column): that is the rules' business, not evidence from usage.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .cache import digest as content_digest
from .project import project_root, resolved

if TYPE_CHECKING:
    from .cache import FileCache

__all__ = ["ProjectUsage", "Sign", "clear_cache"]

# Sign kinds
COMPARE = "compare"  # a comparison with None, a truth test, ~X.rel.has()
VALIDATES = "validates"  # a @validates("key") that tests its value against None
SQL = "sql"  # "key IS NULL" in a string
ASSIGN = "assign"  # obj.key = None, X(key=None), setattr(obj, "key", None), .values(key=None)
OMITTED = "omitted"  # X(...) without the key
SAVED_BEFORE_SET = "saved-before-set"  # obj = X(...); commit(); obj.key = ...
SCHEMA = "schema"  # InviteCreate.team_id: Optional[int]

_COLLECTION_METHODS = frozenset({"append", "extend", "insert", "add", "add_all"})
_SAVE_METHODS = frozenset({"commit", "flush"})
# Class methods that build a row from keywords (a base model's `create`, factory_boy's `build`).
_FACTORY_METHODS = frozenset({"create", "create_no_commit", "new", "build", "get_or_create", "create_one"})
_SESSION_NAMES = frozenset({"db", "s", "sess", "session", "dbsession", "repo", "repository", "uow"})
_SESSION_SUFFIXES = ("session", "_db", "repo", "repository", "unit_of_work")
_QUERY_FUNCTIONS = frozenset({"query", "select", "update", "insert", "delete", "join", "outerjoin"})
# Imported framework namespaces that hold anything (`g.user = None` is not about a model's `user`).
_NAMESPACES = frozenset({"g", "request", "session", "current_app", "app", "config", "settings"})
_ORM_DUNDERS = frozenset({"__tablename__", "__table__", "__abstract__", "__mapper_args__", "__table_args__"})
_ORM_CALLS = frozenset({
    "Column", "mapped_column", "relationship", "column_property", "synonym", "composite", "deferred",
    "association_proxy", "query_expression", "dynamic_loader", "Relationship",
})
_MAPPED = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})
_FIELD_CALLS = frozenset({"Field", "field", "ib", "attrib"})
# Words in a schema's name that make every field optional by nature (PATCH bodies, query filters).
_PARTIAL_WORDS = frozenset({"Update", "Patch", "Partial", "Filter", "Filters", "Query", "Search", "Params", "Edit"})
# Code that turns whole rows into data by walking a table's columns (`to_dict`, a generic serializer): a
# column added to such a table appears in what the application returns, so adding one is behaviour.
_ROW_SERIALIZER = re.compile(
    rb"__table__\.columns|__table__\.c\b|persist_selectable|\.column_attrs\b|\.mapper\.columns|"
    rb"class_mapper\([^)]*\)\.(?:columns|c\b|mapped_table)|inspect\(\w+\)\.(?:attrs|columns)"
)
_ROW_SERIALIZER_LITERALS = (b"__table__", b"persist_selectable", b"column_attrs", b"mapper", b"inspect(")
_COLUMN_LOOP = re.compile(rb"for \w+ in \w+\.c\b")  # apart: a literal prefix is searched fast, an alternation is not
# Libraries that build forms and views from the column types: String(n) is a text input limited to n,
# Text a text area without a limit, and some databases cannot sort by a TEXT column (SQF003).
_FORM_FRAMEWORKS = re.compile(
    rb"^\s*(?:from|import)\s+(flask_appbuilder|flask_admin|sqladmin|starlette_admin|wtforms_alchemy|"
    rb"wtforms_sqlalchemy)\b", re.MULTILINE
)
_FORM_LIBRARIES = (b"flask_appbuilder", b"admin", b"wtforms_")  # literals first: each is searched fast
_SQL_NULL = re.compile(
    r"""\b([A-Za-z_]\w*)["`\]]?\s+IS\s+(?:NOT\s+)?NULL\b|\b([A-Za-z_]\w*)["`\]]?\s*=\s*NULL\b""",
    re.IGNORECASE,
)
_OPTIONAL_TEXT = re.compile(r"\bOptional\[|\|\s*None\b|\bNone\s*\||\bUnion\[.*\bNone\b")
_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|\d+")
_MAX_TEXT = 80
_CACHE_SIZE = 8192


@dataclass(frozen=True)
class Sign:
    """One place in the project's code that says a key is NULL by design."""

    path: Path
    line: int
    what: str  # short human text: "`Comment.post_id.is_(None)`", "`Invite(...)` without `team_id`"
    kind: str = ""  # COMPARE, VALIDATES, SQL, ASSIGN, OMITTED, SAVED_BEFORE_SET, SCHEMA

    def __str__(self) -> str:
        return f"{self.what} at {self.path.name}:{self.line}"


# ---------------------------------------------------------------------------------------------------
# Facts read from one file. They do not depend on the names asked about, so they are cached by the
# file's content and shared between scans.


class _Use(NamedTuple):
    """`owner.attr` in a comparison with None, a truth test, an assignment of None, SQL text."""

    attr: str
    owner_kind: str  # "class" (a class, or self in its method), "import" (g, current_user), "var" (unknown)
    owner: str | None  # "class": the class; "import": the imported name
    line: int
    what: str
    kind: str


class _Construct(NamedTuple):
    """A call `X(...)` of a capitalised name."""

    cls: str  # the class name it resolves to
    spelled: str  # as written: "C", "models.Comment"
    line: int
    keywords: frozenset[str]
    none_keywords: tuple[tuple[str, str], ...]  # (keyword, rendered value) whose value may be None
    opaque: bool  # **kwargs or *args
    positional: bool
    context: str  # "collection", "scalar", "var", "free"
    attach: str | None  # "scalar": the keyword or attribute it is assigned to; "var": the variable
    scope: int
    end: tuple[int, int]


class _Event(NamedTuple):
    """Something done to a local variable: `v.attr = ...`, `post.comments.append(v)`, `v = ...`."""

    pos: tuple[int, int]
    line: int
    kind: str  # "set", "collection", "scalar", "bind"
    name: str | None  # "set": the attribute; "scalar": the keyword or attribute v is assigned to
    is_none: bool
    text: str


class _ClassFact(NamedTuple):
    name: str
    line: int
    bases: tuple[str, ...]
    orm: bool
    fields: tuple[tuple[str, int, str], ...]  # (field, line, rendered) of the optional ones


class _Save(NamedTuple):
    pos: tuple[int, int]
    line: int
    text: str


@dataclass
class _FileFacts:
    uses: list[_Use]
    constructs: list[_Construct]
    events: dict[tuple[int, str], list[_Event]]
    saves: dict[int, list[_Save]]
    classes: list[_ClassFact]
    slices: list[tuple[str, int, str]] | None = None  # (attribute, line, text): `obj.message = text[:255]`
    nones: list[tuple[str, int, str]] | None = None  # (attribute, line, text): `{"team_id": None}`, `f(team_id=None)`
    merged: list[tuple[str, int, str]] | None = None  # (class, line, text): `session.merge(entry)` of a new row


def _cut_to_length(value: ast.AST | None) -> bool:
    """`text[:255]`, `text[:MAX]`: a value cut to a length before it is stored."""
    return (
        isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice)
        and value.slice.lower is None and value.slice.upper is not None and value.slice.step is None
    )


def _says_optional(value: ast.AST | None) -> bool:
    """None itself, or a field declared optional: `UUIDField(nullable=True)`, `fields.Int(allow_none=True)`."""
    if isinstance(value, ast.Constant) and value.value is None:
        return True
    return isinstance(value, ast.Call) and any(
        k.arg in ("nullable", "allow_none") and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in value.keywords
    )


def _nones(nodes: list[ast.AST]) -> list[tuple[str, int, str]]:
    """Where a value named like a key is None, or declared optional, whatever the receiver: a dict
    `{"team_id": None}` given to the project's own `update()` or `create()`, a keyword `team_id=None` in any
    call, a versioned object's `"segment_id": UUIDField(nullable=True)`. Matched by name: over-reporting
    only turns a fix into a report."""
    found = []
    for node in nodes:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _says_optional(value):
                    found.append((key.value, value.lineno, f"{key.value!r}: {_code(value)}"))
        elif isinstance(node, ast.Call) and _project_helper(node.func):
            for keyword in node.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Constant) and keyword.value.value is None:
                    found.append((keyword.arg, keyword.value.lineno, f"{_code(node.func)}({keyword.arg}=None)"))
    return found


# Query builders and constructors are read precisely elsewhere (the receiver's class is known there).
_PRECISE_CALLS = frozenset({"filter_by", "values", "where", "filter", "having", "select", "update", "insert"})


def _project_helper(func: ast.AST) -> bool:
    """A call of the project's own helpers (`Task.create(...)`, `task.update(...)`, `save_event(...)`):
    not a class (whose constructor is read precisely), not a query builder."""
    if isinstance(func, ast.Attribute):
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return False
    if name[:1].isupper():
        return False  # a class: its constructor is read precisely
    if name == "update":  # `task.update(assigner_id=None)`, but not SQLAlchemy's `update(Task).values(...)`
        return isinstance(func, ast.Attribute) and not isinstance(func.value, ast.Call)
    return name not in _PRECISE_CALLS


_LIMIT_KEYWORDS = frozenset({"max_length", "maxLength", "maxlength", "max_len"})
_LIMIT_CALLS = frozenset({"Length", "constr", "StringConstraints", "MaxLen", "MaxLength"})


def _declares_limit(value: ast.AST | None) -> bool:
    """`Field(max_length=160)`, `fields.String(validate=Length(max=512))`, `{"type": "string", "maxLength": 160}`."""
    if isinstance(value, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in _LIMIT_KEYWORDS for k in value.keys)
    if not isinstance(value, ast.Call):
        return False
    for node in ast.walk(value):
        if isinstance(node, ast.keyword) and node.arg in _LIMIT_KEYWORDS:
            return True
        if isinstance(node, ast.Call) and _last_name(node.func) in _LIMIT_CALLS:
            return True
    return False


def _slices(nodes: list[ast.AST]) -> list[tuple[str, int, str]]:
    """Where the code keeps a value to a length: it cuts it as it is stored (`obj.attr = v[:n]`,
    `X(attr=v[:n])`, `{"attr": v[:n]}`), or a schema of the project declares the limit for a field of that
    name (Pydantic `attr: str = Field(max_length=160)`, marshmallow `attr = fields.String(validate=
    Length(max=512))`, a JSON schema `"attr": {"maxLength": 160}`): the author knows the column's limit
    and keeps to it (SQF003)."""
    found = []
    for node in nodes:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and _declares_limit(node.value) and not _is_orm_call(node.value):
            found.append((target.id, node.lineno, _code(node)))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _declares_limit(value):
                    found.append((key.value, value.lineno, f"{key.value!r}: {_code(value)}"))
        if isinstance(node, ast.Assign) and _cut_to_length(node.value):
            found += [(t.attr, node.lineno, _code(node)) for t in node.targets if isinstance(t, ast.Attribute)]
        elif isinstance(node, ast.keyword) and node.arg and _cut_to_length(node.value):
            found.append((node.arg, node.value.lineno, f"{node.arg}={_code(node.value)}"))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and _cut_to_length(value):
                    found.append((key.value, value.lineno, f"{key.value!r}: {_code(value)}"))
    return found


class _Binding(NamedTuple):
    kind: str  # "module", "from" (name: the imported name), "class", "alias" (name: the target), "other"
    name: str | None = None


class _Ctx(NamedTuple):
    scope: int
    selfmap: dict[str, str]  # first parameter of a method -> its class
    klass: str | None  # the innermost enclosing class
    validates: tuple[tuple[str, ...], str | None, str | None] | None  # (names, value parameter, class)


_CACHE: dict[bytes, _FileFacts | None] = {}


def clear_cache() -> None:
    """Forget every file read so far (the cache is keyed by content, so it is never stale)."""
    _CACHE.clear()


def _code(node: ast.AST) -> str:
    try:
        text = " ".join(ast.unparse(node).split())
    except (RecursionError, ValueError, AttributeError):  # pragma: no cover - unparse of odd trees
        text = "..."
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return None


def _is_none(node: ast.AST | None) -> bool:
    """`None`, `null()`, `sa.null()`."""
    if isinstance(node, ast.Constant):
        return node.value is None
    return isinstance(node, ast.Call) and not node.args and _last_name(node.func) == "null"


def _may_be_none(node: ast.AST | None) -> bool:
    """`None`, or a conditional with a None branch: `post.id if post else None`."""
    if isinstance(node, ast.IfExp):
        return _may_be_none(node.body) or _may_be_none(node.orelse)
    return _is_none(node)


def _attr_ref(node: ast.AST) -> tuple[ast.AST, str] | None:
    """(owner, attribute) of `owner.attr` or `getattr(owner, "attr"[, default])`."""
    if isinstance(node, ast.Attribute):
        return node.value, node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[0], node.args[1].value
    return None


def _is_session_like(receiver: ast.AST) -> bool:
    name = (_last_name(receiver) or "").lower()
    return name in _SESSION_NAMES or name.endswith(_SESSION_SUFFIXES)


def _is_collection_call(call: ast.AST) -> bool:
    """`post.comments.append(...)` and kin: a method of an attribute that is not a session's."""
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in _COLLECTION_METHODS
        and isinstance(call.func.value, ast.Attribute)
        and not _is_session_like(call.func.value)
    )


def _optional_annotation(node: ast.AST | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return node.value is None or (isinstance(node.value, str) and bool(_OPTIONAL_TEXT.search(node.value)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _optional_annotation(node.left) or _optional_annotation(node.right)
    if isinstance(node, ast.Subscript):
        head = _last_name(node.value)
        inner = node.slice
        elements = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        if head == "Optional":
            return True
        if head == "Union":
            return any(_optional_annotation(e) for e in elements)
        if head == "Annotated" and elements:
            return _optional_annotation(elements[0])
    return False


def _default_none(node: ast.AST | None) -> bool:
    """`= None`, `= Field(None)`, `= Field(default=None)`, `= field(default=None)`, `= attr.ib(default=None)`."""
    if node is None:
        return False
    if _is_none(node):
        return True
    if isinstance(node, ast.Call) and _last_name(node.func) in _FIELD_CALLS:
        if node.args and _is_none(node.args[0]):
            return True
        return any(k.arg == "default" and _is_none(k.value) for k in node.keywords)
    return False


def _marshmallow_optional(node: ast.AST | None) -> bool:
    """`fields.Integer(allow_none=True)`, `load_default=None`, `missing=None`."""
    if not isinstance(node, ast.Call):
        return False
    for k in node.keywords:
        if k.arg == "allow_none" and isinstance(k.value, ast.Constant) and k.value.value is True:
            return True
        if k.arg in ("load_default", "missing") and _is_none(k.value):
            return True
    return False


def _is_orm_call(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and _last_name(node.func) in _ORM_CALLS


def _mentions_mapped(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in _MAPPED:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in _MAPPED:
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and "Mapped[" in sub.value:
            return True
    return False


_NOT_CHILDREN = frozenset({"ctx", "op", "ops"})  # Load/Store, operators: leaves we never look at
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes`, without the context and operator leaves (a third of a tree's nodes)."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _NOT_CHILDREN)
    children: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            children.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            children.append(value)
    return children


def _is_alembic(module: str | None) -> bool:
    return module is not None and (module == "alembic" or module.startswith("alembic."))


def _bindings(tree: ast.Module, nodes: list[ast.AST]) -> dict[str, _Binding] | None:
    """What the file's names are bound to: imports anywhere (lazy imports in functions included),
    classes anywhere, and module-level assignments (`C = Comment` is an alias). None for a module
    that imports alembic: a migration script, whose NULLs are about old schemas."""
    bindings: dict[str, _Binding] = {}
    classes: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_alembic(alias.name):
                    return None
                bindings.setdefault(alias.asname or alias.name.split(".")[0], _Binding("module"))
        elif isinstance(node, ast.ImportFrom):
            if not node.level and _is_alembic(node.module):
                return None
            for alias in node.names:
                if alias.name != "*":
                    bindings.setdefault(alias.asname or alias.name, _Binding("from", alias.name))
        elif isinstance(node, ast.ClassDef):
            classes.append(node.name)
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in bindings:
                    if isinstance(statement.value, ast.Name) and statement.value.id != target.id:
                        bindings[target.id] = _Binding("alias", statement.value.id)
                    else:
                        bindings[target.id] = _Binding("other")
    for name in classes:
        bindings[name] = _Binding("class")
    return bindings


class _Reader:
    """One pass over one module's tree, collecting `_FileFacts`."""

    def __init__(self, tree: ast.Module, bindings: dict[str, _Binding]) -> None:
        self.tree = tree
        self.bindings = bindings
        self.parent: dict[int, ast.AST] = {}
        self.uses: list[_Use] = []
        self.constructs: list[_Construct] = []
        self.events: dict[tuple[int, str], list[_Event]] = defaultdict(list)
        self.saves: dict[int, list[_Save]] = defaultdict(list)
        self.classes: list[_ClassFact] = []
        self.merges: list[tuple[int, str | None, str | None, int, str]] = []  # (scope, variable, class, line, text)
        self._tested: set[int] = set()
        self._scopes = 0

    # -- names -------------------------------------------------------------------------------------

    def _class_name(self, node: ast.AST, ctx: _Ctx | None = None, depth: int = 0) -> str | None:
        """The class a callee or receiver names: `C` imported as `Comment as C` is "Comment",
        `models.Comment` with `models` imported is "Comment", `cls` in a classmethod is its class."""
        if isinstance(node, ast.Name):
            if ctx is not None and node.id in ctx.selfmap:
                return ctx.selfmap[node.id]
            binding = self.bindings.get(node.id)
            if binding is None or binding.kind == "class":
                return node.id
            if binding.kind == "from":
                return binding.name
            if binding.kind == "alias" and depth < 10 and binding.name:
                return self._class_name(ast.Name(binding.name), None, depth + 1)
            return None
        if isinstance(node, ast.Attribute):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                binding = self.bindings.get(root.id)
                if binding is not None and binding.kind in ("module", "from"):
                    return node.attr
        return None

    def _owner(self, node: ast.AST, ctx: _Ctx) -> tuple[str, str | None]:
        """What the receiver of `receiver.attr` is: ("class", name), ("import", name) for an imported
        object (`g`, `request`, `current_user`), or ("var", None) for anything else."""
        if isinstance(node, ast.Name):
            if node.id in ctx.selfmap:
                return ("class", ctx.selfmap[node.id])
            binding = self.bindings.get(node.id)
            if binding is None:
                return ("class", node.id) if node.id[:1].isupper() else ("var", None)
            if binding.kind == "class":
                return ("class", node.id)
            if binding.kind == "from":
                return ("class", binding.name) if (binding.name or "")[:1].isupper() else ("import", node.id)
            if binding.kind == "module":
                return ("import", node.id)
            if binding.kind == "alias":
                name = self._class_name(node)
                return ("class", name) if name and name[:1].isupper() else ("var", None)
            return ("var", None)
        if isinstance(node, ast.Attribute):
            name = self._class_name(node)
            if name and name[:1].isupper():
                return ("class", name)
            return ("var", None)
        if isinstance(node, ast.Call) and _last_name(node.func) == "aliased" and node.args:
            return self._owner(node.args[0], ctx)
        return ("var", None)

    def _chain_owner(self, node: ast.AST, ctx: _Ctx) -> tuple[str, str | None]:
        """The model a query chain is about: `session.query(Comment).filter_by(...)`,
        `update(Comment).values(...)`, `Comment.query.filter_by(...)`, the last `.join(Comment)`
        (where `filter_by` looks); else ("var", None)."""
        current: ast.AST | None = node
        for _ in range(100):
            if isinstance(current, ast.Call):
                func = current.func
                if _last_name(func) in _QUERY_FUNCTIONS and current.args:
                    first = current.args[0]
                    owner = self._owner(first, ctx)
                    if owner[0] != "class" and isinstance(first, ast.Attribute):
                        owner = self._owner(first.value, ctx)
                    if owner[0] == "class":
                        return owner
                current = func.value if isinstance(func, ast.Attribute) else None
            elif isinstance(current, ast.Attribute):
                if current.attr == "query":
                    owner = self._owner(current.value, ctx)
                    if owner[0] == "class":
                        return owner
                current = current.value
            elif isinstance(current, (ast.Subscript, ast.Await)):
                current = current.value
            else:
                break
        return ("var", None)

    def _attachment(self, node: ast.AST) -> tuple[str, str | None]:
        """Where a constructed object (or a variable holding one) goes: into a parent's collection
        ("collection"), onto a keyword or attribute ("scalar", its name), into a variable ("var",
        its name), or anywhere else ("free")."""
        parent = self.parent.get(id(node))
        container = parent if (
            isinstance(parent, (ast.List, ast.Tuple, ast.Set))
            or (isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and parent.elt is node)
            or (isinstance(parent, ast.Dict) and any(v is node for v in parent.values))
            or (isinstance(parent, ast.DictComp) and parent.value is node)
        ) else None
        if container is not None:
            holder = self.parent.get(id(container))
            if isinstance(holder, ast.keyword):
                return ("collection", holder.arg)
            if _is_collection_call(holder) and any(a is container for a in holder.args):
                return ("collection", None)
            if isinstance(holder, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and holder.value is container:
                targets = holder.targets if isinstance(holder, ast.Assign) else [holder.target]
                if any(isinstance(t, ast.Attribute) for t in targets):
                    return ("collection", None)
            return ("free", None)
        if _is_collection_call(parent) and any(a is node for a in parent.args):
            return ("collection", None)
        if isinstance(parent, ast.keyword) and parent.arg:
            return ("scalar", parent.arg)
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) == 1:
                if isinstance(targets[0], ast.Name):
                    return ("var", targets[0].id)
                if isinstance(targets[0], ast.Attribute):
                    return ("scalar", targets[0].attr)
        if isinstance(parent, ast.NamedExpr) and parent.value is node:
            return ("var", parent.target.id)
        return ("free", None)

    # -- the walk ----------------------------------------------------------------------------------

    def read(self) -> _FileFacts:
        handlers = {
            ast.Compare: self._compare,
            ast.Call: self._call,
            ast.Assign: self._assign,
            ast.AnnAssign: self._assign,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.If: self._if,
            ast.While: self._if,
            ast.IfExp: self._if,
            ast.comprehension: self._comprehension,
            ast.UnaryOp: self._unary,
            ast.Name: self._name,
            ast.ClassDef: self._class,
            ast.Constant: self._sql,
        }
        scoping = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        parent = self.parent
        stack: list[tuple[ast.AST, _Ctx]] = [(self.tree, _Ctx(0, {}, None, None))]
        while stack:
            node, ctx = stack.pop()
            handler = handlers.get(type(node))
            if handler is not None:
                handler(node, ctx)
            inner = self._inner_ctx(node, ctx) if isinstance(node, scoping) else ctx
            children = _children(node)
            for child in reversed(children):
                parent[id(child)] = node
                stack.append((child, inner))
        merged = [(built, line, text) for _, _, built, line, text in self.merges if built]
        merged += [(call.cls, line, text) for scope, variable, _, line, text in self.merges if variable
                   for call in self.constructs if call.scope == scope and call.context == "var" and call.attach == variable]
        return _FileFacts(self.uses, self.constructs, dict(self.events), dict(self.saves), self.classes, merged=merged)

    def _inner_ctx(self, node: ast.AST, ctx: _Ctx) -> _Ctx:
        if isinstance(node, ast.ClassDef):
            self._scopes += 1
            return _Ctx(self._scopes, ctx.selfmap, node.name, None)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return ctx
        self._scopes += 1
        arguments = node.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
        every = {*positional, *(a.arg for a in arguments.kwonlyargs)}
        every.update(a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None)
        selfmap = {k: v for k, v in ctx.selfmap.items() if k not in every}
        validates = ctx.validates
        parent = self.parent.get(id(node))
        if not isinstance(node, ast.Lambda):
            decorators = [_last_name(d) for d in node.decorator_list]
            if isinstance(parent, ast.ClassDef) and positional and "staticmethod" not in decorators:
                selfmap[positional[0]] = parent.name
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and _last_name(decorator.func) == "validates":
                    names = tuple(
                        a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
                    value = positional[2] if len(positional) >= 3 else (positional[-1] if positional else None)
                    validates = (names, value, parent.name if isinstance(parent, ast.ClassDef) else ctx.klass)
        return _Ctx(self._scopes, selfmap, ctx.klass, validates)

    def _for(self, node: ast.For | ast.AsyncFor, ctx: _Ctx) -> None:
        for target in ast.walk(node.target):
            if isinstance(target, ast.Name):
                self._event(ctx, target.id, node, "bind", None, False)

    def _if(self, node: ast.If | ast.While | ast.IfExp, ctx: _Ctx) -> None:
        self._truth_test(node.test, ctx, "if")

    def _comprehension(self, node: ast.comprehension, ctx: _Ctx) -> None:
        for test in node.ifs:
            self._truth_test(test, ctx, "if")

    def _unary(self, node: ast.UnaryOp, ctx: _Ctx) -> None:
        if isinstance(node.op, ast.Not):
            self._truth_test(node, ctx, "not")
        elif isinstance(node.op, ast.Invert):
            self._has_none(node.operand, node, ctx)

    def _name(self, node: ast.Name, ctx: _Ctx) -> None:
        if isinstance(node.ctx, ast.Load):
            kind, name = self._attachment(node)
            if kind in ("collection", "scalar"):
                self._event(ctx, node.id, node, kind, name, False, self.parent.get(id(node)))

    def _use(self, attr: str, owner: tuple[str, str | None], node: ast.AST, what: str, kind: str) -> None:
        self.uses.append(_Use(attr, owner[0], owner[1], node.lineno, what, kind))

    def _event(
        self, ctx: _Ctx, var: str, node: ast.AST, kind: str, name: str | None, is_none: bool,
        shown: ast.AST | None = None,
    ) -> None:
        text = "" if kind == "bind" else _code(shown if shown is not None else node)
        self.events[(ctx.scope, var)].append(_Event(_pos(node), node.lineno, kind, name, is_none, text))

    def _validates_use(self, node: ast.AST, ctx: _Ctx, value: ast.AST) -> bool:
        if ctx.validates is None or not isinstance(value, ast.Name) or value.id != ctx.validates[1]:
            return False
        names, parameter, klass = ctx.validates
        owner = ("class", klass) if klass else ("var", None)
        for name in names:
            self._use(name, owner, node, f"`@validates({name!r})` tests `{parameter}` against None", VALIDATES)
        return True

    def _compare(self, node: ast.Compare, ctx: _Ctx) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)):
                for value, other in ((left, right), (right, left)):
                    if not _is_none(other):
                        continue
                    ref = _attr_ref(value)
                    if ref is not None:
                        self._use(ref[1], self._owner(ref[0], ctx), node, f"`{_code(node)}`", COMPARE)
                    else:
                        self._validates_use(node, ctx, value)
                    break
            left = right

    def _truth_test(self, test: ast.AST, ctx: _Ctx, how: str) -> None:
        pending = [(test, how)]
        while pending:
            expr, how = pending.pop()
            if isinstance(expr, ast.BoolOp):
                pending.extend((value, how) for value in expr.values)
            elif isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
                pending.append((expr.operand, "not"))
            elif id(expr) not in self._tested:
                self._tested.add(id(expr))
                ref = _attr_ref(expr)
                if ref is not None:
                    self._use(ref[1], self._owner(ref[0], ctx), expr, f"`{how} {_code(expr)}`", COMPARE)
                elif isinstance(expr, ast.Name):
                    self._validates_use(expr, ctx, expr)

    def _has_none(self, operand: ast.AST, node: ast.AST, ctx: _Ctx) -> None:
        """`~Comment.post.has()`, `not_(Comment.post.has())`: rows without one."""
        if (
            isinstance(operand, ast.Call)
            and isinstance(operand.func, ast.Attribute)
            and operand.func.attr == "has"
            and not operand.args
            and not operand.keywords
        ):
            ref = _attr_ref(operand.func.value)
            if ref is not None:
                self._use(ref[1], self._owner(ref[0], ctx), node, f"`{_code(node)}`", COMPARE)

    def _call(self, node: ast.Call, ctx: _Ctx) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("is_", "is_not", "isnot") and len(node.args) == 1 and _is_none(node.args[0]):
                ref = _attr_ref(func.value)
                if ref is not None:
                    self._use(ref[1], self._owner(ref[0], ctx), node, f"`{_code(node)}`", COMPARE)
            elif method == "filter_by":
                owner = self._chain_owner(func.value, ctx)
                for keyword in node.keywords:
                    if keyword.arg and _is_none(keyword.value):
                        self._use(keyword.arg, owner, node, f"`{_code(node)}`", COMPARE)
            elif method in ("values", "update"):
                self._bulk(node, ctx)
            elif method in _SAVE_METHODS:
                self.saves[ctx.scope].append(_Save(_pos(node), node.lineno, _code(node)))
            elif method == "merge" and len(node.args) == 1 and not node.keywords:
                # `session.merge(Entry(...))`, `entry = Entry(...); session.merge(entry)`: rows upserted by key
                argument = node.args[0]
                built = self._class_name(argument.func, ctx) if isinstance(argument, ast.Call) else None
                variable = argument.id if isinstance(argument, ast.Name) else None
                if built or variable:
                    self.merges.append((ctx.scope, variable, built, node.lineno, _code(node)))
        elif isinstance(func, ast.Name):
            if func.id == "setattr" and len(node.args) >= 3:
                target, name, value = node.args[:3]
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    if _may_be_none(value):
                        self._use(name.value, self._owner(target, ctx), node, f"`{_code(node)}`", ASSIGN)
                    if isinstance(target, ast.Name):
                        self._event(ctx, target.id, node, "set", name.value, _may_be_none(value))
            elif func.id in _SAVE_METHODS:
                self.saves[ctx.scope].append(_Save(_pos(node), node.lineno, _code(node)))
            elif func.id == "not_" and len(node.args) == 1:
                self._has_none(node.args[0], node, ctx)
        self._construct(node, ctx)

    def _bulk(self, node: ast.Call, ctx: _Ctx) -> None:
        """`update(Comment).values(post_id=None)`, `query.update({Comment.post_id: None})`."""
        owner = self._chain_owner(node.func.value, ctx)  # type: ignore[attr-defined]
        for keyword in node.keywords:
            if keyword.arg and _may_be_none(keyword.value):
                self._use(keyword.arg, owner, node, f"`{_code(node)}`", ASSIGN)
        for argument in node.args:
            if not isinstance(argument, ast.Dict):
                continue
            for key, value in zip(argument.keys, argument.values):
                if key is None or not _may_be_none(value):
                    continue
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._use(key.value, owner, node, f"`{_code(node)}`", ASSIGN)
                elif (ref := _attr_ref(key)) is not None:
                    self._use(ref[1], self._owner(ref[0], ctx), node, f"`{_code(node)}`", ASSIGN)

    def _construct(self, node: ast.Call, ctx: _Ctx) -> None:
        name = self._class_name(node.func, ctx)
        if isinstance(node.func, ast.Attribute) and node.func.attr in _FACTORY_METHODS:
            # `Subscription.create(person_id=..., task_id=...)`: a base's factory that builds and saves the row
            name = self._class_name(node.func.value, ctx) or name
        if not name or not name[:1].isupper():
            return
        keywords = frozenset(k.arg for k in node.keywords if k.arg)
        none_keywords = tuple(
            (k.arg, _code(k.value)) for k in node.keywords if k.arg and _may_be_none(k.value)
        )
        opaque = any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args)
        context, attach = self._attachment(node)
        self.constructs.append(
            _Construct(
                name, _code(node.func), node.lineno, keywords, none_keywords, opaque, bool(node.args),
                context, attach, ctx.scope, _end(self.parent[id(node)] if context == "var" else node),
            )
        )

    def _assign(self, node: ast.Assign | ast.AnnAssign, ctx: _Ctx) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        pairs: list[tuple[ast.AST, ast.AST | None]] = []
        for target in targets:
            if (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(node.value, (ast.Tuple, ast.List))
                and len(target.elts) == len(node.value.elts)
            ):
                pairs.extend(zip(target.elts, node.value.elts))
            elif isinstance(target, (ast.Tuple, ast.List)):
                pairs.extend((element, None) for element in target.elts)
            else:
                pairs.append((target, node.value))
        for target, value in pairs:
            if isinstance(target, ast.Starred):
                target = target.value
            if isinstance(target, ast.Attribute):
                is_none = value is not None and _may_be_none(value)
                if is_none:
                    shown = f"`{_code(target)} = {_code(value)}`"  # type: ignore[arg-type]
                    self._use(target.attr, self._owner(target.value, ctx), node, shown, ASSIGN)
                if isinstance(target.value, ast.Name):
                    self._event(ctx, target.value.id, node, "set", target.attr, is_none)
            elif isinstance(target, ast.Name):
                self._event(ctx, target.id, node, "bind", None, False)

    def _class(self, node: ast.ClassDef, ctx: _Ctx) -> None:
        bases = tuple(n for n in (self._class_name(b) or _last_name(b) for b in node.bases) if n)
        orm = any(
            k.arg == "table" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords
        )
        fields: list[tuple[str, int, str]] = []
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                name, value = statement.target.id, statement.value
                if name in _ORM_DUNDERS or _mentions_mapped(statement.annotation) or _is_orm_call(value):
                    orm = True
                elif _optional_annotation(statement.annotation):
                    fields.append((name, statement.lineno, f"`{node.name}.{name}: {_code(statement.annotation)}`"))
                elif _default_none(value) or _marshmallow_optional(value):
                    shown = f"`{node.name}.{name}: {_code(statement.annotation)} = {_code(value)}`"  # type: ignore[arg-type]
                    fields.append((name, statement.lineno, shown))
            elif isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if not isinstance(target, ast.Name):
                        continue
                    value = statement.value
                    if target.id in _ORM_DUNDERS or _is_orm_call(value):
                        orm = True
                    elif _marshmallow_optional(value):
                        fields.append((target.id, statement.lineno, f"`{node.name}.{target.id} = {_code(value)}`"))
        self.classes.append(_ClassFact(node.name, node.lineno, bases, orm, tuple(fields)))

    def _sql(self, node: ast.Constant, ctx: _Ctx) -> None:
        text = node.value
        if not isinstance(text, str) or "null" not in text.lower():
            return
        for match in _SQL_NULL.finditer(text):
            name = match.group(1) or match.group(2)
            self._use(name, ("var", None), node, f"SQL `{' '.join(match.group(0).split())}`", SQL)


def _remember(digest: bytes, facts: _FileFacts | None) -> None:
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[digest] = facts


def _read_content(data: bytes, path: Path, lengths_only: bool = False) -> _FileFacts | None:
    """The facts of one file's content (only its length evidence, `_slices`, when `lengths_only`); None
    for what does not parse and for migration scripts."""
    facts: _FileFacts | None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(data, filename=str(path))
        nodes = list(ast.walk(tree))  # walked once, for the three readers that look at every node
        bindings = _bindings(tree, nodes)  # None for a migration script
        if bindings is None or lengths_only:
            return None if bindings is None else _FileFacts([], [], {}, {}, [], slices=_slices(nodes))
        facts = _Reader(tree, bindings).read()
        if facts is not None:
            facts.slices = _slices(nodes)
            facts.nones = _nones(nodes)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        facts = None
    return facts


def _read_batch(batch: list[tuple[str, bool]]) -> list[_FileFacts | None]:
    """The facts of several files (in a worker process), each read again: the scan keeps no contents."""
    facts = []
    for path, lengths_only in batch:
        try:
            data = Path(path).read_bytes()
        except OSError:
            facts.append(None)
            continue
        facts.append(_read_content(data, Path(path), lengths_only))
    return facts


def _trie_pattern(words: list[bytes]) -> bytes:
    """One regular expression matching any of `words`, as a trie (`team_(?:id|name)`): Python's
    regular expressions try the alternatives of a flat `a|b|c` one by one at every position."""
    trie: dict = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = True

    def pattern(node: dict) -> bytes:
        branches = [re.escape(bytes([byte])) + pattern(node[byte]) for byte in sorted(k for k in node if k is not None)]
        if not branches:
            return b""
        if None in node:  # a word ends here: what follows is optional (a match of the shorter word)
            return b"(?:" + b"|".join(branches) + b")?"
        return branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"

    return pattern(trie)


_MISSING = object()
_BATCH = 64  # contents per task: few enough round trips, enough tasks to share between workers


def _read_all(contents: list[tuple[str, bool]], jobs: int, progress=None) -> list[_FileFacts | None]:
    """The facts of every content, in order: in `jobs` worker processes where there are enough to share."""
    batches = [contents[start : start + _BATCH] for start in range(0, len(contents), _BATCH)]
    if jobs <= 1 or len(contents) < 2 * _BATCH:
        results = []
        for batch in batches:
            results += _read_batch(batch)
            if progress is not None:
                progress.advance(len(batch))
        return results
    from .workers import map_in_processes

    def done(batch) -> None:
        if progress is not None:
            progress.advance(len(batch))

    return [facts for batch in map_in_processes(_read_batch, batches, jobs, done) for facts in batch]


PLAIN, RELATIONSHIP, LENGTH = "plain", "relationship", "length"  # kinds of names a scan looks for
FULL, LENGTHS = "full", "lengths"  # how much of a file is read: every fact, or only its length evidence


class _Patterns(NamedTuple):
    """What makes a file worth parsing (see `_patterns_of`)."""

    words: bytes | None  # a regular expression matching any name looked for
    kinds: dict[bytes, frozenset[str]]  # each name's kinds: where it must occur to be worth a parse
    models: bytes | None  # any model's name (with `merge(` in the file)
    max_file_size: int | None

    def fingerprint(self) -> bytes:
        kinds = b";".join(word + b"=" + ",".join(sorted(kinds)).encode() for word, kinds in sorted(self.kinds.items()))
        parts = [self.words or b"", kinds, self.models or b"", str(self.max_file_size).encode()]
        return content_digest(b"\0".join(parts))

    def wanted(self, data: bytes) -> str | None:
        """FULL when the file is to be read for every fact, LENGTHS when only for length evidence (a
        length-limited name is all it may be about), None when it says nothing about the names."""
        lengths = False
        if self.words is not None:
            limited: bool | None = None
            for match in re.finditer(self.words, data):
                kinds = self.kinds[match.group()]
                if PLAIN in kinds:
                    return FULL
                start, end = match.span()
                if (start and data[start - 1] in _WORD_BYTES) or (end < len(data) and data[end] in _WORD_BYTES):
                    continue  # part of a longer name: every form below is the name on its own
                if RELATIONSHIP in kinds and _relationship_form(data, start, end):
                    return FULL
                if not lengths and LENGTH in kinds and _length_form(data, start, end):
                    if limited is None:
                        limited = _LIMIT_MARK.search(data) is not None
                    lengths = limited
        if self.models is not None and b"merge(" in data and re.search(self.models, data) is not None:
            return FULL
        return LENGTHS if lengths else None


# Where a value is cut to a length or a limit declared (`v[:255]`, `max_length=`, `Length(max=...)`,
# `constr(...)`): `_slices` finds no length evidence in a file without one of them.
_LIMIT_MARK = re.compile(rb"\[[\s\\]*:|max_len|maxLength|maxlength|Length|constr|StringConstraints|MaxLen")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | frozenset(range(128, 256))
_GAP_BYTES = frozenset(b" \t\r\n\f\\")  # blanks, newlines inside brackets, backslash continuations
_QUOTES = frozenset(b"\"'")


def _after(data: bytes, end: int) -> int | None:
    """The first byte after `end` that is not blank (or a line continuation)."""
    while end < len(data) and data[end] in _GAP_BYTES:
        end += 1
    return data[end] if end < len(data) else None


def _before(data: bytes, start: int) -> int | None:
    start -= 1
    while start >= 0 and data[start] in _GAP_BYTES:
        start -= 1
    return data[start] if start >= 0 else None


def _quoted(data: bytes, start: int, end: int) -> bool:
    return start > 0 and end < len(data) and data[start - 1] in _QUOTES and data[end] in _QUOTES


def _relationship_form(data: bytes, start: int, end: int) -> bool:
    """`obj.post` (comparisons, truth tests, assignments), `post=` (keywords, `filter_by`), `"post"`
    (`getattr`, `setattr`, `@validates`)."""
    return _before(data, start) == ord(".") or _after(data, end) == ord("=") or _quoted(data, start, end)


def _length_form(data: bytes, start: int, end: int) -> bool:
    """A target or key where a value is stored or declared: `obj.body =`, `body=`, `body: str =`, `"body":`."""
    return _after(data, end) in (ord("="), ord(":")) or (_quoted(data, start, end) and _after(data, end + 1) == ord(":"))


def _patterns_of(keys: Collection[str], relationships: Collection[str], lengths: Collection[str],
                 classes: Collection[str], models: Collection[str], max_file_size: int | None) -> _Patterns:
    """The byte patterns of a scan. A file is parsed when it could hold a fact about a name asked about;
    each kind of name has a form that is a superset of the code the readers below turn into facts for it
    (tested on every fixture, tests/test_usage.py):
    - keys and classes (plain): the name anywhere (SQL text, schemas named after a model, subclasses);
    - relationships: `obj.post`, `post=`, `"post"` (see `_relationship_form`); a name in prose is not code;
    - length-limited names: `obj.body =`, `body=`, `body:`, `"body":` (`_length_form`), in a file that
      cuts a value (`[:`) or declares a limit.
    A name of a narrower kind that contains a plain name is plain: one pass of one expression finds every
    name (matches do not overlap), and a plain name inside a longer match must not be missed."""
    plain = {n for n in (*keys, *classes) if n}
    kinds: dict[str, set[str]] = {name: {PLAIN} for name in plain}
    for kind, names in ((RELATIONSHIP, relationships), (LENGTH, lengths)):
        for name in names:
            if name and name not in plain:
                kinds.setdefault(name, set()).add(PLAIN if any(p in name for p in plain) else kind)
    words = sorted(kinds, key=len, reverse=True)
    every_model = sorted({n for n in models if n}, key=len, reverse=True)
    return _Patterns(
        _trie_pattern([w.encode() for w in words]) if words else None,
        {name.encode(): frozenset(found) for name, found in kinds.items()},
        _trie_pattern([n.encode() for n in every_model]) if every_model else None,
        max_file_size,
    )


class _Look(NamedTuple):
    """What the bytes of one file say, before any parse."""

    key: bytes | None  # the key of its facts (content digest and depth) if it is to be read, else None
    serializer: tuple[int, str] | None  # (line, text) of code that turns whole rows into data
    forms: tuple[int, str] | None  # (line, text) of an import of a library that builds forms from columns


def _look(data: bytes, patterns: _Patterns) -> _Look:
    if patterns.max_file_size is not None and len(data) > patterns.max_file_size:
        return _Look(None, None, None)  # not read for evidence, like a file that mentions no name
    serializer = forms = None
    found = [match for match in (
        _ROW_SERIALIZER.search(data) if any(literal in data for literal in _ROW_SERIALIZER_LITERALS) else None,
        _COLUMN_LOOP.search(data),
    ) if match is not None]
    if found:
        first = min(found, key=lambda match: match.start())
        serializer = (data.count(b"\n", 0, first.start()) + 1, f"`{first.group().decode(errors='replace')}`")
    if any(name in data for name in _FORM_LIBRARIES) and (match := _FORM_FRAMEWORKS.search(data)) is not None:
        forms = (data.count(b"\n", 0, match.start()) + 1, f"`{match.group().decode(errors='replace')}`")
    depth = patterns.wanted(data)
    return _Look(None if depth is None else content_digest(data) + depth.encode(), serializer, forms)


def _look_batch(task: tuple[list[str], _Patterns]) -> list[_Look | None]:
    """What the bytes of several files say (in a worker process); None for a file that cannot be read."""
    paths, patterns = task
    looks = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError:
            looks.append(None)
            continue
        looks.append(_look(data, patterns))
    return looks


_LOOK_BATCH = 256  # files per task: their bytes are only looked at, far faster than parsed


def _look_all(paths: list[tuple[Path, Path]], patterns: _Patterns, cache: "FileCache | None", jobs: int,
              progress=None) -> list[_Look | None]:
    """What each file's bytes say, in order. A file whose size and modification time are those the cache's
    index recorded under the same patterns is not read again (ruff's cache trusts the same signs). `paths`
    are (path, resolved path) pairs; the index knows a file by the latter."""
    fingerprint = patterns.fingerprint()
    index = cache.index() if cache is not None else {}
    looks: list[_Look | None] = [None] * len(paths)
    stats: list[tuple[int, int] | None] = [None] * len(paths)
    unknown: list[int] = []
    for position, (path, key) in enumerate(paths):
        try:
            status = os.stat(path)
        except OSError:
            continue
        stats[position] = (status.st_size, status.st_mtime_ns)
        entry = index.get(str(key))
        try:
            if entry[:3] == (status.st_size, status.st_mtime_ns, fingerprint):
                looks[position] = _Look(*entry[3])
                continue
        except TypeError:  # no entry, or not one of ours
            pass
        unknown.append(position)
    if progress is not None:
        progress.stage("looking through the project's files", len(unknown))
    names = [str(paths[position][0]) for position in unknown]
    batches = [(names[start : start + _LOOK_BATCH], patterns) for start in range(0, len(names), _LOOK_BATCH)]

    def done(batch) -> None:
        if progress is not None:
            progress.advance(len(batch))

    if jobs <= 1 or len(batches) < 2:
        found = []
        for batch in batches:
            found.append(_look_batch(batch))
            done(found[-1])
    else:
        from .workers import map_in_processes

        found = map_in_processes(_look_batch, batches, jobs, done)
    for position, look in zip(unknown, (look for batch in found for look in batch), strict=True):
        looks[position] = look
    if cache is not None:
        cache.set_index({
            str(key): (*status, fingerprint, tuple(look))
            for (_, key), status, look in zip(paths, stats, looks, strict=True) if status is not None and look is not None
        })
    return looks


def _unique_paths(files: Iterable[Path]) -> list[tuple[Path, Path]]:
    """Each file once, with its resolved path; migrations left out."""
    seen: set[Path] = set()
    paths = []
    for path in files:
        path = Path(path)
        try:
            key = resolved(path)
        except (OSError, RuntimeError):
            continue
        if key in seen or _in_versions_directory(key):
            continue
        seen.add(key)
        paths.append((path, key))
    return paths


def _in_versions_directory(resolved: Path) -> bool:
    """An Alembic revision: a file under a `versions/` directory of its project (a checkout that
    happens to live under some `versions/` directory is not one)."""
    try:
        relative = resolved.relative_to(project_root(resolved.parent))
    except (OSError, ValueError, RuntimeError):
        return "versions" in resolved.parts[:-1]
    return "versions" in relative.parts[:-1]


def _matches_model(schema: str, model: str) -> int:
    """Where `model` occurs in `schema` as whole CamelCase words (`Invite` in `InviteCreate` and
    `TeamInvite`, not in `Invitation`); -1 if it does not."""
    start = schema.find(model)
    while start != -1:
        end = start + len(model)
        if end == len(schema) or not schema[end].islower():
            return start
        start = schema.find(model, start + 1)
    return -1


class ProjectUsage:
    """The signs, in a project's code, that foreign keys are NULL by design. Build it with `scan`."""

    def __init__(
        self, files: list[tuple[Path, _FileFacts]], attributes: Collection[str], classes: Collection[str],
        known_classes: Collection[str] = (), *, relationships: Collection[str] = (), lengths: Collection[str] = (),
    ) -> None:
        self._files = files
        self.row_serializer: Sign | None = None  # where the code turns whole rows into data (see _ROW_SERIALIZER)
        self.form_framework: Sign | None = None  # where it imports a library that builds forms from columns
        self._attributes = frozenset(attributes)  # scanned as any kind of name
        self._relationships = self._attributes | frozenset(relationships)
        self._lengths = self._attributes | frozenset(lengths)
        self._asked = frozenset(classes)
        self._classes = frozenset(classes) | frozenset(known_classes)
        self._bases: dict[str, set[str]] = defaultdict(set)
        self._ancestry: dict[str, frozenset[str]] = {}
        self._models_in: dict[str, list[str]] = {}  # schema class -> the model names in its name
        # Indexes, so that a query reads only what is about its names.
        self._uses: dict[str, list[tuple[Path, _Use]]] = defaultdict(list)
        self._constructs: dict[str, list[tuple[Path, _FileFacts, _Construct]]] = defaultdict(list)
        self._schemas: list[tuple[Path, _ClassFact]] = []
        # (path, line, text) by attribute (or class, for merges), in file order: queries ask per name
        self._slices: dict[str, list[tuple[Path, int, str]]] = defaultdict(list)
        self._nones: dict[str, list[tuple[Path, int, str]]] = defaultdict(list)
        self._merges: dict[str, list[tuple[Path, int, str]]] = defaultdict(list)
        for path, facts in files:
            for name, line, text in facts.slices or ():
                self._slices[name].append((path, line, text))
            for name, line, text in facts.nones or ():
                self._nones[name].append((path, line, text))
            for name, line, text in facts.merged or ():
                self._merges[name].append((path, line, text))
            for use in facts.uses:
                self._uses[use.attr].append((path, use))
            for call in facts.constructs:
                self._constructs[call.cls].append((path, facts, call))
            for fact in facts.classes:
                self._bases[fact.name].update(fact.bases)
                if fact.fields and not fact.orm:
                    self._schemas.append((path, fact))

    def slice_signs(self, class_name: str, attribute: str) -> list[Sign]:
        """Where the code cuts a value to a length before storing it in `attribute` (matched by name:
        over-reporting only turns a fix into a report)."""
        if attribute not in self._lengths:
            raise ValueError(f"{attribute!r} was not scanned for")
        return [Sign(path, line, f"`{text}`", "slice") for path, line, text in self._slices.get(attribute, ())]

    def merge_sign(self, class_name: str) -> Sign | None:
        """Where the code writes a new `class_name` row with `session.merge()`: an upsert by primary key,
        which may overwrite an older row of the same key."""
        for path, line, text in self._merges.get(class_name, ())[:1]:
            return Sign(path, line, f"`{text}`", "merge")
        return None

    @property
    def files(self) -> tuple[Path, ...]:
        """The files read for evidence: those that mention a name, parse, and are not migrations."""
        return tuple(path for path, _ in self._files)

    @classmethod
    def scan(
        cls,
        files: Iterable[Path],
        attributes: Collection[str],
        classes: Collection[str],
        *,
        relationships: Collection[str] = (),
        lengths: Collection[str] = (),
        known_classes: Collection[str] = (),
        max_file_size: int | None = None,
        cache: "FileCache | None" = None,
        jobs: int = 1,
        progress=None,
    ) -> ProjectUsage:
        """Read `files` for evidence about `attributes` (the keys that will be asked about; any name can be
        given here), `relationships` (asked about only as a key's relationship) and `lengths` (asked about
        only by `slice_signs`) of `classes` (the classes asked about, and their subclasses). `known_classes`
        are the project's other models, only known by name (a comparison on another model is not evidence
        for this one, and a `merge()` of any of them is seen). The narrower a name's kind, the fewer files
        are parsed (see `_patterns_of`)."""
        patterns = _patterns_of(attributes, relationships, lengths, classes, {*classes, *known_classes},
                                max_file_size)
        paths = _unique_paths(files)
        looks = _look_all(paths, patterns, cache, jobs, progress)
        read: list[tuple[Path, bytes]] = []  # the files to read facts from, with their facts' keys
        facts_of: dict[bytes, _FileFacts | None] = {}
        pending: dict[bytes, tuple[str, bool]] = {}  # key -> a path with that content, and "lengths only"
        serializer: Sign | None = None
        forms: Sign | None = None
        for (path, _), look in zip(paths, looks, strict=True):
            if look is None:
                continue
            if serializer is None and look.serializer is not None:
                serializer = Sign(path, *look.serializer, "serializer")
            if forms is None and look.forms is not None:
                forms = Sign(path, *look.forms, "forms")
            key = look.key
            if key is None:
                continue
            read.append((path, key))
            if key in facts_of or key in pending:
                continue
            if key in _CACHE:
                facts_of[key] = _CACHE[key]
            elif cache is not None and (cached := cache.get(key, _MISSING)) is not _MISSING:
                facts_of[key] = cached
            else:
                pending[key] = (str(path), key.endswith(LENGTHS.encode()))
        if progress is not None:
            progress.stage("reading the project's code", len(pending))
        for key, facts in zip(pending, _read_all(list(pending.values()), jobs, progress), strict=True):
            facts_of[key] = facts
            if cache is not None:
                cache.put(key, facts)
        for key, facts in facts_of.items():
            _remember(key, facts)
        held = [(path, facts_of[key]) for path, key in read if facts_of[key] is not None]
        usage = cls(held, attributes, classes, known_classes, relationships=relationships, lengths=lengths)
        usage.row_serializer = serializer
        usage.form_framework = forms
        return usage

    # -- queries -----------------------------------------------------------------------------------

    def _ancestors(self, name: str) -> frozenset[str]:
        """`name` and every class it inherits from, by name (computed once per name: queries ask often)."""
        known = self._ancestry.get(name)
        if known is None:
            pending, seen = [name], set()
            while pending:
                current = pending.pop()
                if current not in seen:
                    seen.add(current)
                    pending.extend(self._bases.get(current, ()))
            known = self._ancestry[name] = frozenset(seen)
        return known

    def _is_a(self, name: str | None, ancestor: str) -> bool:
        return name is not None and ancestor in self._ancestors(name)

    def _related(self, owner: str | None, class_name: str) -> bool:
        """`owner` is the model, a subclass of it, or a base it inherits the key from."""
        return self._is_a(owner, class_name) or self._is_a(class_name, owner or "")

    def _counts_for_key(self, use: _Use, class_name: str) -> bool:
        if use.owner_kind != "class" or use.owner not in self._classes:
            return True
        return self._related(use.owner, class_name)

    def _counts_for_relationship(self, use: _Use, class_name: str) -> bool:
        if use.kind == SQL:
            return False
        if use.owner_kind == "var" or (use.owner_kind == "import" and use.owner not in _NAMESPACES):
            return True
        return use.owner_kind == "class" and self._related(use.owner, class_name)

    def null_signs(
        self,
        class_name: str,
        attribute: str,
        relationships: Collection[str] = (),
        *,
        back_references: Collection[str] = (),
    ) -> list[Sign]:
        """Every sign in the scanned files that `class_name.attribute` is NULL by design.

        `relationships`: the class's relationship attributes set through the key (`Comment.post` for
        `post_id`): `Comment(post=p)` sets the key, `comment.post = None` clears it.
        `back_references`: the parent side's attributes that set it (`Post.comments`,
        `Post.pinned_comment`): `Post(pinned_comment=Comment(...))` then sets the key too. Lists
        (`Post(comments=[Comment(...)])`) and `.append()` are taken as setting it without being named.
        """
        relationships = frozenset(relationships)
        unscanned = ({attribute} - self._attributes) | (relationships - self._relationships)
        if unscanned or class_name not in self._asked:
            missing = ", ".join(sorted(unscanned | ({class_name} - self._asked)))
            raise ValueError(f"not scanned for: {missing} (pass it to ProjectUsage.scan)")
        key_names = {attribute} | relationships
        back = frozenset(back_references)
        signs: set[Sign] = set()
        for path, use in self._uses.get(attribute, ()):
            if self._counts_for_key(use, class_name):
                signs.add(Sign(path, use.line, use.what, use.kind))
        for relationship in relationships:
            for path, use in self._uses.get(relationship, ()):
                if self._counts_for_relationship(use, class_name):
                    signs.add(Sign(path, use.line, use.what, use.kind))
        for name, calls in self._constructs.items():
            if self._is_a(name, class_name):
                for path, facts, call in calls:
                    signs.update(self._construct_signs(path, facts, call, class_name, attribute, key_names, back))
        signs.update(self._schema_signs(class_name, attribute))
        signs.update(
            Sign(path, line, f"`{text}`", ASSIGN)
            for path, line, text in self._nones.get(attribute, ())
        )
        return sorted(signs, key=lambda s: (str(s.path), s.line, s.kind, s.what))

    def _construct_signs(
        self, path: Path, facts: _FileFacts, call: _Construct, class_name: str, attribute: str,
        key_names: set[str], back: frozenset[str],
    ) -> Iterator[Sign]:
        shown = f"`{call.spelled}(...)`" + ("" if call.spelled == class_name else f" ({class_name})")
        for keyword, value in call.none_keywords:
            if keyword in key_names:
                yield Sign(path, call.line, f"`{call.spelled}(..., {keyword}={value})`", ASSIGN)
        if call.opaque or call.keywords & key_names:
            return
        if call.context == "collection" or (call.context == "scalar" and call.attach in back):
            return
        if call.context == "var" and call.attach:
            verdict = self._follow(facts, call, key_names, back)
            if verdict is None:
                return  # the key is set before the row is saved
            if verdict:
                yield Sign(path, call.line, f"`{call.attach} = {call.spelled}(...)` {verdict}", SAVED_BEFORE_SET)
                return
        if call.keywords and not call.positional:
            yield Sign(path, call.line, f"{shown} without `{attribute}`", OMITTED)

    @staticmethod
    def _follow(facts: _FileFacts, call: _Construct, key_names: set[str], back: frozenset[str]) -> str | None:
        """What happens to `v = X(...)` later in its function: None when the key is set (or the
        object joins a parent's collection) before any commit()/flush(); a description when it is
        set only after one; "" when it is never set."""
        events = sorted(
            (e for e in facts.events.get((call.scope, call.attach or ""), ()) if e.pos > call.end),
            key=lambda e: e.pos,
        )
        keyed: _Event | None = None
        rebound: tuple[int, int] | None = None
        for event in events:
            if event.kind == "bind":
                rebound = event.pos
                break
            if (
                (event.kind == "set" and event.name in key_names and not event.is_none)
                or event.kind == "collection"
                or (event.kind == "scalar" and event.name in back)
            ):
                keyed = event
                break
        saves = [
            s for s in facts.saves.get(call.scope, ()) if s.pos > call.end and (rebound is None or s.pos < rebound)
        ]
        save = min(saves, key=lambda s: s.pos, default=None)
        if keyed is None:
            return ""
        if save is None or keyed.pos < save.pos:
            return None
        return f"saved by `{save.text}` (line {save.line}) before `{keyed.text}` (line {keyed.line})"

    def _schema_signs(self, class_name: str, attribute: str) -> Iterator[Sign]:
        for path, fact in self._schemas:
            if self._ancestors(fact.name) & self._classes:
                continue  # a model, or a subclass of one
            if self._model_of(fact.name, class_name) != class_name:
                continue
            start = _matches_model(fact.name, class_name)
            rest = fact.name[:start] + " " + fact.name[start + len(class_name):]
            if _PARTIAL_WORDS & set(_CAMEL_WORD.findall(rest)):
                continue
            for name, line, shown in fact.fields:
                if name == attribute:
                    yield Sign(path, line, shown, SCHEMA)

    def _model_of(self, schema: str, class_name: str) -> str | None:
        """The model a schema class is named after: the longest model name in it (`TeamInviteCreate`
        is `TeamInvite`'s when both `Invite` and `TeamInvite` are models)."""
        found = self._models_in.get(schema)
        if found is None:
            found = self._models_in[schema] = [m for m in self._classes if _matches_model(schema, m) != -1]
        if class_name not in self._classes and _matches_model(schema, class_name) != -1:
            found = [*found, class_name]
        return max(found, key=len, default=None)
