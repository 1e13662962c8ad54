from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from trustbridge.pki.certificates import create_trust_certificate, generate_private_key
from trustbridge.saml.assertion import AssertionContent, build_assertion
from trustbridge.saml.signer import sign, to_bytes

ISSUER = "cfapps.eu10.hana.ondemand.com/11111111-2222-3333-4444-555555555555"
AUDIENCE = "https://my300000.s4hana.ondemand.com"
RECIPIENT = "https://my300000-api.s4hana.ondemand.com/sap/bc/sec/oauth2/token"
USER_UUID = "5f3c1a2e-8b7d-4c6e-9a01-23456789abcd"


@dataclass(frozen=True)
class Signer:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def content(self, **overrides: object) -> AssertionContent:
        values: dict[str, object] = {
            "issuer": ISSUER,
            "name_id": USER_UUID,
            "audience": AUDIENCE,
            "recipient": RECIPIENT,
            "attributes": {"user_uuid": [USER_UUID], "Groups": ["approvers"]},
        }
        values.update(overrides)
        return AssertionContent(**values)  # type: ignore[arg-type]

    def signed(self, *, key_info: bool = False, **overrides: object) -> bytes:
        element = build_assertion(self.content(**overrides))
        return to_bytes(sign(element, self.key, certificate_der=self.der if key_info else None))


def _signer(cn: str) -> Signer:
    key = generate_private_key(2048)
    return Signer(key, create_trust_certificate(key, cn, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))


@pytest.fixture(scope="session")
def signer() -> Signer:
    return _signer(ISSUER)


@pytest.fixture(scope="session")
def attacker() -> Signer:
    return _signer(ISSUER)  # same CN, different key: a certificate anyone can make
