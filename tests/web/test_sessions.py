"""The page session exists under the page prefix only: the APIs (the token endpoint's hot path among them)
never decode or set the cookie."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.testclient import TestClient

from trustbridge.web.sessions import install_sessions, start_session


def _app() -> FastAPI:
    app = FastAPI()
    install_sessions(app, secret=b"k" * 32, cookie_name="pages_session", prefix="/ui")

    @app.get("/ui/sign-in")
    async def sign_in(request: Request) -> JSONResponse:
        start_session(request, "admin")
        return JSONResponse({"session": True})

    @app.get("/{path:path}")
    async def anything(request: Request, path: str) -> JSONResponse:
        session = request.scope.get("session")
        return JSONResponse({"path": path, "has_session": session is not None, "user": (session or {}).get("user")})

    return app


def test_the_session_is_read_and_written_under_the_prefix_only() -> None:
    client = TestClient(_app(), base_url="https://testserver")
    signed_in = client.get("/ui/sign-in")
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("pages_session=") and "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()

    page = client.get("/ui/apps").json()
    assert page["has_session"] and page["user"] == "admin"
    for path in ("/api/communication-users", "/sap/bc/sec/oauth2/token", "/uix", "/"):
        answer = client.get(path)
        assert answer.json()["has_session"] is False, path
        assert "set-cookie" not in answer.headers, path
