"""Who may use the cockpit: sign-in for every page, CSRF on every form, Download Trust for sessions and admins."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.webclient import WebClient, csrf_of
from trustbridge.storage import Database
from trustbridge.subaccount import destinations, trust, users
from trustbridge.subaccount.listing import ListQuery

from ..conftest import DESTINATIONS, SAML2, basic_destination

PAGES = [
    "/",
    "/destinations",
    "/destinations/new",
    "/destinations/Plain",
    "/destinations/Plain/check",
    "/trust",
    "/trust/active/download",
    "/users",
    "/users/new",
]


def test_every_page_sends_a_stranger_to_the_sign_in_page(stranger: WebClient, client: TestClient) -> None:
    assert client.post(DESTINATIONS, json=basic_destination("Plain")).status_code == 201
    for path in PAGES:
        response = stranger.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/cockpit/login?next=/cockpit"), path
    for path in ("/destinations/new", "/destinations/Plain/delete", "/trust/renew", "/users/new"):
        posted = stranger.http.post("/cockpit" + path, data={"Name": "X"}, follow_redirects=False)
        assert posted.status_code == 303, path
        assert posted.headers["location"].startswith("/cockpit/login"), path


def _post_with_token(web: WebClient, path: str, token: str, data: dict[str, str]) -> int:
    web.get("/destinations")  # the session has its CSRF token
    return web.http.post("/cockpit" + path, data={**data, "csrf_token": token}, follow_redirects=False).status_code


def test_a_form_without_the_sessions_csrf_token_changes_nothing(
    web: WebClient, client: TestClient, database: Database
) -> None:
    assert client.post(DESTINATIONS, json=basic_destination("Plain")).status_code == 201
    with database.read() as session:
        active_before = trust.get_certificate(session, trust.ACTIVE).fingerprint
    attempts = [
        ("/destinations/new", {"Name": "Forged", "Type": "HTTP", "URL": "https://example.com", "action": "save"}),
        ("/destinations/Plain/delete", {}),
        ("/trust/renew", {}),
        ("/users/new", {"login": "mallory", "email": "m@example.com", "password": "Passw0rd-long"}),
    ]
    for path, data in attempts:
        for token in ("", "forged-token"):
            assert _post_with_token(web, path, token, data) == 403, path
    foreign = web.http.post(
        "/cockpit/destinations/Plain/delete",
        data={"csrf_token": csrf_of(web.get("/destinations").text)},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403

    with database.read() as session:
        assert [d.name for d in destinations.list_destinations(session, ListQuery()).items] == ["Plain"]
        assert trust.get_certificate(session, trust.ACTIVE).fingerprint == active_before
        assert users.find_user(session, "mallory") is None


def test_download_trust_opens_to_a_session_and_to_the_admin_only(
    web: WebClient, stranger: WebClient, client: TestClient, database: Database
) -> None:
    with database.read() as session:
        active = trust.get_certificate(session, trust.ACTIVE).pem

    by_session = web.get("/destinations/download-trust")
    by_admin = client.get("/cockpit/destinations/download-trust")
    for response in (by_session, by_admin):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-pem-file"
        assert re.fullmatch(
            r'attachment; filename="[a-z0-9-]+-destination-trust\.pem"', response.headers["content-disposition"]
        )
        assert response.text == active == client.get(f"{SAML2}/certificate").json()["certificate"]

    anonymous = stranger.get("/destinations/download-trust")
    assert anonymous.status_code == 401
    assert anonymous.text == "Unauthorized"
    assert anonymous.headers["www-authenticate"].startswith("Basic realm=")
    assert 'href="/cockpit/destinations/download-trust"' in web.get("/destinations").text
