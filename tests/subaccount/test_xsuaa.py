"""The subaccount's XSUAA-like authorization server: /oauth/token, /token_keys, key rotation, bearer tokens."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import users
from trustbridge.subaccount.setup import SubaccountBootstrap, bootstrap
from trustbridge.subaccount.xsuaa import keys
from trustbridge.subaccount.xsuaa.bindings import (
    binding_credentials,
    create_binding,
    sdk_environment,
)
from trustbridge.subaccount.xsuaa.tokens import (
    InvalidToken,
    issue_client_token,
    issue_user_token,
    issuer_of,
    verify_access_token,
)

from .conftest import DESTINATIONS, TEST_KEY_SIZE, basic

TOKEN = "/oauth/token"
BASE_URL = "http://testserver"
CLIENT_ID = re.compile(r"sb-clone[0-9a-f]{32}!b\d{6}\|destination-xsappname!b404")


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox.from_settings(settings)


@pytest.fixture
def binding(database: Database, box: SecretBox, boot: SubaccountBootstrap) -> dict[str, str]:
    with database.read() as session:
        return binding_credentials(session, box, BASE_URL)


@pytest.fixture
def approver(database: Database, boot: SubaccountBootstrap) -> users.UserView:
    with database.transaction() as session:
        return users.create_user(
            session,
            login="Approver",
            email="approver@example.com",
            password="Appr0ver-Passw0rd",
            first_name="Ada",
            last_name="Approver",
            groups=["TaskCenterApprovers"],
        )


def _client_token(anonymous: TestClient, binding: dict[str, str]) -> str:
    response = anonymous.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _user_token(anonymous: TestClient, binding: dict[str, str], login: str = "approver") -> str:
    response = anonymous.post(
        TOKEN,
        data={"grant_type": "password", "username": login, "password": "Appr0ver-Passw0rd"},
        auth=(binding["clientid"], binding["clientsecret"]),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(_b64(header)), json.loads(_b64(payload))


def _verify_with_jwks_independently(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """RS256 by hand with ``cryptography``: RSASSA-PKCS1-v1_5 / SHA-256 over ``header.payload``."""
    header, claims = _decode_unverified(token)
    (jwk,) = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    numbers = rsa.RSAPublicNumbers(int.from_bytes(_b64(jwk["e"])), int.from_bytes(_b64(jwk["n"])))
    signing_input, _, signature = token.rpartition(".")
    numbers.public_key().verify(_b64(signature), signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return claims


# --- bootstrap ------------------------------------------------------------------------------------------------


def test_bootstrap_creates_a_signing_key_and_the_destination_binding_once(
    database: Database, settings: Settings, boot: SubaccountBootstrap, box: SecretBox
) -> None:
    assert boot.token_key_generated and boot.binding_created
    with database.read() as session:
        first = binding_credentials(session, box, BASE_URL + "/")
        kids = [key.kid for key in keys.signing_keys(session)]
    again = bootstrap(database, settings, key_size=TEST_KEY_SIZE)
    assert not again.token_key_generated and not again.binding_created
    with database.read() as session:
        assert binding_credentials(session, box, BASE_URL) == first
        assert [key.kid for key in keys.signing_keys(session)] == kids
    assert set(first) == {"clientid", "clientsecret", "url", "uri", "identityzone"}
    assert CLIENT_ID.fullmatch(first["clientid"])
    assert re.fullmatch(r"[0-9a-f-]{36}\$[A-Za-z0-9_-]{43}=", first["clientsecret"])
    assert first["url"] == first["uri"] == BASE_URL
    assert first["identityzone"] == boot.subdomain
    assert len(kids) == 1


def test_the_client_secret_is_stored_hashed_and_encrypted(database: Database, binding: dict[str, str]) -> None:
    from trustbridge.subaccount.models import ServiceBinding

    with database.read() as session:
        row = session.query(ServiceBinding).one()
        assert row.clientsecret_hash.startswith("$argon2id$")
        assert binding["clientsecret"] not in row.clientsecret_hash + row.clientsecret_encrypted


def test_sdk_environment_names(binding: dict[str, str]) -> None:
    env = sdk_environment(binding)
    assert env == {
        "CLOUD_SDK_CFG_DESTINATION_DEFAULT_CLIENTID": binding["clientid"],
        "CLOUD_SDK_CFG_DESTINATION_DEFAULT_CLIENTSECRET": binding["clientsecret"],
        "CLOUD_SDK_CFG_DESTINATION_DEFAULT_URL": BASE_URL,
        "CLOUD_SDK_CFG_DESTINATION_DEFAULT_URI": BASE_URL,
        "CLOUD_SDK_CFG_DESTINATION_DEFAULT_IDENTITYZONE": binding["identityzone"],
    }
    assert "CLOUD_SDK_CFG_DESTINATION_MY_DEST_URL" in sdk_environment(binding, "my-dest")


# --- the token endpoint -----------------------------------------------------------------------------------------


def test_client_credentials_in_the_form_body_as_sap_cloud_sdk_sends_them(
    anonymous: TestClient, binding: dict[str, str]
) -> None:
    response = anonymous.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "jti"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 43200
    assert body["scope"] == "uaa.resource"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/json")
    _, claims = _decode_unverified(body["access_token"])
    assert claims["jti"] == body["jti"]


def test_client_credentials_in_http_basic(anonymous: TestClient, binding: dict[str, str]) -> None:
    response = anonymous.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=(binding["clientid"], binding["clientsecret"])
    )
    assert response.status_code == 200, response.text
    # RFC 6749 §2.3.1 form-encodes the credentials before Basic; the encoded form is accepted too
    from urllib.parse import quote_plus

    encoded = anonymous.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(quote_plus(binding["clientid"]), quote_plus(binding["clientsecret"]))},
    )
    assert encoded.status_code == 200, encoded.text
    # a client_id parameter naming the same client is fine
    same = anonymous.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": binding["clientid"]},
        auth=(binding["clientid"], binding["clientsecret"]),
    )
    assert same.status_code == 200, same.text


def test_password_grant_gives_a_user_token(
    anonymous: TestClient, binding: dict[str, str], approver: users.UserView
) -> None:
    response = anonymous.post(
        TOKEN,
        data={
            "grant_type": "password",
            "username": "approver",  # logins match ignoring case
            "password": "Appr0ver-Passw0rd",
            "client_id": binding["clientid"],
            "client_secret": binding["clientsecret"],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "openid uaa.user"
    _, claims = _decode_unverified(body["access_token"])
    assert claims["user_name"] == "Approver"
    assert claims["grant_type"] == "password"


@pytest.mark.parametrize(
    ("case", "status", "error"),
    [
        ("wrong_secret_body", 401, "invalid_client"),
        ("wrong_secret_basic", 401, "invalid_client"),
        ("unknown_client", 401, "invalid_client"),
        ("no_client_authentication", 401, "invalid_client"),
        ("malformed_basic", 401, "invalid_client"),
        ("basic_and_body_secret", 400, "invalid_request"),
        ("client_id_mismatch", 401, "invalid_client"),
        ("missing_grant_type", 400, "invalid_request"),
        ("unsupported_grant_type", 400, "unsupported_grant_type"),
        ("json_body", 400, "invalid_request"),
        ("repeated_parameter", 400, "invalid_request"),
        ("password_without_username", 400, "invalid_request"),
        ("wrong_user_password", 400, "invalid_grant"),
        ("unknown_user", 400, "invalid_grant"),
        ("unknown_scope", 400, "invalid_scope"),
    ],
)
def test_token_endpoint_errors(
    anonymous: TestClient,
    binding: dict[str, str],
    approver: users.UserView,
    case: str,
    status: int,
    error: str,
) -> None:
    cid, secret = binding["clientid"], binding["clientsecret"]
    cc = {"grant_type": "client_credentials"}
    kwargs: dict[str, Any] = {
        "wrong_secret_body": {"data": {**cc, "client_id": cid, "client_secret": secret + "x"}},
        "wrong_secret_basic": {"data": cc, "auth": (cid, secret + "x")},
        "unknown_client": {"data": {**cc, "client_id": "sb-nobody!b1", "client_secret": secret}},
        "no_client_authentication": {"data": {**cc, "client_id": cid}},
        "malformed_basic": {"data": cc, "headers": {"Authorization": "Basic !!!"}},
        "basic_and_body_secret": {"data": {**cc, "client_secret": secret}, "auth": (cid, secret)},
        "client_id_mismatch": {"data": {**cc, "client_id": "sb-other"}, "auth": (cid, secret)},
        "missing_grant_type": {"data": {"client_id": cid, "client_secret": secret}},
        "unsupported_grant_type": {"data": {"grant_type": "authorization_code", "code": "x"}, "auth": (cid, secret)},
        "json_body": {"json": {**cc, "client_id": cid, "client_secret": secret}},
        "repeated_parameter": {
            "content": "grant_type=client_credentials&grant_type=password",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "auth": (cid, secret),
        },
        "password_without_username": {"data": {"grant_type": "password", "password": "p"}, "auth": (cid, secret)},
        "wrong_user_password": {
            "data": {"grant_type": "password", "username": "approver", "password": "wrong-password"},
            "auth": (cid, secret),
        },
        "unknown_user": {
            "data": {"grant_type": "password", "username": "nobody", "password": "Appr0ver-Passw0rd"},
            "auth": (cid, secret),
        },
        "unknown_scope": {"data": {**cc, "scope": "uaa.admin"}, "auth": (cid, secret)},
    }[case]
    response = anonymous.post(TOKEN, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert "access_token" not in body
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic ")
        if case != "client_id_mismatch":  # (that client did authenticate)
            assert body["error_description"] == "Client authentication failed"  # not which part was wrong
    assert secret not in response.text


def test_a_remembered_client_still_needs_its_secret(anonymous: TestClient, binding: dict[str, str]) -> None:
    _client_token(anonymous, binding)
    again = anonymous.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=(binding["clientid"], binding["clientsecret"][:-1])
    )
    assert again.status_code == 401


def test_a_requested_scope_subset_is_granted(
    anonymous: TestClient, binding: dict[str, str], approver: users.UserView
) -> None:
    response = anonymous.post(
        TOKEN,
        data={"grant_type": "password", "username": "approver", "password": "Appr0ver-Passw0rd", "scope": "openid"},
        auth=(binding["clientid"], binding["clientsecret"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "openid"
    _, claims = _decode_unverified(response.json()["access_token"])
    assert claims["scope"] == ["openid"]


# --- the JWT ------------------------------------------------------------------------------------------------------


def test_client_token_claims_verify_with_the_published_jwks(
    anonymous: TestClient, binding: dict[str, str], boot: SubaccountBootstrap
) -> None:
    token = _client_token(anonymous, binding)
    jwks = anonymous.get("/token_keys").json()
    header, _ = _decode_unverified(token)
    assert header == {"alg": "RS256", "kid": jwks["keys"][0]["kid"], "typ": "JWT"}
    claims = _verify_with_jwks_independently(token, jwks)
    cid = binding["clientid"]
    assert claims["client_id"] == claims["cid"] == claims["azp"] == claims["sub"] == cid
    assert claims["grant_type"] == "client_credentials"
    assert claims["aud"] == [cid, "uaa"]
    assert claims["scope"] == ["uaa.resource"]
    assert claims["zid"] == boot.subaccount_id
    assert claims["iss"] == f"https://{boot.subdomain}.authentication.eu10.hana.ondemand.com/oauth/token"
    assert claims["ext_attr"] == {"enhancer": "XSUAA", "subaccountid": boot.subaccount_id, "zdn": boot.subdomain}
    assert claims["exp"] - claims["iat"] == 43200
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])
    assert "user_name" not in claims and "email" not in claims


def test_user_token_claims(
    anonymous: TestClient, binding: dict[str, str], approver: users.UserView, boot: SubaccountBootstrap
) -> None:
    token = _user_token(anonymous, binding)
    claims = _verify_with_jwks_independently(token, anonymous.get("/token_keys").json())
    assert claims["user_name"] == "Approver"
    assert claims["email"] == "approver@example.com"
    assert claims["user_uuid"] == approver.user_uuid
    assert claims["given_name"] == "Ada" and claims["family_name"] == "Approver"
    assert claims["xs.system.attributes"] == {"xs.saml.groups": ["TaskCenterApprovers"]}
    assert claims["xs.user.attributes"] == {}
    assert claims["origin"] == "sap.custom"
    assert re.fullmatch(r"[0-9a-f-]{36}", claims["user_id"]) and claims["user_id"] != approver.user_uuid
    assert claims["sub"] == claims["user_id"]
    assert claims["auth_time"] == claims["iat"]
    assert claims["grant_type"] == "password"
    assert claims["client_id"] == binding["clientid"]
    assert claims["aud"] == [binding["clientid"], "openid", "uaa"]
    assert claims["scope"] == ["openid", "uaa.user"]
    assert claims["zid"] == boot.subaccount_id


def test_jwks_is_public_and_holds_no_private_parts(anonymous: TestClient) -> None:
    response = anonymous.get("/token_keys")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert {"kty", "e", "n", "kid", "use", "alg", "value"} == set(key)
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    assert key["value"].startswith("-----BEGIN PUBLIC KEY-----")
    imported = RSAKey.import_key(key)
    assert imported.thumbprint() == key["kid"]  # kid = RFC 7638 thumbprint
    assert imported.public_key.key_size == 2048


def test_verify_access_token_accepts_its_own_tokens(
    database: Database, box: SecretBox, binding: dict[str, str], approver: users.UserView
) -> None:
    with database.read() as session:
        client_token = issue_client_token(session, box, client_id=binding["clientid"])
        user_token = issue_user_token(session, box, client_id=binding["clientid"], login="approver")
        client = verify_access_token(session, client_token, audience=binding["clientid"])
        user = verify_access_token(session, user_token, audience=binding["clientid"])
    assert client.client_id == binding["clientid"] and not client.is_user_token
    assert client.grant_type == "client_credentials" and client.scopes == ["uaa.resource"]
    assert user.is_user_token and user.grant_type == "password" and user.claims["user_name"] == "Approver"


# --- rotation -----------------------------------------------------------------------------------------------------


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(
    anonymous: TestClient,
    client: TestClient,
    binding: dict[str, str],
    database: Database,
) -> None:
    old_token = _client_token(anonymous, binding)
    old_kid = _decode_unverified(old_token)[0]["kid"]

    assert anonymous.post("/api/token-keys/rotate").status_code == 401
    bearer = {"Authorization": f"Bearer {old_token}"}
    assert anonymous.post("/api/token-keys/rotate", headers=bearer).status_code == 401  # admin only
    rotated = client.post("/api/token-keys/rotate")
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    assert [(k["kid"], k["active"]) for k in rotated.json()["keys"]] == [(new_kid, True), (old_kid, False)]
    assert [k["kid"] for k in client.get("/api/token-keys").json()["keys"]] == [new_kid, old_kid]

    jwks = anonymous.get("/token_keys").json()
    assert [key["kid"] for key in jwks["keys"]] == [new_kid, old_kid]
    new_token = _client_token(anonymous, binding)
    assert _decode_unverified(new_token)[0]["kid"] == new_kid
    _verify_with_jwks_independently(old_token, jwks)
    with database.read() as session:
        assert verify_access_token(session, old_token).client_id == binding["clientid"]
        assert verify_access_token(session, new_token).client_id == binding["clientid"]
    # the old token still opens the Destination service API
    assert anonymous.get(DESTINATIONS, headers=bearer).status_code == 200


def test_retired_keys_leave_the_jwks_after_their_tokens_expired(
    database: Database, box: SecretBox, binding: dict[str, str]
) -> None:
    start = dt.datetime.now(dt.UTC)
    with database.read() as session:
        old_token = issue_client_token(session, box, client_id=binding["clientid"], now=start)
    with database.transaction() as session:
        keys.rotate_signing_key(session, box, now=start)
    later = start + keys.RETIRED_KEY_RETENTION + dt.timedelta(seconds=1)
    with database.read() as session:
        assert len(keys.jwks(session, now=start)["keys"]) == 2
        assert len(keys.jwks(session, now=later)["keys"]) == 1
        with pytest.raises(InvalidToken, match="not among this subaccount's token keys"):
            verify_access_token(session, old_token, now=later)
    with database.transaction() as session:  # the next rotation deletes it
        keys.rotate_signing_key(session, box, now=later)
    with database.read() as session:
        assert len(keys.signing_keys(session, now=start)) == 2


# --- refusals -------------------------------------------------------------------------------------------------------


def _resign(token: str, changes: dict[str, Any], key: RSAKey, kid: str) -> str:
    _, claims = _decode_unverified(token)
    claims.update(changes)
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, key, algorithms=["RS256"])


def test_verify_access_token_refuses_with_a_clear_message(
    database: Database, box: SecretBox, binding: dict[str, str]
) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.read() as session:
        token = issue_client_token(session, box, client_id=binding["clientid"], now=now)
        kid, own_key = keys.active_signer(session, box)
    header, payload, signature = token.split(".")
    foreign = RSAKey.generate_key(2048, private=True)
    tampered_claims = _decode_unverified(token)[1] | {"client_id": "sb-evil"}
    tampered = f"{header}.{base64.urlsafe_b64encode(json.dumps(tampered_claims).encode()).decode().rstrip('=')}"
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"x"}').decode().rstrip("=")
    cases = [
        (token, {"now": now + dt.timedelta(hours=12, minutes=2)}, "expired at"),
        (f"{tampered}.{signature}", {}, "signature does not verify"),
        (_resign(token, {}, foreign, kid), {}, "signature does not verify"),
        (_resign(token, {}, foreign, foreign.thumbprint()), {}, "not among this subaccount's token keys"),
        (token, {"audience": "sb-someone-else"}, "audience"),
        (_resign(token, {"iss": "https://evil.example/oauth/token"}, own_key, kid), {}, "issuer"),
        (_resign(token, {"zid": "another-zone"}, own_key, kid), {}, "identity zone"),
        (_resign(token, {"iat": int(now.timestamp()) + 3600}, own_key, kid), {}, "'iat' lies in the future"),
        (_resign(token, {"nbf": int(now.timestamp()) + 3600}, own_key, kid), {}, "not valid yet"),
        (_resign(token, {"exp": None}, own_key, kid), {}, "'exp' claim"),
        (f"{none_header}.{payload}.", {}, "algorithm 'none'"),
        ("garbage", {}, "not a JWT"),
        ("", {}, "empty"),
    ]
    with database.read() as session:
        for value, options, message in cases:
            with pytest.raises(InvalidToken) as refused:
                verify_access_token(session, value, **options)
            assert message in refused.value.message, (message, refused.value.message)
        # within the clock skew an expired token still passes; just beyond it, not
        verify_access_token(session, token, now=now + dt.timedelta(hours=12, seconds=59))


def test_issuer_is_the_btp_shaped_identifier() -> None:
    assert issuer_of("acme", "us21") == "https://acme.authentication.us21.hana.ondemand.com/oauth/token"


# --- the Destination service API with bearer tokens ------------------------------------------------------------------


def test_destination_api_accepts_a_client_credentials_token(anonymous: TestClient, binding: dict[str, str]) -> None:
    token = _client_token(anonymous, binding)
    response = anonymous.get(DESTINATIONS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == []
    created = anonymous.post(
        DESTINATIONS,
        json={"Name": "Plain", "Type": "HTTP", "URL": "https://example.com"},
        headers={"Authorization": f"bearer {token}"},
    )
    assert created.status_code == 201, created.text


def test_bearer_tokens_do_not_open_the_admin_extensions(anonymous: TestClient, binding: dict[str, str]) -> None:
    token = _client_token(anonymous, binding)
    for path in ("/api/users", "/api/subaccount", "/api/token-keys", "/cockpit/destinations/download-trust"):
        response = anonymous.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, path


@pytest.mark.parametrize("kind", ["user_token_of_unknown_client", "user_token_on_admin_path", "garbage", "expired"])
def test_destination_api_refuses_other_tokens(
    anonymous: TestClient,
    database: Database,
    box: SecretBox,
    binding: dict[str, str],
    approver: users.UserView,
    kind: str,
) -> None:
    with database.read() as session:
        token = {
            "user_token_of_unknown_client": lambda: issue_user_token(
                session, box, client_id="sb-foreign!b1|app!b2", login="approver"
            ),
            "user_token_on_admin_path": lambda: issue_user_token(
                session, box, client_id=binding["clientid"], login="approver"
            ),
            "garbage": lambda: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
            "expired": lambda: issue_client_token(
                session, box, client_id=binding["clientid"], now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            ),
        }[kind]()
    response = anonymous.get(DESTINATIONS, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.text == "Unauthorized"
    challenges = response.headers.get_list("www-authenticate")
    assert any(c.startswith("Basic ") for c in challenges) and any(c.startswith("Bearer ") for c in challenges)


def test_a_token_of_a_second_binding_works_too(
    anonymous: TestClient, database: Database, box: SecretBox, boot: SubaccountBootstrap
) -> None:
    with database.transaction() as session:
        second = create_binding(session, box, "app", token_validity=600)
    with database.read() as session:
        credentials = binding_credentials(session, box, BASE_URL, name="app")
    assert credentials["clientid"] == second.clientid
    response = anonymous.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=(credentials["clientid"], credentials["clientsecret"])
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 600
    token = response.json()["access_token"]
    assert anonymous.get(DESTINATIONS, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_signature_check_is_real(anonymous: TestClient, binding: dict[str, str]) -> None:
    token = _client_token(anonymous, binding)
    jwks = anonymous.get("/token_keys").json()
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload[:-2]}AA.{signature}"
    with pytest.raises((InvalidSignature, ValueError)):
        _verify_with_jwks_independently(forged, jwks)
