"""The sign-in page of a service: its admin's user name and password, argon2-checked."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from trustbridge.web.forms import FormState, read_form, text
from trustbridge.web.pages import Pages, safe_next
from trustbridge.web.sessions import end_session, signed_in_user, start_session
from trustbridge.web.throttle import LoginThrottle

WRONG_CREDENTIALS = "The user name or password is wrong"
USERNAME_MAX = 64  # the admin account's column; also bounds what the throttle keeps per attempt
PASSWORD_MAX = 1024  # argon2 takes any length; a bound keeps one request from costing more than a sign-in


def login_router(
    pages: Pages, check_credentials: Callable[[str, str], bool], throttle: LoginThrottle | None = None
) -> APIRouter:
    """``GET/POST {prefix}/login`` and ``POST {prefix}/logout``; ``check_credentials`` is sync (argon2).

    A run of wrong passwords locks that client out for that user name for a while (:class:`LoginThrottle`).
    """
    router = APIRouter(prefix=pages.prefix, include_in_schema=False)
    attempts = throttle or LoginThrottle()

    @router.get("/login")
    async def login_page(request: Request, next: str | None = None) -> Response:
        if signed_in_user(request) is not None:
            return pages.redirect(safe_next(next, pages.prefix))
        state = FormState(values={"next": safe_next(next, pages.prefix)})
        return pages.render(request, "login.html", state=state, title="Sign in")

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request)
        username, password = text(form, "username"), form.get("password")
        target = safe_next(text(form, "next"), pages.prefix)
        state = FormState(values={"username": username, "next": target})
        if not username:
            state.add_error("username", "Enter your user name")
        elif len(username) > USERNAME_MAX:
            state.values["username"] = ""
            state.add_error("username", f"A user name has at most {USERNAME_MAX} characters")
        if isinstance(password, str) and len(password) > PASSWORD_MAX:
            state.add_error("password", f"A password has at most {PASSWORD_MAX} characters")
        if not isinstance(password, str) or not password:
            state.add_error("password", "Enter your password")
        if state.has_errors:
            return pages.render(request, "login.html", status_code=422, state=state, title="Sign in")
        assert isinstance(password, str)
        client = request.client.host if request.client else "unknown"
        wait = attempts.retry_after(client, username)
        if wait:
            state.add_error("password", f"Too many wrong passwords; try again in {wait} seconds")
            response = pages.render(request, "login.html", status_code=429, state=state, title="Sign in")
            response.headers["Retry-After"] = str(wait)
            return response
        if await run_in_threadpool(check_credentials, username, password):
            attempts.succeeded(client, username)
            start_session(request, username)
            return pages.redirect(target)
        attempts.failed(client, username)
        state.add_error("password", WRONG_CREDENTIALS)
        return pages.render(request, "login.html", status_code=401, state=state, title="Sign in")

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await read_form(request)
        end_session(request)
        return pages.redirect(pages.url("/login"))

    return router
