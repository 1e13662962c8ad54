"""The S/4 tenant's FastAPI application: ``/healthz`` open, every ``/api`` route behind admin HTTP Basic, the
web apps under ``/ui`` behind a sign-in page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from trustbridge.config import Settings
from trustbridge.s4.api import (
    routes_business,
    routes_communication_arrangements,
    routes_communication_systems,
    routes_communication_users,
    routes_tenant,
)
from trustbridge.s4.api.auth import admin_guard
from trustbridge.s4.api.exceptions import install_exception_handlers
from trustbridge.s4.api.routes_inbound_services import inbound_services_router
from trustbridge.s4.api.routes_token import token_router
from trustbridge.s4.web.app import install_web
from trustbridge.storage import Database

_ROUTERS: tuple[APIRouter, ...] = (
    routes_tenant.router,
    routes_communication_users.router,
    routes_communication_systems.router,
    routes_communication_arrangements.router,
    routes_business.router,
)


def create_app(db: Database, settings: Settings) -> FastAPI:
    """The tenant's admin API on ``db`` (migrated, bootstrapped with :func:`trustbridge.s4.tenant.bootstrap`)."""
    app = FastAPI(title="trustbridge S/4HANA Cloud tenant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.settings = settings
    install_exception_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app.include_router(token_router(db))
    app.include_router(inbound_services_router(db))

    guard = Depends(admin_guard(db))
    for router in _ROUTERS:
        app.include_router(router, prefix="/api", dependencies=[guard])
    install_web(app, db, settings)
    return app
