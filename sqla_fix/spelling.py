"""Write a SQLAlchemy name the way this file writes it: ``Text``, ``sa.Text`` or ``db.Text``."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from .names import ORM_NAMES, Resolver, canonical


@dataclass
class Spelling:
    flask_handles: set[str]
    module_aliases: dict[str, str] = field(default_factory=dict)  # "sa" -> "sqlalchemy"
    direct: dict[str, str] = field(default_factory=dict)  # "sa.Text" -> "Text", "datetime.datetime" -> "datetime"
    bound: set[str] = field(default_factory=set)  # every name bound at module level

    @classmethod
    def of(cls, module: cst.Module, resolver: Resolver) -> "Spelling":
        spelling = cls(flask_handles=set(resolver.flask_handles))
        for statement in module.body:
            if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
                spelling.bound.add(statement.name.value)
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        full = cst.Module([]).code_for_node(alias.name)
                        local = alias.evaluated_alias or full.split(".")[0]
                        spelling.bound.add(local)
                        spelling.module_aliases[local] = full if alias.evaluated_alias else local
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    module_name = cst.Module([]).code_for_node(small.module) if small.module else ""
                    for alias in small.names:
                        local = alias.evaluated_alias or alias.evaluated_name
                        spelling.bound.add(local)
                        if small.relative:
                            continue
                        full = f"{module_name}.{alias.evaluated_name}"
                        if full in ("sqlalchemy.orm", "sqlalchemy.sql"):
                            spelling.module_aliases[local] = full
                            continue
                        name = canonical(full)
                        if name is not None:
                            spelling.direct.setdefault(name, local)
                elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                    targets = small.targets if isinstance(small, cst.Assign) else [small]
                    for target in targets:
                        if isinstance(target.target, cst.Name):
                            spelling.bound.add(target.target.value)
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
