"""Collect the model facts of one parsed module into ModuleFacts."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from .names import Resolver
from .picture import (
    ColumnFact,
    ConstraintFact,
    ForeignKeyFact,
    IndexFact,
    ModelClass,
    ModuleFacts,
    RelationshipFact,
    Style,
    TableFact,
    keyword_flag,
)
from .suppression import Suppressions
from .syntax import (
    SourceText,
    arguments_in_order,
    has_double_star,
    has_star,
    is_constant,
    keywords_of,
    last_name,
    literal_int,
    literal_string,
    parse_expression,
    positional_of,
)

if TYPE_CHECKING:
    from .project import Project
    from .read import LoadedFile

_DECLARATIVE_FACTORIES = ("sa.declarative_base", "sa.orm.declarative_base")
# What a module-level `SessionLocal = sessionmaker(...)` binds (SQF015 asks what a called name makes).
SESSION_FACTORIES = {
    "sa.sessionmaker": "sessionmaker",
    "sa.asyncio.async_sessionmaker": "async-sessionmaker",
    "sa.scoped_session": "scoped-session",
    "sa.asyncio.async_scoped_session": "scoped-session",
}
_COLUMN_CALLS = ("sa.Column", "sa.mapped_column")
_RELATIONSHIP_CALLS = ("sa.relationship", "sa.relation")
_MAPPED_ANNOTATIONS = {"sa.Mapped": None, "sa.WriteOnlyMapped": "write_only", "sa.DynamicMapped": "dynamic"}
_CONSTRAINT_KINDS = {
    "sa.Index": "index",
    "sa.UniqueConstraint": "unique",
    "sa.PrimaryKeyConstraint": "primary_key",
}


def joined_statements(body: list[ast.stmt]) -> set[int]:
    """The ids of the statements that share their line with another (`a = 1; b = 2`): not read, as a
    reader would not look for a column there either."""
    joined: set[int] = set()
    for before, after in zip(body, body[1:]):
        if after.lineno == before.end_lineno:
            joined.update((id(before), id(after)))
    return joined


def _assignment(statement: ast.stmt | None):
    """(target name, annotation or None, value or None) of `x = v` / `x: A = v` / `x: A`."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, None, statement.value
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.annotation, statement.value
    return None


def _column_reference(node: ast.expr) -> str | None:
    """Column named in a constraint: "user_id", user_id, Post.user_id, table.c.user_id."""
    text = literal_string(node)
    if text is not None:
        return text
    return last_name(node)


def assignment_kind(resolver: Resolver, value) -> str:
    """What a module-level `name = value` binds: a Flask-SQLAlchemy object, a declarative base, a Table."""
    called = resolver.call_name(value)
    if called == "flask.SQLAlchemy":
        return "flask"
    if called in _DECLARATIVE_FACTORIES or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "generate_base"
    ):
        # `declarative_base(cls=Mixin)` gives every class the mixin's columns, which we may not see
        opened = any(keyword.arg in (None, "cls") for keyword in value.keywords)
        return "root-open" if opened else "root"
    if called in ("sa.Table", "flask.db.Table"):
        return "table"
    return SESSION_FACTORIES.get(called, "other")


class ModuleCollector:
    def __init__(self, module: ast.Module, resolver: Resolver, facts: ModuleFacts, source: SourceText):
        self.module = module
        self.resolver = resolver
        self.facts = facts
        self.source = source

    # -- module level -----------------------------------------------------------------------------------
    def collect(self) -> ModuleFacts:
        joined = joined_statements(self.module.body)
        for statement in self.module.body:
            if isinstance(statement, ast.ClassDef):
                self._collect_class(statement)
                continue
            if id(statement) in joined:
                continue
            assignment = _assignment(statement)
            if assignment is not None:
                name, _annotation, value = assignment
                self._collect_module_assignment(name, value, statement)
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                self._collect_module_index(statement.value)
                self._collect_imperative_mapping(statement.value)
        return self.facts

    def _collect_imperative_mapping(self, call: ast.Call) -> None:
        """`registry.map_imperatively(Tag, tag_table)`, `mapper(Tag, tag_table)`: the class whose code
        (queries, constructors) says how the table's columns are used."""
        func = call.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        if method not in ("map_imperatively", "mapper") and self.resolver.call_name(call) != "sa.mapper":
            return
        # `Tag` or `tag.Tag`, `tag_table` or `tag.tag_table`: the names, as the other modules bind them
        names = [last_name(node) for node in positional_of(call)[:2] if isinstance(node, (ast.Name, ast.Attribute))]
        if len(names) == 2:
            self.facts.imperative_mappings.append((names[0], names[1]))

    def _collect_module_assignment(self, name: str, value, statement) -> None:
        kind = assignment_kind(self.resolver, value)
        if kind in ("flask", "root", "root-open") or self.resolver.call_name(value) in ("sa.MetaData", "sa.registry"):
            self.facts.makes_metadata = True
        if kind == "flask":
            self.resolver.flask_handles.add(name)
        elif kind in ("root", "root-open"):
            self.resolver.root_names.add(name)
            if kind == "root-open":
                self.resolver.open_roots.add(name)
        elif isinstance(value, ast.Call) and self.resolver.is_partial(value.func):
            self._collect_partial(name, value)
        elif kind == "table":
            self._collect_table(name, value, statement)
        elif self.resolver.call_name(value) == "sa.Index":
            self._collect_module_index(value)

    def _collect_partial(self, name: str, call: ast.Call) -> None:
        """`Column = partial(db.Column, nullable=False)`: calls of `Column` are columns with those keywords."""
        positional = positional_of(call)
        wrapped = self.resolver.canonical(positional[0]) if positional else None
        if wrapped in (*_COLUMN_CALLS, *_RELATIONSHIP_CALLS, "sa.ForeignKey") and not has_star(call) and len(positional) == 1:
            self.resolver.partials[name] = (wrapped, keywords_of(call))

    def _collect_module_index(self, call: ast.Call) -> None:
        if self.resolver.call_name(call) != "sa.Index":
            return
        columns: list[str] = []
        expressions: list[str] = []
        owner = None
        for expression in positional_of(call)[1:]:
            if isinstance(expression, ast.Attribute):
                value = expression.value
                if isinstance(value, ast.Attribute) and value.attr == "c":  # table.c.column
                    value = value.value
                if isinstance(value, ast.Name):
                    owner = owner or value.id
                columns.append(expression.attr)
            elif isinstance(expression, ast.Call):  # func.lower(User.email): a functional index
                callees = {id(node.func) for node in ast.walk(expression) if isinstance(node, ast.Call)}
                for inner in ast.walk(expression):
                    if not isinstance(inner, ast.Attribute) or id(inner) in callees:
                        continue
                    value = inner.value
                    if isinstance(value, ast.Attribute) and value.attr == "c":  # table.c.column
                        value = value.value
                    if isinstance(value, ast.Name):
                        owner = owner or value.id
                        expressions.append(inner.attr)
        unique = keyword_flag(keywords_of(call), "unique") is True
        if owner and (columns or expressions):
            self.facts.module_indexes.append(IndexFact(owner, columns, call, unique, expressions))

    def _collect_table(self, variable: str, call: ast.Call, statement) -> None:
        positional = positional_of(call)
        name = literal_string(positional[0]) if positional else None
        if name is None:
            return
        table = TableFact(variable=variable, name=name, call=call, statement=statement)
        for order, argument in enumerate(arguments_in_order(call)):
            expression = argument.value
            called = self.resolver.call_name(expression)
            if called == "sa.Column":
                column = self._column(expression, None, expression, Style.IMPERATIVE, None)
                if column is not None:
                    column.order = order
                    table.columns[column.name] = column
            else:
                constraint = self._constraint(expression)
                if constraint is not None:
                    table.constraints.append(constraint)
        self._attach_constraint_keys(table)
        self.facts.tables[name] = table

    # -- classes ----------------------------------------------------------------------------------------
    def _collect_class(self, node: ast.ClassDef) -> None:
        model = ModelClass(name=node.name, node=node, module=self.facts)
        model.class_keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg is not None}
        for base in node.bases:
            if isinstance(base, ast.Starred):
                continue
            canonical = self.resolver.canonical(base)
            if any(q.name == "builtins.object" for q in self.resolver.qualified(base)):
                continue
            if canonical is not None:
                model.canonical_bases.add(canonical)
            elif self.resolver.is_root(base):
                model.root_base = True
                if self.resolver.is_open_root(base):
                    code = self.source.segment(base)
                    model.unresolved_bases.append(f"{code} (made by declarative_base(cls=...), whose columns are not read)")
            elif (ref := self.resolver.class_ref(base)) is not None:
                model.base_refs.append(ref)
            else:
                model.unresolved_bases.append(self.source.segment(base))
                external = self.resolver.external_name(base)
                if external is not None:
                    self.facts.external_bases.add(external)
        self._collect_body(model)
        self._attach_constraint_keys(model)
        self.facts.classes[model.name] = model

    def _collect_body(self, model: ModelClass) -> None:
        body = model.node.body
        if _on_the_class_line(model.node):  # `class A(Base): x = 1`: not a model body a reader looks into
            return
        joined = joined_statements(body)
        for order, statement in enumerate(body):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                model.other_attributes.add(statement.name)
                if statement.name == "__tablename__":
                    model.has_tablename_attribute = True
                    model.tablename_rule = _tablename_rule(statement)
                elif statement.name == "__table_args__":
                    model.table_args_unknown = True
                model.validated |= self._validated_names(statement)
                continue
            assignment = _assignment(statement) if id(statement) not in joined else None
            if assignment is None:
                continue
            name, annotation, value = assignment
            if name == "__tablename__":
                model.has_tablename_attribute = True
                model.explicit_tablename = literal_string(value)
                continue
            if name == "__abstract__":
                if is_constant(value, True):
                    model.other_attributes.add("__abstract__")
                continue
            if name == "__table__":
                model.has_table_attribute = True
                continue
            if name == "__table_args__":
                model.table_args_unknown = not self._collect_table_args(model, value)
                continue
            wrapper, inner = self._mapped_annotation(annotation)
            if wrapper is not None:
                model.uses_typed_style = True
            called = self.resolver.call_name(value)
            if called in _RELATIONSHIP_CALLS:
                model.relationships.append(self._relationship(name, value, statement, wrapper, inner))
            elif called in _COLUMN_CALLS or (value is None and wrapper == "sa.Mapped" and not _collection_of(inner)):
                style = Style.TYPED if (wrapper is not None or called == "sa.mapped_column") else Style.CLASSIC
                optional = _is_optional(inner) if wrapper is not None else None
                column = self._column(value, name, statement, style, optional)
                if column is not None:
                    column.python_type = _annotation_name(inner) if wrapper is not None else None
                    column.order = order
                    model.columns[name] = column
                    model.last_column_statement = statement
            elif called == "sqlmodel.Field" or (
                called is None and wrapper is None and annotation is not None and not _is_class_var(annotation)
                and not _collection_of(annotation) and not _is_model_reference(annotation)
            ):
                # A SQLModel field (`x: int = Field(...)`, `x: str`); on a class that turns out not to be a
                # SQLModel table it is only kept as a name (see picture.classify).
                column = self._sqlmodel_field(name, annotation, value, statement)
                column.order = order
                model.sqlmodel_fields[name] = column
            elif called == "sqlmodel.Relationship":
                model.relationships.append(self._sqlmodel_relationship(name, annotation, value, statement))
            else:
                model.other_attributes.add(name)

    def _sqlmodel_field(self, name, annotation, value, statement) -> ColumnFact:
        annotation = _unstring(annotation)
        column = ColumnFact(name=name, statement=statement, call=None, style=Style.SQLMODEL,
                            annotation_optional=_is_optional(annotation))
        column.type_name = last_name(_optional_inner(annotation) if column.annotation_optional else annotation)
        if self.resolver.call_name(value) != "sqlmodel.Field":
            column.default = value
            return column
        column.call = value
        column.constructor = "sqlmodel.Field"
        column.keywords = keywords_of(value)
        column.star_kwargs = has_double_star(value)
        inner = column.keywords.get("sa_column")
        if self.resolver.call_name(inner) == "sa.Column":
            column.sa_column = self._column(inner, name, statement, Style.CLASSIC, None)
        table = literal_string(column.keywords.get("foreign_key"))
        if table is not None:
            column.foreign_keys.append(ForeignKeyFact(
                call=value, target_table=table.split(".")[-2] if "." in table else None, target_class=None,
                ondelete=literal_string(column.keywords.get("ondelete")), use_alter=False,
            ))
        column.type_length = literal_int(column.keywords.get("max_length"))
        return column

    def _sqlmodel_relationship(self, name, annotation, call, statement) -> RelationshipFact:
        keywords = keywords_of(call)
        annotation = _unstring(annotation)
        collection = _collection_of(annotation)
        element = _element_of(annotation)
        if "link_model" in keywords:
            keywords["secondary"] = keywords["link_model"]
        options = keywords.get("sa_relationship_kwargs")
        if isinstance(options, ast.Dict):
            for key_node, value in zip(options.keys, options.values):
                key = literal_string(key_node)
                if key in ("cascade", "viewonly", "uselist", "secondary", "foreign_keys", "post_update", "primaryjoin",
                           "order_by", "remote_side", "lazy"):
                    keywords[key] = value
        if "cascade_delete" in keywords:
            keywords["cascade"] = keywords["cascade_delete"]
        return RelationshipFact(
            name=name, statement=statement, call=call, target=_annotation_name(element),
            collection=collection, scalar_annotation=collection is None, keywords=keywords,
            star_kwargs=has_double_star(call) or (options is not None and not isinstance(options, ast.Dict)),
        )

    def _collect_table_args(self, model: ModelClass, value) -> bool:
        """Read `__table_args__`; False when it cannot be read whole (a name, a call, `*other`)."""
        if isinstance(value, ast.Dict):
            return None not in value.keys  # `{**common}`
        if not isinstance(value, (ast.Tuple, ast.List)):
            return False
        known = True
        for element in value.elts:
            if isinstance(element, ast.Starred):
                known = False
                continue
            constraint = self._constraint(element)
            if constraint is not None:
                model.constraints.append(constraint)
            elif not isinstance(element, ast.Dict) and self.resolver.call_name(element) is None:
                known = False  # an expression we cannot read may be an index
        return known

    def _validated_names(self, function: ast.FunctionDef) -> set[str]:
        """Attributes named by `@validates("a", "b")` on a method."""
        names: set[str] = set()
        for call in function.decorator_list:
            if isinstance(call, ast.Call) and self.resolver.call_name(call) == "sa.validates":
                names.update(n for n in map(literal_string, positional_of(call)) if n)
        return names

    def _constraint(self, expression) -> ConstraintFact | None:
        called = self.resolver.call_name(expression)
        if called in _CONSTRAINT_KINDS:
            positional = positional_of(expression)
            if called == "sa.Index":
                positional = positional[1:]
            columns = [c for c in map(_column_reference, positional) if c is not None]
            return ConstraintFact(_CONSTRAINT_KINDS[called], columns, expression, self.source.segment(expression.func))
        if called == "sa.ForeignKeyConstraint":
            positional = positional_of(expression)
            if len(positional) >= 2 and isinstance(positional[0], (ast.List, ast.Tuple)):
                columns = [c for c in map(_column_reference, positional[0].elts) if c]
                return ConstraintFact("foreign_key", columns, expression, self.source.segment(expression.func))
        return None

    def _attach_constraint_keys(self, owner) -> None:
        """ForeignKeyConstraint(["author_id"], ["users.id"]) in __table_args__ makes author_id a foreign key."""
        for constraint in owner.constraints:
            if constraint.kind != "foreign_key":
                continue
            positional = positional_of(constraint.call)
            targets = positional[1].elts if isinstance(positional[1], (ast.List, ast.Tuple)) else []
            keywords = keywords_of(constraint.call)
            for position, name in enumerate(constraint.columns):
                column = owner.columns.get(name)
                if column is None or position >= len(targets):
                    continue
                target = targets[position]
                text = literal_string(target)
                column.foreign_keys.append(ForeignKeyFact(
                    call=constraint.call,
                    target_table=text.split(".")[-2] if text and "." in text else None,
                    target_class=target.value.id if isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name) else None,
                    ondelete=literal_string(keywords.get("ondelete")),
                    use_alter=keyword_flag(keywords, "use_alter") is True,
                    composite=len(constraint.columns) > 1,
                    leads=position == 0,
                ))

    # -- columns and relationships ----------------------------------------------------------------------
    def _column(self, call, name, statement, style, optional) -> ColumnFact | None:
        if call is None:
            return ColumnFact(name=name, statement=statement, call=None, style=style, annotation_optional=optional)
        positional = positional_of(call)
        if positional and literal_string(positional[0]) is not None:
            db_name = literal_string(positional[0])
            positional = positional[1:]
            name = name or db_name
        else:
            db_name = None
        if name is None:
            return None
        column = ColumnFact(name=name, statement=statement, call=call, style=style, annotation_optional=optional)
        column.db_name = db_name or name
        column.constructor = self.resolver.call_name(call)
        partial = self.resolver.partial_of(call)
        column.keywords = {**(partial[1] if partial else {}), **keywords_of(call)}
        column.star_kwargs = has_double_star(call)
        for expression in positional:
            called = self.resolver.call_name(expression)
            if called == "sa.ForeignKey":
                column.foreign_keys.append(self._foreign_key(expression))
            elif called in ("sa.Sequence", "sa.Identity", "sa.Computed", "sa.CheckConstraint"):
                continue
            elif column.type_call is None:
                column.type_call = expression
        if column.type_call is None and "type_" in column.keywords:
            column.type_call = column.keywords["type_"]
        if column.type_call is not None:
            if isinstance(column.type_call, ast.Call):
                column.type_name = self.resolver.canonical(column.type_call.func)
                type_args = positional_of(column.type_call)
                length = type_args[0] if type_args else keywords_of(column.type_call).get("length")
                column.type_length = literal_int(length)
                if length is not None and column.type_length is None and not is_constant(length, None):
                    column.length_named = self.source.segment(length)
            else:
                column.type_name = self.resolver.canonical(column.type_call)
        return column

    def _foreign_key(self, call: ast.Call) -> ForeignKeyFact:
        positional = positional_of(call)
        keywords = keywords_of(call)
        target = positional[0] if positional else keywords.get("column")
        table = target_class = None
        text = literal_string(target)
        if text is not None:
            parts = text.split(".")
            table = parts[-2] if len(parts) >= 2 else None
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            target_class = target.value.id
        return ForeignKeyFact(
            call=call,
            target_table=table,
            target_class=target_class,
            ondelete=literal_string(keywords.get("ondelete")),
            use_alter=is_constant(keywords.get("use_alter"), True),
        )

    def _relationship(self, name, call, statement, wrapper, inner) -> RelationshipFact:
        partial = self.resolver.partial_of(call)
        keywords = {**(partial[1] if partial else {}), **keywords_of(call)}
        secondary = keywords.get("secondary")
        if isinstance(secondary, ast.Name):
            self.facts.secondary_names.add(secondary.id)
        elif literal_string(secondary):
            self.facts.secondary_names.add(literal_string(secondary))
        elif isinstance(secondary, ast.Attribute) and isinstance(secondary.value, ast.Name):
            self.facts.secondary_names.add(secondary.value.id)  # secondary=Link.__table__: the class Link
        positional = positional_of(call)
        target_expression = positional[0] if positional else keywords.get("argument")
        target = literal_string(target_expression)
        if target is None and isinstance(target_expression, ast.Name):
            target = target_expression.id
        collection = None
        scalar = False
        if wrapper is not None:
            collection = _MAPPED_ANNOTATIONS.get(wrapper) or _collection_of(inner)
            element = _element_of(inner) if wrapper == "sa.Mapped" else inner
            if collection is None:
                scalar = True
            if target is None:
                target = _annotation_name(element)
        if target is not None:
            target = target.rsplit(".", 1)[-1]
        return RelationshipFact(
            name=name,
            statement=statement,
            call=call,
            target=target,
            collection=collection,
            scalar_annotation=scalar,
            keywords=keywords,
            star_kwargs=has_double_star(call),
        )

    def _mapped_annotation(self, annotation):
        """(canonical wrapper, inner expression) of Mapped[X] / WriteOnlyMapped[X] / DynamicMapped[X]."""
        if annotation is None:
            return None, None
        annotation = _unstring(annotation)
        if isinstance(annotation, ast.Subscript) and not isinstance(annotation.slice, (ast.Tuple, ast.Slice)):
            # (names inside a string annotation resolve through the module's imports like any other)
            wrapper = self.resolver.canonical(annotation.value)
            if wrapper in _MAPPED_ANNOTATIONS:
                return wrapper, _unstring(annotation.slice)
        return None, None


def _on_the_class_line(node: ast.ClassDef) -> bool:
    header_end = max([node.lineno, *(n.end_lineno for n in [*node.bases, *node.keywords])])
    return bool(node.body) and node.body[0].lineno == header_end


def _subscript_elements(node: ast.Subscript) -> list[ast.expr]:
    index = node.slice
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]


def _is_class_var(annotation) -> bool:
    annotation = _unstring(annotation)
    return last_name(annotation.value if isinstance(annotation, ast.Subscript) else annotation) == "ClassVar"


def _is_model_reference(annotation) -> bool:
    """`team: Optional["Team"]`: a relationship's annotation, not a field's (a quoted class name)."""
    node = annotation
    if isinstance(node, ast.Subscript):
        node = _subscript_elements(node)[0]
    if isinstance(node, ast.BinOp):
        node = node.right if _is_none(node.left) else node.left
    return literal_string(node) is not None


def _tablename_rule(function: ast.FunctionDef) -> str | None:
    """"lower" for a declared_attr `__tablename__` that returns `cls.__name__.lower()`."""
    params = function.args.args
    body = function.body
    if not params or len(body) != 1:
        return None
    if isinstance(body[0], ast.Return) and body[0].value is not None:
        if ast.unparse(body[0].value) == f"{params[0].arg}.__name__.lower()":
            return "lower"
    return None


def _unstring(node):
    """The expression inside a string annotation ("list[Post]" -> list[Post])."""
    text = literal_string(node)
    if text is None:
        return node
    parsed = parse_expression(text)
    return parsed if parsed is not None else ast.Name("object")


def _collection_of(inner) -> str | None:
    inner = _unstring(inner)
    if isinstance(inner, ast.Subscript):
        name = last_name(inner.value)
        if name in ("list", "List", "Sequence", "MutableSequence"):
            return "list"
        if name in ("set", "Set", "MutableSet", "FrozenSet", "frozenset"):
            return "set"
        if name in ("dict", "Dict", "Mapping", "MutableMapping"):
            return "dict"
    return None


def _element_of(inner):
    inner = _unstring(inner)
    if isinstance(inner, ast.Subscript) and _collection_of(inner):
        return _unstring(_subscript_elements(inner)[-1])
    if _is_optional(inner):
        return _optional_inner(inner)
    return inner


def _optional_inner(inner):
    if isinstance(inner, ast.Subscript):
        return _unstring(_subscript_elements(inner)[0])
    if isinstance(inner, ast.BinOp):
        return inner.right if _is_none(inner.left) else inner.left
    return inner


def _annotation_name(node) -> str | None:
    node = _unstring(node)
    if _is_optional(node):
        node = _optional_inner(node)
    return last_name(node)


def _is_none(node) -> bool:
    return is_constant(node, None)


def _is_optional(inner) -> bool:
    inner = _unstring(inner)
    if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.BitOr):
        return _is_none(inner.left) or _is_none(inner.right) or _is_optional(inner.left) or _is_optional(inner.right)
    if isinstance(inner, ast.Subscript):
        name = last_name(inner.value)
        if name == "Optional":
            return True
        if name == "Union":
            return any(_is_none(element) for element in _subscript_elements(inner))
    return False


def collect(loaded: "LoadedFile", project: "Project") -> ModuleFacts:
    """The facts of one read file, its names resolved among the modules of its own project."""
    # imports resolve among the modules of the file's own project only: a run over two projects
    loaded.resolver = Resolver(loaded.scope, project.within(loaded.index.root), loaded.index)
    facts = ModuleFacts(loaded.path, loaded.index.name, root=loaded.index.root, source=loaded.text)
    facts.suppressions = Suppressions(loaded.text.lines)
    loaded.facts = ModuleCollector(loaded.tree, loaded.resolver, facts, loaded.text).collect()
    return loaded.facts
