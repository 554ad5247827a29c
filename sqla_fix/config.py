"""Settings: `[tool.sqla-fix]` in pyproject.toml (or the top level of a `sqla-fix.toml`), and the command line
on top of them, with ruff's meaning for every key ruff also has.

A setting that is not what it says is an error, never a silent default: every key is checked for its type
and its values (rule selectors name rules), an unknown key lists the known ones, and each error is one line
naming the file, the key, what was expected and what was found.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from .discover import DEFAULT_EXCLUDE, Exclusion, PathPatterns
from .selection import (
    Layer,
    SelectionError,
    check_selectors,
    enabled_codes,
    ignored_codes,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Names that say a column holds prose: free text of unbounded length (rulebook §4).
PROSE_NAMES = [
    "content", "body", "text", "description", "bio", "about", "summary", "abstract", "notes", "note",
    "comment", "comments", "message", "details", "instructions", "review", "feedback", "remarks",
    "transcript", "markdown", "html", "biography", "blurb", "overview", "story", "essay", "about_me",
]
# Names that are short by nature: a length limit is part of their meaning.
SHORT_NAMES = [
    "title", "name", "email", "username", "slug", "url", "uri", "link", "code", "status", "state", "type",
    "kind", "role", "phone", "sku", "currency", "country", "locale", "timezone", "tz", "token", "hash",
    "ip", "color", "colour", "id", "key", "uuid", "label", "tag", "handle", "path", "filename", "mime",
    "version", "language", "lang",
]
# Foreign keys that are optional by their meaning: a row may well have none (rulebook §3).
OPTIONAL_FOREIGN_KEYS = [
    "parent_id", "manager_id", "assignee_id", "reviewer_id", "referrer_id", "approver_id", "supervisor_id",
    "mentor_id", "successor_id", "predecessor_id", "reply_to_id", "in_reply_to_id", "*_by_id", "*_by",
    "deleted_*", "replaced_by*",
]
# Records that must outlive their owner: the head noun of the child class (rulebook §1).
RECORD_NOUNS = [
    "order", "invoice", "payment", "transaction", "ledger", "ledger_entry", "journal_entry", "audit",
    "audit_log", "log", "event", "receipt", "refund", "charge", "payout", "transfer", "statement",
]

# Entities in their own right: taking one out of a parent's collection must not delete it (a team's
# members are user accounts). Matched on the child class's head noun.
ENTITY_NOUNS = [
    "user", "account", "member", "player", "customer", "client", "employee", "person", "people", "profile",
    "contact", "organization", "organisation", "company", "tenant", "team", "group", "owner", "author",
    "student", "teacher", "patient", "vendor", "supplier", "partner", "agent", "staff", "admin", "device",
]
# Lookup tables: deleting a category, a type or a priority must not delete what refers to it.
LOOKUP_NOUNS = [
    "type", "kind", "category", "status", "state", "priority", "severity", "level", "role", "group", "tag",
    "label", "tier", "plan", "class", "genre", "language", "country", "currency", "region", "source",
    "stage", "phase", "classification", "visibility",
]
# Names that say a column holds money (SQF008), matched on the last word of the snake-case name.
MONEY_NAMES = [
    "price", "prices", "amount", "amounts", "cost", "costs", "balance", "total", "subtotal", "tax", "fee", "fees",
    "salary", "wage", "wages", "charge", "refund", "payment", "payout", "revenue", "income", "expense", "budget",
    "deposit", "fare", "earnings", "profit", "msrp", "due", "paid", "owed",
]
MONEY_TYPE = "Numeric(12, 2)"  # what SQF008 writes for them
# Names of the columns that identify a user or an account (SQF011), matched on the whole column name.
IDENTITY_NAMES = ["email", "email_address", "username", "user_name", "login", "handle"]


@dataclass
class CommandLine:
    """What the command line says on top of the configuration file, with ruff's meaning: `select` starts
    the selection afresh, `per-file-ignores` and `exclude` replace the file's (not its `extend-` keys), and
    the command line's globs are relative to the current directory."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, list[str]] | None = None
    extend_per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    directory: Path = field(default_factory=Path.cwd)

    def layer(self) -> Layer:
        return Layer(self.select, self.extend_select, self.ignore, self.extend_ignore)


@dataclass
class Config:
    # Which rules run (selection.py): the configuration file's layer, then the command line's.
    select: list[str] | None = None  # None: the rules on by default
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> selectors
    extend_per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    command_line: CommandLine | None = None
    prose_names: list[str] = field(default_factory=lambda: list(PROSE_NAMES))
    short_names: list[str] = field(default_factory=lambda: list(SHORT_NAMES))
    optional_foreign_keys: list[str] = field(default_factory=lambda: list(OPTIONAL_FOREIGN_KEYS))
    record_nouns: list[str] = field(default_factory=lambda: list(RECORD_NOUNS))
    entity_nouns: list[str] = field(default_factory=lambda: list(ENTITY_NOUNS))
    lookup_nouns: list[str] = field(default_factory=lambda: list(LOOKUP_NOUNS))
    money_names: list[str] = field(default_factory=lambda: list(MONEY_NAMES))
    money_type: str = MONEY_TYPE
    identity_names: list[str] = field(default_factory=lambda: list(IDENTITY_NAMES))
    line_length: int = 88  # for the columns we add; [tool.ruff] or [tool.black] line-length when set
    max_file_size: int = 1_000_000  # bytes: larger files are generated, not written by hand; reported, not fixed
    unsafe_fixes: bool = False  # also apply the fixes that change behaviour (NOT NULL, cascades)
    cache_dir: str | None = None  # where the cache lives (relative to the configuration's directory)
    # Which files are checked, not what is decided about them: never part of the cache's key.
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    root: Path | None = None  # the configuration file's directory: what its globs are relative to
    # How the run is made, not what it decides: never part of the cache's key.
    jobs: int = 0  # worker processes for per-file work; 0: one per core
    cache: bool = False  # read and write the cache (the command line's default; off for the library)

    def fingerprint(self) -> str:
        """A digest of everything that decides what a run reports and fixes (the cache's key)."""
        import hashlib

        decided = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _HOW}
        return hashlib.blake2b(repr(sorted(decided.items())).encode(), digest_size=8).hexdigest()

    def _layers(self) -> tuple[Layer, ...]:
        configured = Layer(None if self.select is None else tuple(self.select), tuple(self.extend_select),
                           tuple(self.ignore), tuple(self.extend_ignore))
        return (configured, self.command_line.layer()) if self.command_line else (configured,)

    def enabled(self, code: str, path: Path | None = None) -> bool:
        if code not in enabled_codes(self._layers()):
            return False
        return path is None or code not in self.ignored_in(path)

    def ignored_in(self, path: Path) -> frozenset[str]:
        """The codes per-file-ignores turns off in `path`."""
        tables = self._per_file_tables()
        if not any(table for _root, table in tables):
            return frozenset()
        key = (path, repr(tables))
        if key not in _IGNORED_IN:
            codes: set[str] = set()
            for root, table in tables:
                for pattern, selectors in table.items():
                    if PathPatterns(root, (pattern,)).matches(path):
                        codes |= ignored_codes(selectors)
            _IGNORED_IN[key] = frozenset(codes)
        return _IGNORED_IN[key]

    def _per_file_tables(self) -> list[tuple[Path, dict[str, list[str]]]]:
        root = self.root or Path.cwd()
        command_line = self.command_line
        configured = self.per_file_ignores if command_line is None or command_line.per_file_ignores is None else {}
        tables = [(root, configured), (root, self.extend_per_file_ignores)]
        if command_line is not None:
            tables += [(command_line.directory, command_line.per_file_ignores or {}),
                       (command_line.directory, command_line.extend_per_file_ignores)]
        return tables

    def exclusion(self) -> Exclusion:
        root = self.root or Path.cwd()
        command_line = self.command_line
        if command_line is not None and command_line.exclude is not None:
            patterns = [PathPatterns(command_line.directory, command_line.exclude)]
        else:
            patterns = [PathPatterns(root, tuple(self.exclude))]
        patterns.append(PathPatterns(root, tuple(self.extend_exclude)))
        if command_line is not None:
            patterns.append(PathPatterns(command_line.directory, command_line.extend_exclude))
        return Exclusion(tuple(p for p in patterns if p.patterns), respect_gitignore=self.respect_gitignore,
                         force=self.force_exclude)

    @classmethod
    def from_table(cls, table: dict, source: str = "[tool.sqla-fix]") -> Config:
        """Keys as in pyproject (`prose-names`); `extend-<key>` adds to the default list."""
        config = cls()
        config.update(table, source)
        return config

    def update(self, table: dict, source: str) -> None:
        """Set the keys of `table` (a configuration file's, or `--config KEY=VALUE`), each checked."""
        # `prose-names` replaces the default and `extend-prose-names` adds to it, whatever their order
        for key, value in sorted(table.items(), key=lambda item: item[0] in _APPENDING_KEYS):
            kind = KEYS.get(key)
            if kind is None:
                raise ConfigError(f"{source}: unknown key {key!r}; the known keys are: {', '.join(KEYS)}")
            checked = _checked(kind, value)
            if checked is None:
                raise ConfigError(f"{source}: {key}: expected {_EXPECTED[kind]}, got {_shown(value)}")
            if kind in ("selectors", "per-file"):
                try:
                    check_selectors(checked if kind == "selectors" else [s for v in checked.values() for s in v])
                except SelectionError as error:
                    raise ConfigError(f"{source}: {key}: {error}") from None
            if key == "line-length" and not 1 <= checked <= 320:
                raise ConfigError(f"{source}: {key}: expected an integer from 1 to 320, got {checked}")
            if key == "max-file-size" and checked < 1:
                raise ConfigError(f"{source}: {key}: expected a positive integer (bytes), got {checked}")
            if key == "money-type":
                from .rules.sqf008_money_float import money_type

                try:
                    money_type(checked)
                except ValueError as error:
                    raise ConfigError(f"{source}: {key}: {error}") from None
            name = key.replace("-", "_")
            if key in _APPENDING_KEYS:
                getattr(self, name.removeprefix("extend_")).extend(checked)
            else:
                setattr(self, name, checked)


# Every key of [tool.sqla-fix], and what its value must be.
KEYS: dict[str, str] = {
    "select": "selectors", "extend-select": "selectors", "ignore": "selectors", "extend-ignore": "selectors",
    "per-file-ignores": "per-file", "extend-per-file-ignores": "per-file",
    "exclude": "strings", "extend-exclude": "strings", "respect-gitignore": "bool", "force-exclude": "bool",
    "unsafe-fixes": "bool", "line-length": "int", "max-file-size": "int", "cache-dir": "str",
    **{f"{prefix}{name}": "strings" for name in ("prose-names", "short-names", "optional-foreign-keys", "record-nouns",
                                                  "entity-nouns", "lookup-nouns", "money-names",
                                                  "identity-names")
       for prefix in ("", "extend-")},
    "money-type": "str",
}
# extend- keys that are settings of their own in ruff (layered, not appended to another key's list).
_OWN_EXTEND_KEYS = frozenset({"extend-select", "extend-ignore", "extend-exclude", "extend-per-file-ignores"})
_APPENDING_KEYS = frozenset(key for key in KEYS if key.startswith("extend-") and key not in _OWN_EXTEND_KEYS)
_EXPECTED = {
    "selectors": "a list of rule selectors (strings)", "strings": "a list of strings",
    "per-file": "a table of glob patterns to lists of rule selectors", "bool": "true or false",
    "int": "an integer", "str": "a string",
}


def _checked(kind: str, value: Any) -> Any:
    """`value` when it is of `kind`, else None."""
    if kind in ("selectors", "strings"):
        return list(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
    if kind == "per-file":
        good = isinstance(value, dict) and all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values())
        return {k: list(v) for k, v in value.items()} if good else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def _shown(value: Any) -> str:
    kind = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)
    return f"{kind} ({value!r})" if not isinstance(value, (list, dict)) or len(repr(value)) < 60 else kind


_HOW = frozenset({"jobs", "cache", "cache_dir", "exclude", "extend_exclude", "respect_gitignore", "force_exclude", "root"})
_IGNORED_IN: dict = {}


class ConfigError(Exception):
    pass


CONFIG_FILES = (".sqla-fix.toml", "sqla-fix.toml", "pyproject.toml")  # in the order ruff looks for its own


def _table(path: Path) -> dict | None:
    """The sqla-fix table of a configuration file: [tool.sqla-fix] of a pyproject.toml (None without
    one), the top level of a sqla-fix.toml."""
    data = _read_toml(path)
    # A file of another name given to --config that is a pyproject.toml all the same (none of these is a
    # key of ours) is read as one.
    pyproject = path.name == "pyproject.toml" or (
        path.name not in CONFIG_FILES and any(key in data for key in ("tool", "project", "build-system")))
    if not pyproject:
        return data
    tools = data.get("tool", {})
    if not isinstance(tools, dict):
        raise ConfigError(f"{path}: tool: expected a table, got {_shown(tools)}")
    table = tools.get("sqla-fix")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.sqla-fix]: expected a table, got {_shown(table)}")
    return table


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`: a `.sqla-fix.toml` or `sqla-fix.toml`, or a
    pyproject.toml with a [tool.sqla-fix] table (one without is passed over, as ruff does)."""
    start = start.resolve()
    return _config_at_or_above(start if start.is_dir() else start.parent)


@cache
def _config_at_or_above(directory: Path) -> Path | None:
    for name in CONFIG_FILES:
        candidate = directory / name
        if candidate.is_file() and (name != "pyproject.toml" or _table(candidate) is not None):
            return candidate
    return None if directory.parent == directory else _config_at_or_above(directory.parent)


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for directory in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(paths: list[Path], config_file: Path | None = None, overrides: list[str] = ()) -> Config:
    """The configuration for a run over `paths`: `config_file` (a pyproject.toml with [tool.sqla-fix], or a
    sqla-fix.toml), else the nearest one found; then `overrides`, `KEY = VALUE` in TOML (`--config`)."""
    _config_at_or_above.cache_clear()  # the files may have changed since the last run of this process
    start = paths[0] if paths else Path.cwd()
    if config_file is not None:
        table = _table(config_file)
        if table is None:
            raise ConfigError(f"{config_file}: no [tool.sqla-fix] table (a sqla-fix.toml takes the keys at its top level)")
    else:
        config_file = find_config(start)
        table = _table(config_file) if config_file else {}
    config = Config()
    if config_file is not None:
        config.root = config_file.parent.resolve()
        config.update(table, str(config_file))
    overridden: set[str] = set()
    for override in overrides:
        try:
            setting = tomllib.loads(override)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"--config {override!r}: neither a file nor `KEY = VALUE` in TOML ({error})") from None
        config.update(setting, f"--config {override!r}")
        overridden |= set(setting)
    if config.cache_dir is not None:
        config.cache_dir = str(((config.root or Path.cwd()) / config.cache_dir).resolve())
    if "line-length" not in table and "line-length" not in overridden:
        config.line_length = _formatter_line_length(config_file, start) or config.line_length
    return config


def _formatter_line_length(config_file: Path | None, start: Path) -> int | None:
    """The line length the project's formatter keeps: [tool.ruff] or [tool.black] of the nearest
    pyproject.toml (the configuration's own, when it is one)."""
    pyproject = config_file if config_file is not None and config_file.name == "pyproject.toml" else find_pyproject(start)
    if pyproject is None:
        return None
    try:
        tools = _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return None
    if not isinstance(tools, dict):
        return None
    for formatter in ("ruff", "black"):
        length = tools.get(formatter, {}).get("line-length") if isinstance(tools.get(formatter), dict) else None
        if isinstance(length, int) and not isinstance(length, bool) and 1 <= length <= 320:
            return length
    return None
