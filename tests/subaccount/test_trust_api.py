"""The trust store over SAP's API [SPEC /v1/saml2Metadata…] and the cockpit's Download Trust (seed step 1)."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID
from lxml import etree
from sqlalchemy import delete
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount import trust
from trustbridge.subaccount.models import TrustKeyPair
from trustbridge.subaccount.setup import SubaccountBootstrap

from .conftest import SAML2, TEST_KEY_SIZE, error_message, spki

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def _load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _fingerprint(pem: str) -> str:
    return _load(pem).fingerprint(hashes.SHA256()).hex()


def _assert_btp_trust_certificate(pem: str, subaccount_id: str, key_size: int = TEST_KEY_SIZE) -> None:
    """Research §D: self-signed, CN=cfapps.<region>.hana.ondemand.com/<guid>, O=SAP, OU=CP Destination
    Configuration, sha512WithRSAEncryption, two years."""
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    certificate = _load(pem)
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        f"cfapps.eu10.hana.ondemand.com/{subaccount_id}"
    )
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "SAP"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "CP Destination Configuration"
    assert certificate.issuer == subject
    assert certificate.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA512
    validity = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert validity == dt.timedelta(days=730)
    assert abs(certificate.not_valid_before_utc - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == key_size
    public_key.verify(  # self-signed: its own key verifies it
        certificate.signature,
        certificate.tbs_certificate_bytes,
        padding.PKCS1v15(),
        hashes.SHA512(),
    )


def test_seed_step_1_through_the_destination_api(client: TestClient, boot: SubaccountBootstrap) -> None:
    response = client.get(f"{SAML2}/certificate")

    assert response.status_code == 200
    assert set(response.json()) == {"certificate"}
    _assert_btp_trust_certificate(response.json()["certificate"], boot.subaccount_id)


def test_seed_step_1_through_download_trust(client: TestClient, boot: SubaccountBootstrap) -> None:
    response = client.get("/cockpit/destinations/download-trust")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-pem-file"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.pem"', disposition), disposition
    assert boot.subdomain in disposition
    _assert_btp_trust_certificate(response.text, boot.subaccount_id)
    assert response.text == client.get(f"{SAML2}/certificate").json()["certificate"]


def test_download_pem_domain_function_matches_the_api(client: TestClient, database: Database) -> None:
    with database.read() as session:
        assert trust.download_pem(session) == client.get("/cockpit/destinations/download-trust").text


def test_renew_replaces_the_key_pair_and_signing_switches_at_once(
    client: TestClient, database: Database, settings: Settings, boot: SubaccountBootstrap
) -> None:
    before = client.get(f"{SAML2}/certificate").json()["certificate"]

    response = client.post(f"{SAML2}/certificate")

    assert response.status_code == 200
    renewed = response.json()["certificate"]
    assert _fingerprint(renewed) != _fingerprint(before)
    assert spki(_load(renewed).public_key()) != spki(_load(before).public_key())
    _assert_btp_trust_certificate(renewed, boot.subaccount_id)
    assert client.get(f"{SAML2}/certificate").json()["certificate"] == renewed
    with database.read() as session:
        signing = trust.active_signing_key(session, SecretBox.from_settings(settings))
    assert signing.certificate_pem == renewed
    signature = signing.private_key.sign(b"assertion", padding.PKCS1v15(), hashes.SHA256())
    public_key = _load(renewed).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, b"assertion", padding.PKCS1v15(), hashes.SHA256())


def test_without_a_key_pair_get_is_404_and_post_generates(
    client: TestClient, database: Database, boot: SubaccountBootstrap
) -> None:
    with database.transaction() as session:
        session.execute(delete(TrustKeyPair))
    expected = f"Keypair for subaccount - {boot.subaccount_id} does not exist"

    for path in (f"{SAML2}/certificate", SAML2, "/cockpit/destinations/download-trust"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error_message(response) == expected

    generated = client.post(f"{SAML2}/certificate")
    assert generated.status_code == 200
    _assert_btp_trust_certificate(generated.json()["certificate"], boot.subaccount_id)
    assert client.get(f"{SAML2}/certificate").json() == generated.json()


def test_passive_certificate_lifecycle_and_rotation(client: TestClient, boot: SubaccountBootstrap) -> None:
    passive_missing = f"Passive Keypair for subaccount - {boot.subaccount_id} does not exist"
    missing = client.get(f"{SAML2}/certificate/passive")
    assert missing.status_code == 404 and error_message(missing) == passive_missing
    active = client.get(f"{SAML2}/certificate").json()["certificate"]

    created = client.post(f"{SAML2}/certificate/passive")
    assert created.status_code == 200
    passive = created.json()["certificate"]
    _assert_btp_trust_certificate(passive, boot.subaccount_id)
    assert _fingerprint(passive) != _fingerprint(active)
    assert client.get(f"{SAML2}/certificate/passive").json() == {"certificate": passive}
    assert client.get(f"{SAML2}/certificate").json() == {"certificate": active}  # the active one still signs

    renewed = client.post(f"{SAML2}/certificate/passive").json()["certificate"]
    assert _fingerprint(renewed) not in (_fingerprint(passive), _fingerprint(active))

    rotated = client.post(f"{SAML2}/rotateCertificate")
    assert rotated.status_code == 200
    assert rotated.json() == {"activeCertificate": renewed, "passiveCertificate": active}
    assert client.get(f"{SAML2}/certificate").json() == {"certificate": renewed}
    assert client.get(f"{SAML2}/certificate/passive").json() == {"certificate": active}

    deleted = client.delete(f"{SAML2}/certificate/passive")
    assert deleted.status_code == 200 and deleted.json() == {"Count": 1}
    assert client.get(f"{SAML2}/certificate/passive").status_code == 404
    assert client.get(f"{SAML2}/certificate").json() == {"certificate": renewed}
    again = client.delete(f"{SAML2}/certificate/passive")
    assert again.status_code == 404 and error_message(again) == passive_missing


def test_rotation_moves_the_signing_key(client: TestClient, database: Database, settings: Settings) -> None:
    passive = client.post(f"{SAML2}/certificate/passive").json()["certificate"]
    client.post(f"{SAML2}/rotateCertificate")
    with database.read() as session:
        signing = trust.active_signing_key(session, SecretBox.from_settings(settings))
    assert signing.certificate_pem == passive
    assert spki(signing.private_key.public_key()) == spki(_load(passive).public_key())


def test_rotate_without_passive_is_404_and_changes_nothing(client: TestClient, boot: SubaccountBootstrap) -> None:
    active = client.get(f"{SAML2}/certificate").json()

    response = client.post(f"{SAML2}/rotateCertificate")

    assert response.status_code == 404
    assert error_message(response) == f"Passive Keypair for subaccount - {boot.subaccount_id} does not exist"
    assert client.get(f"{SAML2}/certificate").json() == active


def test_passive_needs_an_active_key_pair(client: TestClient, database: Database, boot: SubaccountBootstrap) -> None:
    with database.transaction() as session:
        session.execute(delete(TrustKeyPair))

    response = client.post(f"{SAML2}/certificate/passive")

    assert response.status_code == 404
    assert error_message(response) == f"Keypair for subaccount - {boot.subaccount_id} does not exist"
    assert client.get(f"{SAML2}/certificate/passive").status_code == 404


@pytest.mark.parametrize("path", ["/certificate", "/certificate/passive", "/rotateCertificate"])
@pytest.mark.parametrize("body", [b"{}", b"x", b" "])
def test_post_with_a_body_is_refused_and_changes_nothing(client: TestClient, path: str, body: bytes) -> None:
    client.post(f"{SAML2}/certificate/passive")  # so that a rotation would be possible
    before = (client.get(f"{SAML2}/certificate").json(), client.get(f"{SAML2}/certificate/passive").json())

    response = client.post(f"{SAML2}{path}", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {"ErrorMessage": "Request body should be empty!"}
    after = (client.get(f"{SAML2}/certificate").json(), client.get(f"{SAML2}/certificate/passive").json())
    assert after == before


def _metadata(client: TestClient) -> etree._Element:
    response = client.get(SAML2)
    assert response.status_code == 200
    assert set(response.json()) == {"idpMetadata"}
    xml = base64.b64decode(response.json()["idpMetadata"], validate=True)
    return etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))


def _certificates_in(descriptor: etree._Element) -> list[str]:
    keys = descriptor.findall(f"{{{MD}}}KeyDescriptor")
    assert all(key.get("use") == "signing" for key in keys)
    values = [key.findtext(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate") or "" for key in keys]
    return [
        x509.load_der_x509_certificate(base64.b64decode("".join(value.split())))
        .public_bytes(serialization.Encoding.PEM)
        .decode()
        for value in values
    ]


def test_metadata_names_the_entity_and_carries_the_active_certificate(
    client: TestClient, boot: SubaccountBootstrap
) -> None:
    root = _metadata(client)
    active = client.get(f"{SAML2}/certificate").json()["certificate"]

    assert root.tag == f"{{{MD}}}EntityDescriptor"
    assert root.get("entityID") == f"cfapps.eu10.hana.ondemand.com/{boot.subaccount_id}"
    idp = root.find(f"{{{MD}}}IDPSSODescriptor")
    sp = root.find(f"{{{MD}}}SPSSODescriptor")  # SAP's example carries both descriptors
    assert idp is not None and sp is not None
    assert idp.get("protocolSupportEnumeration") == "urn:oasis:names:tc:SAML:2.0:protocol"
    assert _certificates_in(idp) == [active]
    assert _certificates_in(sp) == [active]


def test_metadata_carries_the_passive_certificate_after_the_active(client: TestClient) -> None:
    active = client.get(f"{SAML2}/certificate").json()["certificate"]
    passive = client.post(f"{SAML2}/certificate/passive").json()["certificate"]

    idp = _metadata(client).find(f"{{{MD}}}IDPSSODescriptor")

    assert idp is not None
    assert _certificates_in(idp) == [active, passive]


def test_subaccount_overview(client: TestClient, boot: SubaccountBootstrap) -> None:
    body = client.get("/api/subaccount").json()

    assert (body["id"], body["subdomain"], body["region"]) == (boot.subaccount_id, boot.subdomain, "eu10")
    assert body["trust"]["passive"] is None
    active = body["trust"]["active"]
    assert set(active) == {
        "subject_cn",
        "subject",
        "issuer",
        "serial_number",
        "valid_from",
        "valid_to",
        "sha256_fingerprint",
        "signature_algorithm",
        "key_size",
        "certificate",
    }
    assert active["subject_cn"] == f"cfapps.eu10.hana.ondemand.com/{boot.subaccount_id}"
    assert active["subject"] == active["issuer"]
    assert active["key_size"] == TEST_KEY_SIZE
    assert active["signature_algorithm"] == "sha512WithRSAEncryption"
    assert active["certificate"] == client.get(f"{SAML2}/certificate").json()["certificate"]
    assert active["sha256_fingerprint"] == _load(active["certificate"]).fingerprint(hashes.SHA256()).hex(":").upper()

    client.post(f"{SAML2}/certificate/passive")
    passive = client.get("/api/subaccount").json()["trust"]["passive"]
    assert passive["certificate"] == client.get(f"{SAML2}/certificate/passive").json()["certificate"]
    assert "PRIVATE" not in client.get("/api/subaccount").text
