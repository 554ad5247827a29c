"""Write a SQLAlchemy name the way this file writes it: ``Text``, ``sa.Text`` or ``db.Text``."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .names import ORM_NAMES, Resolver, canonical
from .project import imported_names

# Modules whose names a file may use as a prefix (`sa.Text`, `orm.backref`, `datetime.datetime`).
_MODULES = frozenset({"sqlalchemy", "sqlalchemy.orm", "sqlalchemy.sql", "datetime"})


@dataclass
class Spelling:
    flask_handles: set[str]
    module_aliases: dict[str, str] = field(default_factory=dict)  # "sa" -> "sqlalchemy"
    direct: dict[str, str] = field(default_factory=dict)  # "sa.Text" -> "Text", "datetime.datetime" -> "datetime"
    bound: set[str] = field(default_factory=set)  # every name bound at module level

    @classmethod
    def of(cls, module: ast.Module, resolver: Resolver) -> "Spelling":
        spelling = cls(flask_handles=set(resolver.flask_handles))
        for statement in _module_level(module.body):
            if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                spelling.bound.add(statement.name)
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                for local, target in imported_names(statement):
                    spelling.bound.add(local)
                    if target in _MODULES:
                        spelling.module_aliases[local] = target
                    elif not target.startswith(".") and (name := canonical(target)) is not None:
                        spelling.direct.setdefault(name, local)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                spelling.bound.update(target.id for target in targets if isinstance(target, ast.Name))
        return spelling

    def _via_prefix(self, prefix: str | None, short: str) -> str | None:
        if prefix is None:
            return None
        if prefix in self.flask_handles:
            return f"{prefix}.{short}"
        module = self.module_aliases.get(prefix)
        if module == "sqlalchemy":
            return f"{prefix}.orm.{short}" if short in ORM_NAMES else f"{prefix}.{short}"
        if module == "sqlalchemy.orm" and short in ORM_NAMES:
            return f"{prefix}.{short}"
        return None

    def sqlalchemy(self, short: str, prefer: str | None, imports: list[tuple[str, str]]) -> str | None:
        """Code for SQLAlchemy's `short` (Text, func, backref, ...); records an import when one is needed."""
        for spelled in (
            self._via_prefix(prefer, short),
            self.direct.get(f"sa.{short}"),
            *(self._via_prefix(alias, short) for alias in sorted(self.module_aliases)),
        ):
            if spelled:
                return spelled
        if short in self.bound:
            return None  # the name means something else here; importing it would shadow that
        imports.append(("sqlalchemy.orm" if short in ORM_NAMES else "sqlalchemy", short))
        return short

    def imported(self, module: str, short: str, imports: list[tuple[str, str]] | None) -> str | None:
        """Code for `module.short` where the file imports it by name (`Field` from sqlmodel); with `imports`,
        an import is recorded when the name is free, else None."""
        spelled = self.direct.get(canonical(f"{module}.{short}") or f"{module}.{short}")
        if spelled or imports is None:
            return spelled
        if short in self.bound:
            return None
        imports.append((module, short))
        return short

    def datetime_class(self, imports: list[tuple[str, str]]) -> str | None:
        if "datetime.datetime" in self.direct:
            return self.direct["datetime.datetime"]
        for alias, module in self.module_aliases.items():
            if module == "datetime":
                return f"{alias}.datetime"
        if "datetime" in self.bound:
            return None
        imports.append(("datetime", "datetime"))
        return "datetime"


def _module_level(statements):
    """The module's statements, including those inside its top-level `try`/`if`/`with` blocks: a
    `try: from sqlalchemy.orm import mapped_column / except ImportError: ...` shim binds the name too, and
    an import of our own beside it would break the shim's fallback."""
    for statement in statements:
        yield statement
        if isinstance(statement, (ast.Try, ast.If, ast.With)) or type(statement).__name__ == "TryStar":
            blocks = [statement.body, getattr(statement, "orelse", []), getattr(statement, "finalbody", [])]
            blocks += [handler.body for handler in getattr(statement, "handlers", ())]
            for block in blocks:
                yield from _module_level(block)
