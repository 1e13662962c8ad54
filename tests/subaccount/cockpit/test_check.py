"""*Check Connection*: the injected check's ✓/✗ lines, the page without one, and the real wiring of ``up``."""

from __future__ import annotations

import asyncio
import html
import re
import socket
from collections.abc import Sequence

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from tests.webclient import WebClient
from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.apply import apply_landscape
from trustbridge.landscape.doctor import Check
from trustbridge.landscape.local import LandscapeOptions, local_clients, open_local
from trustbridge.security.admin import admin_password_env

from ..conftest import DESTINATIONS, saml_bearer_destination
from .conftest import field_error, top_errors

CHECKS = [
    Check("destination", "destination S4HANACloud exists", "pass"),
    Check(
        "certificate",
        "communication system BTP_TASK_CENTER trusts the subaccount's active certificate",
        "fail",
        "no signing certificate is uploaded",
        "Download Trust and upload that file as signing certificate (seed steps 1 and 8)",
    ),
    Check("exchange", "live token exchange", "skip", "not attempted (no assertion available)"),
]


def lines_of(page: str) -> list[tuple[str, str]]:
    """``(status, text)`` of each line of the result list."""
    block = re.search(r'<ul class="checks">(.*?)</ul>', page, re.DOTALL)
    assert block is not None, "no result list"
    found = re.findall(r'<li class="(pass|fail|skip)">(.*?)</li>', block.group(1), re.DOTALL)
    return [(status, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())) for status, body in found]


def summary_of(page: str) -> str:
    match = re.search(r'id="check-summary">(.*?)</p>', page, re.DOTALL)
    assert match is not None
    return html.unescape(match.group(1))


@pytest.fixture
def calls(app: FastAPI, client: TestClient) -> list[tuple[str, str]]:
    """A fake check installed on the app; the list records what it was asked."""
    client.post(DESTINATIONS, json=saml_bearer_destination())
    client.post("/api/users", json={"login": "approver", "email": "a@example.com", "password": "Appr0ver-Passw0rd"})
    seen: list[tuple[str, str]] = []

    async def fake(name: str, login: str) -> Sequence[Check]:
        seen.append((name, login))
        return list(CHECKS) if login == "approver" else [CHECKS[0]]

    app.state.connection_check = fake
    return seen


def test_check_connection_shows_each_line_of_the_injected_check(web: WebClient, calls: list[tuple[str, str]]) -> None:
    page = web.get("/destinations/S4HANACloud/check").text
    assert '<option value="approver">approver</option>' in page

    response = web.submit("/destinations/S4HANACloud/check", data={"user": "approver"})

    assert response.status_code == 200
    assert calls == [("S4HANACloud", "approver")]
    assert summary_of(response.text).startswith("Connection to S4HANACloud failed: 1 problem(s)")
    assert lines_of(response.text) == [
        ("pass", "✓ passed: destination S4HANACloud exists"),
        (
            "fail",
            "✗ failed: communication system BTP_TASK_CENTER trusts the subaccount's active certificate — "
            "no signing certificate is uploaded "
            "Fix: Download Trust and upload that file as signing certificate (seed steps 1 and 8)",
        ),
        ("skip", "– not checked: live token exchange — not attempted (no assertion available)"),
    ]


def test_a_check_without_failures_says_the_connection_is_established(
    web: WebClient, calls: list[tuple[str, str]], client: TestClient
) -> None:
    client.post("/api/users", json={"login": "viewer", "email": "v@example.com", "password": "V1ewer-Passw0rd"})

    response = web.submit("/destinations/S4HANACloud/check", data={"user": "viewer"})
    no_user = web.submit("/destinations/S4HANACloud/check", data={"user": ""})

    assert summary_of(response.text) == "Connection to S4HANACloud established"
    assert [status for status, _ in lines_of(response.text)] == ["pass"]
    assert no_user.status_code == 422
    assert field_error(no_user.text, "user") == "Choose the user whose connection to check"
    assert calls == [("S4HANACloud", "viewer")]
    assert web.get("/destinations/Unknown/check").status_code == 404


def test_a_check_that_breaks_is_reported_on_the_page(web: WebClient, app: FastAPI, client: TestClient) -> None:
    client.post(DESTINATIONS, json=saml_bearer_destination())

    async def broken(name: str, login: str) -> Sequence[Check]:
        raise ConnectionError("S/4 is not reachable")

    app.state.connection_check = broken
    response = web.submit("/destinations/S4HANACloud/check", data={"user": "approver"})

    assert response.status_code == 502
    assert top_errors(response.text) == "The check could not run: ConnectionError: S/4 is not reachable"


def test_without_an_installed_check_the_page_says_it_needs_trustbridge_up(web: WebClient, client: TestClient) -> None:
    client.post(DESTINATIONS, json=saml_bearer_destination())

    page = web.get("/destinations/S4HANACloud/check")
    posted = web.submit("/destinations/S4HANACloud/check", data={"user": "approver"})

    for response in (page, posted):
        assert "Check Connection needs the local landscape" in response.text
        assert "&#39;trustbridge up&#39;" in response.text
        assert '<ul class="checks">' not in response.text
    assert posted.status_code == 503


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_trustbridge_ups_check_runs_the_doctor_and_the_demo_passes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(admin_password_env("subaccount"), "Subaccount-Admin-Pw-1")
    monkeypatch.setenv(admin_password_env("s4"), "S4-Admin-Passw0rd-1")
    # nothing listens on these ports: the doctor's live exchange falls back to the in-process S/4
    options = LandscapeOptions(subaccount_port=_free_port(), s4_port=_free_port(), key_size=2048)
    landscape = open_local(settings, options)
    try:
        spec = demo.with_host_name(
            demo.demo_spec(demo.load_or_create_secrets(settings.data_dir)), f"{options.tenant}.{options.domain}"
        )

        async def apply() -> None:
            async with local_clients(landscape) as (subaccount, s4):
                await apply_landscape(spec, subaccount, s4)

        asyncio.run(apply())
        web = WebClient(landscape.subaccount_app, "/cockpit")
        web.sign_in("Subaccount-Admin-Pw-1")

        response = web.submit(f"/destinations/{demo.DESTINATION}/check", data={"user": "approver"})

        assert response.status_code == 200, response.text
        lines = lines_of(response.text)
        assert summary_of(response.text) == f"Connection to {demo.DESTINATION} established", lines
        assert lines and all(status == "pass" for status, _ in lines), lines
        assert any(text.startswith("✓ passed: live token exchange") for _, text in lines)
        assert any(text.startswith("✓ passed: the token opens the SPI Task Replication service") for _, text in lines)
        web.close()
    finally:
        landscape.close()
