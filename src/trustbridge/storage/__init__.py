"""Persistence: one SQLAlchemy engine per landscape, one transaction per write, Alembic migrations."""

from trustbridge.storage.database import Database

__all__ = ["Database"]
