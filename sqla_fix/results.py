"""What a run reports: the findings of each file, its fixed source, and what could not be done."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Reported:
    path: Path
    line: int
    column: int
    code: str
    message: str
    fixable: bool  # its fix is applied in this run (safe, or unsafe with unsafe fixes on)
    fix: str | None = None  # the kind of fix it has: "safe", "unsafe", or None (reported only)

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

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.original

    @property
    def fixed(self) -> list[Reported]:
        return [finding for finding in self.findings if finding.fixable] if self.changed else []
