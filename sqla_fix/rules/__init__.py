"""The rules, one module each; RULES is their order of reporting."""

from .base import Finding, Rule, RuleContext
from .sqf001_fk_index import ForeignKeyWithoutIndex
from .sqf002_fk_nullable import RequiredForeignKeyNullable
from .sqf003_prose_text import ProseColumnAsString
from .sqf004_cascade import ParentWithoutCascade
from .sqf005_timestamps import EntityWithoutTimestamps
from .sqf006_string_length import StringWithoutLength
from .sqf007_default_called_once import DefaultCalledOnce
from .sqf008_money_float import MoneyAsFloat
from .sqf009_flag_default import FlagWithoutDefault
from .sqf010_naive_datetime import NaiveDatetimeDefault
from .sqf011_identity_unique import IdentityNotUnique
from .sqf012_orm_only_cascade import OrmOnlyCascade
from .sqf013_naming_convention import NoNamingConvention
from .sqf014_one_to_one import OneToOneNotUnique
from .sqf015_session_leak import SessionLeak

RULES: list[Rule] = [
    ForeignKeyWithoutIndex(),
    RequiredForeignKeyNullable(),
    ProseColumnAsString(),
    ParentWithoutCascade(),
    EntityWithoutTimestamps(),
    StringWithoutLength(),
    DefaultCalledOnce(),
    MoneyAsFloat(),
    FlagWithoutDefault(),
    NaiveDatetimeDefault(),
    IdentityNotUnique(),
    OrmOnlyCascade(),
    NoNamingConvention(),
    OneToOneNotUnique(),
    SessionLeak(),
]
RULES_BY_CODE = {rule.code: rule for rule in RULES}

__all__ = ["RULES", "RULES_BY_CODE", "Finding", "Rule", "RuleContext"]
