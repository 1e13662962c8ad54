"""Helpers for the S/4 tenant's API tests: constants, real certificates, an admin-client wrapper."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from trustbridge.pki.certificates import to_pem, trust_subject_cn

LOCAL_URL = "http://127.0.0.1:18082"
PASSWORD = "Welcome-To-S4HANA-2025!"  # 23 characters: upper, lower, digit, special
SUBACCOUNT_ID = "8fa6a1e4-2f4c-4c1a-9d2b-6c1f0f0b1a11"
TRUST_CN = trust_subject_cn("eu10", SUBACCOUNT_ID)
OTHER_CN = trust_subject_cn("us10", "0b5c2d7e-1111-4222-8333-944455556666")
STATUS_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "VALIDATION_FAILED",
}


@dataclass(frozen=True)
class Certificates:
    """Real certificates (2048-bit keys for speed) and the wrong files administrators upload instead."""

    trust: x509.Certificate
    other: x509.Certificate
    expired: x509.Certificate
    not_yet_valid: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def trust_pem(self) -> bytes:
        return to_pem(self.trust).encode()

    @property
    def trust_der(self) -> bytes:
        return self.trust.public_bytes(serialization.Encoding.DER)

    @property
    def private_key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def private_key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def expired_pem(self) -> bytes:
        return to_pem(self.expired).encode()

    @property
    def not_yet_valid_pem(self) -> bytes:
        return to_pem(self.not_yet_valid).encode()

    @property
    def other_pem(self) -> bytes:
        return to_pem(self.other).encode()

    @property
    def two_certificates(self) -> bytes:
        return self.trust_pem + to_pem(self.other).encode()

    @property
    def saml_metadata(self) -> bytes:
        b64 = base64.b64encode(self.trust_der).decode()
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'entityID="{TRUST_CN}"><md:IDPSSODescriptor protocolSupportEnumeration='
            '"urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>'
            f"{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            "</md:IDPSSODescriptor></md:EntityDescriptor>\n"
        ).encode()


class S4:
    """The admin client plus shortcuts for the seed steps a test needs as preconditions."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def ok(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self.ok("GET", path)

    def user(self, user_name: str = "TASKCENTERCOM", password: str | None = PASSWORD) -> dict[str, Any]:
        body: dict[str, Any] = {"user_name": user_name, "description": f"{user_name} inbound"}
        if password is not None:
            body["password"] = password
        return dict(self.ok("POST", "/api/communication-users", 201, json=body))

    def system(self, system_id: str = "BTP_TASK_CENTER", **fields: Any) -> dict[str, Any]:
        body = {"system_id": system_id, "system_name": "BTP Task Center", **fields}
        return dict(self.ok("POST", "/api/communication-systems", 201, json=body))

    def patch_system(self, system_id: str, **fields: Any) -> dict[str, Any]:
        return dict(self.ok("PATCH", f"/api/communication-systems/{system_id}", json=fields))

    def upload(self, system_id: str, data: bytes) -> Any:
        return self.client.put(f"/api/communication-systems/{system_id}/signing-certificate", content=data)

    def inbound(self, system_id: str, user_name: str, method: str = "oauth2") -> dict[str, Any]:
        body = {"user_name": user_name, "authentication_method": method}
        return dict(self.ok("POST", f"/api/communication-systems/{system_id}/inbound-users", 201, json=body))

    def configured_system(
        self, certs: Certificates, system_id: str = "BTP_TASK_CENTER", user_name: str = "TASKCENTERCOM"
    ) -> dict[str, Any]:
        """Seed steps 3–13: user, system, host, IdP on, certificate, issuer = CN, User UUID, inbound oauth2."""
        if self.client.get(f"/api/communication-users/{user_name}").status_code == 404:
            self.user(user_name)
        self.system(system_id, host_name="my300000.s4hana.ondemand.com", oauth2_idp_enabled=True)
        assert self.upload(system_id, certs.trust_pem).status_code == 200
        self.patch_system(system_id, saml_issuer=TRUST_CN, user_id_mapping_mode="user_uuid")
        return self.inbound(system_id, user_name, "oauth2")

    def arrangement(self, name: str = "TASKCENTER", scenario_id: str = "SAP_COM_0501", **fields: Any) -> dict[str, Any]:
        body = {"scenario_id": scenario_id, "arrangement_name": name, **fields}
        return dict(self.ok("POST", "/api/communication-arrangements", 201, json=body))

    @staticmethod
    def error(response: Any, status: int, target: str | None, code: str) -> dict[str, Any]:
        """Assert the OData error: status, top-level code, and a ``details`` entry for ``target`` with ``code``."""
        assert response.status_code == status, response.text
        error: dict[str, Any] = response.json()["error"]
        assert error["code"] == STATUS_CODES[status]
        found = [(d["target"], d["code"]) for d in error["details"]]
        assert (target, code) in found, found
        assert error["message"]
        return error
