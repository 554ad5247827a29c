"""Each rule's own valid and invalid examples (Fixit-style), run with only that rule selected."""

from __future__ import annotations

import pytest

from sqla_fix.config import Config
from sqla_fix.engine import process_source
from sqla_fix.rules import RULES
from sqla_fix.rules.base import EXAMPLE_HEADER, Invalid, Valid

CASES = [(rule, example) for rule in RULES for example in rule.examples]
IDS = [f"{rule.code}-{type(example).__name__.lower()}-{i}" for i, (rule, example) in enumerate(CASES)]


def run_rule(rule, code: str, tmp_path, unsafe_fixes: bool = True):
    path = tmp_path / "example.py"
    source = EXAMPLE_HEADER + code
    path.write_text(source)
    result = process_source(path, source.encode(), Config(select=[rule.code], unsafe_fixes=unsafe_fixes))
    return path, result


def test_every_rule_has_valid_and_invalid_examples():
    for rule in RULES:
        kinds = {type(example) for example in rule.examples}
        assert kinds == {Valid, Invalid}, rule.code


@pytest.mark.parametrize(("rule", "example"), CASES, ids=IDS)
def test_example(rule, example, tmp_path):
    _, result = run_rule(rule, example.code, tmp_path)
    codes = [finding.code for finding in result.findings]
    if isinstance(example, Valid):
        assert codes == []
        assert not result.changed
        return
    assert rule.code in codes
    if example.fixed is None:
        assert not result.changed, "a report-only example was rewritten"
        assert all(f.fix is None for f in result.findings if f.code == rule.code), "a report-only example has a fix"
        return
    assert result.fixed_source.decode() == EXAMPLE_HEADER + example.fixed
    kinds = {f.fix for f in result.findings if f.code == rule.code}
    assert kinds == {"unsafe" if example.unsafe else "safe"}, kinds
    _, safe_only = run_rule(rule, example.code, tmp_path, unsafe_fixes=False)
    assert safe_only.changed is not example.unsafe, "safe-only run and the fix's safety disagree"


SQLMODEL_PARENT = """\
from typing import Optional

from sqlmodel import Field, Relationship, SQLModel


class Team(SQLModel, table=True):  # noqa: SQF005
    id: Optional[int] = Field(default=None, primary_key=True)
    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):  # noqa: SQF005
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    team: Optional[Team] = Relationship(back_populates="heroes")
"""


@pytest.mark.parametrize(
    ("supported", "expected"),
    [
        (True, '    heroes: list["Hero"] = Relationship(back_populates="team", cascade_delete=True)\n'),
        (
            False,
            '    heroes: list["Hero"] = Relationship(\n'
            '        back_populates="team", sa_relationship_kwargs={"cascade": "all, delete-orphan"}\n'
            "    )\n",
        ),
    ],
    ids=["sqlmodel-0.0.21-and-later", "older-sqlmodel"],
)
def test_sqlmodel_cascade_follows_the_installed_version(tmp_path, monkeypatch, supported, expected):
    from sqla_fix.engine import process_source
    from sqla_fix.rules import sqf004_cascade

    monkeypatch.setattr(sqf004_cascade, "sqlmodel_supports_cascade_delete", lambda: supported)
    result = process_source(tmp_path / "heroes.py", SQLMODEL_PARENT.encode(), Config(unsafe_fixes=True))
    assert expected in result.fixed_source.decode()
