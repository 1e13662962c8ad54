"""The assertion the Destination service generates for a destination and a user (research §B, [CONN-USERPROP]).

Every assertion is checked with the strict verifier S/4 uses, against the subaccount's active certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from trustbridge.config import Settings
from trustbridge.errors import NotFound, ValidationFailed
from trustbridge.pki.encryption import SecretBox
from trustbridge.saml.constants import AC_PREVIOUS_SESSION, AC_X509, BEARER, DS, NAMEID_EMAIL, NAMEID_UNSPECIFIED
from trustbridge.saml.verifier import AssertionRejected, VerifiedAssertion, verify_assertion
from trustbridge.storage import Database
from trustbridge.subaccount import destinations, trust, users
from trustbridge.subaccount.assertions import (
    JsonPathError,
    SignedAssertion,
    assertion_for,
    evaluate_json_path,
    parse_json_path,
    select_name_id,
)
from trustbridge.subaccount.setup import SubaccountBootstrap

from .conftest import basic_destination, saml_bearer_destination

UUID = "5f3c1a2e-8b7d-4c6e-9a01-23456789abcd"
TOKEN_URL = "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"
AUDIENCE = "https://my300000.s4hana.ondemand.com"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def claims(**overrides: Any) -> dict[str, Any]:
    """An XSUAA user token's claims, as ``users.user_claims`` forms them."""
    values: dict[str, Any] = {
        "user_name": "approver",
        "email": "Approver@Example.com",
        "user_uuid": UUID,
        "given_name": "Approver",
        "family_name": "Demo",
        "zid": "11111111-2222-3333-4444-555555555555",
        "xs.system.attributes": {"xs.saml.groups": ["TaskCenterApprovers"]},
        "user_attributes": {},
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not ...}


class Landscape:
    def __init__(self, database: Database, settings: Settings, boot: SubaccountBootstrap) -> None:
        self.database = database
        self.box = SecretBox.from_settings(settings)
        self.boot = boot

    def destination(self, name: str = "S4HANACloud", **properties: Any) -> str:
        body = {k: v for k, v in saml_bearer_destination(name, **properties).items() if v is not ...}
        with self.database.transaction() as session:
            destinations.create_destination(session, self.box, body)
        return name

    def assertion(
        self, name: str = "S4HANACloud", user: dict[str, Any] | None = None, **kwargs: Any
    ) -> SignedAssertion:
        with self.database.read() as session:
            return assertion_for(session, self.box, name, claims() if user is None else user, **kwargs)

    def error(self, name: str = "S4HANACloud", user: dict[str, Any] | None = None) -> ValidationFailed:
        with pytest.raises(ValidationFailed) as raised:
            self.assertion(name, user)
        return raised.value

    @property
    def certificate(self) -> x509.Certificate:
        with self.database.read() as session:
            return trust.get_certificate(session).certificate

    def verify(self, signed: SignedAssertion) -> VerifiedAssertion:
        public_key = self.certificate.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        return verify_assertion(signed.xml, public_key)


@pytest.fixture
def land(database: Database, settings: Settings, boot: SubaccountBootstrap) -> Landscape:
    return Landscape(database, settings, boot)


# --- the Task Center destination ---------------------------------------------------------------------------------


def test_task_center_destination_gives_a_verifying_assertion_as_btp_forms_it(land: Landscape) -> None:
    land.destination()  # userIdSource=user_uuid, as Task Center's guide configures it [TC-S4C]
    signed = land.assertion()

    verified = land.verify(signed)
    cn = f"cfapps.eu10.hana.ondemand.com/{land.boot.subaccount_id}"
    assert (verified.issuer, signed.issuer) == (cn, cn)
    assert (verified.name_id, signed.name_id) == (UUID, UUID)
    assert verified.name_id_format == signed.name_id_format == NAMEID_UNSPECIFIED
    assert verified.name_qualifier is None
    assert verified.audiences == (AUDIENCE,) and signed.audience == AUDIENCE
    (confirmation,) = verified.subject_confirmations
    assert confirmation.method == BEARER
    assert confirmation.recipient == signed.recipient == TOKEN_URL
    assert verified.authn_context_class_ref == AC_X509
    assert verified.attributes == {"user_uuid": [UUID], "Groups": ["TaskCenterApprovers"]}
    assert verified.assertion_id == signed.assertion_id
    assert verified.not_before is not None and verified.not_on_or_after == signed.not_on_or_after
    assert verified.not_on_or_after - verified.not_before == dt.timedelta(minutes=10)
    assert etree.fromstring(signed.xml).find(f".//{{{DS}}}KeyInfo") is None


def test_each_assertion_has_a_new_id(land: Landscape) -> None:
    land.destination()
    assert land.assertion().assertion_id != land.assertion().assertion_id


def test_now_sets_the_issue_instant_and_the_window(land: Landscape) -> None:
    land.destination()
    moment = dt.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    verified = land.verify(land.assertion(now=moment))
    assert verified.issue_instant == verified.not_before == moment.replace(microsecond=678000)
    assert verified.not_on_or_after == moment.replace(microsecond=678000) + dt.timedelta(minutes=10)


def test_assertion_for_a_directory_user(land: Landscape) -> None:
    land.destination()
    with land.database.transaction() as session:
        users.create_user(session, login="approver", email="a@example.com", password="Passw0rd!", groups=["G1", "G2"])
    with land.database.read() as session:
        user = users.require_user(session, "approver")
        signed = assertion_for(session, land.box, "S4HANACloud", users.user_claims(user))
        assert signed.name_id == user.user_uuid
    assert land.verify(signed).attributes == {"user_uuid": [signed.name_id], "Groups": ["G1", "G2"]}


# --- NameID [CONN-USERPROP] ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("user_uuid", UUID),
        ("email", "Approver@Example.com"),
        ("user_name", "approver"),
        ("login_name", "APPROVER01"),  # a custom attribute: looked up in user_attributes [CONN-USERPROP]
        ("$.user_name", "approver"),
        ("$.ext.sap.employee", "E-4711"),
        ("$['ext']['sap']['employee']", "E-4711"),
        ('$["ext"]["sap"]["employee"]', "E-4711"),
        ("$.['ext'].sap['employee']", "E-4711"),
        ("$['xs.system.attributes']['xs.saml.groups']", "TaskCenterApprovers"),  # one value: that value
        ("$.ext.ids[1]", "second"),
        ("$['it''s']", None),  # not JsonPath: refused, naming userIdSource
    ],
)
def test_user_id_source_selects_the_claim(land: Landscape, source: str, expected: str | None) -> None:
    land.destination(userIdSource=source)
    user = claims(
        ext={"sap": {"employee": "E-4711"}, "ids": ["first", "second"]},
        user_attributes={"login_name": ["APPROVER01"]},
    )
    if expected is None:
        error = land.error(user=user)
        assert error.errors[0].field == "userIdSource"
        return
    signed = land.assertion(user=user)
    verified = land.verify(signed)
    assert verified.name_id == signed.name_id == expected
    assert verified.name_id_format == NAMEID_UNSPECIFIED  # no nameIdFormat: unspecified (INFER, research §B)


def test_user_id_source_with_a_name_id_format_uses_that_format(land: Landscape) -> None:
    land.destination(userIdSource="user_uuid", nameIdFormat=NAMEID_PERSISTENT)
    verified = land.verify(land.assertion())
    assert (verified.name_id, verified.name_id_format) == (UUID, NAMEID_PERSISTENT)


def test_email_address_format_takes_the_email_claim(land: Landscape) -> None:
    land.destination(userIdSource=..., nameIdFormat=NAMEID_EMAIL)
    verified = land.verify(land.assertion())
    assert (verified.name_id, verified.name_id_format) == ("Approver@Example.com", NAMEID_EMAIL)  # exactly


@pytest.mark.parametrize("name_id_format", [NAMEID_UNSPECIFIED, ...])
def test_unspecified_or_no_format_takes_user_name(land: Landscape, name_id_format: Any) -> None:
    land.destination(userIdSource=..., nameIdFormat=name_id_format)
    verified = land.verify(land.assertion())
    assert (verified.name_id, verified.name_id_format) == ("approver", NAMEID_UNSPECIFIED)


def test_another_format_without_user_id_source_is_an_error() -> None:
    # destination_rules refuses to store such a destination; the rule holds here too, for stored ones.
    with pytest.raises(ValidationFailed) as raised:
        select_name_id("S4", {"nameIdFormat": NAMEID_PERSISTENT}, claims())
    (error,) = raised.value.errors
    assert (error.field, error.code) == ("nameIdFormat", "user_id_source_required")
    assert raised.value.message == (
        f"Destination 'S4': property 'nameIdFormat' '{NAMEID_PERSISTENT}' needs property 'userIdSource': only "
        f"'{NAMEID_UNSPECIFIED}' and '{NAMEID_EMAIL}' select the user ID by themselves"
    )


@pytest.mark.parametrize(
    ("properties", "user", "field", "source"),
    [
        ({"userIdSource": "user_uuid"}, claims(user_uuid=...), "userIdSource", "user_uuid"),
        ({"userIdSource": "user_uuid"}, claims(user_uuid=""), "userIdSource", "user_uuid"),
        ({"userIdSource": "$.ext.employee"}, claims(), "userIdSource", "$.ext.employee"),
        ({"userIdSource": "$['xs.system.attributes']"}, claims(), "userIdSource", "$['xs.system.attributes']"),
        ({"userIdSource": "ids"}, claims(ids=["a", "b"]), "userIdSource", "ids"),  # two values: which one?
        ({"userIdSource": ..., "nameIdFormat": NAMEID_EMAIL}, claims(email=...), "nameIdFormat", "email"),
        ({"userIdSource": ...}, claims(user_name="  "), "nameIdFormat", "user_name"),
    ],
)
def test_a_missing_claim_means_the_user_id_could_not_be_determined(
    land: Landscape, properties: dict[str, Any], user: dict[str, Any], field: str, source: str
) -> None:
    land.destination(**properties)
    error = land.error(user=user)
    (detail,) = error.errors
    assert (detail.field, detail.code) == (field, "user_id_undetermined")
    assert error.message == (
        f"Destination 'S4HANACloud': user ID could not be determined: the user's token has no value for "
        f"'{source}' (property '{field}')"
    )


@pytest.mark.parametrize("expression", ["$..user_name", "$.*", "$[?(@.a)]", "user.name.$", "$", "$.a[", "$a"])
def test_only_plain_child_steps_are_json_path(expression: str) -> None:
    with pytest.raises(JsonPathError):
        parse_json_path(expression)


def test_json_path_evaluation_is_a_plain_walk() -> None:
    document = {"a": {"b.c": [{"d": "x"}], "q'uote": 1}}
    assert parse_json_path("$.a['b.c'][0].d") == ("a", "b.c", 0, "d")
    assert evaluate_json_path("$.a['b.c'][0].d", document) == "x"
    assert evaluate_json_path("$.a['q\\'uote']", document) == 1
    assert evaluate_json_path("$.a.missing.deeper", document) is None
    assert evaluate_json_path("$.a['b.c'][5]", document) is None
    assert evaluate_json_path("$.a.b", {"a": "not an object"}) is None


def test_an_unsupported_json_path_names_user_id_source(land: Landscape) -> None:
    land.destination(userIdSource="$..user_uuid")
    (detail,) = land.error().errors
    assert (detail.field, detail.code) == ("userIdSource", "unsupported_json_path")


# --- Issuer, Recipient, Audience, NameQualifier, AuthnContextClassRef -------------------------------------------------


def test_assertion_issuer_overrides_the_certificate_cn(land: Landscape) -> None:
    land.destination(assertionIssuer="https://issuer.example.com/btp")
    signed = land.assertion()
    assert signed.issuer == land.verify(signed).issuer == "https://issuer.example.com/btp"


def test_assertion_recipient_overrides_the_token_service_url(land: Landscape) -> None:
    land.destination(assertionRecipient="https://my300000-api.s4hana.ondemand.com/other")
    signed = land.assertion()
    (confirmation,) = land.verify(signed).subject_confirmations
    assert confirmation.recipient == signed.recipient == "https://my300000-api.s4hana.ondemand.com/other"


def test_common_token_service_url_gets_the_subdomain(land: Landscape) -> None:
    land.destination(tokenServiceURLType="Common", tokenServiceURL="https://{tenant}.example.com/oauth/token")
    assert land.assertion().recipient == f"https://{land.boot.subdomain}.example.com/oauth/token"


def test_audience_name_qualifier_and_context_class_come_from_the_destination(land: Landscape) -> None:
    land.destination(
        audience="https://my999999.s4hana.ondemand.com",
        nameQualifier="my-security-domain",
        authnContextClassRef=AC_PREVIOUS_SESSION,
    )
    verified = land.verify(land.assertion())
    assert verified.audiences == ("https://my999999.s4hana.ondemand.com",)
    assert verified.name_qualifier == "my-security-domain"
    assert verified.authn_context_class_ref == AC_PREVIOUS_SESSION


# --- attributes ---------------------------------------------------------------------------------------------------


def test_skip_user_uuid_leaves_out_the_attribute_but_not_the_name_id(land: Landscape) -> None:
    land.destination(skipUserUuidInSAMLAttributes="true")
    verified = land.verify(land.assertion())
    assert verified.name_id == UUID
    assert verified.attributes == {"Groups": ["TaskCenterApprovers"]}


def test_no_groups_and_no_uuid_means_no_attribute_statement(land: Landscape) -> None:
    land.destination(userIdSource=...)
    signed = land.assertion(user=claims(user_uuid=..., **{"xs.system.attributes": {"xs.saml.groups": []}}))
    assert land.verify(signed).attributes == {}
    assert b"AttributeStatement" not in signed.xml


@pytest.mark.parametrize(("skip", "prefix"), [(..., "user_attributes."), ("true", "")])
def test_user_attributes_are_added_with_their_prefix(land: Landscape, skip: Any, prefix: str) -> None:
    land.destination(skipUserAttributesPrefixInSAMLAttributes=skip)
    custom = {"cost_center": ["4711", "4712"], "xs.saml.groups": ["Custom"], "empty": []}
    verified = land.verify(land.assertion(user=claims(user_attributes=custom)))
    assert verified.attributes == {
        "user_uuid": [UUID],
        "Groups": ["TaskCenterApprovers", "Custom"],
        f"{prefix}cost_center": ["4711", "4712"],
    }


# --- signature, KeyInfo, encoding -----------------------------------------------------------------------------------


def test_include_signing_certificate_puts_it_into_key_info(land: Landscape) -> None:
    land.destination(includeSigningCertificateInSAMLAssertion="true")
    signed = land.assertion()
    land.verify(signed)
    (element,) = etree.fromstring(signed.xml).iter(f"{{{DS}}}X509Certificate")
    assert element.text is not None
    assert base64.b64decode(element.text) == land.certificate.public_bytes(serialization.Encoding.DER)


def test_base64url_is_the_default_encoding(land: Landscape) -> None:
    land.destination()
    signed = land.assertion()
    assert signed.encoded == base64.urlsafe_b64encode(signed.xml).decode()
    assert "+" not in signed.encoded and "/" not in signed.encoded and "\n" not in signed.encoded
    assert base64.urlsafe_b64decode(signed.encoded) == signed.xml


def test_base64_encoding_is_standard_base64(land: Landscape) -> None:
    land.destination(samlAssertionEncoding="base64")
    signed = land.assertion()
    assert signed.encoded == base64.b64encode(signed.xml).decode()
    assert base64.b64decode(signed.encoded, validate=True) == signed.xml


def test_a_renewed_key_signs_at_once(land: Landscape) -> None:
    land.destination()
    old = land.certificate
    with land.database.transaction() as session:
        trust.generate_key_pair(session, land.box)
    signed = land.assertion()
    land.verify(signed)
    old_key = old.public_key()
    assert isinstance(old_key, rsa.RSAPublicKey)
    with pytest.raises(AssertionRejected):
        verify_assertion(signed.xml, old_key)


# --- destinations that cannot give an assertion --------------------------------------------------------------------


def test_an_unknown_destination_is_not_found(land: Landscape) -> None:
    with pytest.raises(NotFound, match="Destination 'Nope' does not exist"):
        land.assertion("Nope")


@pytest.mark.parametrize(
    ("name", "properties", "field", "message"),
    [
        (
            "Backend",
            None,
            "Authentication",
            "property 'Authentication' is 'BasicAuthentication'; a SAML assertion is generated only for "
            "'OAuth2SAMLBearerAssertion'",
        ),
        (
            "S4HANACloud",
            {"SAMLAssertionProvider": "ClientProvided"},
            "SAMLAssertionProvider",
            "property 'SAMLAssertionProvider' is 'ClientProvided'; the client provides the assertion, the "
            "Destination service generates one only for 'DestinationServiceGenerated'",
        ),
        (
            "S4HANACloud",
            {"SystemUser": "TECHUSER"},
            "SystemUser",
            "property 'SystemUser' is not supported by trustbridge: the assertion is always generated for the "
            "calling user",
        ),
        (
            "S4HANACloud",
            {"KeyStoreLocation": "signing.p12"},
            "KeyStoreLocation",
            "property 'KeyStoreLocation' is not supported by trustbridge: assertions are always signed with the "
            "subaccount's trust key",
        ),
    ],
)
def test_destinations_that_give_no_assertion_name_the_property(
    land: Landscape, name: str, properties: dict[str, str] | None, field: str, message: str
) -> None:
    if properties is None:
        with land.database.transaction() as session:
            destinations.create_destination(session, land.box, basic_destination(name))
    else:
        land.destination(name, **properties)
    error = land.error(name)
    assert error.errors[0].field == field
    assert error.message == f"Destination '{name}': {message}"


def test_explicit_generated_provider_is_fine(land: Landscape) -> None:
    land.destination(SAMLAssertionProvider="DestinationServiceGenerated")
    land.verify(land.assertion())
