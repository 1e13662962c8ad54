"""``/api/communication-users`` (seed steps 2–3)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from trustbridge.s4 import communication_users as users
from trustbridge.s4.api.body import Fields, read_json_object
from trustbridge.s4.api.unit_of_work import ok, read, write

router = APIRouter(prefix="/communication-users")


@router.post("/propose-password")
async def propose_password() -> JSONResponse:
    return ok({"password": users.propose_password()})


@router.get("")
async def list_users(request: Request) -> JSONResponse:
    views = await read(request, users.list_users)
    return ok({"value": [v.as_dict() for v in views]})


@router.post("")
async def create_user(request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("user_name", "description", "password"))
    user_name = fields.required_string("user_name")
    description = fields.required_string("description")
    password = fields.optional_string("password")
    fields.done()
    view = await write(
        request, lambda s: users.create_user(s, user_name=user_name, description=description, password=password)
    )
    return ok(view.as_dict(), 201)


@router.get("/{user_name}")
async def get_user(user_name: str, request: Request) -> JSONResponse:
    view = await read(request, lambda s: users.get_user(s, user_name))
    return ok(view.as_dict())


@router.patch("/{user_name}")
async def update_user(user_name: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("description", "password", "locked"))
    description = fields.string("description")
    password = fields.nullable_string("password")
    locked = fields.boolean("locked")
    fields.done()
    view = await write(
        request,
        lambda s: users.update_user(s, user_name, description=description, password=password, locked=locked),
    )
    return ok(view.as_dict())


@router.delete("/{user_name}")
async def delete_user(user_name: str, request: Request) -> Response:
    await write(request, lambda s: users.delete_user(s, user_name))
    return Response(status_code=204)
