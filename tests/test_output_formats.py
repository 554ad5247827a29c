"""sqla_fix.report: every output format, on the engine's own findings of a flawed model and on hand-made ones
with edits; the machine-readable formats are checked against their schemas (tests/data/)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from test_cli import FLAWED

from sqla_fix import __version__
from sqla_fix.config import Config
from sqla_fix.docs import REPOSITORY
from sqla_fix.engine import process_source
from sqla_fix.report import OUTPUT_FORMATS, render, render_statistics
from sqla_fix.results import Edit, Reported
from sqla_fix.rules import RULES

DATA = Path(__file__).resolve().parent / "data"

MODELS = FLAWED  # test_cli's model: one finding of each kind this file renders
LINES = MODELS.splitlines()


def source_line(path: Path, line: int) -> str | None:
    return LINES[line - 1] if path == Path("models.py") else None


@pytest.fixture(scope="module")
def findings() -> list[Reported]:
    """What the engine reports on MODELS: SQF005 (Post), SQF004, SQF005 (Comment), SQF003, SQF001."""
    return process_source(Path("models.py"), MODELS.encode(), Config()).findings


def by_code(findings: list[Reported], code: str) -> Reported:
    return next(finding for finding in findings if finding.code == code)


def test_the_engine_gives_the_findings_these_tests_expect(findings):
    assert [(f.code, f.line, f.column) for f in findings] == [
        ("SQF005", 9, 7), ("SQF004", 12, 5), ("SQF005", 15, 7), ("SQF003", 18, 5), ("SQF001", 19, 5)]
    body = by_code(findings, "SQF003")
    assert (body.end_line, body.end_column) == (18, 5 + len(LINES[17].strip()))
    assert by_code(findings, "SQF004").fix == "unsafe" and not by_code(findings, "SQF004").fixable


def with_edits() -> list[Reported]:
    """Two files; an insertion, a deletion and a replacement; an unknown end; a message GitHub must escape."""
    index = Reported(Path("app/models.py"), 19, 5, "SQF001", "Foreign key `Comment.post_id` has no index",
                     True, "safe", 19, 65, "foreign-key-without-index", ("comments",),
                     [Edit(19, 64, 19, 64, ", index=True")])
    cascade = Reported(Path("app/models.py"), 12, 5, "SQF004", "100% sure:\r\nno cascade, here", False, "unsafe",
                       name="parent-relationship-without-cascade",
                       edits=[Edit(12, 53, 12, 73, 'cascade="all, delete-orphan"'), Edit(13, 1, 14, 1, "")])
    report_only = Reported(Path("lib/other.py"), 7, 1, "SQF002", "Required foreign key is nullable", False)
    return [index, cascade, report_only]


def test_every_format_renders_and_unknown_ones_are_refused(findings):
    for fmt in OUTPUT_FORMATS:
        assert render(findings, fmt).endswith("\n"), fmt
    with pytest.raises(ValueError, match="unknown output format 'text'"):
        render(findings, "text")
    with pytest.raises(ValueError, match="unknown output format"):
        render_statistics(findings, "yaml")


def test_concise_is_what_the_command_line_prints(findings):
    assert render(findings, "concise").splitlines() == [str(finding) for finding in findings]
    assert render(findings, "concise").splitlines()[3] == (
        "models.py:18:5: SQF003 [safe fix] Prose column `Comment.body` is String(50): longer text is rejected or "
        "truncated (SQLite alone ignores the length)")


def test_pylint(findings):
    lines = render(findings, "pylint").splitlines()
    assert len(lines) == 5
    assert lines[1].startswith("models.py:12: [SQF004] Collection `Post.comments` has no cascade")


def test_full_shows_the_line_with_carets_under_the_node(findings):
    blocks = render(findings, "full", source_line=source_line).split("\n\n")
    assert len(blocks) == 5
    body = blocks[3].splitlines()
    assert body[0] == str(by_code(findings, "SQF003"))
    assert body[1:5] == [
        "   |",
        "18 |     body: Mapped[str] = mapped_column(String(50))",
        "   |     " + "^" * len("body: Mapped[str] = mapped_column(String(50))") + " SQF003",
        "   |",
    ]
    assert body[5:] == ["   = fix: safe (applied by sqla-fix fix)",
                        "   = docs: https://github.com/sqla-fix/sqla-fix/blob/main/docs/rules/SQF003.md"]
    # the caret's column is the finding's: the text above it starts there
    text, carets = body[2], body[3]
    assert text[carets.index("^")] == "b" and text[carets.rindex("^")] == ")"
    # a class spans several lines: one caret, under its name
    post = blocks[0].splitlines()
    assert post[2:4] == ["9 | class Post(Base):", "  |       ^ SQF005"]


def test_full_without_source_tells_the_fix_and_the_docs_only(findings):
    cascade = by_code(findings, "SQF004")
    assert render([cascade], "full").splitlines() == [
        str(cascade),
        "   = fix: unsafe (applied only with --unsafe-fixes)",
        f"   = docs: {cascade.url}",
    ]
    assert "= fix: unsafe (applied by sqla-fix fix --unsafe-fixes)" in render([cascade], "full", unsafe_fixes=True)
    report_only = with_edits()[2]
    assert "  = fix: none: reported only" in render([report_only], "full").splitlines()


def test_full_keeps_tabs_so_the_carets_line_up():
    finding = Reported(Path("t.py"), 3, 3, "SQF003", "tabbed", True, "safe", 3, 7)
    lines = render([finding], "full", source_line=lambda path, line: "\t\tbody = x\n").splitlines()
    assert lines[2:4] == ["3 | \t\tbody = x", "  | \t\t^^^^ SQF003"]


def test_grouped_gives_each_file_its_block_with_aligned_positions():
    output = render(with_edits(), "grouped")
    assert output == (
        "app/models.py:\n"
        "  19:5 SQF001 [safe fix] Foreign key `Comment.post_id` has no index\n"
        "  12:5 SQF004 [unsafe fix] 100% sure:\r\nno cascade, here\n"
        "\n"
        "lib/other.py:\n"
        "  7:1 SQF002 [no fix] Required foreign key is nullable\n"
    )


def test_grouped_pads_rows_and_columns(findings):
    lines = render(findings, "grouped").splitlines()
    assert lines[0] == "models.py:"
    assert lines[1].startswith("   9:7 SQF005 [safe fix] `Post` has no created_at")
    assert lines[4].startswith("  18:5 SQF003 [safe fix] Prose column")


def schema_validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def test_json_matches_ruff_and_the_schema(findings):
    validator = schema_validator("findings.schema.json")
    data = json.loads(render(findings, "json"))
    for item in data:
        validator.validate(item)
    assert [item["code"] for item in data] == [f.code for f in findings]  # in the order given
    body = data[3]
    assert list(body) == sorted(body)  # ruff's keys are sorted
    assert body == {
        "cell": None,
        "code": "SQF003",
        "end_location": {"column": 50, "row": 18},
        "filename": "models.py",
        "fix": {"applicability": "safe", "edits": [], "message": None},
        "location": {"column": 5, "row": 18},
        "message": by_code(findings, "SQF003").message,
        "name": "prose-column-as-string",
        "noqa_row": 18,
        "tables": ["comments"],
        "url": "https://github.com/sqla-fix/sqla-fix/blob/main/docs/rules/SQF003.md",
    }
    assert data[1]["fix"]["applicability"] == "unsafe" and "applied" not in data[1]["fix"]


def test_json_gives_the_edits_of_a_fix():
    validator = schema_validator("findings.schema.json")
    data = json.loads(render(with_edits(), "json"))
    for item in data:
        validator.validate(item)
    index, cascade, report_only = data
    assert index["fix"]["edits"] == [
        {"content": ", index=True", "location": {"row": 19, "column": 64}, "end_location": {"row": 19, "column": 64}}]
    assert [edit["content"] for edit in cascade["fix"]["edits"]] == ['cascade="all, delete-orphan"', ""]
    assert cascade["fix"]["edits"][1]["end_location"] == {"row": 14, "column": 1}
    assert cascade["end_location"] == cascade["location"] == {"row": 12, "column": 5}  # the end is unknown
    assert report_only["fix"] is None
    assert report_only["name"] == "required-foreign-key-nullable"  # from the rule, when the finding has none


def test_the_schema_rejects_what_is_not_a_finding(findings):
    validator = schema_validator("findings.schema.json")
    good = json.loads(render(findings, "json"))[0]
    for broken in ({**good, "code": "E501"}, {**good, "location": {"row": 0, "column": 1}},
                   {**good, "fix": {**good["fix"], "applicability": "display-only"}},
                   {key: value for key, value in good.items() if key != "tables"}):
        assert not validator.is_valid(broken)


def test_json_lines_are_the_json_objects_one_a_line(findings):
    validator = schema_validator("findings.schema.json")
    findings = [*findings, *with_edits()]
    lines = render(findings, "json-lines").splitlines()
    assert len(lines) == len(findings)
    assert [json.loads(line) for line in lines] == json.loads(render(findings, "json"))
    for line in lines:
        assert ": " not in line.split('"message"')[0]  # compact, like ruff's
        validator.validate(json.loads(line))


def test_github_annotations(findings):
    lines = render(findings, "github").splitlines()
    assert lines[3] == (
        "::error title=sqla-fix (SQF003),file=models.py,line=18,col=5,endLine=18,endColumn=50::"
        f"models.py:18:5: SQF003 {by_code(findings, 'SQF003').message}")
    # several lines: GitHub takes no columns there, and ruff gives none
    assert lines[0].startswith("::error title=sqla-fix (SQF005),file=models.py,line=9,endLine=12::models.py:9:7: ")


def test_github_escapes_what_would_end_the_command():
    cascade = replace(with_edits()[1], path=Path("odd,dir/a:b.py"))
    [line] = render([cascade], "github").splitlines()
    assert line == ("::error title=sqla-fix (SQF004),file=odd%2Cdir/a%3Ab.py,line=12,col=5,endLine=12,endColumn=5::"
                    "odd,dir/a:b.py:12:5: SQF004 100%25 sure:%0D%0Ano cascade, here")


def test_gitlab_code_quality(findings, tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    # absolute paths (the first two) are reported relative to the project too
    located = [replace(f, path=tmp_path / "models.py") for f in findings[:2]] + findings[2:] + with_edits()
    data = json.loads(render(located, "gitlab"))
    assert [entry["location"]["path"] for entry in data] == (
        ["models.py"] * 5 + ["app/models.py", "app/models.py", "lib/other.py"])
    assert data[3] == {
        "check_name": "SQF003",
        "description": f"SQF003: {by_code(findings, 'SQF003').message}",
        "severity": "major",
        "fingerprint": data[3]["fingerprint"],
        "location": {"path": "models.py", "lines": {"begin": 18, "end": 18}},
    }
    assert data[0]["location"]["lines"] == {"begin": 9, "end": 12}
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry["fingerprint"]) for entry in data)
    assert len({entry["fingerprint"] for entry in data}) == len(data)


def test_gitlab_fingerprints_are_unique_and_stable(tmp_path, monkeypatch):
    finding = with_edits()[2]
    twice = [finding, replace(finding)]  # the same finding twice: still two fingerprints
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "build" / "1"))
    monkeypatch.chdir(tmp_path)
    here = [replace(f, path=tmp_path / "build" / "1" / f.path) for f in twice]
    first = json.loads(render(here, "gitlab"))
    assert [entry["location"]["path"] for entry in first] == ["lib/other.py", "lib/other.py"]
    assert first[0]["fingerprint"] != first[1]["fingerprint"]
    assert json.loads(render(here, "gitlab")) == first  # stable from run to run
    # another runner's checkout: the same fingerprints, as GitLab matches findings across pipelines by them
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path / "build" / "2"))
    there = [replace(f, path=tmp_path / "build" / "2" / f.path) for f in twice]
    assert [entry["fingerprint"] for entry in json.loads(render(there, "gitlab"))] == [
        entry["fingerprint"] for entry in first]
    # a different message is a different finding
    changed = replace(here[0], message="Something else")
    assert json.loads(render([changed], "gitlab"))[0]["fingerprint"] != first[0]["fingerprint"]


def test_junit_has_a_suite_per_file_and_a_failure_per_finding(findings):
    root = ET.fromstring(render([*findings, *with_edits()], "junit"))
    assert root.tag == "testsuites"
    assert (root.get("name"), root.get("tests"), root.get("failures"), root.get("errors")) == ("sqla-fix", "8", "8", "0")
    suites = root.findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures")) for s in suites] == [
        ("models.py", "5", "5"), ("app/models.py", "2", "2"), ("lib/other.py", "1", "1")]
    cases = suites[0].findall("testcase")
    assert [case.get("name") for case in cases] == [f"org.sqla_fix.{f.code}" for f in findings]
    assert {case.get("classname") for case in cases} == {"models"}
    body = cases[3].find("failure")
    message = by_code(findings, "SQF003").message
    assert body.get("message") == message
    assert body.text == f"line 18, col 5, {message}"
    assert suites[2].find("testcase").get("classname") == "lib/other"


def test_sarif_is_valid_and_describes_every_rule(findings):
    validator = schema_validator("sarif-schema-2.1.0.json")
    assert type(validator).__name__ == "Draft4Validator"  # what the official schema declares
    document = json.loads(render([*findings, *with_edits()], "sarif"))
    validator.validate(document)
    assert not validator.is_valid({**document, "version": "2.0.0"})  # the schema does check
    assert (document["$schema"], document["version"]) == ("https://json.schemastore.org/sarif-2.1.0.json", "2.1.0")
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["informationUri"], driver["version"]) == ("sqla-fix", REPOSITORY, __version__)
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in RULES]
    first = driver["rules"][0]
    assert (first["name"], first["shortDescription"]["text"]) == (RULES[0].name, RULES[0].summary)
    assert first["helpUri"].endswith(f"/docs/rules/{RULES[0].code}.md") and first["fullDescription"]["text"]
    results = run["results"]
    assert [result["ruleId"] for result in results] == [f.code for f in [*findings, *with_edits()]]
    body = results[3]
    assert body["level"] == "error" and body["message"]["text"] == by_code(findings, "SQF003").message
    location = body["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (Path.cwd() / "models.py").as_uri()
    assert location["region"] == {"startLine": 18, "startColumn": 5, "endLine": 18, "endColumn": 50}
    assert "fixes" not in body  # the run was not asked for the edits


def test_sarif_fixes_are_the_edits():
    results = json.loads(render(with_edits(), "sarif"))["runs"][0]["results"]
    index, cascade, report_only = results
    [change] = index["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == (Path.cwd() / "app/models.py").as_uri()
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 19, "startColumn": 64, "endLine": 19, "endColumn": 64},
        "insertedContent": {"text": ", index=True"}}]
    replace, delete = cascade["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replace["insertedContent"] == {"text": 'cascade="all, delete-orphan"'}
    assert delete == {"deletedRegion": {"startLine": 13, "startColumn": 1, "endLine": 14, "endColumn": 1}}
    assert "unsafe" in cascade["fixes"][0]["description"]["text"]
    assert "fixes" not in report_only


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_an_empty_run(fmt):
    output = render([], fmt)
    if fmt in ("concise", "full", "grouped", "pylint", "github", "json-lines"):
        assert output == ""
    elif fmt in ("json", "gitlab"):
        assert output == "[]\n"
    elif fmt == "junit":
        root = ET.fromstring(output)
        assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")
        [case] = root.iter("testcase")
        assert case.get("name") == "No errors found" and list(case) == []
    else:
        document = json.loads(output)
        schema_validator("sarif-schema-2.1.0.json").validate(document)
        assert document["runs"][0]["results"] == []
        assert len(document["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


def test_statistics_like_ruff(findings):
    assert render_statistics(findings, "concise") == (
        "2\tSQF005\t[*] entity-without-timestamps\n"
        "1\tSQF001\t[*] foreign-key-without-index\n"
        "1\tSQF003\t[*] prose-column-as-string\n"
        "1\tSQF004\t[ ] parent-relationship-without-cascade\n"
    )
    assert render_statistics(findings, "full") == render_statistics(findings, "concise")
    assert render_statistics([], "concise") == ""


def test_statistics_mark_partly_fixable_codes_and_align_counts(findings):
    many = [*findings] + [Reported(Path("x.py"), n, 1, "SQF004", "cascade", n % 2 == 0, "unsafe")
                          for n in range(1, 11)]
    assert render_statistics(many, "concise").splitlines() == [
        "11\tSQF004\t[-] parent-relationship-without-cascade",  # 5 of 11 fixed in this run
        " 2\tSQF005\t[*] entity-without-timestamps",
        " 1\tSQF001\t[*] foreign-key-without-index",
        " 1\tSQF003\t[*] prose-column-as-string",
    ]
    # nothing fixable: ruff leaves the column out
    unfixable = [by_code(findings, "SQF004")]
    assert render_statistics(unfixable, "concise") == "1\tSQF004\tparent-relationship-without-cascade\n"


def test_statistics_as_json(findings):
    assert json.loads(render_statistics(findings, "json")) == [
        {"code": "SQF005", "name": "entity-without-timestamps", "count": 2, "fixable": True, "fixable_count": 2},
        {"code": "SQF001", "name": "foreign-key-without-index", "count": 1, "fixable": True, "fixable_count": 1},
        {"code": "SQF003", "name": "prose-column-as-string", "count": 1, "fixable": True, "fixable_count": 1},
        {"code": "SQF004", "name": "parent-relationship-without-cascade", "count": 1, "fixable": False,
         "fixable_count": 0},
    ]
    assert render_statistics([], "json") == "[]\n"
