"""``/api/communication-arrangements`` (seed steps 14, 17–19)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from trustbridge.s4 import communication_arrangements as arrangements
from trustbridge.s4.api.body import Fields, read_json_object
from trustbridge.s4.api.unit_of_work import ok, read, write

router = APIRouter(prefix="/communication-arrangements")

_EDITABLE = ("communication_system", "inbound_user", "authentication_method")


@router.get("")
async def list_arrangements(request: Request) -> JSONResponse:
    views = await read(request, arrangements.list_arrangements)
    return ok({"value": [v.as_dict() for v in views]})


@router.post("")
async def create_arrangement(request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("scenario_id", "arrangement_name", *_EDITABLE))
    scenario_id = fields.required_string("scenario_id")
    name = fields.optional_string("arrangement_name")
    system = fields.optional_string("communication_system")
    user = fields.optional_string("inbound_user")
    method = fields.optional_string("authentication_method")
    fields.done()
    view = await write(
        request,
        lambda s: arrangements.create_arrangement(
            s,
            scenario_id=scenario_id,
            arrangement_name=name,
            communication_system=system,
            inbound_user=user,
            authentication_method=method,
        ),
    )
    return ok(view.as_dict(), 201)


@router.get("/{name}")
async def get_arrangement(name: str, request: Request) -> JSONResponse:
    view = await read(request, lambda s: arrangements.get_arrangement(s, name))
    return ok(view.as_dict())


@router.patch("/{name}")
async def update_arrangement(name: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), _EDITABLE)
    changes = arrangements.ArrangementChanges(
        communication_system=fields.nullable_string("communication_system"),
        inbound_user=fields.nullable_string("inbound_user"),
        authentication_method=fields.nullable_string("authentication_method"),
    )
    fields.done()
    view = await write(request, lambda s: arrangements.update_arrangement(s, name, changes))
    return ok(view.as_dict())


@router.delete("/{name}")
async def delete_arrangement(name: str, request: Request) -> Response:
    await write(request, lambda s: arrangements.delete_arrangement(s, name))
    return Response(status_code=204)


@router.get("/{name}/oauth2-details")
async def oauth2_details(name: str, request: Request) -> JSONResponse:
    details = await read(request, lambda s: arrangements.oauth2_details(s, name))
    return ok(details.as_dict())
