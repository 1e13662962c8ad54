"""Small helpers every S/4 page module shares: form values, error pages, status codes, Delete."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trustbridge.errors import DomainError, NotFound
from trustbridge.s4.web.drafts import commit
from trustbridge.storage import Database
from trustbridge.web.forms import read_form
from trustbridge.web.pages import Pages
from trustbridge.web.sessions import flash


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


async def delete_and_go(
    request: Request,
    pages: Pages,
    db: Database,
    work: Callable[[Session], None],
    *,
    deleted: str,
    object_page: str,
    list_page: str,
) -> Response:
    """A Delete button's POST: delete and go to the list with ``deleted`` as message; a refusal (the object is
    still in use) goes back to the object's page with the domain's reason; an unknown object is a 404 page."""
    await read_form(request)
    try:
        await commit(db, work)
    except NotFound as error:
        return not_found(pages, request, error)
    except DomainError as error:
        flash(request, error.message, "error")
        return pages.redirect(pages.url(object_page))
    flash(request, deleted)
    return pages.redirect(pages.url(list_page))
