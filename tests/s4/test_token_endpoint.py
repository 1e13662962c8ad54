"""``POST /sap/bc/sec/oauth2/token``: the SAML 2.0 bearer grant, its RFC 6749 §5.2 errors, and the services
its tokens open. Every rejection asserts the exact error and that nothing changed (no token stored, the
replay cache untouched)."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select
from starlette.testclient import TestClient

from trustbridge.s4.models import AccessToken, UsedAssertion
from trustbridge.saml.assertion import AssertionContent, build_assertion
from trustbridge.saml.constants import NAMEID_EMAIL, SAML, q
from trustbridge.saml.signer import sign, to_bytes
from trustbridge.storage import Database

from .support import PASSWORD, S4, TRUST_CN, Certificates

TOKEN_PATH = "/sap/bc/sec/oauth2/token"
GRANT = "urn:ietf:params:oauth:grant-type:saml2-bearer"
AUDIENCE = "https://my300000.s4hana.ondemand.com"
PUBLIC_TOKEN_URL = "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"
LOCAL_TOKEN_URL = "http://127.0.0.1:18082/sap/bc/sec/oauth2/token"
REPLICATION = "/sap/opu/odata4/sap/api_task_spi_replication/default/sap/api_task_spi_replication/0001/"
DETAILS = "/sap/opu/odata4/sap/api_task_spi_details/default/sap/api_task_spi_details/0001/"
UUID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
VIEWER_UUID = "16fd2706-8baf-433b-82eb-8c7fada847da"
TASK_CENTER_CATALOG = "SAP_CORE_BC_BPM_OINB"


@dataclass
class Chain:
    s4: S4
    certs: Certificates
    database: Database

    @property
    def http(self) -> TestClient:
        return self.s4.client

    def assertion(self, mutate: Callable[[etree._Element], None] | None = None, **overrides: Any) -> bytes:
        values: dict[str, Any] = {
            "issuer": TRUST_CN,
            "name_id": UUID,
            "audience": AUDIENCE,
            "recipient": LOCAL_TOKEN_URL,
            "attributes": {"user_uuid": [UUID]},
        }
        values.update(overrides)
        element = build_assertion(AssertionContent(**values))
        if mutate is not None:
            mutate(element)
        return to_bytes(sign(element, self.certs.key))

    def post(
        self,
        assertion: bytes | str | None,
        *,
        user: str = "TASKCENTERCOM",
        password: str = PASSWORD,
        extra: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Any:
        form: dict[str, str] = {"grant_type": GRANT, "client_id": user}
        if assertion is not None:
            form["assertion"] = (
                assertion if isinstance(assertion, str) else base64.urlsafe_b64encode(assertion).decode().rstrip("=")
            )
        form.update(extra or {})
        return self.http.post(TOKEN_PATH, data=form, auth=(user, password) if auth else None)

    def counts(self) -> tuple[int, int]:
        with self.database.read() as session:
            tokens = session.scalar(select(func.count()).select_from(AccessToken)) or 0
            used = session.scalar(select(func.count()).select_from(UsedAssertion)) or 0
            return tokens, used

    def rejected(self, response: Any, status: int, error: str, mentions: str | None = None) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert body["error"] == error, body
        assert "access_token" not in body
        if mentions is not None:
            assert mentions.lower() in body.get("error_description", "").lower(), body
        assert self.counts() == (0, 0), "a rejected request changed the token store or the replay cache"
        return body


@pytest.fixture
def chain(s4: S4, certs: Certificates, database: Database) -> Chain:
    """The seed's S/4 side done (steps 2–19) plus business users: APPROVER (Task Center catalog), VIEWER (none)."""
    s4.configured_system(certs)
    s4.arrangement("TASKCENTER", communication_system="BTP_TASK_CENTER")
    s4.ok(
        "POST", "/api/business-roles", 201, json={"role_id": "ZTASK", "name": "Task", "catalogs": [TASK_CENTER_CATALOG]}
    )
    s4.ok(
        "POST",
        "/api/business-users",
        201,
        json={"user_name": "APPROVER", "global_user_id": UUID, "email": "approver@example.com", "roles": ["ZTASK"]},
    )
    s4.ok("POST", "/api/business-users", 201, json={"user_name": "VIEWER", "global_user_id": VIEWER_UUID})
    return Chain(s4, certs, database)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- the happy path ----------------------------------------------------------------------------------------


def test_a_valid_assertion_yields_a_token_that_opens_the_task_services(chain: Chain) -> None:
    response = chain.post(chain.assertion())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == ["OV4:API_TASK_SPI_REPLICATION", "OV4:API_TASK_SPI_DETAILS"]
    assert len(base64.urlsafe_b64decode(body["access_token"] + "=")) == 32  # 256 bits
    assert response.headers["cache-control"] == "no-store"
    assert chain.counts() == (1, 1)
    with chain.database.read() as session:
        stored = session.scalars(select(AccessToken)).one()
        assert stored.token_hash != body["access_token"] and body["access_token"] not in stored.token_hash

    root = chain.http.get(REPLICATION + "?sap-client=100", headers=_bearer(body["access_token"]), auth=None)
    assert root.status_code == 200, root.text
    assert root.headers["odata-version"] == "4.0"
    assert root.json()["value"][0]["name"] == "Tasks"
    metadata = chain.http.get(DETAILS + "$metadata", headers=_bearer(body["access_token"]), auth=None)
    assert metadata.status_code == 200
    assert etree.fromstring(metadata.content).tag == "{http://docs.oasis-open.org/odata/ns/edmx}Edmx"


def test_the_same_assertion_a_second_time_is_a_replay(chain: Chain) -> None:
    assertion = chain.assertion()
    assert chain.post(assertion).status_code == 200
    again = chain.post(assertion)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]
    assert chain.counts() == (1, 1)


def test_the_public_token_url_is_an_accepted_recipient_and_standard_base64_too(chain: Chain) -> None:
    xml = chain.assertion(recipient=PUBLIC_TOKEN_URL)
    response = chain.post(base64.b64encode(xml).decode())
    assert response.status_code == 200, response.text


def test_requested_scopes_narrow_the_token(chain: Chain) -> None:
    body = chain.post(chain.assertion(), extra={"scope": "OV4:API_TASK_SPI_REPLICATION"}).json()
    assert body["scope"] == "OV4:API_TASK_SPI_REPLICATION"
    assert chain.http.get(REPLICATION, headers=_bearer(body["access_token"]), auth=None).status_code == 200
    denied = chain.http.get(DETAILS, headers=_bearer(body["access_token"]), auth=None)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "scope_missing"


def test_email_name_id_maps_to_the_business_users_email(chain: Chain) -> None:
    response = chain.post(chain.assertion(name_id="approver@example.com", name_id_format=NAMEID_EMAIL))
    assert response.status_code == 200, response.text


# --- the inbound services ----------------------------------------------------------------------------------


def test_services_need_a_valid_token(chain: Chain) -> None:
    for headers in ({}, _bearer("not-a-token"), {"Authorization": "Basic eDp5"}):
        response = chain.http.get(REPLICATION, headers=headers, auth=None)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_services_refuse_a_user_without_the_task_center_catalog(chain: Chain) -> None:
    token = chain.post(chain.assertion(name_id=VIEWER_UUID)).json()["access_token"]
    response = chain.http.get(REPLICATION, headers=_bearer(token), auth=None)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "catalog_missing"


def test_an_expired_token_is_refused(chain: Chain) -> None:
    token = chain.post(chain.assertion()).json()["access_token"]
    with chain.database.transaction() as session:
        stored = session.scalars(select(AccessToken)).one()
        stored.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert chain.http.get(REPLICATION, headers=_bearer(token), auth=None).status_code == 401


# --- client authentication (invalid_client, 401, nothing learnt) ------------------------------------------


def test_no_or_wrong_client_credentials(chain: Chain) -> None:
    missing = chain.rejected(chain.post(chain.assertion(), auth=False), 401, "invalid_client")
    wrong = chain.rejected(chain.post(chain.assertion(), password=PASSWORD + "x"), 401, "invalid_client")
    unknown = chain.rejected(chain.post(chain.assertion(), user="NOBODY"), 401, "invalid_client")
    # an unauthenticated caller learns nothing: the same answer whatever the cause
    assert missing["error_description"] == wrong["error_description"] == unknown["error_description"]
    response = chain.post(chain.assertion(), password="wrong-password-1234567!")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_three_failures_lock_the_communication_user(chain: Chain) -> None:
    for _ in range(3):
        chain.rejected(chain.post(chain.assertion(), password="Wrong-Password-1234567!"), 401, "invalid_client")
    chain.rejected(chain.post(chain.assertion()), 401, "invalid_client")  # the right password, but locked
    assert chain.s4.get("/api/communication-users/TASKCENTERCOM")["locked"] is True


def test_client_id_must_be_the_authenticated_user(chain: Chain) -> None:
    chain.rejected(chain.post(chain.assertion(), extra={"client_id": "SOMEONE"}), 401, "invalid_client", "client_id")


def test_a_client_without_an_oauth_arrangement(chain: Chain) -> None:
    chain.s4.user("OTHERUSER")
    chain.rejected(chain.post(chain.assertion(), user="OTHERUSER"), 400, "unauthorized_client", "OAuth 2.0")


def test_the_client_of_another_arrangement_cannot_use_this_systems_assertions(
    chain: Chain, certs: Certificates
) -> None:
    chain.s4.user("OTHERUSER")
    chain.s4.system("OTHER_SYSTEM", oauth2_idp_enabled=True)
    assert chain.s4.upload("OTHER_SYSTEM", certs.other_pem).status_code == 200
    chain.s4.patch_system("OTHER_SYSTEM", saml_issuer="other-issuer", user_id_mapping_mode="user_uuid")
    chain.s4.inbound("OTHER_SYSTEM", "OTHERUSER")
    chain.s4.arrangement("OTHER", communication_system="OTHER_SYSTEM")
    chain.rejected(chain.post(chain.assertion(), user="OTHERUSER"), 400, "invalid_grant", "signature")


# --- request shape (invalid_request, unsupported_grant_type) ----------------------------------------------


def test_unsupported_grant_type(chain: Chain) -> None:
    response = chain.http.post(
        TOKEN_PATH, data={"grant_type": "password", "username": "x", "password": "y"}, auth=("TASKCENTERCOM", PASSWORD)
    )
    chain.rejected(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    ("assertion", "mentions"),
    [(None, "assertion"), ("%%%not-base64%%%", "base64"), ("a-b+c", "base64"), ("abcde", "truncated")],
)
def test_missing_or_malformed_assertion(chain: Chain, assertion: str | None, mentions: str) -> None:
    chain.rejected(chain.post(assertion), 400, "invalid_request", mentions)


def test_a_repeated_parameter_and_a_wrong_media_type(chain: Chain) -> None:
    encoded = base64.urlsafe_b64encode(chain.assertion()).decode()
    body = f"grant_type={GRANT}&assertion={encoded}&assertion={encoded}"
    response = chain.http.post(
        TOKEN_PATH,
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=("TASKCENTERCOM", PASSWORD),
    )
    chain.rejected(response, 400, "invalid_request", "more than once")
    response = chain.http.post(TOKEN_PATH, json={"grant_type": GRANT}, auth=("TASKCENTERCOM", PASSWORD))
    chain.rejected(response, 400, "invalid_request", "x-www-form-urlencoded")


# --- the assertion's content (invalid_grant naming the check) ---------------------------------------------


def test_wrong_issuer(chain: Chain) -> None:
    chain.rejected(
        chain.post(chain.assertion(issuer="https://sub.authentication.eu10.hana.ondemand.com")),
        400,
        "invalid_grant",
        "issuer",
    )


def test_audience_with_the_api_host(chain: Chain) -> None:
    body = chain.rejected(
        chain.post(chain.assertion(audience="https://my300000-api.s4hana.ondemand.com")),
        400,
        "invalid_grant",
        "audience",
    )
    assert AUDIENCE in body["error_description"]


def test_wrong_recipient(chain: Chain) -> None:
    chain.rejected(
        chain.post(chain.assertion(recipient="https://elsewhere.example/token")), 400, "invalid_grant", "recipient"
    )


def _confirmation_method(method: str) -> Callable[[etree._Element], None]:
    def mutate(element: etree._Element) -> None:
        confirmation = element.find(f"{q(SAML, 'Subject')}/{q(SAML, 'SubjectConfirmation')}")
        assert confirmation is not None
        confirmation.set("Method", method)

    return mutate


def _drop_confirmation(element: etree._Element) -> None:
    subject = element.find(q(SAML, "Subject"))
    assert subject is not None
    subject.remove(subject.find(q(SAML, "SubjectConfirmation")))  # type: ignore[arg-type]


def test_missing_or_non_bearer_subject_confirmation(chain: Chain) -> None:
    chain.rejected(chain.post(chain.assertion(mutate=_drop_confirmation)), 400, "invalid_grant", "bearer")
    holder = _confirmation_method("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
    chain.rejected(chain.post(chain.assertion(mutate=holder)), 400, "invalid_grant", "bearer")


def test_expired_not_yet_valid_and_too_long(chain: Chain) -> None:
    now = dt.datetime.now(dt.UTC)
    chain.rejected(
        chain.post(chain.assertion(issue_instant=now - dt.timedelta(minutes=30))), 400, "invalid_grant", "expired"
    )
    chain.rejected(
        chain.post(chain.assertion(issue_instant=now + dt.timedelta(minutes=10))), 400, "invalid_grant", "not valid yet"
    )
    chain.rejected(chain.post(chain.assertion(lifetime=dt.timedelta(hours=2))), 400, "invalid_grant", "longer than")


def test_identity_provider_toggle_off(chain: Chain) -> None:
    chain.s4.patch_system("BTP_TASK_CENTER", oauth2_idp_enabled=False)
    chain.rejected(chain.post(chain.assertion()), 400, "invalid_grant", "Identity Provider is off")


def test_unknown_locked_and_empty_business_users(chain: Chain) -> None:
    chain.rejected(
        chain.post(chain.assertion(name_id="ffffffff-0000-0000-0000-000000000000")),
        400,
        "invalid_grant",
        "Global User ID",
    )
    # exact match: no case folding, no trimming
    chain.rejected(chain.post(chain.assertion(name_id=UUID.upper())), 400, "invalid_grant", "Global User ID")
    chain.rejected(chain.post(chain.assertion(name_id=UUID + " ")), 400, "invalid_grant", "Global User ID")
    chain.rejected(chain.post(chain.assertion(name_id="")), 400, "invalid_grant", "NameID is empty")
    chain.s4.ok("PATCH", "/api/business-users/APPROVER", json={"locked": True})
    chain.rejected(chain.post(chain.assertion()), 400, "invalid_grant", "locked")


def test_unknown_scope(chain: Chain) -> None:
    chain.rejected(
        chain.post(chain.assertion(), extra={"scope": "API_BUSINESS_PARTNER_0001"}), 400, "invalid_scope", "not granted"
    )


def test_a_foreign_signature_and_a_tampered_assertion(chain: Chain, certs: Certificates) -> None:
    from trustbridge.pki.certificates import generate_private_key

    element = build_assertion(
        AssertionContent(issuer=TRUST_CN, name_id=UUID, audience=AUDIENCE, recipient=LOCAL_TOKEN_URL)
    )
    foreign = to_bytes(sign(element, generate_private_key(2048), certificate_der=b"\x30\x00"))
    chain.rejected(chain.post(foreign), 400, "invalid_grant", "signature")
    tampered = chain.assertion().replace(UUID.encode(), VIEWER_UUID.encode(), 1)
    chain.rejected(chain.post(tampered), 400, "invalid_grant", "changed after it was signed")


def test_rejections_are_logged_with_a_reason_and_never_with_secrets(
    chain: Chain, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assertion = chain.assertion(audience="https://wrong.example")
    encoded = base64.urlsafe_b64encode(assertion).decode().rstrip("=")
    chain.post(assertion)
    chain.post(assertion, password="Wrong-Password-1234567!")
    token = chain.post(chain.assertion()).json()["access_token"]
    text = caplog.text
    assert "reason=audience_mismatch" in text
    assert "reason=client_authentication_failed" in text
    for secret in (PASSWORD, "Wrong-Password-1234567!", encoded, encoded[:40], token):
        assert secret not in text


def test_sha1_signatures_are_refused_unless_the_system_allows_them(chain: Chain, certs: Certificates) -> None:
    from types import SimpleNamespace

    from tests.saml.test_attacks import _resign_sha1

    def sha1_assertion() -> bytes:
        return _resign_sha1(SimpleNamespace(key=certs.key), chain.assertion())  # type: ignore[arg-type]

    chain.rejected(chain.post(sha1_assertion()), 400, "invalid_grant", "RSA-SHA256")
    chain.s4.patch_system("BTP_TASK_CENTER", allow_sha1=True)
    assert chain.post(sha1_assertion()).status_code == 200


@pytest.mark.parametrize("variant", ["xsw3", "xsw4", "xsw7", "xsw8"])
def test_signature_wrapping_at_the_endpoint(chain: Chain, variant: str) -> None:
    from tests.saml import test_attacks

    attack = getattr(test_attacks, variant)
    chain.rejected(chain.post(attack(chain.assertion())), 400, "invalid_grant", "Assertion rejected")


@pytest.mark.parametrize(
    "prefix",
    [
        b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>',
    ],
)
def test_dtds_at_the_endpoint(chain: Chain, prefix: bytes) -> None:
    chain.rejected(chain.post(prefix + chain.assertion()), 400, "invalid_grant", "DTD")


def test_two_assertions_and_a_response_wrapper_at_the_endpoint(chain: Chain) -> None:
    two = b"<x>" + chain.assertion() + chain.assertion() + b"</x>"
    chain.rejected(chain.post(two), 400, "invalid_grant", "not exactly one saml2:Assertion")
    response = (
        b'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">'
        + chain.assertion()
        + b"</samlp:Response>"
    )
    chain.rejected(chain.post(response), 400, "invalid_grant", "Response")


def test_oversized_and_deep_input_at_the_endpoint(chain: Chain) -> None:
    deep = chain.assertion().replace(b"</saml2:Assertion>", b"<x>" * 50 + b"</x>" * 50 + b"</saml2:Assertion>")
    chain.rejected(chain.post(deep), 400, "invalid_grant", "deeper")
    big = chain.assertion().replace(b"</saml2:Assertion>", b"<x>" + b"a" * 150_000 + b"</x></saml2:Assertion>")
    chain.rejected(chain.post(big), 400, "invalid_request", "too large")


def test_comment_and_unsigned_at_the_endpoint(chain: Chain) -> None:
    commented = chain.assertion(name_id=UUID + ".x").replace((UUID + ".x").encode(), (UUID + "<!---->.x").encode())
    chain.rejected(chain.post(commented), 400, "invalid_grant", "comments")
    from tests.saml.test_attacks import _drop_signature

    unsigned = etree.tostring(_drop_signature(etree.fromstring(chain.assertion())))
    chain.rejected(chain.post(unsigned), 400, "invalid_grant", "not signed")


def test_a_remembered_client_is_refused_once_locked_or_its_password_changed(chain: Chain) -> None:
    assert chain.post(chain.assertion()).status_code == 200  # the credentials are now remembered
    chain.s4.ok("PATCH", "/api/communication-users/TASKCENTERCOM", json={"locked": True})
    response = chain.post(chain.assertion())
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    chain.s4.ok("PATCH", "/api/communication-users/TASKCENTERCOM", json={"locked": False})
    assert chain.post(chain.assertion()).status_code == 200
    chain.s4.ok("PATCH", "/api/communication-users/TASKCENTERCOM", json={"password": PASSWORD + "2"})
    assert chain.post(chain.assertion()).status_code == 401
    assert chain.post(chain.assertion(), password=PASSWORD + "2").status_code == 200


def test_an_assertion_that_cannot_be_canonicalised_is_invalid_grant_not_a_server_error(chain: Chain) -> None:
    xml = chain.assertion().replace(b"<saml2:Issuer>", b'<saml2:Issuer xmlns:p="relative">', 1)
    chain.rejected(chain.post(xml), 400, "invalid_grant", "canonicalised")
