"""The subaccount's trust store: the key pairs that sign SAML assertions, and their certificates.

BTP's *Destination Trust* [CONN-TRUST] holds one **active** key pair (it signs every generated assertion) and
optionally one **passive** key pair (uploaded to the targets ahead of a rotation). The API semantics follow the
Destination service spec [SPEC] ``/v1/saml2Metadata/certificate[/passive]`` and ``/rotateCertificate``:

- generate the active pair if there is none, otherwise **renew** it: a new key pair that signs immediately
  (targets fail until they get the new certificate, research §G misconfiguration 10);
- generate or renew the passive pair, delete it, or swap active ⇄ passive (zero-downtime rotation);
- certificates are self-signed, ``CN=cfapps.<region>.hana.ondemand.com/<guid>, O=SAP, OU=CP Destination
  Configuration``, RSA (4096 by default), sha512WithRSAEncryption, two years (research §D).

Private keys are stored as PKCS#8 PEM encrypted with :class:`~trustbridge.pki.encryption.SecretBox`; nothing
in this module hands a private key to the HTTP layer — only :func:`active_signing_key` returns one, for the
assertion signer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound
from trustbridge.pki.certificates import (
    CertificateInfo,
    create_trust_certificate,
    describe,
    generate_private_key,
    sha256_fingerprint,
    to_pem,
    trust_subject_cn,
)
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage.types import utcnow
from trustbridge.subaccount.models import Subaccount, TrustKeyPair
from trustbridge.subaccount.subaccounts import current_subaccount

ACTIVE = "active"
PASSIVE = "passive"
ROLES = (ACTIVE, PASSIVE)


@dataclass(frozen=True)
class TrustCertificate:
    """One trust certificate (public data only) and the role of its key pair."""

    role: str
    pem: str
    certificate: x509.Certificate

    @property
    def info(self) -> CertificateInfo:
        return describe(self.certificate)

    @property
    def fingerprint(self) -> str:
        return sha256_fingerprint(self.certificate)

    def as_dict(self) -> dict[str, object]:
        """``describe(cert).as_dict()`` plus the PEM under ``certificate`` (``GET /api/subaccount``)."""
        return {**self.info.as_dict(), "certificate": self.pem}


@dataclass(frozen=True)
class SigningKey:
    """The active key pair, decrypted, for the assertion signer (never exposed over HTTP)."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    certificate_pem: str
    subject_cn: str  # the default SAML Issuer, research §B


@dataclass(frozen=True)
class Rotation:
    """The outcome of ``rotateCertificate``: the formerly passive certificate is now active."""

    active: TrustCertificate
    passive: TrustCertificate


def keypair_missing(subaccount_id: str) -> NotFound:
    """SAP's 404 text for a subaccount without an active key pair [SPEC ``/v1/saml2Metadata/certificate``]."""
    return NotFound(f"Keypair for subaccount - {subaccount_id} does not exist")


def passive_keypair_missing(subaccount_id: str) -> NotFound:
    """SAP's 404 text for a missing passive key pair [SPEC ``/v1/saml2Metadata/rotateCertificate``]."""
    return NotFound(f"Passive Keypair for subaccount - {subaccount_id} does not exist")


def _row(session: Session, subaccount: Subaccount, role: str) -> TrustKeyPair | None:
    return session.scalars(
        select(TrustKeyPair).where(TrustKeyPair.subaccount_id == subaccount.id, TrustKeyPair.role == role)
    ).first()


def _public(row: TrustKeyPair) -> TrustCertificate:
    return TrustCertificate(row.role, row.certificate_pem, x509.load_pem_x509_certificate(row.certificate_pem.encode()))


def _missing(subaccount: Subaccount, role: str) -> NotFound:
    return keypair_missing(subaccount.id) if role == ACTIVE else passive_keypair_missing(subaccount.id)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown trust key pair role {role!r}; expected one of {ROLES}")


def find_certificate(session: Session, role: str = ACTIVE) -> TrustCertificate | None:
    """The certificate of the ``role`` key pair, or ``None``."""
    _check_role(role)
    row = _row(session, current_subaccount(session), role)
    return _public(row) if row is not None else None


def get_certificate(session: Session, role: str = ACTIVE) -> TrustCertificate:
    """The certificate of the ``role`` key pair; :class:`NotFound` with SAP's message when there is none."""
    _check_role(role)
    subaccount = current_subaccount(session)
    row = _row(session, subaccount, role)
    if row is None:
        raise _missing(subaccount, role)
    return _public(row)


def active_certificate_pem(session: Session) -> str:
    """The active trust certificate as PEM (raises :class:`NotFound` without an active key pair)."""
    return get_certificate(session, ACTIVE).pem


def download_pem(session: Session) -> str:
    """What the cockpit's *Download Trust* / *Export* gives: the active certificate as PEM [CONN-TRUST]."""
    return active_certificate_pem(session)


def trust_key_size(session: Session) -> int:
    """The RSA key size this subaccount generates key pairs with (BTP: 4096, research §D)."""
    return current_subaccount(session).trust_key_size


def install_key_pair(
    session: Session, box: SecretBox, role: str, key: rsa.RSAPrivateKey, *, now: dt.datetime | None = None
) -> TrustCertificate:
    """Generate (if missing) or renew (if present) the ``role`` key pair from ``key``.

    The certificate is created here; ``key`` is passed in so that callers can generate it (seconds for RSA
    4096) before they open the write transaction. A passive key pair needs an active one (decision recorded in
    ``docs/decisions.md``): without it :class:`NotFound` with SAP's *Keypair … does not exist*.
    """
    _check_role(role)
    subaccount = current_subaccount(session)
    if role == PASSIVE and _row(session, subaccount, ACTIVE) is None:
        raise keypair_missing(subaccount.id)
    certificate = create_trust_certificate(key, trust_subject_cn(subaccount.region, subaccount.id), now=now)
    pem = to_pem(certificate)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    row = _row(session, subaccount, role)
    if row is None:
        row = TrustKeyPair(subaccount_id=subaccount.id, role=role)
        session.add(row)
    row.private_key_encrypted = box.encrypt(key_pem).decode("ascii")
    row.certificate_pem = pem
    row.subject_cn = trust_subject_cn(subaccount.region, subaccount.id)
    row.sha256_fingerprint = sha256_fingerprint(certificate)
    row.not_before = certificate.not_valid_before_utc
    row.not_after = certificate.not_valid_after_utc
    row.created_at = utcnow()
    session.flush()
    return TrustCertificate(role, pem, certificate)


def generate_key_pair(session: Session, box: SecretBox, role: str = ACTIVE) -> TrustCertificate:
    """Generate or renew the ``role`` key pair with the subaccount's key size (key generated in-transaction)."""
    return install_key_pair(session, box, role, generate_private_key(trust_key_size(session)))


def delete_passive(session: Session) -> None:
    """Remove the passive key pair [SPEC ``DELETE …/certificate/passive``]; :class:`NotFound` if there is none."""
    subaccount = current_subaccount(session)
    row = _row(session, subaccount, PASSIVE)
    if row is None:
        raise passive_keypair_missing(subaccount.id)
    session.delete(row)
    session.flush()


_SWAPPED_COLUMNS = (
    "private_key_encrypted",
    "certificate_pem",
    "subject_cn",
    "sha256_fingerprint",
    "not_before",
    "not_after",
    "created_at",
)


def rotate(session: Session) -> Rotation:
    """Swap the active and the passive key pair [SPEC ``rotateCertificate``, CONN-TRUST].

    The key material moves between the two rows (the roles' unique constraint never sees two actives).
    :class:`NotFound` (*Passive Keypair … does not exist*) without a passive pair, *Keypair … does not exist*
    without an active one.
    """
    subaccount = current_subaccount(session)
    active = _row(session, subaccount, ACTIVE)
    if active is None:
        raise keypair_missing(subaccount.id)
    passive = _row(session, subaccount, PASSIVE)
    if passive is None:
        raise passive_keypair_missing(subaccount.id)
    for column in _SWAPPED_COLUMNS:
        active_value, passive_value = getattr(active, column), getattr(passive, column)
        setattr(active, column, passive_value)
        setattr(passive, column, active_value)
    session.flush()
    return Rotation(_public(active), _public(passive))


def active_signing_key(session: Session, box: SecretBox) -> SigningKey:
    """The active private key and certificate, decrypted, for signing assertions (never sent over HTTP)."""
    subaccount = current_subaccount(session)
    row = _row(session, subaccount, ACTIVE)
    if row is None:
        raise keypair_missing(subaccount.id)
    # Decrypting and loading an RSA key (OpenSSL validates it) costs tens of milliseconds at 4096 bits, and
    # every assertion needs it: keep the loaded key per key box and stored ciphertext. A renewed or rotated
    # key is another ciphertext, so it is loaded afresh; a changed at-rest key is another box.
    cache_key = (id(box), row.private_key_encrypted)
    cached = _SIGNING_KEYS.get(cache_key)
    if cached is not None and cached[0] is box:
        return cached[1]
    key = serialization.load_pem_private_key(box.decrypt(row.private_key_encrypted.encode("ascii")), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("the stored trust key is not an RSA key")
    public = _public(row)
    signing = SigningKey(key, public.certificate, public.pem, row.subject_cn)
    if len(_SIGNING_KEYS) >= 16:
        _SIGNING_KEYS.clear()
    _SIGNING_KEYS[cache_key] = (box, signing)
    return signing


_SIGNING_KEYS: dict[tuple[int, str], tuple[SecretBox, SigningKey]] = {}
