"""Seed step 1 and the destination: the Destinations list and the *Destination Configuration* editor.

- ``GET /cockpit/destinations`` — toolbar (New Destination, Download Trust), the table, per row Edit,
  Check Connection, Delete (``POST …/{name}/delete``);
- ``GET|POST /cockpit/destinations/new`` and ``GET|POST /cockpit/destinations/{name}`` — the editor. A POST
  carries the pressed button: ``action=apply`` (Authentication changed), ``action=new_property``,
  ``remove_property=<row>`` re-render the form; anything else saves through ``create_destination`` /
  ``update_destination`` in one transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trustbridge.errors import DomainError, ValidationFailed
from trustbridge.subaccount import destinations
from trustbridge.subaccount.cockpit.destination_form import (
    KNOWN_PROPERTIES,
    DestinationDraft,
    draft_from_form,
    draft_from_properties,
)
from trustbridge.subaccount.cockpit.support import context_of, in_transaction, reading
from trustbridge.subaccount.destination_rules import DEFAULT_AUTHENTICATION, DEFAULT_PROXY_TYPE
from trustbridge.subaccount.destination_secrets import is_secret
from trustbridge.subaccount.listing import ListQuery
from trustbridge.web.forms import FormState, read_form, text
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

EDITOR_TITLE = "Destination Configuration"


def destinations_router(pages: Pages) -> APIRouter:
    router = pages.router("/destinations")

    async def render_list(request: Request, state: FormState | None = None, status_code: int = 200) -> Response:
        page = await reading(request, lambda session: destinations.list_destinations(session, ListQuery()))
        rows = [
            {
                "name": record.name,
                "type": record.properties.get("Type", ""),
                "authentication": record.properties.get("Authentication", DEFAULT_AUTHENTICATION),
                "proxy_type": record.properties.get("ProxyType", DEFAULT_PROXY_TYPE),
                "url": record.properties.get("URL", ""),
            }
            for record in page.items
        ]
        return pages.render(
            request, "destinations.html", status_code=status_code, state=state, title="Destinations", rows=rows
        )

    async def render_editor(
        request: Request,
        draft: DestinationDraft,
        *,
        name: str | None,
        state: FormState | None = None,
        status_code: int = 200,
    ) -> Response:
        stored: set[str] = set()
        if name is not None:
            try:
                stored = set(await reading(request, lambda session: _stored_secret_names(request, session, name)))
            except DomainError:
                stored = set()
        form = state or FormState()
        form.values = draft.shown_values()
        return pages.render(
            request,
            "destination_form.html",
            status_code=status_code,
            state=form,
            title=EDITOR_TITLE,
            draft=draft,
            editing=name,
            action=pages.url("/destinations/" + (segment(name) if name is not None else "new")),
            stored_secrets=stored,
            known_properties=KNOWN_PROPERTIES,
        )

    async def submit(request: Request, name: str | None) -> Response:
        form = await read_form(request)
        draft = draft_from_form(form)
        if name is not None:
            draft.values["Name"] = name  # the name of a destination cannot be changed
        if _rerender(form, draft):
            return await render_editor(request, draft, name=name)
        box = context_of(request).box

        def save(session: Session) -> str:
            stored = destinations.get_destination_with_secrets(session, box, name) if name is not None else None
            properties, problems = draft.properties(stored)
            try:
                if name is None:
                    record = destinations.create_destination(session, box, properties)
                else:
                    record = destinations.update_destination(session, box, properties)
            except DomainError as error:
                if problems:
                    raise ValidationFailed(error.message, problems + error.errors) from error
                raise
            if problems:  # the form's own problems: nothing is saved
                raise ValidationFailed(problems[0].message, problems)
            return record.name

        try:
            saved = await in_transaction(request, save)
        except DomainError as error:
            state = FormState()
            state.add_domain_error(error, draft.error_targets(), draft.error_aliases())
            return await render_editor(request, draft, name=name, state=state, status_code=error.status)
        flash(request, f"Destination {saved} {'created' if name is None else 'saved'}")
        return pages.redirect(pages.url(f"/destinations/{segment(saved)}"))

    @router.get("")
    async def list_page(request: Request) -> Response:
        return await render_list(request)

    @router.get("/new")
    async def new_page(request: Request) -> Response:
        return await render_editor(request, DestinationDraft(), name=None)

    @router.post("/new")
    async def create(request: Request) -> Response:
        return await submit(request, None)

    @router.get("/{name}")
    async def edit_page(request: Request, name: str) -> Response:
        box = context_of(request).box
        try:
            properties = await reading(
                request, lambda session: destinations.get_destination_with_secrets(session, box, name)
            )
        except DomainError as error:
            return pages.render(
                request, "error.html", status_code=error.status, title=EDITOR_TITLE, message=error.message
            )
        return await render_editor(request, draft_from_properties(properties), name=name)

    @router.post("/{name}")
    async def update(request: Request, name: str) -> Response:
        return await submit(request, name)

    @router.post("/{name}/delete")
    async def delete(request: Request, name: str) -> Response:
        await read_form(request)
        try:
            await in_transaction(request, lambda session: destinations.delete_destination(session, name))
        except DomainError as error:
            state = FormState()
            state.add_domain_error(error, ())
            return await render_list(request, state, error.status)
        flash(request, f"Destination {name} deleted")
        return pages.redirect(pages.url("/destinations"))

    return router


def _stored_secret_names(request: Request, session: Session, name: str) -> list[str]:
    stored = destinations.get_destination_with_secrets(session, context_of(request).box, name)
    return [key for key, value in stored.items() if is_secret(key) and value]


def _rerender(form: FormData, draft: DestinationDraft) -> bool:
    """Apply a non-saving button to ``draft``; ``True`` when it was one (the form is shown again)."""
    remove = text(form, "remove_property")
    if remove:
        if remove.isdigit():
            draft.remove_row(int(remove))
        return True
    action = text(form, "action")
    if action == "new_property":
        draft.add_row()
        return True
    if action == "apply":
        draft.adopt_rows()
        return True
    return False
