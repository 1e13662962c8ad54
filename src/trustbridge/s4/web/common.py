"""Small helpers every S/4 page module shares: URL segments, form values, error pages and status codes."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from trustbridge.errors import DomainError
from trustbridge.web.pages import Pages


def segment(name: str) -> str:
    """An object name as one URL path segment (``/`` and every other reserved character escaped)."""
    return quote(name, safe="")


def exact(form: FormData, name: str) -> str | None:
    """A match key (SAML issuer, e-mail, Global User ID) exactly as typed; ``None`` when empty.

    Not stripped: the domain refuses padded values instead of silently changing what is compared.
    """
    value = form.get(name)
    return value if isinstance(value, str) and value != "" else None


def checked(form: FormData, name: str) -> bool:
    """A ``toggle`` switch: the hidden ``off`` always comes, ``on`` only when the box is ticked."""
    return "on" in form.getlist(name)


def status_of(errors: Iterable[DomainError]) -> int:
    """The status of a page re-rendered with errors: the first error's (422 validation, 409 conflict)."""
    return next((error.status for error in errors), 422)


def not_found(pages: Pages, request: Request, error: DomainError) -> HTMLResponse:
    return pages.render(request, "error.html", status_code=404, title="Not found", message=error.message)
