"""Destination find over HTTP: ``/destination-configuration/v1|v2/destinations/{name}`` [SPEC], research §C.

The subaccount app runs in-process (TestClient) with the S/4 app behind its token requests; the service and
user JWTs come from the subaccount's own authorization server.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.landscape import demo

from .test_find_support import Chain, open_chain

V1 = "/destination-configuration/v1/destinations"
V2 = "/destination-configuration/v2/destinations"


@pytest.fixture
def chain(settings: Settings) -> Iterator[Chain]:
    with open_chain(settings) as opened:
        yield opened


@pytest.fixture
def api(chain: Chain) -> Iterator[TestClient]:
    with TestClient(chain.landscape.subaccount_app) as client:
        yield client


def _headers(chain: Chain, user: str | None = "approver", **extra: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {chain.xsuaa.client_token()}"}
    if user is not None:
        headers["X-user-token"] = chain.xsuaa.user_token(user)
    headers.update(extra)
    return headers


def _error(body: dict[str, Any]) -> str:
    assert set(body) == {"ErrorMessage"}
    message = body["ErrorMessage"]
    assert isinstance(message, str)
    return message


def test_v1_find_answers_owner_configuration_and_a_working_token(chain: Chain, api: TestClient) -> None:
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain))
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["owner", "destinationConfiguration", "authTokens"]
    assert body["owner"] == {"SubaccountId": chain.landscape.subaccount_id, "InstanceId": None}
    config = body["destinationConfiguration"]
    assert config["Name"] == demo.DESTINATION
    assert config["tokenServicePassword"] == chain.secrets.communication_user_password  # consumption API
    (token,) = body["authTokens"]
    assert token["type"] == "Bearer" and token["expires_in"] == "3600"
    assert token["http_header"] == {"key": "Authorization", "value": f"Bearer {token['value']}"}
    assert chain.opens_spi_root(token["http_header"]["value"]) == 200
    assert response.headers["ETag"]


def test_v2_find_has_no_owner_unless_asked_and_honours_levels(chain: Chain, api: TestClient) -> None:
    plain = api.get(f"{V2}/{demo.DESTINATION}", headers=_headers(chain))
    assert plain.status_code == 200
    assert list(plain.json()) == ["destinationConfiguration", "authTokens"]

    with_owner = api.get(
        f"{V2}/{demo.DESTINATION}@subaccount", params={"$includeMetadata": "owner"}, headers=_headers(chain)
    )
    assert with_owner.status_code == 200
    assert with_owner.json()["owner"]["SubaccountId"] == chain.landscape.subaccount_id
    assert with_owner.json()["authTokens"][0]["value"] == plain.json()["authTokens"][0]["value"]  # cached
    assert chain.token_calls == 1

    provider = api.get(f"{V2}/{demo.DESTINATION}@provider_subaccount", headers=_headers(chain))
    assert provider.status_code == 200
    instance = api.get(f"{V2}/{demo.DESTINATION}@instance", headers=_headers(chain))
    assert instance.status_code == 404
    assert "does not exist" in _error(instance.json())
    unknown = api.get(f"{V2}/{demo.DESTINATION}@galaxy", headers=_headers(chain))
    assert unknown.status_code == 400
    assert "galaxy" in _error(unknown.json())
    bad_metadata = api.get(f"{V2}/{demo.DESTINATION}", params={"$includeMetadata": "etag"}, headers=_headers(chain))
    assert bad_metadata.status_code == 400


def test_find_needs_a_bearer_token_of_the_subaccount(chain: Chain, api: TestClient) -> None:
    path = f"{V1}/{demo.DESTINATION}"
    missing = api.get(path)
    assert missing.status_code == 401
    assert missing.text == "Unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer ")
    admin = "Basic " + base64.b64encode(f"admin:{chain.landscape.admin_password('subaccount')}".encode()).decode()
    assert api.get(path, headers={"Authorization": admin}).status_code == 401  # admin Basic is not enough
    forged = api.get(path, headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 401
    assert 'error="invalid_token"' in forged.headers["WWW-Authenticate"]
    assert chain.token_calls == 0


def test_unknown_destination_is_404(chain: Chain, api: TestClient) -> None:
    response = api.get(f"{V1}/Nowhere", headers=_headers(chain))
    assert response.status_code == 404
    assert _error(response.json()) == "Destination 'Nowhere' does not exist"


def test_x_user_token_with_x_tenant_is_400(chain: Chain, api: TestClient) -> None:
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, **{"X-tenant": "other"}))
    assert response.status_code == 400
    assert "X-tenant" in _error(response.json())


def test_skip_token_retrieval_and_skip_credentials(chain: Chain, api: TestClient) -> None:
    response = api.get(
        f"{V1}/{demo.DESTINATION}",
        params={"$skipTokenRetrieval": "true", "$skipCredentials": "true"},
        headers=_headers(chain),
    )
    assert response.status_code == 200
    body = response.json()
    assert "authTokens" not in body
    assert "tokenServicePassword" not in body["destinationConfiguration"]
    assert body["destinationConfiguration"]["tokenServiceUser"] == demo.COMMUNICATION_USER
    assert chain.token_calls == 0
    wrong = api.get(f"{V1}/{demo.DESTINATION}", params={"$skipTokenRetrieval": "yes"}, headers=_headers(chain))
    assert wrong.status_code == 400


def test_without_x_user_token_the_user_comes_from_the_authorization_token(chain: Chain, api: TestClient) -> None:
    headers = {"Authorization": f"Bearer {chain.xsuaa.user_token('approver')}"}
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=headers)
    (token,) = response.json()["authTokens"]
    assert token["type"] == "Bearer"
    assert chain.opens_spi_root(token["http_header"]["value"]) == 200


def test_a_service_token_alone_gives_a_no_user_error_entry(chain: Chain, api: TestClient) -> None:
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, user=None))
    assert response.status_code == 200
    (token,) = response.json()["authTokens"]
    assert token["type"] == token["value"] == ""
    assert "no user token" in token["error"]


def test_an_invalid_or_foreign_x_user_token_is_an_error_entry(chain: Chain, api: TestClient) -> None:
    forged = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, user=None, **{"X-user-token": "forged"}))
    assert "not a valid user token" in forged.json()["authTokens"][0]["error"]
    foreign = chain.xsuaa.user_token("approver", client_id="sb-other-app")  # aud does not name the caller
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, user=None, **{"X-user-token": foreign}))
    assert "audience" in response.json()["authTokens"][0]["error"]
    client_only = chain.xsuaa.client_token()
    response = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, user=None, **{"X-user-token": client_only}))
    assert "carries no user" in response.json()["authTokens"][0]["error"]
    assert chain.token_calls == 0


def test_etag_preconditions(chain: Chain, api: TestClient) -> None:
    first = api.get(f"{V1}/{demo.DESTINATION}", params={"$skipTokenRetrieval": "true"}, headers=_headers(chain))
    etag = first.headers["ETag"]
    unchanged = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, **{"If-None-Match": etag}))
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    stale = api.get(f"{V1}/{demo.DESTINATION}", headers=_headers(chain, **{"If-Match": "0" * 64}))
    assert stale.status_code == 412
    assert chain.token_calls == 0


def test_no_authentication_and_basic_destinations_over_http(chain: Chain, api: TestClient) -> None:
    with chain.subaccount_admin() as admin:
        for body in (
            {"Name": "Open", "Type": "HTTP", "URL": "https://open.example.com"},
            {
                "Name": "Backend",
                "Type": "HTTP",
                "URL": "https://backend.example.com",
                "Authentication": "BasicAuthentication",
                "User": "ALICE",
                "Password": "secret-Pw1",
            },
        ):
            assert admin.post("/destination-configuration/v1/subaccountDestinations", json=body).status_code == 201
    open_body = api.get(f"{V2}/Open", headers=_headers(chain, user=None)).json()
    assert open_body == {
        "destinationConfiguration": {"Name": "Open", "Type": "HTTP", "URL": "https://open.example.com"}
    }
    basic = api.get(f"{V2}/Backend", headers=_headers(chain, user=None)).json()
    expected = base64.b64encode(b"ALICE:secret-Pw1").decode()
    assert basic["authTokens"] == [
        {"type": "Basic", "value": expected, "http_header": {"key": "Authorization", "value": f"Basic {expected}"}}
    ]
    assert basic["destinationConfiguration"]["Password"] == "secret-Pw1"
