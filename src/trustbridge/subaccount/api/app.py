"""The subaccount service as one ASGI application: ``create_app(db, settings)``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.api import destinations, extensions, oauth, trust, users
from trustbridge.subaccount.api.auth import (
    AdminBasicAuthenticator,
    Authentication,
    Authenticator,
    BearerTokenAuthenticator,
)
from trustbridge.subaccount.api.context import ServiceContext
from trustbridge.subaccount.api.exceptions import install_exception_handlers
from trustbridge.subaccount.api.find import router as find_router
from trustbridge.subaccount.cockpit.app import install_cockpit
from trustbridge.subaccount.cockpit.connection_check import ConnectionCheck


def create_app(
    db: Database,
    settings: Settings,
    *,
    authenticators: Sequence[Authenticator] | None = None,
    connection_check: ConnectionCheck | None = None,
) -> FastAPI:
    """The Destination service API (trust store, subaccount destinations), the extensions and ``/healthz``.

    ``authenticators`` defaults to the admin's HTTP Basic; later schemes (XSUAA bearer tokens) are added to
    the chain here. The cockpit's pages live under ``/cockpit``; ``connection_check`` powers its *Check
    Connection* (``trustbridge up`` sets one that runs the doctor).
    """
    app = FastAPI(title="trustbridge subaccount", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.context = ServiceContext(db, settings, SecretBox.from_settings(settings))
    app.state.authentication = Authentication(
        authenticators or [AdminBasicAuthenticator(db), BearerTokenAuthenticator(db)]
    )
    install_exception_handlers(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(trust.router)
    app.include_router(destinations.router)
    app.include_router(extensions.router)
    app.include_router(users.router)
    app.include_router(oauth.router_for(app.state.context))
    app.include_router(find_router)
    install_cockpit(app, app.state.context, connection_check)
    return app
