"""Destination find, domain layer, on the whole chain in one process (subaccount + S/4 apps, one database).

``auth_tokens_for`` is called with user claims as the verified JWT carries them; the token request goes over
httpx to the S/4 app's real token endpoint, and the token it returns must open the SPI Task Replication root.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.pki.encryption import SecretBox
from trustbridge.subaccount import destinations, trust, users
from trustbridge.subaccount.find.auth_tokens import AuthToken, Caller, TokenRetrieval, auth_tokens_for
from trustbridge.subaccount.find.cache import CacheKey, TokenCache, margin_for
from trustbridge.subaccount.find.lookup import FoundDestination, find_destination

from .test_find_support import Chain, free_port, open_chain


@pytest.fixture
def chain(settings: Settings) -> Iterator[Chain]:
    with open_chain(settings) as opened:
        yield opened


def _box(chain: Chain) -> SecretBox:
    return SecretBox.from_settings(chain.landscape.settings)


def _found(chain: Chain, name: str = demo.DESTINATION) -> FoundDestination:
    with chain.db.read() as session:
        return find_destination(session, _box(chain), name)


def _claims(chain: Chain, login: str = "approver") -> dict[str, Any]:
    with chain.db.read() as session:
        return users.user_claims(users.require_user(session, login))


def _retrieval(chain: Chain, http: httpx.Client | None = None) -> TokenRetrieval:
    return TokenRetrieval(chain.db, _box(chain), http or chain.runtime.http, chain.runtime.cache)


def _one(tokens: list[AuthToken] | None) -> dict[str, Any]:
    assert tokens is not None and len(tokens) == 1
    return tokens[0].as_dict()


def _find_tokens(chain: Chain, caller: Caller, name: str = demo.DESTINATION) -> dict[str, Any]:
    return _one(auth_tokens_for(_found(chain, name), caller, _retrieval(chain)))


def _update(chain: Chain, name: str, **changes: str) -> None:
    with chain.db.transaction() as session:
        current = destinations.get_destination(session, name).properties
        destinations.update_destination(session, _box(chain), {**current, **changes})


def _create(chain: Chain, properties: dict[str, str]) -> None:
    with chain.db.transaction() as session:
        destinations.create_destination(session, _box(chain), properties)


def test_saml_bearer_answers_authtokens_as_sap_and_the_token_opens_the_spi_root(chain: Chain) -> None:
    entry = _find_tokens(chain, Caller(user_claims=_claims(chain)))

    assert set(entry) == {"type", "value", "http_header", "expires_in", "scope"}
    assert entry["type"] == "Bearer"
    assert isinstance(entry["value"], str) and len(entry["value"]) >= 32
    assert entry["http_header"] == {"key": "Authorization", "value": f"Bearer {entry['value']}"}
    assert entry["expires_in"] == "3600"  # a string, as SAP answers
    assert set(entry["scope"].split()) == {"OV4:API_TASK_SPI_REPLICATION", "OV4:API_TASK_SPI_DETAILS"}
    assert chain.token_calls == 1
    assert chain.opens_spi_root(entry["http_header"]["value"]) == 200


def test_second_find_is_served_from_the_cache_without_calling_the_token_service(chain: Chain) -> None:
    caller = Caller(user_claims=_claims(chain))
    first = _find_tokens(chain, caller)
    second = _find_tokens(chain, caller)

    assert chain.token_calls == 1
    assert second["value"] == first["value"]
    assert 0 < int(second["expires_in"]) <= int(first["expires_in"])  # the remaining lifetime
    assert chain.runtime.cache.hits == 1
    other = _find_tokens(chain, Caller(user_claims=_claims(chain, "viewer")))  # another user: its own token
    assert other["value"] != first["value"]
    assert chain.token_calls == 2


def test_a_changed_destination_misses_the_cache(chain: Chain) -> None:
    caller = Caller(user_claims=_claims(chain))
    first = _find_tokens(chain, caller)
    _update(chain, demo.DESTINATION, **{"tc.inbox.pull.days": "30"})  # revision bump

    second = _find_tokens(chain, caller)
    assert chain.token_calls == 2
    assert second["value"] != first["value"]
    assert chain.opens_spi_root(second["http_header"]["value"]) == 200


def test_a_rotated_certificate_misses_the_cache_and_signs_with_the_new_key(chain: Chain) -> None:
    caller = Caller(user_claims=_claims(chain))
    _find_tokens(chain, caller)
    box = _box(chain)
    with chain.db.transaction() as session:
        trust.generate_key_pair(session, box, trust.PASSIVE)
    with chain.db.transaction() as session:
        trust.rotate(session)

    stale = _find_tokens(chain, caller)  # S/4 still holds the old certificate: seed step 8 not redone
    assert chain.token_calls == 2
    assert stale["type"] == "" and "OAuth token retrieval failed" in stale["error"]

    with chain.db.read() as session:
        pem = trust.active_certificate_pem(session)
    with chain.s4_admin() as s4:
        uploaded = s4.put(
            f"/api/communication-systems/{demo.COMMUNICATION_SYSTEM}/signing-certificate", content=pem.encode()
        )
        assert uploaded.status_code == 200, uploaded.text
    fresh = _find_tokens(chain, caller)
    assert chain.token_calls == 3
    assert chain.opens_spi_root(fresh["http_header"]["value"]) == 200


def test_no_user_token_is_an_error_entry(chain: Chain) -> None:
    entry = _find_tokens(chain, Caller())
    assert entry == {"type": "", "value": "", "http_header": {"key": "", "value": ""}, "error": entry["error"]}
    assert "no user token" in entry["error"]
    assert chain.token_calls == 0


def test_a_user_without_user_uuid_cannot_be_mapped_with_user_id_source_user_uuid(chain: Chain) -> None:
    claims = _claims(chain)
    del claims["user_uuid"]
    entry = _find_tokens(chain, Caller(user_claims=claims))
    assert entry["type"] == entry["value"] == ""
    assert "user ID could not be determined" in entry["error"]
    assert "SAML assertion could not be built" in entry["error"]
    assert chain.token_calls == 0


def test_s4_refusing_the_audience_passes_its_description_through(chain: Chain) -> None:
    _update(chain, demo.DESTINATION, audience="https://my300000-api.s4hana.ondemand.com")
    entry = _find_tokens(chain, Caller(user_claims=_claims(chain)))
    assert entry["type"] == ""
    assert "answered HTTP 400: invalid_grant:" in entry["error"]
    assert "SAML2 audience" in entry["error"]  # S/4's own error_description
    assert len(chain.runtime.cache) == 0  # failures are never cached


def test_an_unreachable_token_service_is_an_error_entry(chain: Chain) -> None:
    _update(chain, demo.DESTINATION, tokenServiceURL=f"http://127.0.0.1:{free_port()}/sap/bc/sec/oauth2/token")
    entry = _find_tokens(chain, Caller(user_claims=_claims(chain)))
    assert entry["type"] == ""
    assert "could not be reached (ConnectError)" in entry["error"]


def test_an_s4_token_request_carries_client_key_basic_and_no_secret_in_errors(chain: Chain) -> None:
    _update(chain, demo.DESTINATION, tokenServicePassword="wrong-Password-123!")
    entry = _find_tokens(chain, Caller(user_claims=_claims(chain)))
    assert "answered HTTP 401: invalid_client" in entry["error"]
    assert "wrong-Password-123!" not in json.dumps(entry)
    with chain.s4_admin() as s4:  # unlock the communication user again (lockout after 3 failures)
        s4.patch(f"/api/communication-users/{demo.COMMUNICATION_USER}", json={"locked": False})


def test_basic_authentication_destination(chain: Chain) -> None:
    _create(
        chain,
        {
            "Name": "Backend",
            "Type": "HTTP",
            "URL": "https://backend.example.com",
            "Authentication": "BasicAuthentication",
            "User": "ALICE",
            "Password": "pä:ss",
        },
    )
    entry = _find_tokens(chain, Caller(), "Backend")
    assert entry == {
        "type": "Basic",
        "value": "QUxJQ0U6cMOkOnNz",  # base64("ALICE:pä:ss"), UTF-8
        "http_header": {"key": "Authorization", "value": "Basic QUxJQ0U6cMOkOnNz"},
    }


def test_no_authentication_destination_has_no_auth_tokens(chain: Chain) -> None:
    _create(chain, {"Name": "Open", "Type": "HTTP", "URL": "https://open.example.com"})
    assert auth_tokens_for(_found(chain, "Open"), Caller(), _retrieval(chain)) is None


def test_client_credentials_destination_posts_the_form_and_caches_per_revision(chain: Chain) -> None:
    seen: list[httpx.Request] = []

    def token_service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json={"access_token": f"cc-{len(seen)}", "token_type": "bearer", "expires_in": 43199, "scope": "x"}
        )

    http = httpx.Client(mounts={"https://uaa.example.com": httpx.MockTransport(token_service)})
    _create(
        chain,
        {
            "Name": "Machine",
            "Type": "HTTP",
            "URL": "https://api.example.com",
            "Authentication": "OAuth2ClientCredentials",
            "clientId": "sb-client",
            "clientSecret": "cc-Secret",
            "tokenServiceURL": "https://uaa.example.com/oauth/token",
            "tokenServiceURL.headers.X-Custom": "1",
            "tokenServiceURL.queries.tenant": "t1",
            "tokenService.body.resource": "urn:x",
        },
    )
    retrieval = _retrieval(chain, http)
    first = _one(auth_tokens_for(_found(chain, "Machine"), Caller(), retrieval))
    again = _one(auth_tokens_for(_found(chain, "Machine"), Caller(), retrieval))
    assert first == {
        "type": "Bearer",
        "value": "cc-1",
        "http_header": {"key": "Authorization", "value": "Bearer cc-1"},
        "expires_in": "43199",
        "scope": "x",
    }
    assert again["value"] == "cc-1" and len(seen) == 1
    request = seen[0]
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "sb-client",
        "client_secret": "cc-Secret",
        "resource": "urn:x",
    }
    assert request.headers["X-Custom"] == "1"
    assert request.url.params["tenant"] == "t1"
    assert "authorization" not in request.headers

    _update(chain, "Machine", clientSecret="cc-Secret-2")
    changed = _one(auth_tokens_for(_found(chain, "Machine"), Caller(), retrieval))
    assert changed["value"] == "cc-2"
    http.close()


def test_lookup_levels_and_configuration(chain: Chain) -> None:
    found = _found(chain)
    config = found.configuration(skip_credentials=False)
    assert config["tokenServicePassword"] == chain.secrets.communication_user_password
    assert "tokenServicePassword" not in found.configuration(skip_credentials=True)
    assert found.owner() == {"SubaccountId": chain.landscape.subaccount_id, "InstanceId": None}
    assert chain.secrets.communication_user_password not in repr(found)


def test_cache_margin_and_bound() -> None:
    now = [0.0]
    cache = TokenCache(max_entries=2, clock=lambda: now[0])
    assert margin_for(3600) == 360 and margin_for(120) == 60
    key = CacheKey("saml2_bearer", "D", 1, user_uuid="u")
    cache.put(key, "bearer", "t", None, 3600)
    now[0] = 3239
    assert cache.get(key) is not None
    now[0] = 3240
    assert cache.get(key) is None
    cache.put(CacheKey("k", "a", 1), "bearer", "a", None, 3600)
    cache.put(CacheKey("k", "b", 1), "bearer", "b", None, 3600)
    cache.put(CacheKey("k", "c", 1), "bearer", "c", None, 3600)
    assert len(cache) == 2 and cache.get(CacheKey("k", "a", 1)) is None
    cache.put(CacheKey("k", "short", 1), "bearer", "s", None, 50)  # shorter than the margin: not kept
    assert cache.get(CacheKey("k", "short", 1)) is None
