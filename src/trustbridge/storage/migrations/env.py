"""Alembic environment: the tables of every service, on the connection trustbridge hands in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import create_engine

from trustbridge.s4.models import S4Base
from trustbridge.storage.types import UTCDateTime
from trustbridge.subaccount.models import SubaccountBase

target_metadata = [SubaccountBase.metadata, S4Base.metadata]


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations store UTC datetimes as plain timezone-aware DateTime columns."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or pass a connection")
        with create_engine(url).begin() as conn:
            context.configure(
                connection=conn,
                target_metadata=target_metadata,
                render_as_batch=True,
                render_item=render_item,
            )
            context.run_migrations()
        return
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True, render_item=render_item
    )
    context.run_migrations()


run_migrations_online()
