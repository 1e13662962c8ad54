"""*Users*: the subaccount's user directory (our stand-in for Identity Authentication), list, create, delete.

``GET /cockpit/users``, ``GET|POST /cockpit/users/new`` (the fields of ``POST /api/users``; an empty User UUID
is generated) and ``POST /cockpit/users/{login}/delete`` — the functions of :mod:`trustbridge.subaccount.users`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trustbridge.errors import DomainError
from trustbridge.subaccount import users
from trustbridge.subaccount.cockpit.support import in_transaction, reading
from trustbridge.web.forms import FormState, read_form, text
from trustbridge.web.pages import Pages
from trustbridge.web.sessions import flash

FIELDS = ("login", "email", "user_uuid", "first_name", "last_name", "password")


def users_router(pages: Pages) -> APIRouter:
    router = pages.router("/users")

    async def render_list(request: Request, state: FormState | None = None, status_code: int = 200) -> Response:
        listed = await reading(request, users.list_users)
        return pages.render(request, "users.html", status_code=status_code, state=state, title="Users", users=listed)

    def render_form(request: Request, state: FormState | None = None, status_code: int = 200) -> Response:
        return pages.render(request, "user_form.html", status_code=status_code, state=state, title="New User")

    @router.get("")
    async def list_page(request: Request) -> Response:
        return await render_list(request)

    @router.get("/new")
    async def new_page(request: Request) -> Response:
        return render_form(request)

    @router.post("/new")
    async def create(request: Request) -> Response:
        form = await read_form(request)
        values = {name: text(form, name) for name in FIELDS if name != "password"}
        password = form.get("password")
        state = FormState(values=values)
        try:
            created = await in_transaction(
                request,
                lambda session: users.create_user(
                    session,
                    login=values["login"],
                    email=values["email"],
                    password=password if isinstance(password, str) else "",
                    user_uuid=values["user_uuid"] or None,
                    first_name=values["first_name"] or None,
                    last_name=values["last_name"] or None,
                ),
            )
        except DomainError as error:
            state.add_domain_error(error, FIELDS)
            return render_form(request, state, error.status)
        flash(request, f"User {created.login} created (user UUID {created.user_uuid})")
        return pages.redirect(pages.url("/users"))

    @router.post("/{login}/delete")
    async def delete(request: Request, login: str) -> Response:
        await read_form(request)
        try:
            await in_transaction(request, lambda session: users.delete_user(session, login))
        except DomainError as error:
            state = FormState()
            state.add_domain_error(error, ())
            return await render_list(request, state, error.status)
        flash(request, f"User {login} deleted")
        return pages.redirect(pages.url("/users"))

    return router
