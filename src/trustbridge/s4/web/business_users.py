"""*Maintain Business Users*: list, New, edit (*Save*), Delete; roles as one checkbox per business role."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from trustbridge.errors import DomainError, NotFound
from trustbridge.s4 import business_roles as roles
from trustbridge.s4 import business_users as users
from trustbridge.s4.business_users import BusinessUserChanges
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.views import BusinessUserView
from trustbridge.s4.web.common import delete_and_go, exact, not_found, status_of
from trustbridge.s4.web.drafts import commit, read
from trustbridge.storage import Database
from trustbridge.web.forms import FormState, read_form, text, texts
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

FIELDS: Final = ("user_name", "first_name", "last_name", "email", "global_user_id", "roles")


def _changes(form: FormData) -> BusinessUserChanges:
    return BusinessUserChanges(
        email=exact(form, "email"),
        global_user_id=exact(form, "global_user_id"),
        first_name=text(form, "first_name") or None,
        last_name=text(form, "last_name") or None,
        roles=[role for role in texts(form, "roles") if role],
    )


def _submitted(form: FormData) -> FormState:
    names = ("user_name", "first_name", "last_name")
    values = {name: text(form, name) for name in names}
    values.update(email=exact(form, "email") or "", global_user_id=exact(form, "global_user_id") or "")
    return FormState(values=values)


def _stored(view: BusinessUserView) -> FormState:
    return FormState(
        values={
            "user_name": view.user_name,
            "first_name": view.first_name or "",
            "last_name": view.last_name or "",
            "email": view.email or "",
            "global_user_id": view.global_user_id or "",
        }
    )


def business_users_router(pages: Pages, db: Database) -> APIRouter:
    router = pages.router("/business-users")

    async def form_page(
        request: Request,
        state: FormState,
        selected: list[str],
        *,
        saved: BusinessUserView | None,
        status_code: int = 200,
    ) -> Response:
        """The New form (``saved`` is ``None``) or the edit form of the saved user."""
        choices = await read(db, roles.list_roles)
        user = saved.user_name if saved else None
        return pages.render(
            request,
            "business_user.html",
            status_code=status_code,
            state=state,
            title=user or "New Business User",
            user_name=user,
            saved=saved,
            role_choices=[(r.role_id, f"{r.name} ({r.role_id})") for r in choices],
            selected=[normalise_upper(r) for r in selected],
        )

    @router.get("")
    async def list_users(request: Request) -> Response:
        views = await read(db, users.list_users)
        return pages.render(request, "business_users.html", title="Maintain Business Users", users=views)

    @router.get("/new")
    async def new_user(request: Request) -> Response:
        return await form_page(request, FormState(), [], saved=None)

    @router.post("/new")
    async def create_user(request: Request) -> Response:
        form = await read_form(request)
        name, changes = text(form, "user_name"), _changes(form)
        try:
            view = await commit(db, lambda s: users.create_user(s, user_name=name, changes=changes))
        except DomainError as error:
            state = _submitted(form)
            state.add_domain_error(error, FIELDS)
            return await form_page(request, state, texts(form, "roles"), saved=None, status_code=status_of([error]))
        flash(request, f"Business user {view.user_name} created")
        return pages.redirect(pages.url(f"/business-users/{segment(view.user_name)}"))

    @router.get("/{user_name}")
    async def show_user(request: Request, user_name: str) -> Response:
        try:
            view = await read(db, lambda s: users.get_user(s, user_name))
        except NotFound as error:
            return not_found(pages, request, error)
        return await form_page(request, _stored(view), list(view.roles), saved=view)

    @router.post("/{user_name}")
    async def save_user(request: Request, user_name: str) -> Response:
        form = await read_form(request)
        changes = _changes(form)
        try:
            view = await commit(db, lambda s: users.update_user(s, user_name, changes))
        except NotFound as error:
            return not_found(pages, request, error)
        except DomainError as error:
            saved = await read(db, lambda s: users.get_user(s, user_name))
            state = _submitted(form)
            state.values["user_name"] = saved.user_name
            state.add_domain_error(error, FIELDS)
            return await form_page(request, state, texts(form, "roles"), saved=saved, status_code=status_of([error]))
        flash(request, f"Business user {view.user_name} saved")
        return pages.redirect(pages.url(f"/business-users/{segment(view.user_name)}"))

    @router.post("/{user_name}/delete")
    async def delete_user(request: Request, user_name: str) -> Response:
        return await delete_and_go(
            request,
            pages,
            db,
            lambda s: users.delete_user(s, user_name),
            deleted=f"Business user {normalise_upper(user_name)} deleted",
            object_page=f"/business-users/{segment(user_name)}",
            list_page="/business-users",
        )

    return router
