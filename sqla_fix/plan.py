"""The plan of a file's fixes: what the rules ask to change, named by the `ast` nodes of the facts.

Deciding never needs LibCST: a plan is plain data (code as text, or a function that lays it out), turned
into edits on LibCST's tree only for the files that are rewritten (`realize`, then edits.apply).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst

    from .edits import CstEdits
    from .locate import Locator


# keywords our fixes add that only the ORM reads: no DDL changes with them
ORM_KEYWORDS = frozenset({"cascade", "passive_deletes", "cascade_delete", "sa_relationship_kwargs"})


@dataclass
class EditPlan:
    """The edits the rules ask for, named by the `ast` nodes of the facts; LibCST sees them only when the
    file is rewritten (`realize`), so that deciding a fix never needs LibCST's tree."""

    keywords: dict[ast.Call, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    replacements: dict[ast.AST, str | Callable[[cst.CSTNode], cst.CSTNode]] = field(default_factory=dict)
    # code, or a function that lays it out (called only where the file is rewritten: LibCST's business)
    statements_after: dict[ast.stmt, list[str | Callable[[], str]]] = field(default_factory=lambda: defaultdict(list))
    arguments: dict[ast.Call, list[str | Callable[[], str]]] = field(default_factory=lambda: defaultdict(list))
    imports: list[tuple[str, str]] = field(default_factory=list)
    orm_only: set[ast.AST] = field(default_factory=set)  # replacements that change no DDL (a backref's cascade)
    # `db = SessionLocal()` statements of a function body made `with SessionLocal() as db:` over the rest
    # of that body (SQF015): code, never the schema
    withs: set[ast.stmt] = field(default_factory=set)

    def add_keyword(self, call: ast.Call, name: str, value: str) -> None:
        """Ask for `name=value` on `call`, once: two fixes may want the same keyword on one call."""
        if any(keyword.arg == name for keyword in call.keywords):
            return
        if any(existing == name for existing, _ in self.keywords.get(call, ())):
            return
        self.keywords[call].append((name, value))

    def replace(self, node: ast.AST, new: str | Callable[[cst.CSTNode], cst.CSTNode], schema: bool = True) -> None:
        """`node` becomes the code `new`, or what `new(LibCST's node)` makes of it; `schema`: the table's DDL
        changes with it."""
        self.replacements[node] = new
        if not schema:
            self.orm_only.add(node)

    def schema_nodes(self) -> list[ast.AST]:
        """The edited nodes whose edit changes a table's DDL (what a migration must carry): a cascade is the
        ORM's business, an index, a type, a NOT NULL or a new column is the database's."""
        nodes: list[ast.AST] = [call for call, keywords in self.keywords.items()
                                if any(name not in ORM_KEYWORDS for name, _ in keywords)]
        nodes += [node for node in self.replacements if node not in self.orm_only]
        nodes += [*self.statements_after, *self.arguments]
        return nodes

    def add_statement_after(self, anchor: ast.stmt, code: str | Callable[[], str]) -> None:
        self.statements_after[anchor].append(code)

    def add_argument(self, call: ast.Call, code: str | Callable[[], str]) -> None:
        self.arguments[call].append(code)

    def open_with(self, assignment: ast.Assign) -> None:
        """`name = call` (a statement of a function body, alone on its line) becomes `with call as name:`,
        and every statement after it in that body moves into the `with` block."""
        self.withs.add(assignment)

    def add_import(self, module: str, name: str) -> None:
        if (module, name) not in self.imports:
            self.imports.append((module, name))

    def __bool__(self) -> bool:
        return bool(self.keywords or self.replacements or self.statements_after or self.arguments or self.imports
                    or self.withs)

    def realize(self, locator: "Locator") -> "CstEdits":
        """The same edits on LibCST's tree of the file."""
        import libcst as cst

        from .edits import CstEdits

        edits = CstEdits(imports=list(self.imports))
        for call, keywords in self.keywords.items():
            target = locator.node(call)
            for name, value in keywords:
                edits.keywords[target].append((name, cst.parse_expression(value)))
        for node, new in self.replacements.items():
            target = locator.node(node)
            edits.replacements[target] = cst.parse_expression(new) if isinstance(new, str) else new(target)
        for anchor, codes in self.statements_after.items():
            edits.statements_after[locator.statement(anchor)].extend(cst.parse_statement(_text(code)) for code in codes)
        for call, codes in self.arguments.items():
            edits.arguments[locator.node(call)].extend(cst.parse_expression(_text(code)) for code in codes)
        edits.withs = {locator.statement(assignment) for assignment in self.withs}
        return edits


def _text(code: str | Callable[[], str]) -> str:
    return code() if callable(code) else code
