"""``/api/communication-systems`` (seed steps 4–11, 13): fields, signing certificate, inbound users."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from trustbridge.pki.certificates import MAX_UPLOAD_BYTES
from trustbridge.s4 import communication_systems as systems
from trustbridge.s4 import inbound_users, signing_certificates
from trustbridge.s4.api.body import Fields, read_body, read_json_object
from trustbridge.s4.api.unit_of_work import ok, read, write

router = APIRouter(prefix="/communication-systems")

_EDITABLE = ("system_name", "host_name", "oauth2_idp_enabled", "saml_issuer", "user_id_mapping_mode", "allow_sha1")


def _changes(fields: Fields) -> systems.SystemChanges:
    return systems.SystemChanges(
        system_name=fields.string("system_name"),
        host_name=fields.nullable_string("host_name"),
        oauth2_idp_enabled=fields.boolean("oauth2_idp_enabled"),
        saml_issuer=fields.nullable_string("saml_issuer"),
        user_id_mapping_mode=fields.string("user_id_mapping_mode"),
        allow_sha1=fields.boolean("allow_sha1"),
    )


@router.get("")
async def list_systems(request: Request) -> JSONResponse:
    views = await read(request, systems.list_systems)
    return ok({"value": [v.as_dict() for v in views]})


@router.post("")
async def create_system(request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("system_id", *_EDITABLE))
    system_id = fields.required_string("system_id")
    system_name = fields.required_string("system_name")
    changes = _changes(fields)
    fields.done()
    view = await write(
        request, lambda s: systems.create_system(s, system_id=system_id, system_name=system_name, changes=changes)
    )
    return ok(view.as_dict(), 201)


@router.get("/{system_id}")
async def get_system(system_id: str, request: Request) -> JSONResponse:
    view = await read(request, lambda s: systems.get_system(s, system_id))
    return ok(view.as_dict())


@router.patch("/{system_id}")
async def update_system(system_id: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), _EDITABLE)
    changes = _changes(fields)
    fields.done()
    view = await write(request, lambda s: systems.update_system(s, system_id, changes))
    return ok(view.as_dict())


@router.delete("/{system_id}")
async def delete_system(system_id: str, request: Request) -> Response:
    await write(request, lambda s: systems.delete_system(s, system_id))
    return Response(status_code=204)


@router.put("/{system_id}/signing-certificate")
async def upload_signing_certificate(system_id: str, request: Request) -> JSONResponse:
    """Raw PEM or DER bytes (*Upload Signing Certificate*), at most ``MAX_UPLOAD_BYTES``."""
    data = await read_body(request, MAX_UPLOAD_BYTES, field="signing_certificate")
    view = await write(request, lambda s: signing_certificates.upload_signing_certificate(s, system_id, data))
    return ok(view.as_dict())


@router.delete("/{system_id}/signing-certificate")
async def remove_signing_certificate(system_id: str, request: Request) -> JSONResponse:
    view = await write(request, lambda s: signing_certificates.remove_signing_certificate(s, system_id))
    return ok(view.as_dict())


@router.post("/{system_id}/inbound-users")
async def add_inbound_user(system_id: str, request: Request) -> JSONResponse:
    fields = Fields(await read_json_object(request), ("user_name", "authentication_method"))
    user_name = fields.required_string("user_name")
    method = fields.required_string("authentication_method")
    fields.done()
    view = await write(
        request,
        lambda s: inbound_users.add_inbound_user(s, system_id, user_name=user_name, authentication_method=method),
    )
    return ok(view.as_dict(), 201)


@router.delete("/{system_id}/inbound-users/{user_name}")
async def remove_inbound_user(
    system_id: str, user_name: str, request: Request, authentication_method: str | None = None
) -> JSONResponse:
    view = await write(
        request, lambda s: inbound_users.remove_inbound_user(s, system_id, user_name, authentication_method)
    )
    return ok(view.as_dict())
