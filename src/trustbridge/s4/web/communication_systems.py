"""*Communication Systems* (seed steps 4–13): the list, *New*, and the system page that edits one draft.

The system page is one multipart form (docs/web.md, "Drafts"). Every button posts the whole draft back;
*Save* applies it in one committed transaction, every other button (*Upload Signing Certificate*, ``+``, *OK*,
*Remove*) applies it in a transaction that is rolled back, so the page shows the domain's verdict at once while
nothing is stored until *Save*.
"""

from __future__ import annotations

from functools import partial
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trustbridge.errors import DomainError, NotFound
from trustbridge.pki.certificates import MAX_UPLOAD_BYTES
from trustbridge.s4 import communication_systems as systems
from trustbridge.s4.codes import AUTHENTICATION_METHODS, USER_ID_MAPPING_MODES
from trustbridge.s4.web.common import delete_and_go, not_found, status_of
from trustbridge.s4.web.drafts import commit, preview, read, transact
from trustbridge.s4.web.system_draft import (
    DEFAULT_INBOUND_METHOD,
    DraftResult,
    InboundEntry,
    SystemDraft,
    apply_draft,
    draft_from_form,
    draft_from_view,
)
from trustbridge.storage import Database
from trustbridge.web.forms import FormState, read_form, text, upload
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

NEW_FIELDS: Final = ("system_id", "system_name")
PAGE_FIELDS: Final = (
    "system_name",
    "host_name",
    "oauth2_idp_enabled",
    "signing_certificate",
    "user_id_mapping_mode",
    "saml_issuer",
    "inbound_users",
    "inbound_user_name",
    "inbound_authentication_method",
)
PANEL_FIELDS: Final = ("inbound_user_name", "inbound_authentication_method")
NO_FILE: Final = "Choose the certificate file to upload (the subaccount's Download Trust file)"
TOO_LARGE: Final = f"The file is larger than {MAX_UPLOAD_BYTES} bytes; a signing certificate is much smaller"


def _remove_index(action: str) -> int | None:
    _, _, number = action.partition(":")
    return int(number) if number.isdigit() else None


async def _uploaded(form: FormData, action: str, state: FormState) -> bytes | None:
    """The chosen certificate file (any button takes it along); page-level errors go to ``state``."""
    file = upload(form, "signing_certificate")
    if file is None:
        if action == "upload":
            state.add_error("signing_certificate", NO_FILE)
        return None
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        state.add_error("signing_certificate", TOO_LARGE)
        return None
    return data


def communication_systems_router(pages: Pages, db: Database) -> APIRouter:
    router = pages.router("/communication-systems")

    @router.get("")
    async def list_systems(request: Request) -> Response:
        views = await read(db, systems.list_systems)
        return pages.render(request, "communication_systems.html", title="Communication Systems", systems=views)

    @router.get("/new")
    async def new_system(request: Request) -> Response:
        return pages.render(request, "communication_system_new.html", title="New Communication System")

    @router.post("/new")
    async def create_system(request: Request) -> Response:
        form = await read_form(request)
        system_id, system_name = text(form, "system_id"), text(form, "system_name")
        try:
            view = await commit(db, lambda s: systems.create_system(s, system_id=system_id, system_name=system_name))
        except DomainError as error:
            state = FormState(values={"system_id": system_id, "system_name": system_name})
            state.add_domain_error(error, NEW_FIELDS)
            return pages.render(
                request,
                "communication_system_new.html",
                status_code=status_of([error]),
                state=state,
                title="New Communication System",
            )
        flash(request, f"Communication system {view.system_id} created")
        return pages.redirect(pages.url(f"/communication-systems/{segment(view.system_id)}"))

    def render(
        request: Request,
        draft: SystemDraft,
        result: DraftResult,
        state: FormState,
        panel: InboundEntry | None,
        status_code: int,
    ) -> Response:
        view = result.view
        issuer = draft.saml_issuer if draft.saml_issuer is not None else (view.suggested_saml_issuer or "")
        state.values.update(
            system_name=draft.system_name,
            host_name=draft.host_name,
            user_id_mapping_mode=draft.user_id_mapping_mode,
            saml_issuer=issuer,
        )
        if panel is not None:
            state.values.update(
                inbound_user_name=panel.user_name, inbound_authentication_method=panel.authentication_method
            )
        return pages.render(
            request,
            "communication_system.html",
            status_code=status_code,
            state=state,
            title=view.system_id,
            system=view,
            oauth2_idp_enabled=draft.oauth2_idp_enabled,
            pending_certificate=result.pending_certificate,
            panel_open=panel is not None,
            user_choices=[("", "Select a user")] + [(u.user_name, u.user_name) for u in result.user_choices],
            method_choices=list(AUTHENTICATION_METHODS.items()),
            method_labels=AUTHENTICATION_METHODS,
            mode_choices=list(USER_ID_MAPPING_MODES.items()),
        )

    @router.post("/{system_id}/delete")
    async def delete_system(request: Request, system_id: str) -> Response:
        """Delete the system; refused (with the domain's reason, e.g. an arrangement still uses it) on its page."""
        return await delete_and_go(
            request,
            pages,
            db,
            lambda s: systems.delete_system(s, system_id),
            deleted=f"Communication system {system_id} deleted",
            object_page=f"/communication-systems/{segment(system_id)}",
            list_page="/communication-systems",
        )

    @router.get("/{system_id}")
    async def show_system(request: Request, system_id: str) -> Response:
        def start(session: Session) -> tuple[SystemDraft, DraftResult]:
            draft = draft_from_view(systems.get_system(session, system_id))
            return draft, apply_draft(session, system_id, draft)

        try:
            draft, result = await preview(db, start)
        except NotFound as error:
            return not_found(pages, request, error)
        state = FormState()
        for problem in result.problems:
            state.add_domain_error(problem.error, PAGE_FIELDS, problem.aliases)
        return render(request, draft, result, state, None, 200)

    @router.post("/{system_id}")
    async def edit_system(request: Request, system_id: str) -> Response:
        form = await read_form(request)
        action = text(form, "action")
        draft = draft_from_form(form)
        state = FormState()
        panel: InboundEntry | None = None
        data = await _uploaded(form, action, state)
        if action == "add":
            draft = draft.with_entry(
                InboundEntry(text(form, "inbound_user_name"), text(form, "inbound_authentication_method"))
            )
        elif action.startswith("remove:") and (index := _remove_index(action)) is not None:
            draft = draft.without_entry(index)
        elif action == "open":
            panel = InboundEntry("", DEFAULT_INBOUND_METHOD)
        work = partial(apply_draft, system_id=system_id, draft=draft, upload=data)
        saving = action == "save" and not state.has_errors
        try:
            if saving:
                result = await transact(db, work, keep=lambda r: not r.problems)
            else:
                result = await preview(db, work)
        except NotFound as error:
            return not_found(pages, request, error)
        if saving and not result.problems:
            flash(request, f"Communication system {result.view.system_id} saved")
            return pages.redirect(pages.url(f"/communication-systems/{segment(result.view.system_id)}"))
        for problem in result.problems:
            state.add_domain_error(problem.error, PAGE_FIELDS, problem.aliases)
            if problem.refused_add is not None and panel is None:
                panel = problem.refused_add
        if panel is None and any(name in state.errors for name in PANEL_FIELDS):
            panel = InboundEntry(text(form, "inbound_user_name"), text(form, "inbound_authentication_method"))
        status_code = status_of(p.error for p in result.problems) if state.has_errors else 200
        return render(request, draft, result, state, panel, status_code)

    return router
