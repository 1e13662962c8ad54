"""Sign-in's ``next`` never leaves the service's pages; a form from another origin is refused."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.testclient import TestClient

from trustbridge.web.csrf import CsrfFailed, check_csrf, csrf_token
from trustbridge.web.pages import safe_next
from trustbridge.web.sessions import install_sessions


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/ui/communication-users", "/ui/communication-users"),
        ("/ui/communication-users?x=1", "/ui/communication-users?x=1"),
        ("//evil.example/ui/", "/ui/"),
        ("https://evil.example/ui/", "/ui/"),
        ("/cockpit/destinations", "/ui/"),
        ("/ui\\..\\evil", "/ui/"),
        ("/ui/x\nLocation: https://evil.example", "/ui/"),
        ("", "/ui/"),
        (None, "/ui/"),
    ],
)
def test_next_stays_on_the_services_pages(target: str | None, expected: str) -> None:
    assert safe_next(target, "/ui") == expected


def _app() -> FastAPI:
    app = FastAPI()
    install_sessions(app, secret=b"s" * 32, cookie_name="t_session", prefix="/ui")

    @app.get("/ui/form")
    async def form(request: Request) -> PlainTextResponse:
        return PlainTextResponse(csrf_token(request))

    @app.post("/ui/form")
    async def submit(request: Request) -> PlainTextResponse:
        data = await request.form()
        try:
            check_csrf(request, data.get("csrf_token"))
        except CsrfFailed as refused:
            return PlainTextResponse(str(refused), status_code=403)
        return PlainTextResponse("ok")

    return app


def test_the_token_must_match_and_the_origin_must_be_ours() -> None:
    client = TestClient(_app(), base_url="https://testserver")
    token = client.get("/ui/form").text
    assert client.post("/ui/form", data={"csrf_token": token}).text == "ok"
    assert client.post("/ui/form", data={"csrf_token": token}, headers={"Origin": "https://testserver"}).text == "ok"
    assert client.post("/ui/form", data={"csrf_token": token + "x"}).status_code == 403
    assert client.post("/ui/form", data={}).status_code == 403
    other_port = client.post("/ui/form", data={"csrf_token": token}, headers={"Origin": "https://testserver:8081"})
    assert other_port.status_code == 403 and "another site" in other_port.text
    fresh = TestClient(_app(), base_url="https://testserver")  # another browser: its own session, no token
    assert fresh.post("/ui/form", data={"csrf_token": token}).status_code == 403
