"""``POST /sap/bc/sec/oauth2/token``: the tenant's OAuth 2.0 token endpoint (SAML 2.0 bearer grant)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from trustbridge.oauth.endpoint import token_response
from trustbridge.oauth.rfc7522 import Saml2BearerGrant
from trustbridge.oauth.server import FormTokenServer
from trustbridge.s4.tenant import OAUTH2_ENDPOINT_PATH
from trustbridge.s4.token_service import TokenService
from trustbridge.storage import Database


def token_router(db: Database, service: TokenService | None = None) -> APIRouter:
    server = FormTokenServer()
    server.saml2_bearer_backend = service or TokenService(db)
    server.register_grant(Saml2BearerGrant)
    router = APIRouter()

    @router.post(OAUTH2_ENDPOINT_PATH, include_in_schema=False)
    async def token(request: Request) -> JSONResponse:
        return await token_response(server, request)

    return router
