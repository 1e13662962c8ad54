"""*Maintain Communication Users* (seed steps 2–3): list, New (with *Propose Password*), the user, Delete."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trustbridge.errors import DomainError, NotFound
from trustbridge.s4 import communication_users as users
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.unset import UNSET
from trustbridge.s4.web.common import not_found, status_of
from trustbridge.s4.web.drafts import commit, read
from trustbridge.storage import Database
from trustbridge.web.forms import FormState, read_form, text
from trustbridge.web.pages import Pages, segment
from trustbridge.web.sessions import flash

NEW_FIELDS = ("user_name", "description", "password")
EDIT_FIELDS = ("description", "password", "locked")
PROPOSED_HINT = "Note this password now: it is shown only this once and cannot be displayed again."


def communication_users_router(pages: Pages, db: Database) -> APIRouter:
    router = pages.router("/communication-users")

    def new_form(
        request: Request, state: FormState, *, status_code: int = 200, proposed: str | None = None
    ) -> Response:
        return pages.render(
            request,
            "communication_user_new.html",
            status_code=status_code,
            state=state,
            title="New Communication User",
            proposed=proposed,
            proposed_hint=PROPOSED_HINT,
        )

    @router.get("")
    async def list_users(request: Request) -> Response:
        views = await read(db, users.list_users)
        return pages.render(request, "communication_users.html", title="Maintain Communication Users", users=views)

    @router.get("/new")
    async def new_user(request: Request) -> Response:
        return new_form(request, FormState())

    @router.post("/new")
    async def create_user(request: Request) -> Response:
        form = await read_form(request)
        user_name, description = text(form, "user_name"), text(form, "description")
        state = FormState(values={"user_name": user_name, "description": description})
        if text(form, "action") == "propose":
            return new_form(request, state, proposed=users.propose_password())
        password = form.get("password")
        secret = password if isinstance(password, str) and password != "" else None
        try:
            view = await commit(
                db, lambda s: users.create_user(s, user_name=user_name, description=description, password=secret)
            )
        except DomainError as error:
            state.add_domain_error(error, NEW_FIELDS)
            return new_form(request, state, status_code=status_of([error]))
        flash(request, f"Communication user {view.user_name} created")
        return pages.redirect(pages.url(f"/communication-users/{segment(view.user_name)}"))

    async def user_page(
        request: Request, user_name: str, state: FormState, status_code: int = 200, proposed: str | None = None
    ) -> Response:
        try:
            view = await read(db, lambda s: users.get_user(s, user_name))
        except NotFound as error:
            return not_found(pages, request, error)
        state.values.setdefault("description", view.description)
        state.values.setdefault("locked", "on" if view.locked else "off")
        return pages.render(
            request,
            "communication_user.html",
            status_code=status_code,
            state=state,
            title=view.user_name,
            account=view,
            proposed=proposed,
            proposed_hint=PROPOSED_HINT,
        )

    @router.post("/{user_name}")
    async def edit_user(request: Request, user_name: str) -> Response:
        """Description, a new password (empty keeps the current one), lock/unlock — one transaction."""
        form = await read_form(request)
        description = text(form, "description")
        locked = "on" in form.getlist("locked")
        state = FormState(values={"description": description, "locked": "on" if locked else "off"})
        if text(form, "action") == "propose":
            return await user_page(request, user_name, state, proposed=users.propose_password())
        password = form.get("password")
        new_password = password if isinstance(password, str) and password != "" else UNSET
        try:
            view = await commit(
                db,
                lambda s: users.update_user(
                    s, user_name, description=description, password=new_password, locked=locked
                ),
            )
        except NotFound as error:
            return not_found(pages, request, error)
        except DomainError as error:
            state.add_domain_error(error, EDIT_FIELDS)
            return await user_page(request, user_name, state, status_of([error]))
        flash(request, f"Communication user {view.user_name} saved")
        return pages.redirect(pages.url(f"/communication-users/{segment(view.user_name)}"))

    @router.get("/{user_name}")
    async def show_user(request: Request, user_name: str) -> Response:
        return await user_page(request, user_name, FormState())

    @router.post("/{user_name}/delete")
    async def delete_user(request: Request, user_name: str) -> Response:
        await read_form(request)
        try:
            await commit(db, lambda s: users.delete_user(s, user_name))
        except NotFound as error:
            return not_found(pages, request, error)
        except DomainError as error:
            state = FormState()
            state.add_domain_error(error, ())
            return await user_page(request, user_name, state, status_of([error]))
        flash(request, f"Communication user {normalise_upper(user_name)} deleted")
        return pages.redirect(pages.url("/communication-users"))

    return router
