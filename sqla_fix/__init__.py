"""sqla-fix: fix SQLAlchemy models the way a database engineer would."""

__version__ = "0.1.0"
