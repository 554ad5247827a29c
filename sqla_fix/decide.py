"""Decide: run the rules on each file against the whole picture, then fix, re-read and decide again.

Every file is decided before any is edited, because a fix may edit two files; after the edits, the fixed
files are read again (Python's parser: cheap) and decided again, to report what remains and to apply
fixes that the first round's edits made possible.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path

from .collect import collect
from .config import Config
from .history import MigrationHistory
from .picture import Picture
from .plan import EditPlan
from .project import Project
from .read import LoadedFile, LoadError, parse
from .results import Edit, FileResult, Reported
from .rewrite import rewrite
from .rules import RULES, RuleContext
from .rules.base import SAFE
from .spelling import Spelling
from .usage import ProjectUsage

_MAX_PASSES = 3


def decide(
    loaded: LoadedFile, picture: Picture, config: Config, plan: EditPlan | None = None, plan_for=lambda facts: None,
    usages: Mapping[Path, ProjectUsage] | None = None, histories: Mapping[Path, MigrationHistory] | None = None,
) -> tuple[list[Reported], EditPlan]:
    """Every finding of one file, and the plan of the fixes for those that have one.

    `plan_for(module facts)` gives the plan of another file of the run, for a fix that must also edit
    there (a write-only collection's child key, in another module); None where that file is not fixed.
    """
    context = RuleContext(
        module=loaded.tree,
        facts=loaded.facts,
        picture=picture,
        resolver=loaded.resolver,
        spelling=Spelling.of(loaded.tree, loaded.resolver),
        source=loaded.text,
        config=config,
    )
    context.usage = usages.get(loaded.facts.root) if usages is not None else None
    context.history = histories.get(loaded.facts.root) if histories is not None else None
    plan = plan if plan is not None else EditPlan()
    context.plan_for = lambda facts: plan if facts is loaded.facts else plan_for(facts)
    reported: list[Reported] = []
    for rule in RULES:
        if not config.enabled(rule.code, loaded.path):
            continue
        for finding in rule.check(context):
            if context.suppressed(finding.code, finding.node):
                continue
            kind = None
            applied = False
            own = None
            if finding.fix is not None:
                if finding.safety == SAFE or config.unsafe_fixes:
                    applied = finding.fix(plan)
                    kind = finding.safety if applied else None
                if applied or finding.safety != SAFE and not config.unsafe_fixes:
                    own = _own_plans(context, finding)
                    kind = finding.safety if applied or own is not None else None
            line, column = context.position(finding.node)
            end_line, end_column = context.source.end(finding.node)
            tables = _changed_tables(own) if own is not None else ()
            elsewhere = tuple(facts.path for facts, plan in (own or {}).values() if facts is not loaded.facts and plan)
            reported.append(Reported(
                loaded.path, line, column, finding.code, finding.message, applied, kind, end_line, end_column + 1,
                rule.name, tables, also_edits=elsewhere, plan=own[id(loaded.facts)][1] if own is not None else None,
            ))
    reported.sort(key=lambda r: (r.line, r.column, r.code))
    return reported, plan


def _own_plans(context: RuleContext, finding) -> dict[int, tuple] | None:
    """The fix's own edits, file by file (id of the facts -> (facts, plan)), in plans of their own; None when
    it cannot be written here. Asked also of a fix this run does not apply: the plans are only read."""
    real = context.plan_for
    plans: dict[int, tuple] = {id(context.facts): (context.facts, EditPlan())}

    def plan_for(facts):
        if real(facts) is None:
            return None
        return plans.setdefault(id(facts), (facts, EditPlan()))[1]

    context.plan_for = plan_for
    try:
        return plans if finding.fix(plans[id(context.facts)][1]) else None
    finally:
        context.plan_for = real


def _changed_tables(plans: dict[int, tuple]) -> tuple[str, ...]:
    """The tables whose DDL the plans change (a migration must carry those), by the classes and `Table(...)`
    calls that hold the edited nodes."""
    tables: list[str] = []
    for facts, plan in plans.values():
        for node in plan.schema_nodes():
            name = _table_holding(facts, node)
            if name not in tables:
                tables.append(name)
    return tuple(tables)


def _table_holding(facts, node) -> str:
    line = getattr(node, "lineno", 0)
    for table in facts.tables.values():
        if table.statement.lineno <= line <= table.statement.end_lineno:
            return table.name
    for model in facts.classes.values():
        if model.node.lineno <= line <= model.node.end_lineno:
            return model.tablename or f"the table of {model.name}"
    return f"a table of {facts.name or facts.path}"


def process(
    files: list[LoadedFile], picture: Picture, project: Project, config: Config, fixing: bool = True,
    usages: Mapping[Path, ProjectUsage] | None = None, histories: Mapping[Path, MigrationHistory] | None = None,
    progress=None, edits: bool = False,
) -> list[FileResult]:
    """The findings of the files; when `fixing`, also their fixed sources and what remains after the fixes;
    with `edits`, each finding's own edits of its file (for the reports that carry them).

    All files are decided before any is edited, because a fix may edit two files (see `decide`).
    """
    results = {file.path: FileResult(file.path, original=file.source) for file in files}
    original = {file.path: file for file in files}
    current = dict(original)
    for round_number in range(_MAX_PASSES + 1):
        plans = {path: EditPlan() for path in current if results[path].error is None}
        # a file in newer syntax is never written: no fix of another file may count on an edit there
        by_module = {id(current[path].facts): plan for path, plan in plans.items() if not current[path].newer_syntax}

        def plan_for(facts, plans_by_module=by_module):
            return plans_by_module.get(id(facts))

        if progress is not None:
            progress.stage("deciding" if round_number == 0 else "deciding again", len(plans))
        for path, plan in plans.items():
            if progress is not None:
                progress.advance()
            newer_syntax = current[path].newer_syntax
            try:
                findings, _ = decide(current[path], picture, config, plan, _nowhere if newer_syntax else plan_for, usages, histories)
            except (RecursionError, MemoryError):
                results[path].error = "cannot parse: nested too deeply"
                continue
            if round_number == 0:
                results[path].findings = findings
            results[path].remaining = findings
            if newer_syntax and plan:
                plans[path] = EditPlan()
                if fixing:
                    results[path].error = _unverifiable(newer_syntax)
        if not fixing or round_number == _MAX_PASSES or not any(plans.values()):
            break
        for path, plan in plans.items():
            if not plan or results[path].error is not None:
                continue
            try:
                new_source = rewrite(current[path], plan, config.line_length, original[path])
                current[path] = parse(path, new_source)
            except LoadError as error:
                results[path].error = str(error)
                results[path].fixed_source = None
                continue
            project.add(current[path].index)
            picture.add(collect(current[path], project))
            results[path].fixed_source = new_source
        picture.link()
    if edits:  # each finding's against the source it was found in: as it stood, or as the fixes left it
        for file in files:
            result = results[file.path]
            for finding in result.findings:
                finding.edits = _own_edits(file, finding, config.line_length)
            if result.remaining is not result.findings:
                for finding in result.remaining:
                    finding.edits = _own_edits(current[file.path], finding, config.line_length)
    return [results[file.path] for file in files]


def _own_edits(file: LoadedFile, finding: Reported, line_length: int) -> list[Edit]:
    """What the finding's fix alone makes of the file as it stands, as replacements (rows and columns from
    1): the edits a JSON or SARIF consumer applies. Empty where it has no fix here, and where it also
    edits another file: a part of a fix is not a fix."""
    if finding.plan is None or not finding.plan or finding.also_edits:
        return []
    try:
        new = rewrite(file, finding.plan, line_length, file)
    except LoadError:
        return []
    return text_edits(file.text.text, parse(file.path, new).text.text)


def text_edits(old: str, new: str) -> list[Edit]:
    """The replacements that make `new` of `old`: changed runs of lines, trimmed to the characters that differ."""
    import difflib

    old_lines, new_lines = _lines(old), _lines(new)
    found = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        start = 0
        while start < min(len(before), len(after)) and before[start] == after[start]:
            start += 1
        end = 0
        while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
            end += 1
        line, column = _position(old_lines, i1, before[:start])
        end_line, end_column = _position(old_lines, i1, before[: len(before) - end])
        found.append(Edit(line, column, end_line, end_column, after[start : len(after) - end]))
    return found


def _lines(text: str) -> list[str]:
    """Lines as rows count them: split at newlines only (str.splitlines also splits at form feeds)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _position(lines: list[str], first: int, text: str) -> tuple[int, int]:
    """Row and column (from 1) of the end of `text`, which starts at the beginning of line `first` (from 0)."""
    breaks = text.count("\n")
    return first + 1 + breaks, len(text) - (text.rfind("\n") + 1) + 1


def _nowhere(facts) -> None:
    return None


def _unverifiable(syntax_error: str) -> str:
    version = sys.version_info
    return (
        f"fixes not applied: this Python ({version.major}.{version.minor}) cannot parse the file's syntax to "
        f"verify them ({syntax_error}); run sqla-fix on Python {version.major}.{version.minor + 1}+"
    )
