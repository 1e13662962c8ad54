"""``/api/business-catalogs``, ``/api/business-roles``, ``/api/business-users``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from trustbridge.errors import ValidationFailed
from trustbridge.s4 import business_roles as roles
from trustbridge.s4 import business_users as users
from trustbridge.s4.api.body import Fields, read_json_object
from trustbridge.s4.api.unit_of_work import ok, read, write
from trustbridge.s4.catalog import list_catalogs
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.unset import Unset

router = APIRouter()

_USER_EDITABLE = ("email", "global_user_id", "first_name", "last_name", "roles", "locked")


@router.get("/business-catalogs")
async def catalogs() -> JSONResponse:
    return ok({"value": [c.as_dict() for c in list_catalogs()]})


@router.get("/business-roles")
async def list_roles(request: Request) -> JSONResponse:
    views = await read(request, roles.list_roles)
    return ok({"value": [v.as_dict() for v in views]})


@router.post("/business-roles")
async def create_role(request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("role_id", "name", "catalogs"))
    role_id = fields.required_string("role_id")
    name = fields.required_string("name")
    catalog_ids = fields.string_list("catalogs")
    fields.done()
    given = [] if isinstance(catalog_ids, Unset) else catalog_ids
    view = await write(request, lambda s: roles.create_role(s, role_id=role_id, name=name, catalogs=given))
    return ok(view.as_dict(), 201)


@router.get("/business-roles/{role_id}")
async def get_role(role_id: str, request: Request) -> JSONResponse:
    view = await read(request, lambda s: roles.get_role(s, role_id))
    return ok(view.as_dict())


@router.put("/business-roles/{role_id}")
async def replace_role(role_id: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("role_id", "name", "catalogs"))
    body_id = fields.optional_string("role_id")
    name = fields.required_string("name")
    catalog_ids = fields.string_list("catalogs")
    fields.done()
    if body_id is not None and normalise_upper(body_id) != normalise_upper(role_id):
        raise ValidationFailed.one("role_id", "role_id_immutable", "The role ID cannot change; create a new role")
    given = [] if isinstance(catalog_ids, Unset) else catalog_ids
    view = await write(request, lambda s: roles.replace_role(s, role_id, name=name, catalogs=given))
    return ok(view.as_dict())


@router.delete("/business-roles/{role_id}")
async def delete_role(role_id: str, request: Request) -> Response:
    await write(request, lambda s: roles.delete_role(s, role_id))
    return Response(status_code=204)


def _user_changes(fields: Fields) -> users.BusinessUserChanges:
    return users.BusinessUserChanges(
        email=fields.nullable_string("email"),
        global_user_id=fields.nullable_string("global_user_id"),
        first_name=fields.nullable_string("first_name"),
        last_name=fields.nullable_string("last_name"),
        roles=fields.string_list("roles"),
        locked=fields.boolean("locked"),
    )


@router.get("/business-users")
async def list_users(request: Request) -> JSONResponse:
    views = await read(request, users.list_users)
    return ok({"value": [v.as_dict() for v in views]})


@router.post("/business-users")
async def create_user(request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("user_name", *_USER_EDITABLE))
    user_name = fields.required_string("user_name")
    changes = _user_changes(fields)
    fields.done()
    view = await write(request, lambda s: users.create_user(s, user_name=user_name, changes=changes))
    return ok(view.as_dict(), 201)


@router.get("/business-users/{user_name}")
async def get_user(user_name: str, request: Request) -> JSONResponse:
    view = await read(request, lambda s: users.get_user(s, user_name))
    return ok(view.as_dict())


@router.patch("/business-users/{user_name}")
async def update_user(user_name: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), _USER_EDITABLE)
    changes = _user_changes(fields)
    fields.done()
    view = await write(request, lambda s: users.update_user(s, user_name, changes))
    return ok(view.as_dict())


@router.delete("/business-users/{user_name}")
async def delete_user(user_name: str, request: Request) -> Response:
    await write(request, lambda s: users.delete_user(s, user_name))
    return Response(status_code=204)
