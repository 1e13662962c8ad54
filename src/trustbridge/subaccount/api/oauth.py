"""The subaccount's XSUAA-like authorization server over HTTP.

- ``POST /oauth/token`` — ``client_credentials`` and ``password`` grants (RFC 6749 §4.4, §4.3) for the service
  bindings' clients; errors as RFC 6749 §5.2 (no authentication: clients authenticate in the request);
- ``GET /token_keys`` — the JWKS (public, no authentication), as XSUAA publishes it;
- ``GET /api/token-keys``, ``POST /api/token-keys/rotate`` — trustbridge extensions for the admin: the keys and
  a rotation (the previous key keeps verifying until its tokens expired).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from trustbridge.oauth.endpoint import token_response
from trustbridge.subaccount.api.auth import require_principal
from trustbridge.subaccount.api.context import ServiceContext
from trustbridge.subaccount.xsuaa import keys
from trustbridge.subaccount.xsuaa.server import TOKEN_KEYS_PATH, TOKEN_PATH, token_server


def router_for(context: ServiceContext) -> APIRouter:
    """The routes of one application (the token server keeps a per-process credential cache)."""
    server = token_server(context.db, context.box)
    router = APIRouter()

    @router.post(TOKEN_PATH, include_in_schema=False)
    async def token(request: Request) -> JSONResponse:
        return await token_response(server, request)

    @router.get(TOKEN_KEYS_PATH)
    def token_keys() -> dict[str, Any]:
        with context.db.read() as session:
            return keys.jwks(session)

    @router.get("/api/token-keys", dependencies=[Depends(require_principal)])
    def list_token_keys() -> dict[str, Any]:
        with context.db.read() as session:
            return {"keys": [key.as_dict() for key in keys.signing_keys(session)]}

    @router.post("/api/token-keys/rotate", dependencies=[Depends(require_principal)])
    def rotate_token_key() -> dict[str, Any]:
        new_key = keys.generate_key()  # outside the write transaction
        with context.db.transaction() as session:
            active = keys.rotate_signing_key(session, context.box, key=new_key)
            listed = keys.signing_keys(session)
        return {"kid": active.kid, "keys": [key.as_dict() for key in listed]}

    return router
