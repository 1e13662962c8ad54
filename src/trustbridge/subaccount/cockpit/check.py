"""*Check Connection* of a destination: runs the injected check (``trustbridge doctor``) for a chosen user.

``GET /cockpit/destinations/{name}/check`` shows the User select; ``POST`` runs
``request.app.state.connection_check(name, login)`` and shows a summary and the ✓/✗/– list. Without an
installed check (the service alone holds no S/4 credentials) the page says that it needs ``trustbridge up``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from trustbridge.errors import DomainError
from trustbridge.subaccount import destinations, users
from trustbridge.subaccount.cockpit.connection_check import CheckLine, ConnectionCheck
from trustbridge.subaccount.cockpit.support import reading
from trustbridge.web.forms import GENERAL, FormState, read_form, text
from trustbridge.web.pages import Pages

NEEDS_LANDSCAPE = (
    "Check Connection needs the local landscape: it runs 'trustbridge doctor', which only 'trustbridge up' can "
    "install (the subaccount alone cannot read the S/4 tenant). Start the landscape with 'trustbridge up', or "
    "run 'trustbridge doctor' yourself."
)
TITLE = "Check Connection"

log = logging.getLogger("trustbridge.subaccount.cockpit")


def installed_check(request: Request) -> ConnectionCheck | None:
    check: ConnectionCheck | None = getattr(request.app.state, "connection_check", None)
    return check


def summary(name: str, lines: Sequence[CheckLine]) -> str:
    failed = [line for line in lines if line.status == "fail"]
    if not failed:
        return f"Connection to {name} established"
    return f"Connection to {name} failed: {len(failed)} problem(s), first: {failed[0].title}"


def check_router(pages: Pages) -> APIRouter:
    router = pages.router("/destinations")

    def logins_of(name: str, session: Session) -> list[str]:
        destinations.get_destination(session, name)  # NotFound for an unknown destination
        return [user.login for user in users.list_users(session)]

    async def render(
        request: Request,
        name: str,
        *,
        state: FormState | None = None,
        status_code: int = 200,
        lines: Sequence[CheckLine] | None = None,
    ) -> Response:
        try:
            logins = await reading(request, lambda session: logins_of(name, session))
        except DomainError as error:
            return pages.render(request, "error.html", status_code=error.status, title=TITLE, message=error.message)
        return pages.render(
            request,
            "check.html",
            status_code=status_code,
            state=state,
            title=TITLE,
            name=name,
            user_choices=[(login, login) for login in logins],
            available=installed_check(request) is not None,
            needs_landscape=NEEDS_LANDSCAPE,
            lines=lines,
            summary=summary(name, lines) if lines is not None else "",
            passed=lines is not None and all(line.status != "fail" for line in lines),
        )

    @router.get("/{name}/check")
    async def check_page(request: Request, name: str) -> Response:
        return await render(request, name)

    @router.post("/{name}/check")
    async def run_check(request: Request, name: str) -> Response:
        form = await read_form(request)
        login = text(form, "user")
        state = FormState(values={"user": login})
        check = installed_check(request)
        if check is None:
            return await render(request, name, state=state, status_code=503)
        if not login:
            state.add_error("user", "Choose the user whose connection to check")
            return await render(request, name, state=state, status_code=422)
        try:
            lines = list(await check(name, login))
        except Exception as exc:  # the check talks to both services: report, do not crash the page
            log.exception("Check Connection of %s for %s failed", name, login)
            state.add_error(GENERAL, f"The check could not run: {type(exc).__name__}: {exc}")
            return await render(request, name, state=state, status_code=502)
        return await render(request, name, state=state, lines=lines)

    return router
