"""Fixtures of the subaccount tests: a bootstrapped subaccount (RSA 2048 for speed) and HTTP clients."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.security.admin import admin_password_env
from trustbridge.storage import Database
from trustbridge.subaccount.api.app import create_app
from trustbridge.subaccount.setup import SubaccountBootstrap, bootstrap

DESTINATIONS = "/destination-configuration/v1/subaccountDestinations"
SAML2 = "/destination-configuration/v1/saml2Metadata"
TEST_KEY_SIZE = 2048


@pytest.fixture(autouse=True)
def _no_admin_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(admin_password_env("subaccount"), raising=False)
    monkeypatch.delenv("TRUSTBRIDGE_SECRET_KEY", raising=False)


@pytest.fixture
def boot(database: Database, settings: Settings) -> SubaccountBootstrap:
    return bootstrap(database, settings, key_size=TEST_KEY_SIZE)


@pytest.fixture
def admin_auth(boot: SubaccountBootstrap) -> tuple[str, str]:
    assert boot.admin.password is not None
    return (boot.admin.username, boot.admin.password)


@pytest.fixture
def anonymous(database: Database, settings: Settings, boot: SubaccountBootstrap) -> Iterator[TestClient]:
    with TestClient(create_app(database, settings)) as client:
        yield client


@pytest.fixture
def client(database: Database, settings: Settings, admin_auth: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(database, settings), headers={"Authorization": basic(*admin_auth)}) as test_client:
        yield test_client


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def error_message(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"ErrorMessage"}, body
    message = body["ErrorMessage"]
    assert isinstance(message, str)
    return message


def saml_bearer_destination(name: str = "S4HANACloud", **overrides: str) -> dict[str, Any]:
    """A destination as Task Center's S/4HANA Cloud guide configures it (research §A [TC-S4C])."""
    destination: dict[str, Any] = {
        "Name": name,
        "Type": "HTTP",
        "URL": "https://my300000-api.s4hana.ondemand.com/",
        "ProxyType": "Internet",
        "Authentication": "OAuth2SAMLBearerAssertion",
        "audience": "https://my300000.s4hana.ondemand.com",
        "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
        "clientKey": "TASKCENTERCOM",
        "tokenServiceURLType": "Dedicated",
        "tokenServiceURL": "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token",
        "tokenServiceUser": "TASKCENTERCOM",
        "tokenServicePassword": "Sup3r-Secret-Token-Service-Pw!",
        "tc.enabled": "true",
        "tc.provider_type": "S/4HANACloud",
        "URL.queries.sap-client": "100",
        "userIdSource": "user_uuid",
    }
    destination.update(overrides)
    return destination


def basic_destination(name: str, **overrides: str) -> dict[str, Any]:
    destination: dict[str, Any] = {
        "Name": name,
        "Type": "HTTP",
        "URL": "https://backend.example.com/api",
        "ProxyType": "Internet",
        "Authentication": "BasicAuthentication",
        "User": "ALICE",
        "Password": f"basic-pw-of-{name}",
    }
    destination.update(overrides)
    return destination


def names(client: TestClient) -> list[str]:
    response = client.get(DESTINATIONS, params={"$select": "Name"})
    assert response.status_code == 200
    return [item["Name"] for item in response.json()]


def spki(public_key: PublicKeyTypes) -> bytes:
    """A public key's DER SubjectPublicKeyInfo, to compare keys of any type."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
