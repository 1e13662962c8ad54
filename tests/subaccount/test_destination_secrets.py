"""Secrets are stored encrypted and are write-only: no answer of any endpoint contains them."""

from __future__ import annotations

from sqlalchemy import text
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.destination_secrets import is_secret
from trustbridge.subaccount.destinations import get_destination_with_secrets

from .conftest import DESTINATIONS, SAML2, basic_destination, saml_bearer_destination

SECRETS = {
    "Password": "pw-0001-basic",
    "tokenServicePassword": "pw-0002-token-service",
    "clientSecret": "pw-0003-client-secret",
    "KeyStorePassword": "pw-0004-keystore",
    "tokenService.KeyStorePassword": "pw-0005-mtls-keystore",
    "proxyPassword": "pw-0006-any-password-suffix",
    "tokenService.body.client_secret": "pw-0007-lower-case-secret",
}


def _destination(name: str) -> dict[str, str]:
    return {**saml_bearer_destination(name), **SECRETS}


def test_secret_property_names() -> None:
    assert all(is_secret(key) for key in SECRETS)
    assert not any(is_secret(key) for key in ("tokenServiceUser", "User", "clientId", "clientKey", "PasswordHint"))


def test_no_response_contains_a_secret(client: TestClient) -> None:
    responses = [
        client.post(DESTINATIONS, json=_destination("One")),
        client.post(DESTINATIONS, json=[_destination("Two"), _destination("Three"), _destination("One")]),
        client.put(DESTINATIONS, json=_destination("One")),
        client.put(DESTINATIONS, json=[_destination("Two"), _destination("Missing")]),
        client.get(f"{DESTINATIONS}/One"),
        client.get(DESTINATIONS),
        client.get(DESTINATIONS, params={"$includeMetadata": "etag;modification_time"}),
        client.get(DESTINATIONS, params={"$filter": "startswith(Name, 'T')"}),
        client.get(DESTINATIONS, params={"$page": "1", "$pageSize": "2"}),
        client.post(DESTINATIONS, json={**_destination("Bad"), "URL": "nope"}),  # error echo
        client.get("/api/subaccount"),
        client.get(SAML2),
        client.delete(DESTINATIONS, params={"$filter": "Name in ('Three', 'Nope')"}),
    ]

    assert [r.status_code for r in responses[:5]] == [201, 207, 200, 207, 200]
    for response in responses:
        raw = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        for key, value in SECRETS.items():
            assert value not in raw, (response.request.url, key)
    one = client.get(f"{DESTINATIONS}/One").json()
    assert not set(SECRETS) & set(one)
    assert one["tokenServiceUser"] == "TASKCENTERCOM"  # non-secret neighbours stay


def test_secrets_are_encrypted_in_the_database_and_readable_for_the_token_flow(
    client: TestClient, database: Database, settings: Settings
) -> None:
    client.post(DESTINATIONS, json=_destination("One"))

    with database.read() as session:
        row = session.execute(text("SELECT properties, secrets_encrypted FROM sa_destinations")).one()
        stored = get_destination_with_secrets(session, SecretBox.from_settings(settings), "One")
    raw = f"{row[0]} {row[1]}"
    for value in SECRETS.values():
        assert value not in raw
    assert stored == _destination("One")


def test_destination_without_secrets_stores_none(client: TestClient, database: Database) -> None:
    client.post(DESTINATIONS, json={"Name": "Open", "Type": "HTTP", "URL": "https://x.example"})
    with database.read() as session:
        assert session.execute(text("SELECT secrets_encrypted FROM sa_destinations")).scalar_one() is None


def test_put_replaces_a_secret(client: TestClient, database: Database, settings: Settings) -> None:
    client.post(DESTINATIONS, json=basic_destination("B"))
    client.put(DESTINATIONS, json=basic_destination("B", Password="a-new-password"))
    with database.read() as session:
        stored = get_destination_with_secrets(session, SecretBox.from_settings(settings), "B")
    assert stored["Password"] == "a-new-password"
