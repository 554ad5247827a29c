"""What a rule is, what it reports, and what it sees of the file and of the project."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from ..names import Resolver
from ..picture import ClassKind, ColumnFact, ModelClass, ModuleFacts, Picture, TableFact
from ..plan import EditPlan
from ..spelling import Spelling
from ..syntax import SourceText, indent_unit

if TYPE_CHECKING:
    from ..config import Config

# A fix records its edits in the plan and says whether it could; a fix that cannot be written in
# this file's spelling (a name that is taken, say) leaves the plan alone and the finding is reported.
Fix = Callable[[EditPlan], bool]

# ruff's model: a safe fix is right for every program consistent with what the code says and changes
# nothing at run time beyond the schema; an unsafe one changes behaviour (NOT NULL rejects inserts
# that succeed today, a cascade deletes rows that are kept today) and is applied only on request.
SAFE, UNSAFE = "safe", "unsafe"
# A rule's `fix_safety`: its fixes are all safe, all unsafe, safe or unsafe by the case, or it has none.
MIXED, NO_FIX = "sometimes safe, sometimes unsafe", "none"
FIX_SAFETIES = (SAFE, UNSAFE, MIXED, NO_FIX)


def keyword_fix(call: ast.Call, name: str, value: str) -> Fix:
    """The fix that adds `name=value` to `call`."""

    def fix(plan: EditPlan) -> bool:
        plan.add_keyword(call, name, value)
        return True

    return fix


def with_value(code: str):
    """The edit that gives an annotated assignment (`bio: str`, `bio: str = ""`) the value `code` (in LibCST's
    tree: for `EditPlan.replace`)."""

    def rebuilt(assignment):
        import libcst as cst  # only where the file is rewritten

        return assignment.with_changes(
            value=cst.parse_expression(code),
            equal=assignment.equal if assignment.value is not None else cst.AssignEqual(),
        )

    return rebuilt


@dataclass
class Finding:
    code: str
    node: ast.AST  # where the finding is reported, and where `# noqa` is looked for
    message: str
    fix: Fix | None = None
    safety: str = SAFE  # of the fix, when there is one: SAFE or UNSAFE


@dataclass(frozen=True)
class Valid:
    """A model the rule must leave alone: no finding."""

    code: str


@dataclass(frozen=True)
class Invalid:
    """A model the rule reports; `fixed` is what the fix makes of it (None: reported, not fixed)."""

    code: str
    fixed: str | None = None
    unsafe: bool = False  # `fixed` is made only with unsafe fixes on


# Every example is a module body under this header (rules' examples are run by tests/test_rule_examples.py).
EXAMPLE_HEADER = """\
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, backref, mapped_column, relationship


class Base(DeclarativeBase):
    pass


"""


class Questions(NamedTuple):
    """The names a rule asks the project's code about (usage.py): only the files that mention one are read."""

    keys: frozenset[str] = frozenset()  # asked about as foreign keys (`null_signs`)
    relationships: frozenset[str] = frozenset()  # as the relationships set through a key
    lengths: frozenset[str] = frozenset()  # as length-limited strings (`slice_signs`)
    classes: frozenset[str] = frozenset()  # the classes asked about


class Rule:
    """A rule's module docstring is its rationale: why a database engineer cares, and where it does not fix."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # What its fixes are: "safe", "unsafe", "sometimes safe, sometimes unsafe" (each finding's `safety` says
    # which), or "none" (reported only). Its examples' `Invalid(..., unsafe=...)` agree (tests/test_docs.py).
    fix_safety: ClassVar[str]
    # How a user settles a finding that the tool does not fix (or whose unsafe fix they do not want): the
    # explicit code to write for each legitimate choice, each of which silences the rule, and `# noqa: CODE`
    # on the reported line. Markdown (backticks, `- ` lists); shown by `sqla-fix rule CODE` and on the rule's
    # page (docs.py), and each choice is proved by tests/test_docs.py.
    deciding: ClassVar[str]
    examples: ClassVar[list[Valid | Invalid]] = []

    def check(self, context: "RuleContext") -> Iterable[Finding]:
        raise NotImplementedError

    def usage_questions(self, picture: Picture, config: "Config") -> Questions:
        """Every name `check` may ask about through `RuleContext.null_signs` or `slice_signs`, for the whole
        run: a name not declared by some rule is not looked up (the question then says so)."""
        return Questions()


def key_relationships(owner: ModelClass) -> list[str]:
    """The relationships of `owner` that are set through its foreign keys (`Comment.post` for `post_id`)."""
    return [r.name for r in owner.relationships if r.scalar_annotation or r.collection is None]


Owner = ModelClass | TableFact

class RuleContext:
    """One file of the run, seen by the rules, with the whole picture behind it."""

    def __init__(
        self,
        module: ast.Module,
        facts: ModuleFacts,
        picture: Picture,
        resolver: Resolver,
        spelling: Spelling,
        source: SourceText,
        config: "Config",
    ):
        self.module = module
        self.facts = facts
        self.picture = picture
        self.resolver = resolver
        self.spelling = spelling
        self.source = source
        self.lines = source.lines
        self.config = config
        # The plan of another file of the run (None where it is only read), for a fix that edits there too.
        self.plan_for: Callable[[ModuleFacts], EditPlan | None] = lambda facts: None
        self.usage = None  # the project's use of the models (usage.ProjectUsage), where the run read it
        self.history = None  # what the project's migrations say (history.MigrationHistory), where read

    # -- what the rules look at ---------------------------------------------------------------------------
    def owners(self) -> Iterator[Owner]:
        """Every class and table that declares columns: mapped classes, abstract bases, mixins, Tables."""
        for model in self.facts.classes.values():
            if model.kind is not ClassKind.OTHER:
                yield model
        yield from self.facts.tables.values()

    def columns(self) -> Iterator[tuple[Owner, ColumnFact]]:
        for owner in self.owners():
            for column in owner.columns.values():
                yield owner, column

    def enabled(self, code: str, where: ModuleFacts | None = None) -> bool:
        """Does the rule `code` run on this file (or on `where`, another file of the project)?"""
        return self.config.enabled(code, (where or self.facts).path)

    def name_for(self, module: str, name: str, taken: Iterable[str] = ()) -> tuple[str, bool] | None:
        """How this file names `module.name` (`Decimal`, `decimal.Decimal`, an alias), and whether it must be
        imported; None where the name means something else here (bound, or in `taken`)."""
        bindings = self.resolver.scope.bindings
        for spelled, wanted in ((None, f"{module}.{name}"), (name, module)):
            for local, qualified in sorted(bindings.items()):
                if [q.name for q in qualified] == [wanted]:
                    return (local if spelled is None else f"{local}.{spelled}"), False
        if name in bindings or name in set(taken):
            return None
        return name, True

    def null_signs(self, owner: Owner, column: ColumnFact) -> list:
        """What the project's code says about `owner.column` being NULL by design (see usage.py)."""
        if self.usage is None:
            return []
        if not isinstance(owner, ModelClass):  # a Table: what the code of the classes mapped to it says
            signs = []
            for name in self.picture.classes_mapping(owner, self.facts.root):
                try:
                    signs += self.usage.null_signs(name, column.name, [])
                except ValueError:
                    signs.append(f"`{name}.{column.name}` was not looked up in the project's code")
            return signs
        try:
            return self.usage.null_signs(owner.name, column.name, key_relationships(owner))
        except ValueError:  # a name the project was not read for (made by a fix of this run): not seen
            return [f"`{owner.name}.{column.name}` was not looked up in the project's code"]

    def row_serializer(self):
        """Where the project's code turns whole rows into data by iterating a table's columns, or None."""
        return self.usage.row_serializer if self.usage is not None else None

    def slice_signs(self, owner: Owner, column: ColumnFact) -> list:
        """Where the project's code cuts `owner.column`'s value to a length (`text[:255]`)."""
        if self.usage is None:
            return []
        try:
            return self.usage.slice_signs(owner.name, column.name)
        except ValueError:
            return []  # not a length-limited column when the project was read

    # -- where and whether ----------------------------------------------------------------------------------
    @cached_property
    def indent_unit(self) -> str:
        """One level of the file's indentation (LibCST's `default_indent`)."""
        return indent_unit(self.module, self.source)

    def position(self, node: ast.AST) -> tuple[int, int]:
        line, column = (self.source.class_name_position(node) if isinstance(node, ast.ClassDef)
                        else self.source.start(node))
        return line, column + 1

    def suppressed(self, code: str, node: ast.AST, where: ModuleFacts | None = None) -> bool:
        """Is `code` silenced at `node` (of this file, or of `where`, another file of the project)?"""
        return (where or self.facts).suppressions.suppressed(code, node)

    def will_fix(self, code: str, node: ast.AST, where: ModuleFacts | None = None) -> bool:
        """Does the rule `code` fix its finding at `node` (here, or in `where`) whenever it runs there?"""
        return self.enabled(code, where) and not self.suppressed(code, node, where)
