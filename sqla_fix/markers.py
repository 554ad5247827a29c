"""The bytes scan that decides whether a file is worth parsing at all (imports nothing: the hook's fast path)."""

from __future__ import annotations

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


def may_open_sessions(source: bytes) -> bool:
    """Cheap test on the bytes: can this file open a SQLAlchemy session (SQF015)? `Session(engine)`,
    `sessionmaker`, and the names projects give their factories (`SessionLocal`, `db_session`) all
    contain it; what a name means is resolved through imports, only for the files that pass."""
    return b"ession" in source
