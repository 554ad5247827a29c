"""Collect the model facts of one parsed module into ModuleFacts."""

from __future__ import annotations

import libcst as cst

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

_DECLARATIVE_FACTORIES = ("sa.declarative_base", "sa.orm.declarative_base")
_COLUMN_CALLS = ("sa.Column", "sa.mapped_column")
_RELATIONSHIP_CALLS = ("sa.relationship", "sa.relation")
_MAPPED_ANNOTATIONS = {"sa.Mapped": None, "sa.WriteOnlyMapped": "write_only", "sa.DynamicMapped": "dynamic"}
_CONSTRAINT_KINDS = {
    "sa.Index": "index",
    "sa.UniqueConstraint": "unique",
    "sa.PrimaryKeyConstraint": "primary_key",
}


def literal_string(node: cst.CSTNode | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def literal_int(node: cst.CSTNode | None) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    return None


def keywords_of(call: cst.Call) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}


def positional_of(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def _single_statement(statement: cst.CSTNode) -> cst.BaseSmallStatement | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def _assignment(small: cst.BaseSmallStatement | None):
    """(target name, annotation or None, value or None) of `x = v` / `x: A = v` / `x: A`."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        if isinstance(target, cst.Name):
            return target.value, None, small.value
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        return small.target.value, small.annotation.annotation, small.value
    return None


def _column_reference(node: cst.BaseExpression) -> str | None:
    """Column named in a constraint: "user_id", user_id, Post.user_id, table.c.user_id."""
    text = literal_string(node)
    if text is not None:
        return text
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def assignment_kind(resolver: Resolver, value) -> str:
    """What a module-level `name = value` binds: a Flask-SQLAlchemy object, a declarative base, a Table."""
    called = resolver.call_name(value)
    if called == "flask.SQLAlchemy":
        return "flask"
    if called in _DECLARATIVE_FACTORIES or (
        isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "generate_base"
    ):
        # `declarative_base(cls=Mixin)` gives every class the mixin's columns, which we may not see
        opened = any(arg.star == "**" or (arg.keyword is not None and arg.keyword.value == "cls") for arg in value.args)
        return "root-open" if opened else "root"
    if called in ("sa.Table", "flask.db.Table"):
        return "table"
    return "other"


class ModuleCollector:
    def __init__(self, module: cst.Module, resolver: Resolver, facts: ModuleFacts):
        self.module = module
        self.resolver = resolver
        self.facts = facts

    # -- module level -----------------------------------------------------------------------------------
    def collect(self) -> ModuleFacts:
        for statement in self.module.body:
            if isinstance(statement, cst.ClassDef):
                self._collect_class(statement)
                continue
            small = _single_statement(statement)
            assignment = _assignment(small)
            if assignment is not None:
                name, _annotation, value = assignment
                self._collect_module_assignment(name, value, statement)
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                self._collect_module_index(small.value)
                self._collect_imperative_mapping(small.value)
        return self.facts

    def _collect_imperative_mapping(self, call: cst.Call) -> None:
        """`registry.map_imperatively(Tag, tag_table)`, `mapper(Tag, tag_table)`: the class whose code
        (queries, constructors) says how the table's columns are used."""
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if method not in ("map_imperatively", "mapper") and self.resolver.call_name(call) != "sa.mapper":
            return
        # `Tag` or `tag.Tag`, `tag_table` or `tag.tag_table`: the names, as the other modules bind them
        names = [node.value if isinstance(node, cst.Name) else node.attr.value
                 for node in positional_of(call)[:2] if isinstance(node, (cst.Name, cst.Attribute))]
        if len(names) == 2:
            self.facts.imperative_mappings.append((names[0], names[1]))

    def _collect_module_assignment(self, name: str, value, statement) -> None:
        kind = assignment_kind(self.resolver, value)
        if kind == "flask":
            self.resolver.flask_handles.add(name)
        elif kind in ("root", "root-open"):
            self.resolver.root_names.add(name)
            if kind == "root-open":
                self.resolver.open_roots.add(name)
        elif isinstance(value, cst.Call) and self.resolver.is_partial(value.func):
            self._collect_partial(name, value)
        elif kind == "table":
            self._collect_table(name, value, statement)
        elif self.resolver.call_name(value) == "sa.Index":
            self._collect_module_index(value)

    def _collect_partial(self, name: str, call: cst.Call) -> None:
        """`Column = partial(db.Column, nullable=False)`: calls of `Column` are columns with those keywords."""
        positional = positional_of(call)
        wrapped = self.resolver.canonical(positional[0]) if positional else None
        if wrapped in (*_COLUMN_CALLS, *_RELATIONSHIP_CALLS, "sa.ForeignKey") and not any(
            arg.star for arg in call.args
        ) and len(positional) == 1:
            self.resolver.partials[name] = (wrapped, keywords_of(call))

    def _collect_module_index(self, call: cst.Call) -> None:
        if self.resolver.call_name(call) != "sa.Index":
            return
        columns: list[str] = []
        owner = None
        for expression in positional_of(call)[1:]:
            if isinstance(expression, cst.Attribute):
                value = expression.value
                if isinstance(value, cst.Attribute) and value.attr.value == "c":  # table.c.column
                    value = value.value
                if isinstance(value, cst.Name):
                    owner = owner or value.value
                columns.append(expression.attr.value)
        if owner and columns:
            self.facts.module_indexes.append(IndexFact(owner, columns))

    def _collect_table(self, variable: str, call: cst.Call, statement) -> None:
        positional = positional_of(call)
        name = literal_string(positional[0]) if positional else None
        if name is None:
            return
        table = TableFact(variable=variable, name=name, call=call, statement=statement)
        for order, arg in enumerate(call.args):
            expression = arg.value
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
    def _collect_class(self, node: cst.ClassDef) -> None:
        model = ModelClass(name=node.name.value, node=node, module=self.facts)
        model.class_keywords = {arg.keyword.value: arg.value for arg in node.keywords if arg.keyword is not None}
        for arg in node.bases:
            if arg.star or arg.keyword is not None:
                continue
            canonical = self.resolver.canonical(arg.value)
            if any(q.name == "builtins.object" for q in self.resolver.qualified(arg.value)):
                continue
            if canonical is not None:
                model.canonical_bases.add(canonical)
            elif self.resolver.is_root(arg.value):
                model.root_base = True
                if self.resolver.is_open_root(arg.value):
                    code = cst.Module([]).code_for_node(arg.value)
                    model.unresolved_bases.append(f"{code} (made by declarative_base(cls=...), whose columns are not read)")
            elif (ref := self.resolver.class_ref(arg.value)) is not None:
                model.base_refs.append(ref)
            else:
                model.unresolved_bases.append(cst.Module([]).code_for_node(arg.value))
                external = self.resolver.external_name(arg.value)
                if external is not None:
                    self.facts.external_bases.add(external)
        self._collect_body(model)
        self._attach_constraint_keys(model)
        self.facts.classes[model.name] = model

    def _collect_body(self, model: ModelClass) -> None:
        body = model.node.body
        if not isinstance(body, cst.IndentedBlock):
            return
        for order, statement in enumerate(body.body):
            if isinstance(statement, cst.FunctionDef):
                model.other_attributes.add(statement.name.value)
                if statement.name.value == "__tablename__":
                    model.has_tablename_attribute = True
                    model.tablename_rule = _tablename_rule(statement)
                elif statement.name.value == "__table_args__":
                    model.table_args_unknown = True
                model.validated |= self._validated_names(statement)
                continue
            assignment = _assignment(_single_statement(statement))
            if assignment is None:
                continue
            name, annotation, value = assignment
            if name == "__tablename__":
                model.has_tablename_attribute = True
                model.explicit_tablename = literal_string(value)
                continue
            if name == "__abstract__":
                if isinstance(value, cst.Name) and value.value == "True":
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
        column.type_name = _last_name(_optional_inner(annotation) if column.annotation_optional else annotation)
        if self.resolver.call_name(value) != "sqlmodel.Field":
            column.default = value
            return column
        column.call = value
        column.constructor = "sqlmodel.Field"
        column.keywords = keywords_of(value)
        column.star_kwargs = any(arg.star == "**" for arg in value.args)
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
        if isinstance(options, cst.Dict):
            for element_node in options.elements:
                key = literal_string(getattr(element_node, "key", None))
                if key in ("cascade", "viewonly", "uselist", "secondary", "foreign_keys", "post_update"):
                    keywords[key] = element_node.value
        if "cascade_delete" in keywords:
            keywords["cascade"] = keywords["cascade_delete"]
        return RelationshipFact(
            name=name, statement=statement, call=call, target=_annotation_name(element),
            collection=collection, scalar_annotation=collection is None, keywords=keywords,
            star_kwargs=any(arg.star == "**" for arg in call.args) or (
                options is not None and not isinstance(options, cst.Dict)),
        )

    def _collect_table_args(self, model: ModelClass, value) -> bool:
        """Read `__table_args__`; False when it cannot be read whole (a name, a call, `*other`)."""
        if isinstance(value, cst.Dict):
            return not any(isinstance(e, cst.StarredDictElement) for e in value.elements)
        if not isinstance(value, (cst.Tuple, cst.List)):
            return False
        known = True
        for element in value.elements:
            if isinstance(element, cst.StarredElement):
                known = False
                continue
            constraint = self._constraint(element.value)
            if constraint is not None:
                model.constraints.append(constraint)
            elif not isinstance(element.value, cst.Dict) and self.resolver.call_name(element.value) is None:
                known = False  # an expression we cannot read may be an index
        return known

    def _validated_names(self, function: cst.FunctionDef) -> set[str]:
        """Attributes named by `@validates("a", "b")` on a method."""
        names: set[str] = set()
        for decorator in function.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and self.resolver.call_name(call) == "sa.validates":
                names.update(n for n in map(literal_string, positional_of(call)) if n)
        return names

    def _constraint(self, expression) -> ConstraintFact | None:
        called = self.resolver.call_name(expression)
        if called in _CONSTRAINT_KINDS:
            positional = positional_of(expression)
            if called == "sa.Index":
                positional = positional[1:]
            columns = [c for c in map(_column_reference, positional) if c is not None]
            return ConstraintFact(_CONSTRAINT_KINDS[called], columns, expression)
        if called == "sa.ForeignKeyConstraint":
            positional = positional_of(expression)
            if len(positional) >= 2 and isinstance(positional[0], (cst.List, cst.Tuple)):
                columns = [c for c in (_column_reference(e.value) for e in positional[0].elements) if c]
                return ConstraintFact("foreign_key", columns, expression)
        return None

    def _attach_constraint_keys(self, owner) -> None:
        """ForeignKeyConstraint(["author_id"], ["users.id"]) in __table_args__ makes author_id a foreign key."""
        for constraint in owner.constraints:
            if constraint.kind != "foreign_key":
                continue
            positional = positional_of(constraint.call)
            targets = positional[1].elements if isinstance(positional[1], (cst.List, cst.Tuple)) else []
            keywords = keywords_of(constraint.call)
            for position, name in enumerate(constraint.columns):
                column = owner.columns.get(name)
                if column is None or position >= len(targets):
                    continue
                target = targets[position].value
                text = literal_string(target)
                column.foreign_keys.append(ForeignKeyFact(
                    call=constraint.call,
                    target_table=text.split(".")[-2] if text and "." in text else None,
                    target_class=target.value.value if isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name) else None,
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
        column.star_kwargs = any(arg.star == "**" for arg in call.args)
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
            if isinstance(column.type_call, cst.Call):
                column.type_name = self.resolver.canonical(column.type_call.func)
                type_args = positional_of(column.type_call)
                length = type_args[0] if type_args else keywords_of(column.type_call).get("length")
                column.type_length = literal_int(length)
                if length is not None and column.type_length is None:
                    column.length_named = cst.Module([]).code_for_node(length)
            else:
                column.type_name = self.resolver.canonical(column.type_call)
        return column

    def _foreign_key(self, call: cst.Call) -> ForeignKeyFact:
        positional = positional_of(call)
        keywords = keywords_of(call)
        target = positional[0] if positional else keywords.get("column")
        table = target_class = None
        text = literal_string(target)
        if text is not None:
            parts = text.split(".")
            table = parts[-2] if len(parts) >= 2 else None
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            target_class = target.value.value
        use_alter = keywords.get("use_alter")
        return ForeignKeyFact(
            call=call,
            target_table=table,
            target_class=target_class,
            ondelete=literal_string(keywords.get("ondelete")),
            use_alter=isinstance(use_alter, cst.Name) and use_alter.value == "True",
        )

    def _relationship(self, name, call, statement, wrapper, inner) -> RelationshipFact:
        partial = self.resolver.partial_of(call)
        keywords = {**(partial[1] if partial else {}), **keywords_of(call)}
        secondary = keywords.get("secondary")
        if isinstance(secondary, cst.Name):
            self.facts.secondary_names.add(secondary.value)
        elif literal_string(secondary):
            self.facts.secondary_names.add(literal_string(secondary))
        elif isinstance(secondary, cst.Attribute) and isinstance(secondary.value, cst.Name):
            self.facts.secondary_names.add(secondary.value.value)  # secondary=Link.__table__: the class Link
        positional = positional_of(call)
        target_expression = positional[0] if positional else keywords.get("argument")
        target = literal_string(target_expression)
        if target is None and isinstance(target_expression, cst.Name):
            target = target_expression.value
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
            star_kwargs=any(arg.star == "**" for arg in call.args),
        )

    def _mapped_annotation(self, annotation):
        """(canonical wrapper, inner expression) of Mapped[X] / WriteOnlyMapped[X] / DynamicMapped[X]."""
        if annotation is None:
            return None, None
        quoted = literal_string(annotation) is not None
        annotation = _unstring(annotation)
        if isinstance(annotation, cst.Subscript) and len(annotation.slice) == 1:
            wrapper = self.resolver.canonical(annotation.value)
            if wrapper is None and quoted and isinstance(annotation.value, cst.Name):
                # inside a string annotation names carry no metadata: look the name up in the module's imports
                wrapper = self.resolver.canonical_of_top_level_name(annotation.value.value)
            if wrapper in _MAPPED_ANNOTATIONS:
                index = annotation.slice[0].slice
                if isinstance(index, cst.Index):
                    return wrapper, _unstring(index.value)
        return None, None


def _is_class_var(annotation) -> bool:
    return _last_name(_unstring(annotation).value if isinstance(_unstring(annotation), cst.Subscript)
                      else _unstring(annotation)) == "ClassVar"


def _is_model_reference(annotation) -> bool:
    """`team: Optional["Team"]`: a relationship's annotation, not a field's (a quoted class name)."""
    node = annotation
    if isinstance(node, cst.Subscript):
        node = node.slice[0].slice.value if isinstance(node.slice[0].slice, cst.Index) else node
    if isinstance(node, cst.BinaryOperation):
        node = node.right if _is_none(node.left) else node.left
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString))


def _tablename_rule(function: cst.FunctionDef) -> str | None:
    """"lower" for a declared_attr `__tablename__` that returns `cls.__name__.lower()`."""
    params = function.params.params
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
    if not params or len(body) != 1:
        return None
    small = _single_statement(body[0])
    if isinstance(small, cst.Return) and small.value is not None:
        if cst.Module([]).code_for_node(small.value) == f"{params[0].name.value}.__name__.lower()":
            return "lower"
    return None


def _unstring(node):
    """The expression inside a string annotation ("list[Post]" -> list[Post])."""
    text = literal_string(node)
    if text is None:
        return node
    try:
        return cst.parse_expression(text)
    except cst.ParserSyntaxError:
        return cst.Name("object")


def _last_name(node) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _collection_of(inner) -> str | None:
    inner = _unstring(inner)
    if isinstance(inner, cst.Subscript):
        name = _last_name(inner.value)
        if name in ("list", "List", "Sequence", "MutableSequence"):
            return "list"
        if name in ("set", "Set", "MutableSet", "FrozenSet", "frozenset"):
            return "set"
        if name in ("dict", "Dict", "Mapping", "MutableMapping"):
            return "dict"
    return None


def _element_of(inner):
    inner = _unstring(inner)
    if isinstance(inner, cst.Subscript) and _collection_of(inner):
        element = inner.slice[-1].slice
        if isinstance(element, cst.Index):
            return _unstring(element.value)
    if _is_optional(inner):
        return _optional_inner(inner)
    return inner


def _optional_inner(inner):
    if isinstance(inner, cst.Subscript) and isinstance(inner.slice[0].slice, cst.Index):
        return _unstring(inner.slice[0].slice.value)
    if isinstance(inner, cst.BinaryOperation):
        return inner.right if _is_none(inner.left) else inner.left
    return inner


def _annotation_name(node) -> str | None:
    node = _unstring(node)
    if _is_optional(node):
        node = _optional_inner(node)
    return _last_name(node)


def _is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_optional(inner) -> bool:
    inner = _unstring(inner)
    if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.BitOr):
        return _is_none(inner.left) or _is_none(inner.right) or _is_optional(inner.left) or _is_optional(inner.right)
    if isinstance(inner, cst.Subscript):
        name = _last_name(inner.value)
        if name == "Optional":
            return True
        if name == "Union":
            return any(isinstance(e.slice, cst.Index) and _is_none(e.slice.value) for e in inner.slice)
    return False
