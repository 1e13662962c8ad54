"""Warnings on a communication system: settings S/4 saves but that will make the SAML 2.0 bearer flow fail.

They never block a save (S/4 accepts any OAuth 2.0 SAML Issuer [ABAP-COMMSYS]); they name the misconfiguration
the token service will hit later (research §G, misconfigurations 1, 2, 10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trustbridge.pki.certificates import CertificateInfo
from trustbridge.s4.models import CommunicationSystem


@dataclass(frozen=True)
class SystemWarning:
    code: str
    message: str
    target: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "target": self.target}


def system_warnings(
    system: CommunicationSystem, certificate: CertificateInfo | None, now: dt.datetime | None = None
) -> list[SystemWarning]:
    moment = now or dt.datetime.now(dt.UTC)
    warnings: list[SystemWarning] = []
    if not system.host_name:
        warnings.append(
            SystemWarning("host_name_missing", "The host name is required before S/4 can save", "host_name")
        )
    if system.oauth2_idp_enabled and certificate is None:
        warnings.append(
            SystemWarning(
                "signing_certificate_missing",
                "OAuth 2.0 Identity Provider is on but no signing certificate is uploaded; upload the "
                "subaccount's trust certificate (Download Trust)",
                "signing_certificate",
            )
        )
    if system.oauth2_idp_enabled and not system.saml_issuer:
        warnings.append(
            SystemWarning(
                "saml_issuer_missing",
                "OAuth 2.0 Identity Provider is on but the OAuth 2.0 SAML Issuer is empty; it is required",
                "saml_issuer",
            )
        )
    if certificate is not None and system.saml_issuer and system.saml_issuer != certificate.subject_cn:
        cn = certificate.subject_cn
        expected = f"the certificate's CN {cn!r}" if cn else "the certificate's CN (the certificate has none)"
        warnings.append(
            SystemWarning(
                "saml_issuer_differs_from_certificate_cn",
                f"The OAuth 2.0 SAML Issuer {system.saml_issuer!r} differs from {expected}; BTP signs its "
                "assertions with the CN as issuer, so tokens will be refused",
                "saml_issuer",
            )
        )
    if certificate is not None and certificate.valid_to < moment:
        warnings.append(
            SystemWarning(
                "signing_certificate_expired",
                f"The signing certificate expired on {certificate.valid_to.isoformat()}; upload the renewed one",
                "signing_certificate",
            )
        )
    return warnings
