"""Mount the subaccount cockpit under ``/cockpit`` on the subaccount's FastAPI application."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from trustbridge.security.admin import check_admin
from trustbridge.subaccount.api.context import ServiceContext
from trustbridge.subaccount.cockpit.check import check_router
from trustbridge.subaccount.cockpit.connection_check import ConnectionCheck
from trustbridge.subaccount.cockpit.destinations import destinations_router
from trustbridge.subaccount.cockpit.trust import trust_router
from trustbridge.subaccount.cockpit.users import users_router
from trustbridge.subaccount.models import SubaccountAdmin
from trustbridge.web.login import login_router
from trustbridge.web.pages import NavItem, Pages
from trustbridge.web.sessions import install_sessions

PREFIX = "/cockpit"
NAV = (
    NavItem("Destinations", "/destinations"),
    NavItem("Trust Certificates", "/trust"),
    NavItem("Users", "/users"),
)


def install_cockpit(app: FastAPI, context: ServiceContext, connection_check: ConnectionCheck | None = None) -> Pages:
    """Sessions, sign-in and the cockpit's pages. ``connection_check`` powers *Check Connection*; it can also be
    set later on ``app.state.connection_check`` (``trustbridge up`` does, once both services exist)."""
    pages = Pages(package="trustbridge.subaccount.cockpit", prefix=PREFIX, product="SAP BTP Cockpit", nav=NAV)
    install_sessions(app, secret=context.box.derive("cockpit session"), cookie_name="cockpit_session", prefix=PREFIX)
    pages.install(app)
    app.state.connection_check = connection_check

    def check(username: str, password: str) -> bool:
        with context.db.read() as session:
            return check_admin(session, SubaccountAdmin, username, password)

    app.include_router(login_router(pages, check))
    app.include_router(destinations_router(pages))
    app.include_router(check_router(pages))
    app.include_router(trust_router(pages))
    app.include_router(users_router(pages))

    @app.get(PREFIX, include_in_schema=False)
    @app.get(PREFIX + "/", include_in_schema=False)
    async def home(request: Request, user: str = Depends(pages.require_user)) -> Response:
        return pages.redirect(pages.url("/destinations"))

    return pages
