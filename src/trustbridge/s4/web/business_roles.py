"""*Maintain Business Roles*: list, New, edit (*Save*), Delete; catalogs as one checkbox per business catalog."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trustbridge.errors import DomainError, NotFound
from trustbridge.s4 import business_roles as roles
from trustbridge.s4.catalog import list_catalogs
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.web.common import not_found, status_of
from trustbridge.s4.web.drafts import commit, read
from trustbridge.storage import Database
from trustbridge.web.forms import FormState, read_form, text, texts
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

FIELDS: Final = ("role_id", "name", "catalogs")


def business_roles_router(pages: Pages, db: Database) -> APIRouter:
    router = pages.router("/business-roles")

    def form_page(
        request: Request, state: FormState, selected: list[str], *, role: str | None, status_code: int = 200
    ) -> Response:
        return pages.render(
            request,
            "business_role.html",
            status_code=status_code,
            state=state,
            title=role or "New Business Role",
            role_id=role,
            catalog_choices=[(c.catalog_id, f"{c.name} ({c.catalog_id})") for c in list_catalogs()],
            selected=[c.upper() for c in selected],
        )

    @router.get("")
    async def list_roles(request: Request) -> Response:
        views = await read(db, roles.list_roles)
        return pages.render(request, "business_roles.html", title="Maintain Business Roles", roles=views)

    @router.get("/new")
    async def new_role(request: Request) -> Response:
        return form_page(request, FormState(), [], role=None)

    @router.post("/new")
    async def create_role(request: Request) -> Response:
        form = await read_form(request)
        role_id, name, catalogs = text(form, "role_id"), text(form, "name"), texts(form, "catalogs")
        try:
            view = await commit(db, lambda s: roles.create_role(s, role_id=role_id, name=name, catalogs=catalogs))
        except DomainError as error:
            state = FormState(values={"role_id": role_id, "name": name})
            state.add_domain_error(error, FIELDS)
            return form_page(request, state, catalogs, role=None, status_code=status_of([error]))
        flash(request, f"Business role {view.role_id} created")
        return pages.redirect(pages.url(f"/business-roles/{segment(view.role_id)}"))

    @router.get("/{role_id}")
    async def show_role(request: Request, role_id: str) -> Response:
        try:
            view = await read(db, lambda s: roles.get_role(s, role_id))
        except NotFound as error:
            return not_found(pages, request, error)
        state = FormState(values={"role_id": view.role_id, "name": view.name})
        return form_page(request, state, list(view.catalogs), role=view.role_id)

    @router.post("/{role_id}")
    async def save_role(request: Request, role_id: str) -> Response:
        form = await read_form(request)
        name, catalogs = text(form, "name"), texts(form, "catalogs")
        try:
            view = await commit(db, lambda s: roles.replace_role(s, role_id, name=name, catalogs=catalogs))
        except NotFound as error:
            return not_found(pages, request, error)
        except DomainError as error:
            state = FormState(values={"role_id": normalise_upper(role_id), "name": name})
            state.add_domain_error(error, FIELDS)
            return form_page(request, state, catalogs, role=normalise_upper(role_id), status_code=status_of([error]))
        flash(request, f"Business role {view.role_id} saved")
        return pages.redirect(pages.url(f"/business-roles/{segment(view.role_id)}"))

    @router.post("/{role_id}/delete")
    async def delete_role(request: Request, role_id: str) -> Response:
        await read_form(request)
        try:
            await commit(db, lambda s: roles.delete_role(s, role_id))
        except NotFound as error:
            return not_found(pages, request, error)
        except DomainError as error:
            view = await read(db, lambda s: roles.get_role(s, role_id))
            state = FormState(values={"role_id": view.role_id, "name": view.name})
            state.add_domain_error(error, ())
            return form_page(request, state, list(view.catalogs), role=view.role_id, status_code=status_of([error]))
        flash(request, f"Business role {normalise_upper(role_id)} deleted")
        return pages.redirect(pages.url("/business-roles"))

    return router
