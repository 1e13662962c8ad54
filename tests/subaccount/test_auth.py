"""Every endpoint but /healthz needs the admin's HTTP Basic credentials; a refusal is SAP's 401 [SPEC]."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from trustbridge.storage import Database
from trustbridge.subaccount.setup import SubaccountBootstrap

from .conftest import DESTINATIONS, SAML2, basic, basic_destination, names

PROTECTED = [
    ("GET", SAML2),
    ("GET", f"{SAML2}/certificate"),
    ("POST", f"{SAML2}/certificate"),
    ("GET", f"{SAML2}/certificate/passive"),
    ("POST", f"{SAML2}/certificate/passive"),
    ("DELETE", f"{SAML2}/certificate/passive"),
    ("POST", f"{SAML2}/rotateCertificate"),
    ("GET", DESTINATIONS),
    ("POST", DESTINATIONS),
    ("PUT", DESTINATIONS),
    ("DELETE", f"{DESTINATIONS}?$filter=Name in ('A')"),
    ("GET", f"{DESTINATIONS}/A"),
    ("DELETE", f"{DESTINATIONS}/A"),
    ("GET", "/cockpit/destinations/download-trust"),
    ("GET", "/api/subaccount"),
]


def test_healthz_is_open(anonymous: TestClient) -> None:
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def _assert_unauthorized(response_status: int, body: str, challenge: str | None) -> None:
    assert response_status == 401
    assert body == "Unauthorized"
    assert challenge is not None and challenge.startswith('Basic realm="')


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_without_credentials_every_endpoint_is_401(anonymous: TestClient, method: str, path: str) -> None:
    response = anonymous.request(method, path)
    _assert_unauthorized(response.status_code, response.text, response.headers.get("www-authenticate"))


@pytest.mark.parametrize(
    "authorization",
    [
        basic("admin", "wrong password"),
        basic("root", "whatever"),
        "Basic not-base64!",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
        "Basic " + "YWRtaW4=",  # "admin" without a colon
    ],
)
def test_wrong_or_malformed_credentials_are_401(anonymous: TestClient, authorization: str) -> None:
    response = anonymous.get(f"{SAML2}/certificate", headers={"Authorization": authorization})
    _assert_unauthorized(response.status_code, response.text, response.headers.get("www-authenticate"))


def test_a_refused_write_changes_nothing(
    anonymous: TestClient, client: TestClient, boot: SubaccountBootstrap, database: Database
) -> None:
    before = client.get(f"{SAML2}/certificate").json()
    wrong = {"Authorization": basic("admin", "wrong password")}

    assert anonymous.post(f"{SAML2}/certificate", headers=wrong).status_code == 401
    assert anonymous.post(DESTINATIONS, json=basic_destination("Sneaky"), headers=wrong).status_code == 401

    assert client.get(f"{SAML2}/certificate").json() == before
    assert names(client) == []


def test_the_admin_password_opens_the_api(anonymous: TestClient, boot: SubaccountBootstrap) -> None:
    assert boot.admin.password is not None
    response = anonymous.get(f"{SAML2}/certificate", headers={"Authorization": basic("admin", boot.admin.password)})
    assert response.status_code == 200
