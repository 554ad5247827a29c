"""The findings of a run in every output format CI reads, each modelled on ruff's `--output-format` of the
same name, so that whatever already consumes ruff's reports (annotations, code quality widgets, SARIF
uploads, test report viewers) reads ours unchanged.

`render(findings, fmt)` is the whole report; `render_statistics(findings, fmt)` is `--statistics`.
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .docs import REPOSITORY, fix_safety_text, rationale, rule_url
from .results import Edit, Reported
from .rules import RULES, RULES_BY_CODE
from .rules.base import Rule

OUTPUT_FORMATS = ("concise", "full", "json", "json-lines", "grouped", "github", "gitlab", "junit", "pylint", "sarif")

PROGRAM = "sqla-fix"
PACKAGE = "org.sqla_fix"  # ruff's `org.ruff`: JUnit viewers group test cases by it
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

SourceLine = Callable[[Path, int], "str | None"]


@dataclass(frozen=True)
class _RenderOptions:
    source_line: SourceLine
    unsafe_fixes: bool


def render(findings: list[Reported], fmt: str, *, source_line: SourceLine = lambda path, line: None,
           unsafe_fixes: bool = False) -> str:
    """The whole report of `findings` in `fmt` (one of OUTPUT_FORMATS), in the order given.

    `source_line(path, line)` is the text of a line (for `full`'s snippets; None: no snippet);
    `unsafe_fixes` says whether this run applies unsafe fixes (for `full`'s hints)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}") from None
    return renderer(findings, _RenderOptions(source_line, unsafe_fixes))


# Shared by several formats.


def _end(finding: Reported) -> tuple[int, int]:
    """Where the reported node ends; its start when the engine did not say."""
    if finding.end_line and finding.end_column:
        return finding.end_line, finding.end_column
    return finding.line, finding.column


def _fix_tag(finding: Reported) -> str:
    return f"[{finding.fix or 'no'} fix]"  # as `str(finding)` says it


def _name(finding: Reported) -> str:
    rule = RULES_BY_CODE.get(finding.code)
    return finding.name or (rule.name if rule else "")


def _by_path(findings: list[Reported]) -> dict[str, list[Reported]]:
    # In the order of first appearance: the run already sorts its findings, and a report must not re-sort them.
    groups: dict[str, list[Reported]] = {}
    for finding in findings:
        groups.setdefault(str(finding.path), []).append(finding)
    return groups


def _dump(value: object, indent: int | None = 2, sort_keys: bool = False) -> str:
    separators = (",", ":") if indent is None else None
    return json.dumps(value, indent=indent, sort_keys=sort_keys, separators=separators) + "\n"


# concise, full, grouped, pylint: for people.


def _concise(findings: list[Reported], options: _RenderOptions) -> str:
    return "".join(f"{finding}\n" for finding in findings)


def _fix_hint(finding: Reported, unsafe_fixes: bool) -> str:
    if finding.fix == "safe":
        return "safe (applied by sqla-fix fix)"
    if finding.fix == "unsafe" and unsafe_fixes:
        return "unsafe (applied by sqla-fix fix --unsafe-fixes)"
    if finding.fix == "unsafe":
        return "unsafe (applied only with --unsafe-fixes)"
    return "none: reported only"


def _carets(finding: Reported, text: str) -> str:
    end_line, end_column = _end(finding)
    width = end_column - finding.column if end_line == finding.line else 1
    # Tabs are copied so that the carets line up under the text whatever the terminal's tab stops.
    indent = "".join(c if c == "\t" else " " for c in text[:finding.column - 1]).ljust(finding.column - 1)
    return indent + "^" * max(width, 1)


def _full(findings: list[Reported], options: _RenderOptions) -> str:
    blocks = []
    for finding in findings:
        margin = " " * (len(str(finding.line)) + 1)
        lines = [str(finding)]
        text = options.source_line(finding.path, finding.line)
        if text is not None:
            text = text.rstrip("\r\n")
            lines += [f"{margin}|", f"{finding.line} | {text}",
                      f"{margin}| {_carets(finding, text)} {finding.code}", f"{margin}|"]
        lines += [f"{margin}= fix: {_fix_hint(finding, options.unsafe_fixes)}", f"{margin}= docs: {finding.url}"]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _grouped(findings: list[Reported], options: _RenderOptions) -> str:
    blocks = []
    for path, group in _by_path(findings).items():
        row_width = max(len(str(finding.line)) for finding in group)
        column_width = max(len(str(finding.column)) for finding in group)
        lines = [f"{path}:"]
        lines += [f"  {f.line:>{row_width}}:{f.column:<{column_width}} {f.code} {_fix_tag(f)} {f.message}"
                  for f in group]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _pylint(findings: list[Reported], options: _RenderOptions) -> str:
    return "".join(f"{f.path}:{f.line}: [{f.code}] {f.message}\n" for f in findings)


# json, json-lines: ruff's objects, plus the rule's name and the tables the fix changes.


def _json_location(line: int, column: int) -> dict[str, int]:
    return {"column": column, "row": line}


def _json_edit(edit: Edit) -> dict[str, object]:
    return {"content": edit.content, "end_location": _json_location(edit.end_line, edit.end_column),
            "location": _json_location(edit.line, edit.column)}


def _fix_message(finding: Reported) -> str | None:
    if not finding.also_edits:
        return None
    others = ", ".join(str(path) for path in finding.also_edits)
    return f"the fix also edits {others}: apply it with `sqla-fix fix` (no edits are given for part of a fix)"


def _json_object(finding: Reported) -> dict[str, object]:
    fix = None
    if finding.fix is not None:
        fix = {"applicability": finding.fix, "message": _fix_message(finding),
               "edits": [_json_edit(edit) for edit in finding.edits or []]}
    return {
        "cell": None,  # ruff's notebook cell: we read no notebooks
        "code": finding.code,
        "end_location": _json_location(*_end(finding)),
        "filename": str(finding.path),
        "fix": fix,
        "location": _json_location(finding.line, finding.column),
        "message": finding.message,
        "name": _name(finding),
        "noqa_row": finding.line,  # the line a noqa comment silences it on: the reported one
        "tables": list(finding.tables),
        "url": finding.url,
    }


def _json(findings: list[Reported], options: _RenderOptions) -> str:
    return _dump([_json_object(finding) for finding in findings], sort_keys=True)  # ruff's keys are sorted


def _json_lines(findings: list[Reported], options: _RenderOptions) -> str:
    return "".join(_dump(_json_object(finding), indent=None, sort_keys=True) for finding in findings)


# github, gitlab, junit, sarif: for CI.


def _github_data(text: str) -> str:
    # A workflow command ends at the end of its line; `%` must go first, or the escapes would be escaped.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(findings: list[Reported], options: _RenderOptions) -> str:
    lines = []
    for f in findings:
        end_line, end_column = _end(f)
        # GitHub ignores columns on an annotation of several lines, so ruff leaves them out there.
        where = (f"line={f.line},col={f.column},endLine={end_line},endColumn={end_column}" if end_line == f.line
                 else f"line={f.line},endLine={end_line}")
        title, path = _github_property(f"{PROGRAM} ({f.code})"), _github_property(str(f.path))
        message = _github_data(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
        lines.append(f"::error title={title},file={path},{where}::{message}\n")
    return "".join(lines)


def _project_path(path: Path, root: str) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, root)).as_posix()
    except ValueError:  # on another drive (Windows): no relative path exists
        return Path(absolute).as_posix()


def _fingerprint(path: str, finding: Reported, occurrence: int) -> str:
    # From the project-relative path, so that the same finding keeps its fingerprint from one runner's
    # checkout directory to the next: GitLab matches findings across pipelines by it.
    key = "\0".join([path, finding.code, finding.message, str(occurrence)])
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def _gitlab(findings: list[Reported], options: _RenderOptions) -> str:
    root = os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    occurrences: Counter[tuple[str, str, str]] = Counter()
    entries = []
    for finding in findings:
        path = _project_path(finding.path, root)
        # Identical findings (the same message twice in a file) still need fingerprints of their own.
        key = (path, finding.code, finding.message)
        entries.append({
            "check_name": finding.code,
            "description": f"{finding.code}: {finding.message}",
            "severity": "major",
            "fingerprint": _fingerprint(path, finding, occurrences[key]),
            "location": {"path": path, "lines": {"begin": finding.line, "end": _end(finding)[0]}},
        })
        occurrences[key] += 1
    return _dump(entries)


def _junit(findings: list[Reported], options: _RenderOptions) -> str:
    count = str(len(findings))
    suites = ET.Element("testsuites", name=PROGRAM, tests=count, failures=count, errors="0")
    if not findings:
        # Like ruff: a report without a test case reads as "no tests ran" in some viewers, not as a pass.
        suites.set("tests", "1")
        suite = ET.SubElement(suites, "testsuite", name=PROGRAM, tests="1", disabled="0", errors="0",
                              failures="0", package=PACKAGE)
        ET.SubElement(suite, "testcase", name="No errors found", classname=PROGRAM)
    for path, group in _by_path(findings).items():
        size = str(len(group))
        suite = ET.SubElement(suites, "testsuite", name=path, tests=size, disabled="0", errors="0",
                              failures=size, package=PACKAGE)
        for f in group:
            case = ET.SubElement(suite, "testcase", name=f"{PACKAGE}.{f.code}",
                                 classname=str(Path(path).with_suffix("")), line=str(f.line), column=str(f.column))
            failure = ET.SubElement(case, "failure", message=f.message)
            failure.text = f"line {f.line}, col {f.column}, {f.message}"
    ET.indent(suites, "    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _sarif_region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rationale(rule)},
        "help": {"text": f"Fix: {fix_safety_text(rule)}"},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": "error"},
        "properties": {"id": rule.code, "name": rule.name, "problem.severity": "error",
                       "fix_safety": rule.fix_safety},
    }


def _sarif_replacement(edit: Edit) -> dict[str, object]:
    replacement: dict[str, object] = {
        "deletedRegion": _sarif_region(edit.line, edit.column, edit.end_line, edit.end_column)}
    if edit.content:  # a deletion inserts nothing, and SARIF says so by leaving insertedContent out
        replacement["insertedContent"] = {"text": edit.content}
    return replacement


def _sarif_result(finding: Reported) -> dict[str, object]:
    # A file URI of the absolute path, like ruff: uploaders map it back into the repository themselves.
    uri = Path(os.path.abspath(finding.path)).as_uri()
    result: dict[str, object] = {
        "ruleId": finding.code,
        "level": "error",
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": _sarif_region(finding.line, finding.column, *_end(finding)),
        }}],
    }
    if finding.edits and finding.fix:
        result["fixes"] = [{
            "description": {"text": f"{finding.fix} fix of {finding.code} ({_name(finding)})"},
            "artifactChanges": [{"artifactLocation": {"uri": uri},
                                 "replacements": [_sarif_replacement(edit) for edit in finding.edits]}],
        }]
    return result


def _sarif(findings: list[Reported], options: _RenderOptions) -> str:
    driver = {"name": PROGRAM, "informationUri": REPOSITORY, "version": __version__,
              "rules": [_sarif_rule(rule) for rule in RULES]}
    return _dump({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": [_sarif_result(finding) for finding in findings]}],
    })


_RENDERERS: dict[str, Callable[[list[Reported], _RenderOptions], str]] = {
    "concise": _concise,
    "full": _full,
    "json": _json,
    "json-lines": _json_lines,
    "grouped": _grouped,
    "github": _github,
    "gitlab": _gitlab,
    "junit": _junit,
    "pylint": _pylint,
    "sarif": _sarif,
}


# --statistics


@dataclass
class _Statistic:
    code: str
    name: str
    count: int = 0
    fixable_count: int = 0


def _statistics(findings: list[Reported]) -> list[_Statistic]:
    by_code: dict[str, _Statistic] = {}
    for finding in findings:
        statistic = by_code.setdefault(finding.code, _Statistic(finding.code, _name(finding)))
        statistic.count += 1
        statistic.fixable_count += finding.fixable
    return sorted(by_code.values(), key=lambda s: (-s.count, s.code))


def render_statistics(findings: list[Reported], fmt: str) -> str:
    """`--statistics`, like ruff's: per code, most frequent first. `json`: a list of
    {"code", "name", "count", "fixable" (every finding of the code is fixed in this run), "fixable_count"};
    any other format: ruff's (and Flake8's) table, `count<TAB>CODE<TAB>[*] name`."""
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
    statistics = _statistics(findings)
    if fmt == "json":
        return _dump([{"code": s.code, "name": s.name, "count": s.count, "fixable": s.fixable_count == s.count,
                       "fixable_count": s.fixable_count} for s in statistics])
    if not statistics:
        return ""
    count_width = len(str(statistics[0].count))
    code_width = max(len(s.code) for s in statistics)
    # ruff shows the fix column only when something is fixable: [*] all, [-] some, [ ] none of the code.
    any_fixable = any(s.fixable_count for s in statistics)

    def marker(s: _Statistic) -> str:
        if not any_fixable:
            return ""
        return "[*] " if s.fixable_count == s.count else "[-] " if s.fixable_count else "[ ] "

    return "".join(f"{s.count:>{count_width}}\t{s.code:<{code_width}}\t{marker(s)}{s.name}\n" for s in statistics)
