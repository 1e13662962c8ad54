"""One service's set of pages: templates, the shell (title, navigation), rendering with security headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from trustbridge.web.csrf import CSRF_FIELD, CsrfFailed, csrf_token
from trustbridge.web.forms import GENERAL, FormState
from trustbridge.web.sessions import signed_in_user, take_flashes

#: What every page answers with: our own scripts and styles only, no framing, forms post to us only.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str


def segment(name: str) -> str:
    """An object name as one URL path segment (``/`` and every other reserved character escaped); also the
    templates' ``segment`` filter, so that a name never escapes its place in a link."""
    return quote(name, safe="")


def safe_next(path: str | None, prefix: str) -> str:
    """``path`` when it is a page of ours (no open redirect), else the start page."""
    if path and path.startswith(prefix + "/") and not path.startswith("//") and "\\" not in path and "\n" not in path:
        return path
    return prefix + "/"


class Pages:
    """Renders a service's templates (its own package first, then the shared ones) under ``prefix``."""

    def __init__(self, *, package: str, prefix: str, product: str, nav: Sequence[NavItem]) -> None:
        self.prefix = prefix
        self.product = product
        self.nav = tuple(nav)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [jinja2.PackageLoader(package, "templates"), jinja2.PackageLoader("trustbridge.web", "templates")]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["segment"] = segment

    def install(self, app: FastAPI) -> None:
        """Static files and the handlers that turn page exceptions into pages."""
        static = StaticFiles(packages=[("trustbridge.web", "static")])
        app.mount(f"{self.prefix}/static", static, name=f"{self.prefix}-static")

        @app.exception_handler(LoginRequired)
        async def to_login(request: Request, exc: LoginRequired) -> Response:
            return self.redirect(f"{self.prefix}/login?next={quote(exc.next_path, safe='/')}")

        @app.exception_handler(CsrfFailed)
        async def refused(request: Request, exc: CsrfFailed) -> Response:
            return self.render(request, "error.html", status_code=403, title="Request refused", message=str(exc))

    def url(self, path: str = "") -> str:
        return f"{self.prefix}{path}"

    def router(self, path: str) -> APIRouter:
        """A router for the pages under ``prefix + path``, every route behind the sign-in."""
        return APIRouter(prefix=self.url(path), include_in_schema=False, dependencies=[Depends(self.require_user)])

    def require_user(self, request: Request) -> str:
        """FastAPI dependency: the signed-in user, or a redirect to the login page."""
        user = signed_in_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target if request.method == "GET" else self.prefix + "/")
        return user

    def render(
        self, request: Request, template: str, *, status_code: int = 200, state: FormState | None = None, **context: Any
    ) -> HTMLResponse:
        form = state or FormState()
        body = self.env.get_template(template).render(
            request=request,
            prefix=self.prefix,
            product=self.product,
            nav=self.nav,
            user=signed_in_user(request),
            csrf_field=CSRF_FIELD,
            csrf_token=csrf_token(request),
            flashes=take_flashes(request),
            values=form.values,
            errors=form.errors,
            general_errors=form.errors.get(GENERAL, []),
            **context,
        )
        return HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)

    def redirect(self, location: str) -> RedirectResponse:
        return RedirectResponse(location, status_code=303, headers=SECURITY_HEADERS)
