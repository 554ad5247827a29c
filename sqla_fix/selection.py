"""Which rules run: ruff's selectors (`ALL`, a code prefix, a code, a rule name) and its layering.

A typo must never switch the tool off unnoticed, so a selector that names no rule is an error that
lists the valid ones. The layers are ruff's: the defaults, then the configuration file, then the command
line. A layer with `select` starts afresh; `extend-select`, `ignore` and `extend-ignore` amend what the
layers before it chose. Within a layer the more specific selector wins (`select = ["SQF"]` with
`ignore = ["SQF001"]` runs every rule but SQF001, and the other way round runs only SQF001), and at equal
specificity `ignore` wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

ALL = "ALL"


class SelectionError(ValueError):
    pass


def _rules():
    from .rules import RULES

    return RULES


def valid_selectors() -> str:
    """The selectors a user may write, for an error message."""
    codes = [rule.code for rule in _rules()]
    prefixes = sorted({code[:n] for code in codes for n in range(3, len(code))})  # SQF, SQF0, SQF00
    names = [rule.name for rule in _rules()]
    return f"{ALL}, a code prefix ({', '.join(prefixes)}), a code ({', '.join(codes)}) or a rule name ({', '.join(names)})"


@cache
def resolve(selector: str) -> tuple[int, frozenset[str]]:
    """The codes `selector` names and how specific it is (ALL 0, a prefix its length, a code or name most)."""
    text = selector.strip()
    rules = _rules()
    if text.upper() == ALL:
        return 0, frozenset(rule.code for rule in rules)
    for rule in rules:
        if text == rule.name:
            return 100, frozenset({rule.code})
    prefix = text.upper()
    codes = frozenset(rule.code for rule in rules if rule.code.startswith(prefix))
    if len(prefix) < 3 or not codes:  # a prefix is the linter's (SQF) or longer, as in ruff
        raise SelectionError(f"unknown rule selector {selector!r}; expected {valid_selectors()}")
    return (100 if prefix in codes else len(prefix)), codes


def check_selectors(selectors: Iterable[str]) -> list[str]:
    """`selectors` as given, each checked (SelectionError on the first that names no rule)."""
    selectors = list(selectors)
    for selector in selectors:
        resolve(selector)
    return selectors


@dataclass(frozen=True)
class Layer:
    select: tuple[str, ...] | None = None  # None: carry over what the layers before chose
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()

    def apply(self, before: frozenset[str]) -> frozenset[str]:
        chosen = set() if self.select is not None else set(before)
        steps = [(*resolve(s), False) for s in (*(self.select or ()), *self.extend_select)]
        steps += [(*resolve(s), True) for s in (*self.ignore, *self.extend_ignore)]
        for _specificity, codes, ignoring in sorted(steps, key=lambda step: (step[0], step[2])):
            if ignoring:
                chosen -= codes
            else:
                chosen |= codes
        return frozenset(chosen)


def default_codes() -> frozenset[str]:
    """The rules that run when nothing is selected: those on by default."""
    return frozenset(rule.code for rule in _rules() if getattr(rule, "default_enabled", True))


@cache
def enabled_codes(layers: tuple[Layer, ...]) -> frozenset[str]:
    codes = default_codes()
    for layer in layers:
        codes = layer.apply(codes)
    return codes


def ignored_codes(selectors: Iterable[str]) -> frozenset[str]:
    """The codes a per-file ignore names."""
    return frozenset(code for selector in selectors for code in resolve(selector)[1])
