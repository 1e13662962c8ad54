"""The S/4 tenant app plus a bare endpoint, for ``bench/token_endpoint.py`` (one uvicorn worker serves both)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from trustbridge.s4.api.asgi import create_from_environment

BARE_PATH = "/bench/bare"


def create() -> FastAPI:
    app = create_from_environment()

    @app.post(BARE_PATH)
    async def bare(request: Request) -> JSONResponse:
        await request.body()  # read the same body the token endpoint reads, answer a token-sized JSON
        return JSONResponse(
            {"access_token": "x" * 43, "token_type": "Bearer", "expires_in": 3600, "scope": "OV4:A OV4:B"},
            headers={"Cache-Control": "no-store"},
        )

    return app
