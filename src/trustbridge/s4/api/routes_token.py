"""``POST /sap/bc/sec/oauth2/token``: the tenant's OAuth 2.0 token endpoint (SAML 2.0 bearer grant)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from trustbridge.oauth.rfc7522 import Saml2BearerGrant
from trustbridge.oauth.server import FormTokenServer, TokenRequest
from trustbridge.s4.tenant import OAUTH2_ENDPOINT_PATH
from trustbridge.s4.token_service import TokenService
from trustbridge.storage import Database

MAX_BODY = 256 * 1024


def token_router(db: Database, service: TokenService | None = None) -> APIRouter:
    server = FormTokenServer()
    server.saml2_bearer_backend = service or TokenService(db)
    server.register_grant(Saml2BearerGrant)
    router = APIRouter()

    @router.post(OAUTH2_ENDPOINT_PATH, include_in_schema=False)
    async def token(request: Request) -> JSONResponse:
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_BODY:
                return JSONResponse(
                    {"error": "invalid_request", "error_description": "the request body is too large"}, status_code=400
                )
        token_request = TokenRequest(
            method="POST",
            uri=str(request.url),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=bytes(body),
            content_type=request.headers.get("content-type", ""),
        )
        response = await run_in_threadpool(server.respond, token_request)
        return JSONResponse(response.body, status_code=response.status, headers=dict(response.headers))

    return router
