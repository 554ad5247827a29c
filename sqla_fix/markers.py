"""The bytes scan that decides whether a file is worth parsing at all (imports nothing: the hook's fast path)."""

from __future__ import annotations

import re

# A file that mentions none of these cannot define SQLAlchemy models: it is not even parsed.
MARKERS = (b"sqlalchemy", b"sqlmodel")
FLASK_HINTS = (b".Model", b".Column(", b".relationship(", b".Table(")


def may_define_models(source: bytes) -> bool:
    """Cheap test on the bytes: can this file declare models at all? Most files are never parsed."""
    if any(marker in source for marker in MARKERS):
        return True
    # Flask-SQLAlchemy models whose `db` comes from another module never mention SQLAlchemy: these
    # spellings only decide what is worth parsing; what the names mean is resolved through imports.
    return b"import" in source and any(hint in source for hint in FLASK_HINTS)


# `db = SessionLocal()`, `session = Session(engine)`, `s = sa.orm.Session(bind=e)`, `s = sessionmaker(e)()`,
# `db: Session = get_session()`: a name bound to a call of a name that says "session" (the names projects
# give their factories and sessions), at any indentation. Only what is worth parsing for SQF015: what the
# called name is, is resolved through imports, and most names that pass are no factory.
_OPENS_SESSION = re.compile(rb"^[ \t]*\w+(?:[ \t]*:[^=\n]*)?[ \t]*=[ \t]*[\w.]*[Ss]ession\w*[ \t]*\(", re.MULTILINE)


def may_open_sessions(source: bytes) -> bool:
    """Cheap test on the bytes: can this file open a SQLAlchemy session (SQF015)? A file that does not
    mention "ession" at all (most of a tree) is not even searched. A factory whose name does not say
    "session" (`Maker = sessionmaker()`), called in a file that never says it, is not looked for."""
    return b"ession" in source and _OPENS_SESSION.search(source) is not None
