"""The subaccount app plus bench-only endpoints, for ``bench/destination_find.py`` (one uvicorn worker).

The S/4 tenant the destination's ``tokenServiceURL`` points at runs in a second uvicorn process
(``trustbridge.s4.api.asgi:create_from_environment``). Added here, on the subaccount server:

- ``GET /bench/bare`` — the bare endpoint: reads the same headers a find reads and answers a precomputed JSON
  body of a find's size; a plain ``def`` like the find handlers (same thread-pool hop).
- ``GET /bench/bare-async`` — the same as ``async def`` (no thread-pool hop: the strictest baseline).
- ``POST /bench/clear-token-cache`` — empties the find's token cache, so the next find is cold (sign + exchange).
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from trustbridge.config import Settings
from trustbridge.storage import Database
from trustbridge.subaccount.api.app import create_app
from trustbridge.subaccount.api.find import find_runtime

BARE_PATH = "/bench/bare"
BARE_ASYNC_PATH = "/bench/bare-async"
CLEAR_PATH = "/bench/clear-token-cache"
_HEADERS = ("authorization", "x-user-token", "x-tenant", "x-samlassertion", "if-none-match", "if-match")


def _bare_body() -> dict[str, Any]:
    """A body of a find answer's size and shape (an S/4 destination with a cached bearer token)."""
    token = "x" * 1200
    return {
        "owner": {"SubaccountId": "0" * 36, "InstanceId": None},
        "destinationConfiguration": {
            "Name": "S4HANACloud",
            "Type": "HTTP",
            "URL": "http://127.0.0.1:0",
            "Authentication": "OAuth2SAMLBearerAssertion",
            "ProxyType": "Internet",
            "audience": "https://my300000.s4hana.ondemand.com",
            "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession",
            "clientKey": "TASKCENTERCOM",
            "tokenServiceURL": "http://127.0.0.1:0/sap/bc/sec/oauth2/token",
            "tokenServiceUser": "TASKCENTERCOM",
            "tokenServicePassword": "p" * 32,
            "nameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
            "userIdSource": "user_uuid",
            "URL.queries.sap-client": "100",
            "tc.enabled": "true",
            "tc.provider_type": "S/4HANACloud",
        },
        "authTokens": [
            {
                "type": "Bearer",
                "value": token,
                "http_header": {"key": "Authorization", "value": f"Bearer {token}"},
                "expires_in": "3599",
                "scope": "OV4:API_TASK_SPI_REPLICATION OV4:API_TASK_SPI_DETAILS",
            }
        ],
    }


def create() -> FastAPI:
    settings = Settings.load(os.environ.get("TRUSTBRIDGE_DATA_DIR"))
    app = create_app(Database(settings.database_url), settings)
    body = _bare_body()

    @app.get(BARE_PATH)
    def bare(request: Request) -> JSONResponse:
        seen = [request.headers.get(name) for name in _HEADERS]  # read what a find reads
        return JSONResponse(body, headers={"ETag": str(len(seen))})

    @app.get(BARE_ASYNC_PATH)
    async def bare_async(request: Request) -> JSONResponse:
        seen = [request.headers.get(name) for name in _HEADERS]
        return JSONResponse(body, headers={"ETag": str(len(seen))})

    @app.post(CLEAR_PATH)
    def clear(request: Request) -> Response:
        find_runtime(request.app).cache.clear()
        return Response(status_code=204)

    return app
