"""Hypothesis strategies for model schemas, and the renderers that write a schema as a model module.

A `Schema` is what a model module declares, independent of how it is spelled: entity tables (an id
primary key, string columns with prose or short names, foreign keys to earlier tables or to their own,
parent-side collections, indexes and unique constraints), many-to-many link tables and an optional
timestamp mixin, with the ways authors spell them (Optional/Union/`| None`, backrefs, write-only and
dynamic collections, foreign_keys=, import aliases, tabs, CRLF, one argument a line, classes in any
order, ...). `render(schema)` writes it as one module in the schema's style, `render_project(schema)`
as a package of modules; the property tests import the fixed code and check the schema it creates
against what the rules say it must be (`expected_not_null`, `expect_text`, `expect_cascade`,
`added_timestamps`), with unsafe fixes on (`not_null_as_written` is what safe fixes alone leave).

The oracles restate the rules' documented decisions for what this generator writes, from the schema's
own flags (a `Kind`'s record/entity/lookup/append-only nouns are written out here, not looked up in
sqla_fix.config), so that a change of the rules shows up as a failing property.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hypothesis import strategies as st

STYLES = ("typed", "classic", "sa_alias", "flask", "sqlmodel", "imperative")
# Spellings that hit bugs the generator found (now fixed); False leaves one out while a bug is open.
FLASK_MODEL_ALIAS = True  # `Model = db.Model; class User(Model)`: SQF005 took Model for another file's base
KEYED_TIMESTAMPS = True  # `ts_created = Column("created_at", ...)`: SQF005 added a second created_at column
STRING_COLLATION = True  # String(100, collation="NOCASE"): SQF003 wrote a bare Text, losing the collation
# SQF002's alternative owners and SQF004's "another parent's key that stays nullable" compared a sibling
# key's target by table name only, and ForeignKey(Parent.id) has none (False: a classic child with two or
# more keys to other tables spells them all ForeignKey("parents.id")).
FK_SIBLINGS_BY_ATTRIBUTE = True
# SQF005's naming convention read attribute names: beside `ts_created = Column("created_at", ...)` another
# class got a `ts_created` column (False: no keyed class).
KEYED_TIMESTAMP_CONVENTION = True
# SQF005 under a created/modified convention added `created` and `modified` beside a class's (or its
# mixin's) created_at/updated_at (False: a schema uses one family of names, created_at/updated_at, own or a
# mixin's, or created/modified, no mixin).
CONVENTION_BESIDE_STANDARD_NAMES = True
# SQF005 took SQLModel's Field(sa_type=DateTime(timezone=True)), its own fix's spelling, for a naive
# datetime (False: SQLModel schemas have no TimestampBase and only naive own timestamps of their own).
SQLMODEL_SA_TYPE_AWARE = True
# SQF003 read the project's `Field(max_length=n)` by field name in a run over the project, not in a run on
# one file that imports nothing of the other's (False: no SQLModel field is bare where another class's
# field of its name says max_length=).
SCHEMA_LIMITS_RUN_ALONE = True
# The minimal cases are regression tests in tests/test_properties.py; so is SQF004's cascade in the
# engine's second pass, which read the nullable=False SQF002 wrote in the first as the author's (the rule
# now keeps the cascade off for a nullable sibling however the key became NOT NULL: `expect_cascade`).


@dataclass(frozen=True)
class Kind:
    cls: str
    snake: str
    plural: str
    record: bool = False  # a record that outlives its owner (SQF004's record nouns): never cascaded
    entity: bool = False  # an entity in its own right (SQF004's entity nouns): never cascaded as a child
    lookup: bool = False  # a lookup table (SQF004's lookup nouns): its children are never cascaded
    append_only: bool = False  # written once (SQF005's append-only nouns): created_at only


KINDS = (
    Kind("User", "user", "users", entity=True),
    Kind("Team", "team", "teams", entity=True),
    Kind("Member", "member", "members", entity=True),
    Kind("UserGroup", "user_group", "user_groups", entity=True, lookup=True),  # head noun "group": both
    Kind("Category", "category", "categories", lookup=True),
    Kind("Project", "project", "projects"),
    Kind("Article", "article", "articles"),
    Kind("Recipe", "recipe", "recipes"),
    Kind("Course", "course", "courses"),
    Kind("Library", "library", "libraries"),
    Kind("Album", "album", "albums"),
    Kind("BlogPost", "blog_post", "blog_posts"),
    Kind("OrderItem", "order_item", "order_items"),  # head noun "item": not a record
    Kind("LineItem", "line_item", "line_items"),
    Kind("Order", "order", "orders", record=True),
    Kind("Invoice", "invoice", "invoices", record=True),
    Kind("Payment", "payment", "payments", record=True),
    Kind("AuditLog", "audit_log", "audit_logs", record=True, append_only=True),
    Kind("Event", "event", "events", record=True, append_only=True),
)

PROSE = ("body", "description", "notes", "bio", "summary", "content")
SHORT = ("title", "name", "email", "slug", "code")
PREFIXES = ("", "admin_", "public_")  # the last word decides prose (admin_notes); neither prefix is short
EXTRAS = ("rating", "position", "is_active")
# Foreign-key roles besides `<parent>_id`; reviewer_id and created_by_id are optional by name (SQF002).
ROLES = ("owner", "author", "reviewer", "created_by")
OPTIONAL_BY_NAME = {"reviewer_id", "created_by_id", "parent_id"}

# Parent-side collection spellings per style (None: no collection).
COLLECTIONS = {
    "typed": ("list", "List", "set", "write_only", "dynamic", "child_backref"),
    "classic": ("plain", "parent_backref", "child_backref", "dynamic"),
    "sqlmodel": ("list", "List"),
    "imperative": (),
}
COLLECTIONS["sa_alias"] = COLLECTIONS["classic"]
COLLECTIONS["flask"] = COLLECTIONS["classic"]
SA_ALIAS_TYPED = ("list", "List", "set", "dynamic", "child_backref")
DATACLASS = ("list", "List", "set", "child_backref")
SELF_COLLECTIONS = {"typed": ("list", "child_backref"), "classic": ("plain", "child_backref"), "sqlmodel": ("list",)}


@dataclass
class Column:
    name: str
    prose: bool
    length: int
    unicode: bool
    unique: bool
    index: bool
    nullable: bool | None
    server_default: bool
    comment: bool
    multiline: bool
    bare: bool = False  # SQLModel: `bio: str` / `bio: Optional[str] = None`, no Field()
    collation: bool = False  # String(100, collation="NOCASE")
    length_keyword: bool = False  # String(length=100)
    text: bool = False  # Text / UnicodeText already (SQLModel: Field(sa_type=Text)): its siblings are short forms
    named_length: bool = False  # String(BLOG_POST_BODY_LENGTH), a module-level constant: a deliberate limit


@dataclass
class ForeignKey:
    name: str  # the column
    attr: str  # the many-to-one attribute on the child
    parent: int  # index of the parent entity (the child's own index: a tree)
    required: bool  # what the author means: every row has a parent
    explicit: bool  # nullable= is written out
    index: bool  # index=True already there
    by_attribute: bool  # ForeignKey(Parent.id) rather than ForeignKey("parents.id")
    untyped: bool  # classic Column(ForeignKey(...)) without Integer
    collection: str | None  # how the parent's collection is spelled (see COLLECTIONS)
    collection_name: str
    child_side: bool  # a many-to-one relationship on the child (back_populates)
    lazy: str | None  # lazy= on a classic collection
    multiline: bool
    self_ref: bool = False
    shared_parent: bool = False  # the child has another key to the same parent: relationships say foreign_keys=
    ondelete: str | None = None  # "CASCADE", or "SET NULL" on an optional key (then nullable= may be left out)
    list_form: bool = False  # foreign_keys=[owner_id] / "[Child.owner_id]" rather than "Child.owner_id"

    @property
    def optional_by_name(self) -> bool:
        return self.name in OPTIONAL_BY_NAME


@dataclass
class Constraint:
    kind: str  # "index" or "unique"
    columns: tuple[str, ...]
    module_level: bool  # a module-level Index(...) rather than in __table_args__ / Table(...)


@dataclass
class Entity:
    kind: Kind
    cls: str
    table: str
    explicit_tablename: bool
    columns: list[Column]
    extras: list[str]
    fks: list[ForeignKey]
    constraints: list[Constraint]
    mixin: bool
    docstring: bool = False
    relationships_first: bool = False  # relationships above the columns (timestamps go after the last column)
    section_comment: bool = False  # a "# relationships" comment line above them
    # timestamps the class declares itself (naive, nullable: the author's): None, "both", "created"
    # (created_at only), "keyed" (ts_created = Column("created_at", ...), the same for updated_at), or
    # another convention's names: "conventional" (created, modified) and "conventional_created" (created)
    own_timestamps: str | None = None

    @property
    def own_timestamp_names(self) -> dict[str, str]:
        """The timestamps the class declares: attribute name -> column name."""
        return OWN_TIMESTAMPS[self.own_timestamps]

    @property
    def own_timestamp_columns(self) -> set[str]:
        return set(self.own_timestamp_names.values())


OWN_TIMESTAMPS = {
    None: {},
    "both": {"created_at": "created_at", "updated_at": "updated_at"},
    "created": {"created_at": "created_at"},
    "keyed": {"ts_created": "created_at", "ts_updated": "updated_at"},
    "conventional": {"created": "created", "modified": "modified"},
    "conventional_created": {"created": "created"},
}
# The timestamp role each name the generator writes plays (SQF005's `_plays_role`).
TIMESTAMP_ROLE = {"created_at": "created_at", "created": "created_at", "updated_at": "updated_at",
                  "modified": "updated_at"}
STANDARD_TIMESTAMPS = {"created_at": "created_at", "updated_at": "updated_at"}


@dataclass
class Link:
    table: str
    left: int
    right: int
    left_column: str
    right_column: str
    primary_key: bool
    untyped: bool
    left_attr: str
    right_attr: str
    right_side: str | None  # None, "back_populates" or "backref"
    by_name: bool  # secondary="table" rather than secondary=variable
    cls: str = ""  # SQLModel link_model class


@dataclass
class Schema:
    style: str
    entities: list[Entity]
    links: list[Link]
    mixin: str | None  # None, "full" (created_at and updated_at) or "created" (created_at only)
    quote: str
    newline: str
    optional: str  # how optional types are spelled: "Optional", "pep604" (int | None) or "Union"
    alias_typed: bool  # sa_alias or Flask with a Mapped body
    dataclass: bool  # typed with MappedAsDataclass
    indent: str = "    "
    order: tuple[int, ...] = ()  # the order the classes/tables are written in (children may come first)
    future: bool = False  # from __future__ import annotations (typed bodies)
    model_alias: bool = False  # Flask: Model = db.Model; class User(Model)
    import_aliases: bool = False  # typed/classic/imperative: from sqlalchemy import String as Str, ...
    aware_timestamps: bool = False  # the classes' own timestamps are DateTime(timezone=True), not naive
    prefix: str = ""

    def in_order(self) -> list["Entity"]:
        return [self.entities[i] for i in self.order] if self.order else list(self.entities)

    @property
    def typed_body(self) -> bool:
        return self.style == "typed" or (self.style in ("sa_alias", "flask") and self.alias_typed)

    def child_of(self, fk: ForeignKey) -> Entity:
        return next(e for e in self.entities if any(f is fk for f in e.fks))


def not_null_as_written(schema: Schema, fk: ForeignKey) -> bool:
    """NOT NULL before any fix: a required key typed `Mapped[int]` / SQLModel `int`, or nullable=False."""
    return fk.required and (schema.typed_body or schema.style == "sqlmodel" or fk.explicit)


def _other_parents(schema: Schema, fk: ForeignKey) -> list[ForeignKey]:
    """The child's other keys to other tables (neither its own table nor `fk`'s parent's)."""
    return [other for other in schema.child_of(fk).fks
            if other is not fk and not other.self_ref and other.parent != fk.parent]


def expected_not_null(schema: Schema, fk: ForeignKey) -> bool:
    """NOT NULL after the fix with unsafe fixes on (SQF002): the author's Optional/nullable= decides, and
    Mapped[int] / SQLModel `int` are NOT NULL already; an implicit Column(...) key is made NOT NULL unless
    its name says optional, it points at its own table, or the row has alternative owners: a sibling key
    to another table is nullable by decision (nullable=True or ondelete="SET NULL": a row of one parent
    *or* the other), or a sibling key and this one are each unique without the other."""
    if not fk.required:
        return False
    if not_null_as_written(schema, fk):
        return True
    if fk.optional_by_name or fk.self_ref:
        return False
    return not (any(not other.required for other in _other_parents(schema, fk)) or _exclusive_unique(schema, fk))


def _exclusive_unique(schema: Schema, fk: ForeignKey) -> bool:
    """SQF002's other alternative owners: the key and a sibling key not NOT NULL as written are each in a
    unique constraint without the other (a row is of one kind or the other, each unique on its key)."""
    child = schema.child_of(fk)
    uniques = [set(c.columns) for c in child.constraints if c.kind == "unique"]
    mine = [u for u in uniques if fk.name in u]
    return any(any(other.name not in u for u in mine) and any(fk.name not in u for u in uniques if other.name in u)
               for other in child.fks if other is not fk and not (other.explicit and other.required))


def expect_text(schema: Schema, entity: Entity, column: Column, project: bool = False) -> bool:
    """TEXT after the fix (SQF003): a Text column stays one; a prose column becomes TEXT unless unique,
    indexed, in a constraint or with a server default, unless its length is a named constant or a sibling
    column is Text already (this one is its short form: both deliberate limits), and, in SQLModel, unless
    max_length= validates its length (a bare `bio: str` has none). `project`: run() read the project's
    code, where a `Field(max_length=n)` of the same name limits it too (matched by name)."""
    if column.text:
        return True
    constrained = any(column.name in c.columns for c in entity.constraints)
    if not column.prose or column.unique or column.index or column.server_default or constrained:
        return False
    if column.named_length or (schema.style == "sqlmodel" and not column.bare):
        return False
    if project and _limited_by_name(schema, column):
        return False
    return not any(other.text for other in entity.columns if other is not column)


def _limited_by_name(schema: Schema, column: Column) -> bool:
    """Another SQLModel field of the same name that says max_length= (SQF003 reads the project's code)."""
    return schema.style == "sqlmodel" and any(
        other.name == column.name and other is not column and not (other.bare or other.text)
        for entity in schema.entities for other in entity.columns)


def expect_cascade(schema: Schema, fk: ForeignKey) -> bool:
    """SQF004 (unsafe fixes on): delete-orphan when the child's key ends NOT NULL, the child is not a
    record or an entity in its own right, the parent is not a lookup table, the child is not the parent
    itself and has no other key to the parent, and no key of the child to another table stays nullable
    (the row may have that owner instead), however the key came to be NOT NULL."""
    child, parent = schema.child_of(fk), schema.entities[fk.parent]
    if not expected_not_null(schema, fk) or fk.self_ref or fk.shared_parent:
        return False
    if child.kind.record or child.kind.entity or parent.kind.lookup:
        return False
    return all(expected_not_null(schema, other) for other in _other_parents(schema, fk))


def _timestamp_pair(columns: set[str]) -> tuple[str | None, str | None]:
    """The names a table gives its creation and update times (SQF005 reads them as a pair)."""
    by_role = {TIMESTAMP_ROLE[name]: name for name in columns}
    return by_role.get("created_at"), by_role.get("updated_at")


def _convention_scope(schema: Schema, entity: Entity, project: bool) -> tuple[list[Entity], bool]:
    """What SQF005 reads for `entity`'s convention: the class's own module and its bases' modules. The
    other entities there, and whether the mixin class is (in a package: base.py, when it is a base)."""
    if not project:
        return [e for e in schema.entities if e is not entity], bool(schema.mixin)
    base_in_chain = entity.mixin or schema.style == "typed" or (schema.style == "sa_alias" and schema.alias_typed)
    return [], bool(schema.mixin) and base_in_chain


# The timestamp columns each entity has at a point of the fix: {entity index: {column name: aware}}.
Stamps = dict[int, dict[str, bool]]


def _index(schema: Schema, entity: Entity) -> int:
    return next(i for i, e in enumerate(schema.entities) if e is entity)


def timestamp_names(schema: Schema, entity: Entity, project: bool = False,
                    stamps: Stamps | None = None) -> dict[str, str] | None:
    """The names SQF005 gives the timestamps it adds to `entity`: created_at/updated_at, unless the other
    tables in view (see `_convention_scope`) that have timestamps mostly use another pair; None where they
    mix names and no pair has the majority (then nothing is added). A table with created_at alone follows
    the standard names; names are column names (`ts_created = Column("created_at")` is created_at)."""
    stamps = stamps if stamps is not None else _written_stamps(schema)
    others, mixin = _convention_scope(schema, entity, project)
    pairs = [_timestamp_pair(set(stamps[_index(schema, e)])) for e in others]
    pairs = [pair for pair in pairs if any(pair)]
    if mixin:
        pairs.append(("created_at", "updated_at" if schema.mixin == "full" else None))
    standard = [pair for pair in pairs if set(pair) <= {None, "created_at", "updated_at"}]
    other = [pair for pair in pairs if pair not in standard]
    if not other or len(standard) >= len(other):
        return dict(STANDARD_TIMESTAMPS)
    best = max(other, key=other.count)  # a tie has no majority: whichever is taken, None below
    if all(best) and other.count(best) > len(pairs) / 2:
        return {"created_at": best[0], "updated_at": best[1]}
    return None


def _naive_timestamps(schema: Schema, entity: Entity, project: bool, stamps: Stamps) -> bool:
    """The tables in view store naive datetimes only, two or more of them (one naive created_at is a
    habit, several are the project's type): SQF005 then leaves the type to the author."""
    others, mixin = _convention_scope(schema, entity, project)
    columns = [aware for e in [entity, *others] for aware in stamps[_index(schema, e)].values()]
    return len(columns) >= 2 and not mixin and not any(columns)  # the mixin's are DateTime(timezone=True)


def _written_stamps(schema: Schema) -> Stamps:
    return {i: dict.fromkeys(e.own_timestamp_columns, schema.aware_timestamps) for i, e in enumerate(schema.entities)}


def _to_add(schema: Schema, entity: Entity, project: bool, stamps: Stamps) -> set[str]:
    """What one pass of SQF005 adds to `entity`, the tables standing as `stamps` says."""
    names = timestamp_names(schema, entity, project, stamps)
    chosen = names or dict(STANDARD_TIMESTAMPS)
    wanted = ["created_at"] if entity.kind.append_only else ["created_at", "updated_at"]
    present = set(entity.own_timestamp_names) | set(stamps[_index(schema, entity)])
    if entity.mixin:
        present |= {"created_at", "updated_at"} if schema.mixin == "full" else {"created_at"}
    missing = {chosen[role] for role in wanted} - present
    if not missing:
        return set()
    if any(chosen[TIMESTAMP_ROLE[name]] != name for name in present if name in TIMESTAMP_ROLE):
        return set()  # a look-alike: the table has its own convention
    if names is None or _naive_timestamps(schema, entity, project, stamps):
        return set()
    if schema.style == "imperative" and len(entity.fks) >= 2 and not (
            entity.columns or entity.extras or entity.own_timestamp_columns - {"created_at", "updated_at"}):
        # SQF005 takes a Table of nothing but an id and two or more foreign keys for a link table
        # (`_is_link_table`), although its docstring names only composite keys and secondary= tables.
        return set()
    return missing


FIX_PASSES = 3  # the engine's passes: what one adds is in view of the next (a convention that forms)


def added_timestamps(schema: Schema, entity: Entity, project: bool = False) -> set[str]:
    """The columns SQF005 adds (safe fixes: with or without unsafe ones on): created_at and updated_at, or
    the names of the convention (append-only records: the creation time only), those the class has not
    got itself or through its mixin. Nothing where a column of the class plays a timestamp's role under
    another name (`created` beside created_at, or created_at beside a created/modified convention), where
    the module mixes names, or where the tables in view store naive datetimes only (two or more).

    The fixer runs in passes, and the columns one pass adds (aware) count in the next: `Team` given
    `modified` beside its `created` can make a module's mixed names one convention. `project`: fixed as a
    package (a module a class)."""
    stamps = _written_stamps(schema)
    for _ in range(FIX_PASSES):
        additions = {i: _to_add(schema, e, project, stamps) for i, e in enumerate(schema.entities)}
        if not any(additions.values()):
            break
        for i, names in additions.items():
            stamps[i].update(dict.fromkeys(names, True))
    return set(stamps[_index(schema, entity)]) - entity.own_timestamp_columns


def with_prefix(schema: Schema, prefix: str) -> Schema:
    """Every class and table name prefixed (SQLModel: one global registry and metadata per process)."""
    if not prefix:
        return schema
    new = dataclasses.replace(schema, prefix=prefix)
    new.entities = [dataclasses.replace(e, cls=prefix + e.cls, table=(f"{prefix.lower()}_{e.table}" if e.explicit_tablename
                                                                       else (prefix + e.cls).lower()))
                    for e in schema.entities]
    new.links = [dataclasses.replace(link, table=f"{prefix.lower()}_{link.table}", cls=prefix + link.cls)
                 for link in schema.links]
    return new


# --------------------------------------------------------------------------------------------- strategies

def _sometimes(draw, one_in: int) -> bool:
    """True about once in `one_in` draws (shrinks to False)."""
    return draw(st.integers(0, one_in - 1)) == one_in - 1


@st.composite
def _columns(draw, style: str) -> list[Column]:
    names = draw(st.lists(st.tuples(st.sampled_from(PREFIXES), st.sampled_from(PROSE + SHORT)),
                          max_size=4, unique_by=lambda t: t[0] + t[1]))
    columns = [Column(
        name=prefix + base,
        prose=base in PROSE,
        length=draw(st.sampled_from((50, 100, 255, 2000))),
        unicode=style != "sqlmodel" and _sometimes(draw, 5),
        unique=_sometimes(draw, 4),
        index=_sometimes(draw, 5),
        nullable=draw(st.sampled_from((None, None, True, False))),
        server_default=_sometimes(draw, 6),
        comment=_sometimes(draw, 4),
        multiline=_sometimes(draw, 4),
    ) for prefix, base in names]
    for column in columns:
        column.text = _sometimes(draw, 8)
        # SQLModel: max_length= makes the length deliberate (SQF003 reports it): bare fields are the ones fixed
        column.bare = (style == "sqlmodel" and not (column.unique or column.index or column.server_default
                                                    or column.text) and _sometimes(draw, 2))
        column.collation = style != "sqlmodel" and STRING_COLLATION and not column.text and _sometimes(draw, 6)
        column.length_keyword = style != "sqlmodel" and not column.text and _sometimes(draw, 6)
        column.named_length = style != "sqlmodel" and not column.text and _sometimes(draw, 8)
    return columns


def _draw_own_timestamps(draw, has_mixin: bool, conventional: bool, keyed_ok: bool) -> str | None:
    """The timestamps a class declares itself (see Entity.own_timestamps), in the schema's family of names."""
    if has_mixin:
        return None
    standard = ("both", "created") + (("keyed",) if keyed_ok else ())
    if conventional:
        options = ("conventional", "conventional", "conventional_created")
        return draw(st.sampled_from(options + (standard if CONVENTION_BESIDE_STANDARD_NAMES else ()))) \
            if not _sometimes(draw, 3) else None
    if not _sometimes(draw, 4):
        return None
    return draw(st.sampled_from(standard + (("conventional",) if CONVENTION_BESIDE_STANDARD_NAMES else ())))


@st.composite
def schemas(draw, style: str) -> Schema:
    assert style in STYLES
    count = draw(st.integers(1, 5))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=count, max_size=count, unique_by=lambda k: k.cls))
    quote = draw(st.sampled_from(('"', "'")))
    newline = "\r\n" if _sometimes(draw, 6) else "\n"
    alias_typed = style in ("sa_alias", "flask") and draw(st.booleans())
    is_dataclass = style == "typed" and _sometimes(draw, 4)
    typed_body = style == "typed" or alias_typed
    # a schema whose own timestamps are mostly created/modified (SQF005 follows the majority's names)
    conventional = _sometimes(draw, 5)
    sa_type_naive = style == "sqlmodel" and not SQLMODEL_SA_TYPE_AWARE
    mixin = None if style == "imperative" or is_dataclass or sa_type_naive or (
        conventional and not CONVENTION_BESIDE_STANDARD_NAMES) else draw(st.sampled_from((None, None, "full", "created")))
    keyed_ok = KEYED_TIMESTAMPS and KEYED_TIMESTAMP_CONVENTION and style not in ("sqlmodel", "imperative")
    aware_timestamps = not sa_type_naive and not _sometimes(draw, 3)  # naive ones (two or more): nothing added
    collections = DATACLASS if is_dataclass else SA_ALIAS_TYPED if alias_typed else COLLECTIONS[style]
    future = typed_body and _sometimes(draw, 3)
    model_alias = style == "flask" and FLASK_MODEL_ALIAS and _sometimes(draw, 3)
    self_collections = () if style == "imperative" else SELF_COLLECTIONS[
        "typed" if typed_body else "sqlmodel" if style == "sqlmodel" else "classic"]
    entities: list[Entity] = []
    for position, kind in enumerate(kinds):
        explicit = style not in ("flask", "sqlmodel") or draw(st.booleans())
        table = kind.plural if explicit else (kind.snake if style == "flask" else kind.cls.lower())
        parents = draw(st.lists(st.integers(0, position - 1), max_size=min(3, position))) if position else []
        if _sometimes(draw, 6):
            parents.append(position)  # a tree: parent_id to its own table
        fks: list[ForeignKey] = []
        roles: set[str | None] = set()
        for parent in parents:
            self_ref = parent == position
            shared = parents.count(parent) > 1
            if self_ref:
                attr = "parent"
            else:
                free = tuple(r for r in ROLES if r not in roles)
                if shared and not free:
                    continue
                role = draw(st.sampled_from(free if shared or kinds[parent].snake in roles else (None, None) + free))
                attr = role or kinds[parent].snake
                roles.add(attr)
            options = self_collections if self_ref else collections
            collection = draw(st.sampled_from((None,) + options)) if options else None
            lazy = None
            if collection in ("plain", "parent_backref"):
                lazy = draw(st.sampled_from((None, None, "select", "True")))
            child_side = (collection in (None, "list", "List", "set", "write_only", "dynamic", "plain")
                          and style != "imperative" and draw(st.booleans()))
            collection_name = "children" if self_ref else f"{attr}_{kind.plural}" if shared else kind.plural
            required = draw(st.booleans())
            fks.append(ForeignKey(
                name=f"{attr}_id",
                attr=attr,
                parent=parent,
                required=required,
                ondelete=draw(st.sampled_from((None, None, None, "CASCADE") + (() if required else ("SET NULL",)))),
                list_form=shared and draw(st.booleans()),
                explicit=_sometimes(draw, 3),
                index=_sometimes(draw, 6),
                by_attribute=(style in ("typed", "classic", "sa_alias", "flask") and not self_ref
                              and _sometimes(draw, 4)),
                untyped=not typed_body and style != "sqlmodel" and _sometimes(draw, 4),
                collection=collection,
                collection_name=collection_name,
                child_side=child_side,
                lazy=lazy,
                multiline=_sometimes(draw, 4),
                self_ref=self_ref,
                shared_parent=shared,
            ))
        columns = draw(_columns(style))
        names = [c.name for c in columns] + [fk.name for fk in fks]
        constraints = []
        if names and _sometimes(draw, 3):
            for group in draw(st.lists(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True),
                                       min_size=1, max_size=2, unique_by=tuple)):
                kind_ = draw(st.sampled_from(("index", "unique")))
                constraints.append(Constraint(kind_, tuple(group), module_level=(
                    kind_ == "index" and style != "sqlmodel" and _sometimes(draw, 3))))
        entities.append(Entity(
            kind=kind,
            cls=kind.cls,
            table=table,
            explicit_tablename=explicit,
            columns=columns,
            extras=draw(st.lists(st.sampled_from(EXTRAS), unique=True, max_size=2)),
            fks=fks,
            constraints=constraints,
            mixin=(has_mixin := mixin is not None and draw(st.booleans())),
            own_timestamps=_draw_own_timestamps(draw, has_mixin, conventional, keyed_ok),
            docstring=_sometimes(draw, 4),
            relationships_first=_sometimes(draw, 4),
            section_comment=_sometimes(draw, 4),
        ))
    if style == "sqlmodel" and not SCHEMA_LIMITS_RUN_ALONE:
        for column in (c for entity in entities for c in entity.columns):
            column.bare = column.bare and not any(
                other.name == column.name and not (other.bare or other.text)
                for entity in entities for other in entity.columns if other is not column)
    if not FK_SIBLINGS_BY_ATTRIBUTE and not typed_body and style != "sqlmodel":
        for entity in entities:
            if len([fk for fk in entity.fks if not fk.self_ref]) >= 2:
                for fk in entity.fks:
                    fk.by_attribute = False
    order = tuple(range(count)) if _sometimes(draw, 2) else tuple(draw(st.permutations(range(count))))
    written = {entity: order.index(entity) for entity in range(count)}
    for position, entity in enumerate(entities):
        for fk in entity.fks:
            if written[fk.parent] > written[position]:
                fk.by_attribute = False  # ForeignKey(Parent.id) needs Parent above
    links: list[Link] = []
    if count >= 2:
        pairs = draw(st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
                              .filter(lambda p: p[0] != p[1]),
                              max_size=2, unique_by=lambda p: frozenset(p)))
        for left, right in pairs:
            a, b = entities[left], entities[right]
            links.append(Link(
                table=f"{a.kind.snake}_{b.kind.snake}_links",
                left=left,
                right=right,
                left_column=f"{a.kind.snake}_id",
                right_column=f"{b.kind.snake}_id",
                primary_key=style in ("sqlmodel", "imperative") or draw(st.booleans()),
                untyped=not typed_body and style not in ("sqlmodel", "flask") and _sometimes(draw, 3),
                left_attr=f"linked_{b.kind.plural}",
                right_attr=f"linked_{a.kind.plural}",
                right_side=(None if style == "imperative" else draw(st.sampled_from(
                    (None, "back_populates") if style == "sqlmodel" else (None, "back_populates", "backref")))),
                by_name=style not in ("sqlmodel", "imperative") and draw(st.booleans()),
                cls=f"{a.kind.cls}{b.kind.cls}Link",
            ))
    schema = Schema(style, entities, links, mixin, quote, newline,
                    optional=draw(st.sampled_from(("Optional", "pep604", "Union"))), alias_typed=alias_typed,
                    dataclass=is_dataclass, future=future, model_alias=model_alias,
                    import_aliases=style in ("typed", "classic", "imperative") and _sometimes(draw, 4),
                    indent=draw(st.sampled_from(("    ", "    ", "  ", "\t"))), order=order,
                    aware_timestamps=aware_timestamps)
    return schema


# --------------------------------------------------------------------------------------------- rendering

# `from sqlalchemy import String as Str`: README: "Names are resolved through imports"
IMPORT_ALIASES = {"String": "Str", "Unicode": "Uni", "Column": "Col", "ForeignKey": "FK", "Integer": "Int",
                  "relationship": "rel", "mapped_column": "column", "backref": "br"}
_TYPED_ORM = {"Mapped", "mapped_column", "WriteOnlyMapped", "DynamicMapped"}  # Flask: from sqlalchemy.orm


class _Spell:
    """Names as the module spells them, and the imports that spelling needs."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.style = schema.style
        self.sa_names: set[str] = set()
        self.orm_names: set[str] = set()
        self.typing_names: set[str] = set()
        self.datetime = False
        self.q = schema.quote

    def s(self, text: str) -> str:
        return f"{self.q}{text}{self.q}"

    def sa(self, name: str) -> str:
        if self.style == "sa_alias":
            return f"sa.{name}"
        if self.style == "flask":
            return f"db.{name}"
        self.sa_names.add(name)
        return self._alias(name)

    def _alias(self, name: str) -> str:
        return IMPORT_ALIASES.get(name, name) if self.schema.import_aliases else name

    def _imported(self, names: set[str]) -> str:
        return ", ".join(n if self._alias(n) == n else f"{n} as {self._alias(n)}" for n in sorted(names))

    def orm(self, name: str) -> str:
        if self.style == "sa_alias":
            return f"orm.{name}"
        if self.style == "flask" and name not in _TYPED_ORM:
            return f"db.{name}"
        self.orm_names.add(name)
        return self._alias(name)

    def typing(self, name: str) -> str:
        self.typing_names.add(name)
        return name

    def optional(self, inner: str) -> str:
        if self.schema.optional == "pep604" and not inner.startswith(('"', "'")):
            return f"{inner} | None"
        if self.schema.optional == "Union":
            return f"{self.typing('Union')}[{inner}, None]"
        return f"{self.typing('Optional')}[{inner}]"

    def header(self) -> list[str]:
        lines = ['"""Generated models."""']
        if self.schema.future:
            lines.append("from __future__ import annotations")
        if self.typing_names:
            lines.append(f"from typing import {', '.join(sorted(self.typing_names))}")
        if self.datetime:
            lines.append("from datetime import datetime")
        if self.style == "sa_alias":
            lines += ["import sqlalchemy as sa", "from sqlalchemy import orm"]
        elif self.style == "flask":
            lines += ["from flask_sqlalchemy import SQLAlchemy"]
            if self.orm_names:
                lines.append(f"from sqlalchemy.orm import {', '.join(sorted(self.orm_names))}")
        else:
            if self.sa_names:
                lines.append(f"from sqlalchemy import {self._imported(self.sa_names)}")
            if self.orm_names:
                lines.append(f"from sqlalchemy.orm import {self._imported(self.orm_names)}")
            if self.style == "sqlmodel":
                lines.append("from sqlmodel import Field, Relationship, SQLModel")
        return lines


def _call(func: str, *args: str, multiline: bool = False, comment: str = "", indent: str = "    ") -> str:
    """func(a, b); or one argument a line, with `comment` after the first."""
    args = [a for a in args if a]
    if not multiline or not args:
        return f"{func}({', '.join(args)})"
    inner = indent + "    "
    lines = [f"{inner}{a},{comment if i == 0 else ''}" for i, a in enumerate(args)]
    return f"{func}(\n" + "\n".join(lines) + f"\n{indent})"


def _length_constant(entity: Entity, column: Column) -> str:
    return f"{entity.kind.snake}_{column.name}_length".upper()


def _length_constants(entity: Entity) -> list[str]:
    """The module-level constants the entity's String(NAME) columns use, above its class or Table."""
    lines = [f"{_length_constant(entity, c)} = {c.length}" for c in entity.columns if c.named_length]
    return lines + ["", ""] if lines else []


def _string_type(sp: _Spell, column: Column, entity: Entity) -> str:
    if column.text:
        return sp.sa("UnicodeText" if column.unicode else "Text")
    length = _length_constant(entity, column) if column.named_length else str(column.length)
    length = f"length={length}" if column.length_keyword else length
    collation = f", collation={sp.s('NOCASE')}" if column.collation else ""
    return f"{sp.sa('Unicode' if column.unicode else 'String')}({length}{collation})"


def _column_flags(sp: _Spell, column: Column) -> list[str]:
    flags = []
    if column.unique:
        flags.append("unique=True")
    if column.index:
        flags.append("index=True")
    if column.nullable is not None:
        flags.append(f"nullable={column.nullable}")
    if column.server_default:
        flags.append(f"server_default={sp.s('')}")
    return flags


def _fk_target(schema: Schema, sp: _Spell, fk: ForeignKey) -> str:
    parent = schema.entities[fk.parent]
    ondelete = f", ondelete={sp.s(fk.ondelete)}" if fk.ondelete else ""
    if fk.by_attribute:
        return f"{sp.sa('ForeignKey')}({parent.cls}.id{ondelete})"
    return f"{sp.sa('ForeignKey')}({sp.s(parent.table + '.id')}{ondelete})"


def _fk_flags(fk: ForeignKey, annotated: bool = False) -> list[str]:
    """nullable= when the author wrote it out; an optional key without an annotation must say so
    (ondelete="SET NULL" says so too)."""
    flags = []
    if fk.explicit or not (fk.required or annotated or fk.ondelete == "SET NULL"):
        flags.append(f"nullable={not fk.required}")
    if fk.index:
        flags.append("index=True")
    return flags


def _comment(flag: bool) -> str:
    return "  # the author's note" if flag else ""


def _table_args(sp: _Spell, entity: Entity) -> str | None:
    args = []
    for constraint in entity.constraints:
        if constraint.module_level:
            continue
        names = ", ".join(sp.s(c) for c in constraint.columns)
        if constraint.kind == "index":
            args.append(f"{sp.sa('Index')}({sp.s(_index_name(entity, constraint))}, {names})")
        else:
            args.append(f"{sp.sa('UniqueConstraint')}({names})")
    return ", ".join(args) + ("," if len(args) == 1 else "") if args else None


def _index_name(entity: Entity, constraint: Constraint) -> str:
    return f"idx_{entity.table}_{'_'.join(constraint.columns)}"  # not ix_: index=True's own names


def _module_indexes(sp: _Spell, entity: Entity, imperative: bool) -> list[str]:
    lines = []
    for constraint in entity.constraints:
        if constraint.module_level:
            owner = f"{entity.table}.c" if imperative else entity.cls
            names = ", ".join(f"{owner}.{c}" for c in constraint.columns)
            lines.append(f"{sp.sa('Index')}({sp.s(_index_name(entity, constraint))}, {names})")
    return lines + ["", ""] if lines else []


def _entity_sqla(schema: Schema, sp: _Spell, entity: Entity) -> list[str]:
    """A declarative class, typed (Mapped/mapped_column) or classic (Column) body."""
    typed = schema.typed_body
    q = sp.s
    base = ("Model" if schema.model_alias else "db.Model") if schema.style == "flask" else "Base"
    bases = f"TimestampMixin, {base}" if entity.mixin else base
    if schema.dataclass:
        bases += ", kw_only=True"
    head = [f"class {entity.cls}({bases}):"]
    if entity.docstring:
        head.append(f'    """A {entity.kind.snake.replace("_", " ")}."""')
    if entity.explicit_tablename:
        head.append(f"    __tablename__ = {q(entity.table)}")
    table_args = _table_args(sp, entity)
    if table_args:
        head.append(f"    __table_args__ = ({table_args})")
    head.append("")
    lines: list[str] = []
    mapped = sp.orm("Mapped") if typed else ""
    if typed:
        init = ", init=False" if schema.dataclass else ""
        lines.append(f"    id: {mapped}[int] = {sp.orm('mapped_column')}(primary_key=True{init})")
    else:
        lines.append(f"    id = {sp.sa('Column')}({sp.sa('Integer')}, primary_key=True)")
    for column in entity.columns:
        comment = _comment(column.comment)
        if typed:
            annotation = sp.optional("str") if column.nullable else "str"
            call = _call(sp.orm("mapped_column"), _string_type(sp, column, entity), *_column_flags(sp, column),
                         multiline=column.multiline, comment=comment)
            lines.append(f"    {column.name}: {mapped}[{annotation}] = {call}" + ("" if column.multiline else comment))
        else:
            call = _call(sp.sa("Column"), _string_type(sp, column, entity), *_column_flags(sp, column),
                         multiline=column.multiline, comment=comment)
            lines.append(f"    {column.name} = {call}" + ("" if column.multiline else comment))
    lines += _own_timestamps(schema, sp, entity)
    for extra in entity.extras:
        python, sql, default = ("bool", "Boolean", "True") if extra == "is_active" else ("int", "Integer", "0")
        if typed:
            if extra == "is_active":
                lines.append(f"    {extra}: {mapped}[{python}] = {sp.orm('mapped_column')}(default={default})")
            else:
                lines.append(f"    {extra}: {mapped}[{python}]")
        else:
            lines.append(f"    {extra} = {sp.sa('Column')}({sp.sa(sql)}, default={default})")
    for fk in entity.fks:
        target = _fk_target(schema, sp, fk)
        if typed:
            annotation = "int" if fk.required else sp.optional("int")
            call = _call(sp.orm("mapped_column"), target, *_fk_flags(fk, annotated=True), multiline=fk.multiline)
            lines.append(f"    {fk.name}: {mapped}[{annotation}] = {call}")
        else:
            kind = "" if fk.untyped else sp.sa("Integer")
            lines.append(f"    {fk.name} = {_call(sp.sa('Column'), kind, target, *_fk_flags(fk), multiline=fk.multiline)}")
    return head + _arrange(entity, lines, _relationships_sqla(schema, sp, entity))


def _own_timestamps(schema: Schema, sp: _Spell, entity: Entity) -> list[str]:
    lines = []
    for attribute, name in sorted(entity.own_timestamp_names.items(), key=lambda item: item[1]):
        key = f"{sp.s(name)}, " if attribute != name else ""
        default = f"server_default={sp.sa('func')}.now()"
        date_time = f"{sp.sa('DateTime')}(timezone=True)" if schema.aware_timestamps else sp.sa("DateTime")
        if schema.style == "sqlmodel":
            sp.datetime = True
            sa_type = f", sa_type={date_time}" if schema.aware_timestamps else ""
            lines.append(f"    {name}: {sp.optional('datetime')} = Field(default=None{sa_type})")
        elif schema.style == "imperative":
            lines.append(f"{sp.sa('Column')}({sp.s(name)}, {date_time}, {default})")
        elif schema.typed_body:
            sp.datetime = True
            lines.append(f"    {attribute}: {sp.orm('Mapped')}[{sp.optional('datetime')}] = "
                         f"{sp.orm('mapped_column')}({key}{date_time}, {default})")
        else:
            lines.append(f"    {attribute} = {sp.sa('Column')}({key}{date_time}, {default})")
    return lines


def _arrange(entity: Entity, columns: list[str], relationships: list[str]) -> list[str]:
    """The id first, then columns and relationships in the entity's order."""
    if relationships and entity.section_comment:
        relationships = ["", "    # relationships"] + relationships
    if entity.relationships_first:
        return columns[:1] + relationships + ([""] if relationships else []) + columns[1:]
    return columns + relationships


def _relationships_sqla(schema: Schema, sp: _Spell, entity: Entity) -> list[str]:
    typed = schema.typed_body
    q = sp.s
    lines = []
    index = schema.entities.index(entity)
    dataclass_default = schema.dataclass

    def rel(*args: str, multiline: bool = False) -> str:
        return _call(sp.orm("relationship"), *args, multiline=multiline)

    # many-to-one sides, on this class as the child
    for fk in entity.fks:
        parent = schema.entities[fk.parent]
        keywords = []
        if fk.collection == "child_backref":
            keywords.append(f"backref={q(fk.collection_name)}")
        elif fk.child_side:
            if fk.collection:
                keywords.append(f"back_populates={q(fk.collection_name)}")
        else:
            continue
        if fk.self_ref:
            keywords.append(f"remote_side={q(entity.cls + '.id')}")
        if fk.shared_parent:
            if fk.list_form and not entity.relationships_first:  # the column itself: it must be above
                keywords.append(f"foreign_keys=[{fk.name}]")
            else:
                keywords.append(f"foreign_keys={q(entity.cls + '.' + fk.name)}")
        if dataclass_default:
            keywords.append("default=None")
        if typed:
            annotation = q(parent.cls) if fk.required else sp.optional(q(parent.cls))
            lines.append(f"    {fk.attr}: {sp.orm('Mapped')}[{annotation}] = {rel(*keywords, multiline=fk.multiline)}")
        else:
            lines.append(f"    {fk.attr} = {rel(q(parent.cls), *keywords, multiline=fk.multiline)}")
    # collections, on this class as the parent
    for child in schema.entities:
        for fk in child.fks:
            if fk.parent != index or fk.collection in (None, "child_backref"):
                continue
            keywords = []
            if fk.collection == "parent_backref":
                backref = q(fk.attr)
                if fk.shared_parent:  # the backref's own foreign_keys: the same column
                    backref = f"{sp.orm('backref')}({backref}, foreign_keys={q(child.cls + '.' + fk.name)})"
                keywords.append(f"backref={backref}")
            elif fk.child_side:
                keywords.append(f"back_populates={q(fk.attr)}")
            if fk.shared_parent:
                target = f"[{child.cls}.{fk.name}]" if fk.list_form else f"{child.cls}.{fk.name}"
                keywords.append(f"foreign_keys={q(target)}")
            if fk.collection == "dynamic" and not typed:
                keywords.append(f"lazy={q('dynamic')}")
            elif fk.lazy == "True":
                keywords.append("lazy=True")
            elif fk.lazy:
                keywords.append(f"lazy={q(fk.lazy)}")
            if dataclass_default:
                keywords.append("default_factory=set" if fk.collection == "set" else "default_factory=list")
            if typed:
                mapped = sp.orm("Mapped")
                annotation = {
                    "list": f"{mapped}[list[{q(child.cls)}]]",
                    "List": f"{mapped}[{sp.typing('List')}[{q(child.cls)}]]",
                    "set": f"{mapped}[set[{q(child.cls)}]]",
                    "write_only": f"{sp.orm('WriteOnlyMapped')}[{q(child.cls)}]",
                    "dynamic": f"{sp.orm('DynamicMapped')}[{q(child.cls)}]",
                }[fk.collection]
                lines.append(f"    {fk.collection_name}: {annotation} = {rel(*keywords, multiline=fk.multiline)}")
            else:
                lines.append(f"    {fk.collection_name} = {rel(q(child.cls), *keywords, multiline=fk.multiline)}")
    # many-to-many
    for link in schema.links:
        for side in ("left", "right"):
            if getattr(link, side) != index or (side == "right" and link.right_side != "back_populates"):
                continue
            other = schema.entities[link.right if side == "left" else link.left]
            name, back = (link.left_attr, link.right_attr) if side == "left" else (link.right_attr, link.left_attr)
            keywords = [f"secondary={q(link.table) if link.by_name else link.table}"]
            if link.right_side == "back_populates":
                keywords.append(f"back_populates={q(back)}")
            elif link.right_side == "backref":
                keywords.append(f"backref={q(back)}")
            if dataclass_default:
                keywords.append("default_factory=list")
            if typed:
                lines.append(f"    {name}: {sp.orm('Mapped')}[list[{q(other.cls)}]] = {rel(*keywords)}")
            else:
                lines.append(f"    {name} = {rel(q(other.cls), *keywords)}")
    return lines


def _mixin_sqla(schema: Schema, sp: _Spell) -> list[str]:
    names = ["created_at", "updated_at"] if schema.mixin == "full" else ["created_at"]
    lines = ["class TimestampMixin:"]
    for name in names:
        func = f"{sp.sa('func')}.now()"
        extra = f", onupdate={func}" if name == "updated_at" else ""
        type_ = f"{sp.sa('DateTime')}(timezone=True)"
        if schema.typed_body:
            sp.datetime = True
            lines.append(f"    {name}: {sp.orm('Mapped')}[datetime] = {sp.orm('mapped_column')}("
                         f"{type_}, server_default={func}{extra})")
        else:
            lines.append(f"    {name} = {sp.sa('Column')}({type_}, server_default={func}{extra})")
    return lines


def _link_table(schema: Schema, sp: _Spell, link: Link, metadata: str | None) -> list[str]:
    q = sp.s
    columns = []
    for column, entity in ((link.left_column, schema.entities[link.left]),
                           (link.right_column, schema.entities[link.right])):
        kind = "" if link.untyped else sp.sa("Integer")
        target = f"{sp.sa('ForeignKey')}({q(entity.table + '.id')})"
        columns.append(_call(sp.sa("Column"), q(column), kind, target, "primary_key=True" if link.primary_key else ""))
    args = [q(link.table)] + ([metadata] if metadata else []) + columns
    return [f"{link.table} = {sp.sa('Table')}("] + [f"    {a}," for a in args] + [")"]


def _parts_sqla(schema: Schema):
    sp = _Spell(schema)
    body: list[str] = []
    metadata = "Base.metadata"
    if schema.style == "flask":
        body += ["db = SQLAlchemy()"] + (["Model = db.Model"] if schema.model_alias else []) + ["", ""]
        metadata = None
    elif schema.dataclass:
        body += [f"class Base({sp.orm('MappedAsDataclass')}, {sp.orm('DeclarativeBase')}):", "    pass", "", ""]
    elif schema.typed_body:
        body += [f"class Base({sp.orm('DeclarativeBase')}):", "    pass", "", ""]
    else:
        body += [f"Base = {sp.orm('declarative_base')}()", "", ""]
    if schema.mixin:
        body += _mixin_sqla(schema, sp) + ["", ""]
    for link in schema.links:
        body += _link_table(schema, sp, link, metadata) + ["", ""]
    chunks = [(entity, _length_constants(entity) + _entity_sqla(schema, sp, entity) + ["", ""]
                + _module_indexes(sp, entity, imperative=False))
              for entity in schema.in_order()]
    shared = ((["db"] + (["Model"] if schema.model_alias else [])) if schema.style == "flask" else ["Base"]) + (
        ["TimestampMixin"] if schema.mixin else [])
    return sp, body, chunks, shared + [link.table for link in schema.links]


def _parts_imperative(schema: Schema):
    sp = _Spell(schema)
    q = sp.s
    body = [f"metadata = {sp.sa('MetaData')}()", "", ""]
    for link in schema.links:
        body += _link_table(schema, sp, link, "metadata") + ["", ""]
    chunks = []
    for entity in schema.in_order():
        args = [q(entity.table), "metadata", f"{sp.sa('Column')}({q('id')}, {sp.sa('Integer')}, primary_key=True)"]
        for column in entity.columns:
            args.append(_call(sp.sa("Column"), q(column.name), _string_type(sp, column, entity),
                              *_column_flags(sp, column)))
        args += _own_timestamps(schema, sp, entity)
        for extra in entity.extras:
            args.append(f"{sp.sa('Column')}({q(extra)}, {sp.sa('Boolean' if extra == 'is_active' else 'Integer')})")
        for fk in entity.fks:
            kind = "" if fk.untyped else sp.sa("Integer")
            args.append(_call(sp.sa("Column"), q(fk.name), kind, _fk_target(schema, sp, fk), *_fk_flags(fk),
                              multiline=fk.multiline))
        table_args = _table_args(sp, entity)
        if table_args:
            args.append(table_args.rstrip(","))
        lines = [f"{entity.table} = {sp.sa('Table')}("] + [f"    {a}," for a in args] + [")", "", ""]
        chunks.append((entity, _length_constants(entity) + [line.replace("\n", "\n    ") for line in lines]
                       + _module_indexes(sp, entity, imperative=True)))
    return sp, body, chunks, ["metadata"]


def _parts_sqlmodel(schema: Schema):
    sp = _Spell(schema)
    q = sp.s
    body: list[str] = []
    mixin = f"{schema.prefix}TimestampBase"
    if schema.mixin:
        sp.datetime = True
        body.append(f"class {mixin}(SQLModel):")
        for name in (["created_at", "updated_at"] if schema.mixin == "full" else ["created_at"]):
            options = f"{{{q('server_default')}: {sp.sa('func')}.now()}}"
            body.append(f"    {name}: {sp.optional('datetime')} = Field(default=None, "
                        f"sa_type={sp.sa('DateTime')}(timezone=True), sa_column_kwargs={options})")
        body += ["", ""]
    for link in schema.links:
        body.append(f"class {link.cls}(SQLModel, table=True):")
        body.append(f"    __tablename__ = {q(link.table)}")
        for column, entity in ((link.left_column, schema.entities[link.left]),
                               (link.right_column, schema.entities[link.right])):
            body.append(f"    {column}: {sp.optional('int')} = Field(default=None, "
                        f"foreign_key={q(entity.table + '.id')}, primary_key=True)")
        body += ["", ""]
    prelude, chunks = body, []
    for entity in schema.in_order():
        body = []
        index = schema.entities.index(entity)
        bases = f"{mixin}, table=True" if entity.mixin else "SQLModel, table=True"
        body.append(f"class {entity.cls}({bases}):")
        if entity.docstring:
            body.append(f'    """A {entity.kind.snake.replace("_", " ")}."""')
        if entity.explicit_tablename:
            body.append(f"    __tablename__ = {q(entity.table)}")
        table_args = _table_args(sp, entity)
        if table_args:
            body.append(f"    __table_args__ = ({table_args})")
        outer_body, body = body, []
        body.append(f"    id: {sp.optional('int')} = Field(default=None, primary_key=True)")
        for column in entity.columns:
            flags = [f"sa_type={sp.sa('Text')}" if column.text else f"max_length={column.length}"]
            if column.unique:
                flags.append("unique=True")
            if column.index:
                flags.append("index=True")
            if column.server_default:
                flags.append(f"sa_column_kwargs={{{q('server_default')}: {q('')}}}")
            comment = _comment(column.comment)
            if column.bare:
                value = f"{sp.optional('str')} = None" if column.nullable else "str"
                body.append(f"    {column.name}: {value}{comment}")
            elif column.nullable:
                body.append(f"    {column.name}: {sp.optional('str')} = Field(default=None, {', '.join(flags)}){comment}")
            else:
                body.append(f"    {column.name}: str = Field({', '.join(flags)}){comment}")
        body += _own_timestamps(schema, sp, entity)
        for extra in entity.extras:
            body.append(f"    {extra}: bool = True" if extra == "is_active" else f"    {extra}: int = 0")
        for fk in entity.fks:
            flags = [f"foreign_key={q(schema.entities[fk.parent].table + '.id')}"] + _fk_flags(fk, annotated=True)
            if fk.ondelete:
                flags.append(f"ondelete={q(fk.ondelete)}")
            if fk.required:
                body.append(f"    {fk.name}: int = {_call('Field', *flags, multiline=fk.multiline)}")
            else:
                body.append(f"    {fk.name}: {sp.optional('int')} = "
                            f"{_call('Field', 'default=None', *flags, multiline=fk.multiline)}")

        def options(fk: ForeignKey, child: Entity, many_to_one: bool) -> str:
            pairs = []
            if fk.self_ref and many_to_one:
                pairs.append(f"{q('remote_side')}: {q(child.cls + '.id')}")
            if fk.shared_parent:
                target = f"[{child.cls}.{fk.name}]" if fk.list_form else f"{child.cls}.{fk.name}"
                pairs.append(f"{q('foreign_keys')}: {q(target)}")
            return f"sa_relationship_kwargs={{{', '.join(pairs)}}}" if pairs else ""

        columns, body = body, []
        for fk in entity.fks:
            if fk.child_side:
                parent = schema.entities[fk.parent]
                keyword = f"back_populates={q(fk.collection_name)}" if fk.collection else ""
                call = _call("Relationship", keyword, options(fk, entity, True), multiline=fk.multiline)
                body.append(f"    {fk.attr}: {sp.optional(q(parent.cls))} = {call}")
        for child in schema.entities:
            for fk in child.fks:
                if fk.parent != index or fk.collection is None:
                    continue
                outer = "list" if fk.collection == "list" else sp.typing("List")
                keyword = f"back_populates={q(fk.attr)}" if fk.child_side else ""
                call = _call("Relationship", keyword, options(fk, child, False), multiline=fk.multiline)
                body.append(f"    {fk.collection_name}: {outer}[{q(child.cls)}] = {call}")
        for link in schema.links:
            for side in ("left", "right"):
                if getattr(link, side) != index or (side == "right" and link.right_side != "back_populates"):
                    continue
                other = schema.entities[link.right if side == "left" else link.left]
                name, back = (link.left_attr, link.right_attr) if side == "left" else (link.right_attr, link.left_attr)
                keyword = f"back_populates={q(back)}, " if link.right_side else ""
                body.append(f"    {name}: list[{q(other.cls)}] = Relationship({keyword}link_model={link.cls})")
        chunks.append((entity, outer_body + _arrange(entity, columns, body) + ["", ""]))
    return sp, prelude, chunks, ([mixin] if schema.mixin else []) + [link.cls for link in schema.links]


def _join(schema: Schema, lines: list[str]) -> str:
    """The module's text, indented with the schema's indent (written with four spaces a level)."""
    while lines and lines[-1] == "":
        lines.pop()
    physical = []
    for line in "\n".join(lines).split("\n"):
        stripped = line.lstrip(" ")
        depth, rest = divmod(len(line) - len(stripped), 4)
        physical.append(schema.indent * depth + " " * rest + stripped)
    return "\n".join(physical).replace("\n", schema.newline) + schema.newline


def _parts(schema: Schema):
    """(spelling, the module's shared part, [(entity, its lines)], the names the shared part defines)."""
    if schema.style == "sqlmodel":
        return _parts_sqlmodel(schema)
    if schema.style == "imperative":
        return _parts_imperative(schema)
    return _parts_sqla(schema)


def render(schema: Schema) -> str:
    """The schema as one module."""
    sp, prelude, chunks, _ = _parts(schema)
    return _join(schema, sp.header() + ["", ""] + prelude + [line for _, lines in chunks for line in lines])


def render_project(schema: Schema) -> dict[str, str]:
    """The schema as a package: base.py (the declarative base, db, mixin, link tables) and a module a
    class or table, importing what it uses from base.py and the parents its ForeignKey(Parent.id) names
    (the whole-project case: a collection's children, a mixin, a link table live in another file)."""
    sp, prelude, chunks, shared = _parts(schema)
    header = sp.header() + ["", ""]
    files = {"base.py": _join(schema, header + prelude)}
    for entity, lines in chunks:
        imports = [f"from .base import {', '.join(shared)}"] if shared else []
        parents = {schema.entities[fk.parent].kind.snake: schema.entities[fk.parent].cls
                   for fk in entity.fks if fk.by_attribute}
        imports += [f"from .{module} import {cls}" for module, cls in sorted(parents.items())]
        files[f"{entity.kind.snake}.py"] = _join(schema, header[:-2] + imports + ["", ""] + lines)
    modules = ", ".join(["base"] + [entity.kind.snake for entity, _ in chunks])
    files["__init__.py"] = _join(schema, [f"from . import {modules}  # every model, for relationship(\"Name\")"])
    return files
