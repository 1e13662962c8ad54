"""*Communication Arrangements* (seed steps 14–19): list, New with the scenario value help, the arrangement
page (*Apply* a system, *Save*) and its *OAuth 2.0 Details*."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trustbridge.errors import DomainError, NotFound
from trustbridge.s4 import communication_arrangements as arrangements
from trustbridge.s4.catalog import get_scenario, search_scenarios
from trustbridge.s4.codes import AUTHENTICATION_METHODS
from trustbridge.s4.communication_arrangements import ArrangementChanges
from trustbridge.s4.web.arrangement_page import FIELDS, ArrangementPage, arrangement_page, protocol
from trustbridge.s4.web.common import delete_and_go, not_found, status_of
from trustbridge.s4.web.drafts import commit, preview, read, transact
from trustbridge.storage import Database
from trustbridge.web.forms import FormState, read_form, text
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

NEW_FIELDS: Final = ("scenario_id", "arrangement_name")
AUTOMATIC: Final = ("", "Fill automatically")


def communication_arrangements_router(pages: Pages, db: Database) -> APIRouter:
    router = pages.router("/communication-arrangements")

    def new_form(request: Request, state: FormState, status_code: int = 200) -> Response:
        return pages.render(
            request,
            "communication_arrangement_new.html",
            status_code=status_code,
            state=state,
            title="New Communication Arrangement",
        )

    @router.get("")
    async def list_arrangements(request: Request) -> Response:
        views = await read(db, arrangements.list_arrangements)
        return pages.render(
            request, "communication_arrangements.html", title="Communication Arrangements", arrangements=views
        )

    @router.get("/new")
    async def new_arrangement(request: Request, scenario_id: str = "", arrangement_name: str | None = None) -> Response:
        scenario = get_scenario(scenario_id) if scenario_id else None
        chosen = scenario.scenario_id if scenario else scenario_id.strip()
        proposed = arrangement_name if arrangement_name is not None else chosen
        return new_form(request, FormState(values={"scenario_id": chosen, "arrangement_name": proposed}))

    @router.get("/new/scenarios")
    async def scenario_value_help(request: Request, search: str = "") -> Response:
        return pages.render(
            request,
            "communication_scenarios.html",
            state=FormState(values={"search": search}),
            title="Select Communication Scenario",
            scenarios=search_scenarios(search),
        )

    @router.post("/new")
    async def create_arrangement(request: Request) -> Response:
        form = await read_form(request)
        scenario_id, name = text(form, "scenario_id"), text(form, "arrangement_name")
        try:
            view = await commit(
                db,
                lambda s: arrangements.create_arrangement(s, scenario_id=scenario_id, arrangement_name=name or None),
            )
        except DomainError as error:
            state = FormState(values={"scenario_id": scenario_id, "arrangement_name": name})
            state.add_domain_error(error, NEW_FIELDS)
            return new_form(request, state, status_of([error]))
        flash(request, f"Communication arrangement {view.arrangement_name} created")
        return pages.redirect(pages.url(f"/communication-arrangements/{segment(view.arrangement_name)}"))

    def render(request: Request, page: ArrangementPage, state: FormState, status_code: int = 200) -> Response:
        if page.error is None:
            state.values.update(
                communication_system=page.view.communication_system or "",
                inbound_user=page.view.inbound_user or "",
                authentication_method=page.view.authentication_method or "",
            )
        else:
            state.add_domain_error(page.error, FIELDS)
        return pages.render(
            request,
            "communication_arrangement.html",
            status_code=status_code,
            state=state,
            title=page.view.arrangement_name,
            page=page,
            arrangement=page.view,
            protocol=protocol,
            system_choices=[("", "Select a system"), *((s, s) for s in page.system_ids)],
            user_choices=[AUTOMATIC, *((u, u) for u in page.inbound_user_names)],
            method_choices=[AUTOMATIC, *AUTHENTICATION_METHODS.items()],
        )

    @router.post("/{name}/delete")
    async def delete_arrangement(request: Request, name: str) -> Response:
        return await delete_and_go(
            request,
            pages,
            db,
            lambda s: arrangements.delete_arrangement(s, name),
            deleted=f"Communication arrangement {name} deleted",
            object_page=f"/communication-arrangements/{segment(name)}",
            list_page="/communication-arrangements",
        )

    @router.get("/{name}")
    async def show_arrangement(request: Request, name: str) -> Response:
        try:
            page = await read(db, lambda s: arrangement_page(s, name))
        except NotFound as error:
            return not_found(pages, request, error)
        return render(request, page, FormState())

    @router.post("/{name}")
    async def edit_arrangement(request: Request, name: str) -> Response:
        form = await read_form(request)
        values = {field: text(form, field) for field in FIELDS}
        system = values["communication_system"] or None
        if text(form, "action") == "apply":
            changes = ArrangementChanges(communication_system=system, inbound_user=None, authentication_method=None)
        else:
            changes = ArrangementChanges(
                communication_system=system,
                inbound_user=values["inbound_user"] or None,
                authentication_method=values["authentication_method"] or None,
            )
        saving = text(form, "action") != "apply"
        try:
            if saving:
                page = await transact(
                    db, lambda s: arrangement_page(s, name, changes, system), keep=lambda p: p.error is None
                )
            else:
                page = await preview(db, lambda s: arrangement_page(s, name, changes, system))
        except NotFound as error:
            return not_found(pages, request, error)
        if saving and page.error is None:
            flash(request, f"Communication arrangement {page.view.arrangement_name} saved")
            return pages.redirect(pages.url(f"/communication-arrangements/{segment(page.view.arrangement_name)}"))
        state = FormState(values=values)
        return render(request, page, state, status_of([page.error]) if page.error else 200)

    @router.get("/{name}/oauth2-details")
    async def oauth2_details(request: Request, name: str) -> Response:
        try:
            details = await read(db, lambda s: arrangements.oauth2_details(s, name))
        except NotFound as error:
            return not_found(pages, request, error)
        return pages.render(request, "oauth2_details.html", title="OAuth 2.0 Details", name=name, details=details)

    return router
