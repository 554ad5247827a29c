"""Settings from `[tool.sqla-fix]` in pyproject.toml, and the command line on top of them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

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


@dataclass
class Config:
    select: list[str] = field(default_factory=list)  # empty: every rule
    ignore: list[str] = field(default_factory=list)
    prose_names: list[str] = field(default_factory=lambda: list(PROSE_NAMES))
    short_names: list[str] = field(default_factory=lambda: list(SHORT_NAMES))
    optional_foreign_keys: list[str] = field(default_factory=lambda: list(OPTIONAL_FOREIGN_KEYS))
    record_nouns: list[str] = field(default_factory=lambda: list(RECORD_NOUNS))
    entity_nouns: list[str] = field(default_factory=lambda: list(ENTITY_NOUNS))
    lookup_nouns: list[str] = field(default_factory=lambda: list(LOOKUP_NOUNS))
    exclude: list[str] = field(default_factory=list)
    line_length: int = 88  # for the columns we add; [tool.ruff] or [tool.black] line-length when set
    max_file_size: int = 1_000_000  # bytes: larger files are generated, not written by hand; reported, not fixed
    unsafe_fixes: bool = False  # also apply the fixes that change behaviour (NOT NULL, cascades)
    cache_dir: str | None = None  # where the cache lives (relative to the configuration's directory)
    # How the run is made, not what it decides: never part of the cache's key.
    jobs: int = 0  # worker processes for per-file work; 0: one per core
    cache: bool = False  # read and write the cache (the command line's default; off for the library)

    def fingerprint(self) -> str:
        """A digest of everything that decides what a run reports and fixes (the cache's key)."""
        import hashlib

        decided = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _HOW}
        return hashlib.blake2b(repr(sorted(decided.items())).encode(), digest_size=8).hexdigest()

    def enabled(self, code: str, path=None) -> bool:
        if self.select and not any(code.startswith(prefix) for prefix in self.select):
            return False
        return not any(code.startswith(prefix) for prefix in self.ignore)

    @classmethod
    def from_table(cls, table: dict) -> "Config":
        """Keys as in pyproject (`prose-names`); `extend-<key>` adds to the default list."""
        config = cls()
        scalars = {"line-length": int, "max-file-size": int, "unsafe-fixes": bool, "cache-dir": str}
        known = {f.name.replace("_", "-"): f.name for f in fields(cls)
                 if f.name.replace("_", "-") not in scalars and f.name not in _HOW}
        for key, value in table.items():
            if key in scalars:
                wanted = scalars[key]
                if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
                    expected = {bool: "true or false", int: "an integer", str: "a string"}[wanted]
                    raise ConfigError(f"{key} must be {expected}")
                setattr(config, key.replace("-", "_"), value)
                continue
            extend = key.startswith("extend-")
            name = known.get(key.removeprefix("extend-"))
            if name is None or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"unknown setting or not a list of strings: {key}")
            if extend:
                getattr(config, name).extend(value)
            else:
                setattr(config, name, list(value))
        config.select = [code.upper() for code in config.select]
        config.ignore = [code.upper() for code in config.ignore]
        return config


_HOW = frozenset({"jobs", "cache", "cache_dir"})


class ConfigError(Exception):
    pass


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for directory in [start, *start.parents] if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(paths: list[Path], config_file: Path | None = None) -> Config:
    pyproject = config_file or find_pyproject(paths[0] if paths else Path.cwd())
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: {error}") from error
    tools = data.get("tool", {})
    config = Config.from_table(tools.get("sqla-fix", {}))
    if config.cache_dir is not None:
        config.cache_dir = str((pyproject.parent / config.cache_dir).resolve())
    if "line-length" not in tools.get("sqla-fix", {}):
        for formatter in ("ruff", "black"):
            length = tools.get(formatter, {}).get("line-length")
            if isinstance(length, int):
                config.line_length = length
                break
    return config
