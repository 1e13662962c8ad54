"""The one HTTP adapter of a :class:`~trustbridge.oauth.server.FormTokenServer`: a Starlette request in, a
JSON response out. Both token endpoints (the S/4 tenant's SAML 2.0 bearer grant and the subaccount's
XSUAA-like server) use it; the protocol modules beside it stay free of any web framework."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from trustbridge.oauth.server import MAX_FORM_BYTES, FormTokenServer, TokenRequest


async def token_response(server: FormTokenServer, request: Request) -> JSONResponse:
    """Read the body (capped: a larger one is ``invalid_request`` before it is all read), run the server off
    the event loop (database, argon2, RSA), and answer its RFC 6749 §5.1 / §5.2 response."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            return JSONResponse(
                {"error": "invalid_request", "error_description": "the request body is too large"}, status_code=400
            )
    token_request = TokenRequest(
        method=request.method,
        uri=str(request.url),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=bytes(body),
        content_type=request.headers.get("content-type", ""),
    )
    response = await run_in_threadpool(server.respond, token_request)
    headers = {name: value for name, value in response.headers if name.lower() != "content-type"}
    return JSONResponse(response.body, status_code=response.status, headers=headers)
