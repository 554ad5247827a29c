"""What a run reports: the findings of each file, its fixed source, and what could not be done."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Edit:
    """One replacement of the fix, in the file as it stands: rows and columns from 1, the end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass
class Reported:
    path: Path
    line: int
    column: int
    code: str
    message: str
    fixable: bool  # its fix is applied in this run (safe, or unsafe with unsafe fixes on)
    fix: str | None = None  # the kind of fix it has: "safe", "unsafe", or None (reported only)
    end_line: int = 0  # where the reported node ends (0: at the start)
    end_column: int = 0
    name: str = ""  # the rule's name
    # the tables whose DDL the fix changes (empty: the fix is the ORM's business, or there is no fix)
    tables: tuple[str, ...] = ()
    edits: list[Edit] | None = None  # the fix's own edits of this file, when the run was asked for them
    also_edits: tuple[Path, ...] = ()  # the other files the fix edits (its edits here are not the whole fix)
    plan: Any = field(default=None, repr=False, compare=False)  # the fix's own EditPlan of this file

    @property
    def url(self) -> str:
        from .docs import rule_url

        return rule_url(self.code)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} [{self.fix or 'no'} fix] {self.message}"


@dataclass
class FileResult:
    path: Path
    original: bytes | None = None
    fixed_source: bytes | None = None  # None: nothing to change
    findings: list[Reported] = field(default_factory=list)  # as the file stands
    remaining: list[Reported] = field(default_factory=list)  # after the fixes
    error: str | None = None
    warning: str | None = None  # a path named that is not checked, and why

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.original

    @property
    def fixed(self) -> list[Reported]:
        return [finding for finding in self.findings if finding.fixable] if self.changed else []
