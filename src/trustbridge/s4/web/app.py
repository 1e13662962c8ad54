"""Mount the S/4 tenant's web apps under ``/ui`` on the tenant's FastAPI application."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.s4.models import S4Admin
from trustbridge.s4.web.business_roles import business_roles_router
from trustbridge.s4.web.business_users import business_users_router
from trustbridge.s4.web.communication_arrangements import communication_arrangements_router
from trustbridge.s4.web.communication_systems import communication_systems_router
from trustbridge.s4.web.communication_users import communication_users_router
from trustbridge.security.admin import check_admin
from trustbridge.storage import Database
from trustbridge.web.login import login_router
from trustbridge.web.pages import NavItem, Pages
from trustbridge.web.sessions import install_sessions

PREFIX = "/ui"
APPS = (
    NavItem("Maintain Communication Users", "/communication-users"),
    NavItem("Communication Systems", "/communication-systems"),
    NavItem("Communication Arrangements", "/communication-arrangements"),
    NavItem("Maintain Business Users", "/business-users"),
    NavItem("Maintain Business Roles", "/business-roles"),
)


def install_web(app: FastAPI, db: Database, settings: Settings) -> Pages:
    """Sessions, sign-in and every app's routes; returns the :class:`Pages` the routes render with."""
    pages = Pages(package="trustbridge.s4.web", prefix=PREFIX, product="SAP S/4HANA Cloud", nav=APPS)
    install_sessions(
        app, secret=SecretBox.from_settings(settings).derive("s4 web session"), cookie_name="s4_session", prefix=PREFIX
    )
    pages.install(app)

    def check(username: str, password: str) -> bool:
        with db.read() as session:
            return check_admin(session, S4Admin, username, password)

    app.include_router(login_router(pages, check))

    @app.get(PREFIX, include_in_schema=False)
    @app.get(PREFIX + "/", include_in_schema=False)
    async def launchpad(request: Request, user: str = Depends(pages.require_user)) -> Response:
        return pages.render(request, "launchpad.html", title="Home", apps=APPS)

    for router in (
        communication_users_router(pages, db),
        communication_systems_router(pages, db),
        communication_arrangements_router(pages, db),
        business_users_router(pages, db),
        business_roles_router(pages, db),
    ):
        app.include_router(router)

    return pages
