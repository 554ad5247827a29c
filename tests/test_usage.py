"""sqla_fix.usage: signs in a project's code that a foreign key is NULL by design."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from pathlib import Path

import pytest

from sqla_fix import usage
from sqla_fix.usage import (
    ASSIGN,
    COMPARE,
    OMITTED,
    SAVED_BEFORE_SET,
    SCHEMA,
    SQL,
    VALIDATES,
    ProjectUsage,
    Sign,
)

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    comments = relationship("Comment", back_populates="post")


class Comment(Base):
    __tablename__ = "comments"
    id = Column(Integer, primary_key=True)
    body = Column(Text)
    post_id = Column(Integer, ForeignKey("posts.id"))
    post = relationship("Post", back_populates="comments")


class Reaction(Base):
    __tablename__ = "reactions"
    id = Column(Integer, primary_key=True)
    post_id = Column(Integer, ForeignKey("posts.id"))
"""

ATTRIBUTES = {"post_id", "post"}
CLASSES = {"Post", "Comment", "Reaction"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    usage.clear_cache()
    yield
    usage.clear_cache()


def project(tmp_path: Path, files: dict[str, str]) -> list[Path]:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    paths = []
    for name, text in {"app/__init__.py": "", "app/models.py": MODELS, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        paths.append(path)
    return paths


def signs(tmp_path, code: str, *, attributes=ATTRIBUTES, classes=CLASSES, name="app/views.py", **query):
    files = project(tmp_path, {name: code})
    query.setdefault("relationships", ("post",))
    # the relationships are scanned as such (their narrower byte forms must miss nothing the reader sees)
    related = set(query["relationships"]) - {query.get("attribute", "post_id")}
    found = ProjectUsage.scan(files, set(attributes) - related, classes, relationships=related)
    return found.null_signs(query.pop("class_name", "Comment"), query.pop("attribute", "post_id"), **query)


def whats(found: list[Sign]) -> list[str]:
    return [s.what for s in found]


# -- 1. comparisons with None ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("Comment.post_id.is_(None)", "`Comment.post_id.is_(None)`"),
        ("Comment.post_id.is_not(None)", "`Comment.post_id.is_not(None)`"),
        ("Comment.post_id.isnot(None)", "`Comment.post_id.isnot(None)`"),
        ("Comment.post_id == None", "`Comment.post_id == None`"),
        ("Comment.post_id != None", "`Comment.post_id != None`"),
        ("None == Comment.post_id", "`None == Comment.post_id`"),
        ("Comment.post_id.is_(null())", "`Comment.post_id.is_(null())`"),
        ("Comment.post_id == sa.null()", "`Comment.post_id == sa.null()`"),
        ("select(Comment).where(Comment.post_id == None)", "`Comment.post_id == None`"),
        ("session.query(Comment).filter_by(post_id=None)", "`session.query(Comment).filter_by(post_id=None)`"),
        ("Comment.query.filter_by(post_id=None).all()", "`Comment.query.filter_by(post_id=None)`"),
        ("comment.post_id is None", "`comment.post_id is None`"),
        ("comment.post_id is not None", "`comment.post_id is not None`"),
        ("getattr(comment, 'post_id') is None", "`getattr(comment, 'post_id') is None`"),
        ("~Comment.post.has()", "`~Comment.post.has()`"),
        ("comment.post is None", "`comment.post is None`"),
        ("current_user.post is None", "`current_user.post is None`"),
        (
            "session.query(Post).join(Comment).filter_by(post_id=None)",
            "`session.query(Post).join(Comment).filter_by(post_id=None)`",
        ),
        ("[c for c in comments if not c.post_id]", "`not c.post_id`"),
        ("1 if comment.post else 2", "`if comment.post`"),
        ("text('SELECT * FROM comments WHERE post_id IS NULL')", "SQL `post_id IS NULL`"),
        ("text('UPDATE comments SET post_id = NULL WHERE id = :id')", "SQL `post_id = NULL`"),
    ],
)
def test_comparisons_with_none_are_signs(tmp_path, code, what):
    source = (
        "import sqlalchemy as sa\nfrom flask_login import current_user\nfrom sqlalchemy import null, select, text\n"
        f"from app.models import Comment, Post\n\ndef view(session, comment, comments):\n    return {code}\n"
    )
    found = signs(tmp_path, source)
    assert what in whats(found)
    assert all(s.line == 7 for s in found if s.what == what)
    assert {s.kind for s in found if s.what == what} <= {COMPARE, SQL}


def test_comparisons_with_values_are_not_signs(tmp_path):
    code = """\
    from app.models import Comment

    def view(session, comment):
        session.query(Comment).filter(Comment.post_id == 5)
        session.query(Comment).filter_by(post_id=5)
        if comment.post_id == 3:
            return Comment.body.is_(None), comment.body is None
    """
    assert signs(tmp_path, code) == []


def test_another_models_key_is_not_a_sign(tmp_path):
    code = """\
    from app.models import Reaction
    from app import models

    def view(session):
        session.query(Reaction).filter_by(post_id=None)
        return Reaction.post_id.is_(None), models.Reaction.post_id == None
    """
    assert signs(tmp_path, code) == []
    # ...unless the scan was not told that Reaction is a model: then it counts (the safe direction).
    assert len(signs(tmp_path, code, classes={"Comment"})) == 3


def test_imported_aliases_and_modules_resolve(tmp_path):
    code = """\
    from app.models import Comment as C
    import app.models as m

    def view():
        return C.post_id.is_(None), m.Comment.post_id == None
    """
    assert whats(signs(tmp_path, code)) == ["`C.post_id.is_(None)`", "`m.Comment.post_id == None`"]


def test_relationship_names_need_a_plausible_receiver(tmp_path):
    code = """\
    from flask import g
    from app.models import Post

    def view(comment):
        g.post = None
        if g.post is None:
            pass
        if Post.post is None:
            pass
        comment.post = None
    """
    assert whats(signs(tmp_path, code)) == ["`comment.post = None`"]


def test_signs_in_the_model_file_itself(tmp_path):
    models = MODELS + textwrap.dedent(
        """\

        from sqlalchemy.ext.hybrid import hybrid_property
        from sqlalchemy.orm import validates


        class Draft(Base):
            __tablename__ = "drafts"
            id = Column(Integer, primary_key=True)
            post_id = Column(Integer, ForeignKey("posts.id"))

            @hybrid_property
            def published(self):
                return self.post_id is not None

            @published.expression
            def published(cls):
                return cls.post_id.isnot(None)

            @validates("post_id")
            def check_post(self, key, value):
                if value is None:
                    return value
                return value

            def detach(self):
                self.post = None
        """
    )
    files = project(tmp_path, {"app/models.py": models})
    found = ProjectUsage.scan(files, ATTRIBUTES, {*CLASSES, "Draft"})
    draft = found.null_signs("Draft", "post_id", ("post",))
    assert whats(draft) == [
        "`self.post_id is not None`",
        "`cls.post_id.isnot(None)`",
        "`@validates('post_id')` tests `value` against None",
        "`self.post = None`",
    ]
    assert [s.kind for s in draft] == [COMPARE, COMPARE, VALIDATES, ASSIGN]
    # Draft's own methods say nothing about Comment.post_id.
    assert found.null_signs("Comment", "post_id", ("post",)) == []


# -- 2. assignments that leave it None ----------------------------------------------------------------


def test_assignments_of_none_are_signs(tmp_path):
    code = """\
    from sqlalchemy import update
    from app.models import Comment

    def view(session, comment, post):
        comment.post_id = None
        Comment(body="x", post_id=None)
        comment.post = None
        Comment(body="y", post=None)
        setattr(comment, "post_id", None)
        comment.post_id = post.id if post else None
        session.execute(update(Comment).values(post_id=None))
        session.query(Comment).update({Comment.post_id: None})
    """
    found = signs(tmp_path, code)
    assert whats(found) == [
        "`comment.post_id = None`",
        "`Comment(..., post_id=None)`",
        "`comment.post = None`",
        "`Comment(..., post=None)`",
        '`setattr(comment, "post_id", None)`'.replace('"', "'"),
        "`comment.post_id = post.id if post else None`",
        "`update(Comment).values(post_id=None)`",
        "`session.query(Comment).update({Comment.post_id: None})`",
    ]
    assert {s.kind for s in found} == {ASSIGN}
    assert [s.line for s in found] == [5, 6, 7, 8, 9, 10, 11, 12]


# -- 3. constructors that omit it ---------------------------------------------------------------------


def test_constructor_without_the_key_is_a_sign(tmp_path):
    code = """\
    from app.models import Comment

    def view(session):
        session.add(Comment(body="x"))
        session.commit()
    """
    found = signs(tmp_path, code)
    assert found == [Sign(tmp_path / "app/views.py", 4, "`Comment(...)` without `post_id`", OMITTED)]
    assert str(found[0]) == "`Comment(...)` without `post_id` at views.py:4"


@pytest.mark.parametrize(
    "call",
    [
        "from app.models import Comment as C\nC(body='x')",
        "from app import models\nmodels.Comment(body='x')",
        "import app.models\napp.models.Comment(body='x')",
        "from app.models import Comment\nrows = [Comment(body='x')]",
        "from app.models import Comment\nsession.add_all([Comment(body='x')])",
        "from app.models import Comment\ncomments.append(Comment(body='x'))",  # a local list, not a collection
        "from app.models import Comment\ndb.session.add(Comment(body='x'))",
        "from app.models import Comment\nself.repository.add(Comment(body='x'))",
    ],
)
def test_constructor_forms(tmp_path, call):
    imports, statement = call.split("\n")
    code = f"{imports}\n\ndef view(session, db, comments, self):\n    {statement}\n"
    assert [s.kind for s in signs(tmp_path, code)] == [OMITTED]


@pytest.mark.parametrize(
    "statement",
    [
        "post.comments.append(Comment(body='x'))",
        "post.comments.extend([Comment(body='x'), Comment(body='y')])",
        "post.comments.extend(Comment(body=b) for b in bodies)",
        "post.comments.insert(0, Comment(body='x'))",
        "post.comments.add(Comment(body='x'))",
        "Post(comments=[Comment(body='x')])",
        "Post(comments=[Comment(body=b) for b in bodies])",
        "post.comments = [Comment(body='x')]",
        "post.comments += [Comment(body='x')]",
        "Comment(post=post, body='x')",
        "Comment(post_id=post.id, body='x')",
        "Comment(**data)",
        "Comment(body='x', **data)",
        "Comment(*args, body='x')",
        "Comment()",
        "Comment('x')",
    ],
)
def test_constructors_that_set_the_key_or_cannot_tell_are_not_signs(tmp_path, statement):
    code = f"from app.models import Comment, Post\n\ndef view(post, bodies, data, args):\n    {statement}\n"
    assert signs(tmp_path, code) == []


def test_a_comparison_on_another_module_name_is_not_a_constructor(tmp_path):
    code = """\
    from app.schemas import CommentIn

    def view():
        return CommentIn(body="x"), dict(body="x")
    """
    assert signs(tmp_path, code) == []


def test_one_to_one_attachment_needs_the_back_reference(tmp_path):
    code = """\
    from app.models import Comment, Post

    def view(post):
        Post(pinned=Comment(body="x"))
        post.pinned = Comment(body="y")
    """
    assert [s.line for s in signs(tmp_path, code)] == [4, 5]
    assert signs(tmp_path, code, back_references=("pinned",)) == []


def test_key_set_before_commit_is_not_a_sign(tmp_path):
    code = """\
    from app.models import Comment

    def view(session, post):
        comment = Comment(body="x")
        comment.post_id = post.id
        session.add(comment)
        session.commit()

    def other(session, post):
        comment = Comment(body="x")
        post.comments.append(comment)
        session.commit()

    def third(session, post):
        comment = Comment(body="x")
        comment.post = post
        session.flush()
    """
    assert signs(tmp_path, code) == []


def test_key_set_after_commit_is_a_sign(tmp_path):
    code = """\
    from app.models import Comment

    def view(session, post):
        comment = Comment()
        session.add(comment)
        session.commit()
        comment.post_id = post.id
        session.commit()
    """
    found = signs(tmp_path, code)
    assert [(s.line, s.kind) for s in found] == [(4, SAVED_BEFORE_SET)]
    assert found[0].what == (
        "`comment = Comment(...)` saved by `session.commit()` (line 6) before `comment.post_id = post.id` (line 7)"
    )


def test_constructed_and_saved_without_the_key_is_a_sign(tmp_path):
    code = """\
    from app.models import Comment

    def view(session):
        comment = Comment(body="x")
        session.add(comment)
        session.commit()

    def rebinds(session, post):
        comment = Comment(body="y")
        session.add(comment)
        comment = Comment(body="z", post=post)
        comment.post_id = 3
    """
    found = signs(tmp_path, code)
    assert [(s.line, s.kind) for s in found] == [(4, OMITTED), (9, OMITTED)]


def test_subclasses_count_as_the_model(tmp_path):
    code = """\
    from app.models import Comment

    class Reply(Comment):
        pass

    def view():
        return Reply(body="x"), Reply.post_id.is_(None)
    """
    assert sorted(s.kind for s in signs(tmp_path, code)) == [COMPARE, OMITTED]


def test_classmethod_constructor(tmp_path):
    # A classmethod on the last class (Reaction): `cls(...)` builds a Reaction, not a Comment.
    models = MODELS + "\n    @classmethod\n    def orphan(cls, body):\n        return cls(body=body)\n"
    files = project(tmp_path, {"app/models.py": models})
    found = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert found.null_signs("Comment", "post_id", ("post",)) == []
    assert [s.what for s in found.null_signs("Reaction", "post_id")] == ["`cls(...)` (Reaction) without `post_id`"]


# -- 4. the project's schemas --------------------------------------------------------------------------

SCHEMAS = """\
from dataclasses import dataclass
from typing import Optional, TypedDict, Union

from marshmallow import Schema, fields
from pydantic import BaseModel, Field


class CommentBase(BaseModel):
    body: str
    post_id: Optional[int]


class CommentCreate(CommentBase):
    post_id: int | None = None


class CommentOut(BaseModel):
    post_id: int = None


class CommentRead(TypedDict):
    post_id: Union[int, None]


@dataclass
class CommentSchema:
    post_id: int = Field(default=None)


class CommentMarsh(Schema):
    post_id = fields.Integer(allow_none=True)


class CommentUpdate(BaseModel):
    post_id: Optional[int] = None


class CommentFilter(BaseModel):
    post_id: Optional[int] = None


class CommentaryOut(BaseModel):
    post_id: Optional[int] = None


class CommentRequired(BaseModel):
    post_id: int
"""


def test_optional_fields_of_the_models_schemas(tmp_path):
    found = signs(tmp_path, SCHEMAS, name="app/schemas.py")
    assert whats(found) == [
        "`CommentBase.post_id: Optional[int]`",
        "`CommentCreate.post_id: int | None`",
        "`CommentOut.post_id: int = None`",
        "`CommentRead.post_id: Union[int, None]`",
        "`CommentSchema.post_id: int = Field(default=None)`",
        "`CommentMarsh.post_id = fields.Integer(allow_none=True)`",
    ]
    assert {s.kind for s in found} == {SCHEMA}


def test_schemas_go_to_the_longest_model_name(tmp_path):
    code = """\
    from typing import Optional
    from pydantic import BaseModel

    class TeamCommentCreate(BaseModel):
        post_id: Optional[int]
    """
    assert len(signs(tmp_path, code)) == 1
    assert signs(tmp_path, code, classes={*CLASSES, "TeamComment"}, name="app/other.py") == []


def test_orm_classes_are_not_schemas(tmp_path):
    code = """\
    from typing import Optional
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import Mapped, mapped_column
    from sqlmodel import Field, SQLModel
    from app.models import Base, Comment

    class CommentArchive(Base):
        __tablename__ = "comment_archive"
        post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"))

    class CommentTable(SQLModel, table=True):
        post_id: Optional[int] = Field(default=None, foreign_key="posts.id")

    class CommentSubclass(Comment):
        post_id: Optional[int] = None
    """
    assert signs(tmp_path, code) == []


# -- what is read, and what is not --------------------------------------------------------------------


def test_files_that_never_mention_a_name_are_not_parsed(tmp_path, monkeypatch):
    files = project(
        tmp_path,
        {
            "app/views.py": "from app.models import Comment\nComment(body='x')\n",
            "app/unrelated.py": "def f(x):\n    return x.team_id is None\n",
            "app/broken.py": "def f(:\n    post_id = None\n",
        },
    )
    parsed = []
    real_parse = ast.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parsed.append(Path(filename).name)
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    found = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert "unrelated.py" not in parsed
    assert "__init__.py" not in parsed
    assert sorted(parsed) == ["broken.py", "models.py", "views.py"]
    assert sorted(p.name for p in found.files) == ["models.py", "views.py"]  # broken.py: skipped silently
    assert [s.line for s in found.null_signs("Comment", "post_id", ("post",))] == [2]

    # The content is cached: a second scan parses nothing again.
    parsed.clear()
    again = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert parsed == []
    assert again.null_signs("Comment", "post_id") == found.null_signs("Comment", "post_id")


def test_migrations_are_skipped(tmp_path):
    files = project(
        tmp_path,
        {
            "migrations/env.py": "from alembic import context\nComment.post_id.is_(None)\n",
            "migrations/versions/0001_init.py": "def upgrade():\n    op.execute('UPDATE comments SET post_id = NULL')\n",
            "scripts/fix.py": "import alembic.op as op\nop.execute('UPDATE comments SET post_id = NULL')\n",
        },
    )
    found = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert found.null_signs("Comment", "post_id") == []
    assert sorted(p.name for p in found.files) == ["models.py"]


def test_unreadable_and_odd_files_are_skipped(tmp_path):
    deep = "x = " + "(" * 500 + "post_id" + ")" * 500 + "\n"
    files = project(tmp_path, {"app/deep.py": deep, "app/nul.py": "post_id = None\x00\n"})
    files.append(tmp_path / "app" / "missing.py")
    latin = tmp_path / "app" / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\nfrom app.models import Comment\nComment(body='\xe9')\n")
    files.append(latin)
    found = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert [(s.path.name, s.line) for s in found.null_signs("Comment", "post_id")] == [("latin.py", 4)]


def test_asking_for_what_was_not_scanned_is_an_error(tmp_path):
    found = ProjectUsage.scan(project(tmp_path, {}), {"post_id"}, {"Comment"})
    with pytest.raises(ValueError, match="post"):
        found.null_signs("Comment", "post_id", ("post",))
    with pytest.raises(ValueError, match="Invite"):
        found.null_signs("Invite", "post_id")


def test_sqlmodel_data_models_are_schemas(tmp_path):
    code = """\
    from sqlmodel import Field, SQLModel

    class HeroBase(SQLModel):
        name: str
        team_id: int | None = Field(default=None, foreign_key="team.id")

    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)

    class HeroUpdate(SQLModel):
        team_id: int | None = None
    """
    found = signs(tmp_path, code, attributes={"team_id"}, classes={"Hero", "Team"}, class_name="Hero",
                  attribute="team_id", relationships=())
    assert [(s.line, s.what, s.kind) for s in found] == [(5, "`HeroBase.team_id: int | None`", SCHEMA)]


def test_a_versions_directory_above_the_project_is_not_a_migration(tmp_path):
    root = tmp_path / "versions" / "checkout"
    root.mkdir(parents=True)
    files = project(root, {"app/views.py": "from app.models import Comment\nComment(body='x')\n"})
    found = ProjectUsage.scan(files, ATTRIBUTES, CLASSES)
    assert [s.kind for s in found.null_signs("Comment", "post_id")] == [OMITTED]


def test_max_file_size(tmp_path):
    files = project(tmp_path, {"app/big.py": "from app.models import Comment\nComment(body='x')\n" + "#" * 1000})
    assert ProjectUsage.scan(files, ATTRIBUTES, CLASSES, max_file_size=500).null_signs("Comment", "post_id") == []


# -- evidence added for the rules' restraint on real projects ---------------------------------------


def test_none_given_to_the_projects_own_helpers_is_a_sign(tmp_path):
    code = """\
    from app.models import Task

    def unassign(task, project):
        task.update({"assigner_id": None})
        Task.create(project_id=project.id, reviewer_id=None)
        return {"segment_id": UUIDField(nullable=True)}
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"assigner_id", "reviewer_id", "segment_id"}, {"Task"})
    assert "`'assigner_id': None`" in [s.what for s in usage.null_signs("Task", "assigner_id")]
    # a helper's keyword and, `create` being a factory of the model, the row it builds with the key None
    assert sorted(s.what for s in usage.null_signs("Task", "reviewer_id")) == [
        "`Task.create(..., reviewer_id=None)`", "`Task.create(reviewer_id=None)`"]
    assert "`'segment_id': UUIDField(nullable=True)`" in [s.what for s in usage.null_signs("Task", "segment_id")]


def test_query_builders_keep_their_precise_reading(tmp_path):
    code = """\
    from app.models import Reaction

    def view(session):
        return session.execute(update(Reaction).values(post_id=None)), session.query(Reaction).filter_by(post_id=None)
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"post_id"}, {"Comment", "Reaction"})
    assert usage.null_signs("Comment", "post_id") == []


def test_length_limits_of_the_projects_schemas_are_signs(tmp_path):
    code = """\
    ZONE = {"description": {"type": "string", "maxLength": 160}}

    class GroupSchema:
        summary = fields.String(validate=Length(0, 512))
        title: str = Field(max_length=80)

    def save(note, text):
        note.body = text[:300]
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"description", "summary", "title", "body"}, {"Note"})
    for attribute in ("description", "summary", "title", "body"):
        assert usage.slice_signs("Note", attribute), attribute


def test_row_serializers_and_form_builders_are_noticed(tmp_path):
    code = """\
    from flask_admin.contrib.sqla import ModelView

    def to_dict(row):
        return {c.name: getattr(row, c.name) for c in row.__table__.columns}
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"x"}, {"Note"})
    assert usage.row_serializer is not None and "__table__.columns" in usage.row_serializer.what
    assert usage.form_framework is not None and "flask_admin" in usage.form_framework.what
    quiet = ProjectUsage.scan(_write(tmp_path / "q", "x = 1\n"), {"x"}, {"Note"})
    assert quiet.row_serializer is None and quiet.form_framework is None


def _write(tmp_path: Path, code: str) -> list[Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return project(tmp_path, {"app/services.py": code})


def test_a_models_factory_that_leaves_a_key_out_is_a_sign(tmp_path):
    code = """\
    from app.models import Placement

    def put_in_room(item_id, room_id):
        return Placement.create(item_id=item_id, room_id=room_id)

    def put_anywhere(fields):
        return Placement.create(**fields)
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"shelf_id", "item_id"}, {"Placement"})
    assert [(s.what, s.kind) for s in usage.null_signs("Placement", "shelf_id")] == [
        ("`Placement.create(...)` (Placement) without `shelf_id`", OMITTED)]
    assert usage.null_signs("Placement", "item_id") == []  # given; **fields says nothing


def test_rows_written_with_merge_are_found(tmp_path):
    code = """\
    from app.models import Slot, Other

    def remember(session, n):
        entry = Slot(n=n % 10)
        session.merge(entry)
        session.merge(Other(n=n))
    """
    usage = ProjectUsage.scan(_write(tmp_path, code), {"n"}, {"Slot", "Other", "Never"})
    assert usage.merge_sign("Slot").line == 5
    assert usage.merge_sign("Other").line == 6
    assert usage.merge_sign("Never") is None


# -- the byte forms: which files are parsed at all ----------------------------------------------------------

TRICKY = {
    "spaced.py": "def f(obj):\n    obj . author = None\n    return obj.\\\n        author is None\n",
    "strings.py": 'def f(x):\n    if getattr(x, "author") is None:\n        setattr(x, \'author\', None)\n',
    "validates.py": ('from sqlalchemy.orm import validates\n\n\nclass A:\n    @validates("author")\n'
                     '    def check(self, key, value):\n        assert value is not None\n        return value\n'),
    "queries.py": "def f(q, row):\n    q.filter_by(author=None)\n    if not row.author:\n        return ~A.author.has()\n",
    "slices.py": ('def f(obj, text, y):\n    data = {"body": text[:10]}\n    g(body=\n      text[:5])\n'
                  '    obj.body = (\n        y\n    )[:5]\n    obj.body \\\n        = y[:3]\n    return data\n'),
    "schemas.py": ('from pydantic import BaseModel, Field\nfrom marshmallow import fields\nfrom marshmallow.validate import Length\n\n\n'
                   'class S(BaseModel):\n    body: str = Field(max_length=5)\n\n\nclass M:\n'
                   '    body = fields.String(validate=Length(max=5))\n\n\n'
                   'SCHEMA = {"body" : {"type": "string", "maxLength": 5}}\n'),
}


def _corpus() -> list[tuple[str, bytes]]:
    root = Path(__file__).resolve().parent.parent
    files = [(str(path), path.read_bytes()) for path in sorted((root / "fixtures").rglob("*.py"))]
    files += [(str(path), path.read_bytes()) for path in sorted((root / "sqla_fix").rglob("*.py"))]
    # real code that is not about models: the top-level modules of the standard library, up to 40 kB
    standard = Path(sysconfig.get_paths()["stdlib"])
    files += [(str(path), path.read_bytes()) for path in sorted(standard.glob("*.py")) if path.stat().st_size < 40_000]
    return files + [(name, text.encode()) for name, text in TRICKY.items()]


def test_the_byte_forms_keep_every_file_whose_facts_name_them():
    """A relationship or length-limited name is looked for in narrower forms than its bare spelling
    (`obj.post`, `"body":`); every fact the readers find for such a name, in every fixture, in sqla-fix's
    own code and in the awkward spellings above, is in a file those forms keep, and a file kept for its
    lengths only has the same length evidence as a full read."""
    uses = slices = 0
    tricky_with_facts = set()
    for name, data in _corpus():
        facts = usage._read_content(data, Path(name))
        if facts is None:
            continue
        if name in TRICKY and (facts.uses or facts.slices):
            tricky_with_facts.add(name)
        for use in facts.uses:
            if use.kind != SQL:  # SQL text never counts for a relationship
                patterns = usage._patterns_of((), {use.attr}, (), (), (), None)
                assert patterns.wanted(data) == usage.FULL, (name, use)
                uses += 1
        for attribute, line, text in facts.slices:
            patterns = usage._patterns_of((), (), {attribute}, (), (), None)
            depth = patterns.wanted(data)
            assert depth in (usage.FULL, usage.LENGTHS), (name, attribute, line, text)
            if depth == usage.LENGTHS:
                alone = usage._read_content(data, Path(name), lengths_only=True)
                assert [s for s in alone.slices if s[0] == attribute] == [s for s in facts.slices if s[0] == attribute]
            slices += 1
    assert tricky_with_facts == set(TRICKY)
    assert uses > 1000 and slices > 15, (uses, slices)


@pytest.mark.parametrize("code, relationships, lengths", [
    ('"""The author of the book, and its owner."""\n# author: who wrote it\n', {"author", "owner"}, ()),
    ("def warn(message=None):\n    return message\n", (), {"message"}),  # no value is cut: no length evidence
    ("authority = 1\nx.authors = []\n", {"author"}, {"author"}),
])
def test_the_byte_forms_skip_prose_and_other_names(code, relationships, lengths):
    assert usage._patterns_of((), relationships, lengths, (), (), None).wanted(code.encode()) is None


def test_a_name_holding_a_plain_name_is_looked_for_everywhere():
    """`team` is a key's name (plain): `old_team` must not hide it behind a narrower form."""
    patterns = usage._patterns_of({"team"}, {"old_team"}, (), (), (), None)
    assert patterns.wanted(b"x = old_team\n") == usage.FULL
