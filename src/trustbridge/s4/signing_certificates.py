"""The communication system's signing certificate (seed step 8, *Upload Signing Certificate*).

The upload must be exactly one X.509 certificate (PEM or DER) that is valid now; S/4 answers a wrong file with
"The uploaded certificate is invalid" [TUT-1840; 3P-PP], trustbridge says which file it got instead
(:func:`trustbridge.pki.certificates.load_single_certificate`). Stored: DER and SHA-256 fingerprint; shown:
subject, issuer, validity [img 24] plus fingerprint; the CN is suggested as OAuth 2.0 SAML Issuer [SAMPLES-S4C
step 9].
"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from trustbridge.errors import ValidationFailed
from trustbridge.pki.certificates import (
    CertificateError,
    check_currently_valid,
    load_single_certificate,
    sha256_fingerprint,
)
from trustbridge.s4.communication_systems import require_system
from trustbridge.s4.views import CommunicationSystemView, communication_system_view
from trustbridge.storage.types import utcnow

FIELD = "signing_certificate"


def upload_signing_certificate(
    session: Session, system_id: str, data: bytes, *, now: dt.datetime | None = None
) -> CommunicationSystemView:
    """Replace the system's signing certificate with the uploaded one (refused: not one valid certificate)."""
    system = require_system(session, system_id)
    try:
        certificate = load_single_certificate(data)
        check_currently_valid(certificate, now)
    except CertificateError as exc:
        raise ValidationFailed.one(FIELD, exc.code, exc.message) from exc
    system.signing_certificate_der = certificate.public_bytes(serialization.Encoding.DER)
    system.signing_certificate_fingerprint = sha256_fingerprint(certificate)
    system.modified_at = utcnow()
    session.flush()
    return communication_system_view(system, now)


def remove_signing_certificate(session: Session, system_id: str) -> CommunicationSystemView:
    system = require_system(session, system_id)
    system.signing_certificate_der = None
    system.signing_certificate_fingerprint = None
    system.modified_at = utcnow()
    session.flush()
    return communication_system_view(system)
