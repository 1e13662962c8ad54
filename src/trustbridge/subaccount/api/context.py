"""What every request handler needs: the database, the settings and the at-rest encryption key."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database


@dataclass(frozen=True)
class ServiceContext:
    db: Database
    settings: Settings
    box: SecretBox


def get_context(request: Request) -> ServiceContext:
    """FastAPI dependency: the context ``create_app`` stored on the application."""
    context = request.app.state.context
    if not isinstance(context, ServiceContext):
        raise RuntimeError("the application was not created by trustbridge.subaccount.api.app.create_app")
    return context
