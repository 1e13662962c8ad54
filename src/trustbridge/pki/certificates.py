"""X.509 certificates: BTP-shaped trust certificates, upload parsing, names and fingerprints."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# BTP's trust certificates are RSA 4096 with sha512WithRSAEncryption, valid two years
# (research §D, decoded from SAP's API-spec example and screenshots).
DEFAULT_KEY_SIZE = 4096
MIN_KEY_SIZE = 2048
TRUST_VALIDITY = dt.timedelta(days=730)
TRUST_ORGANIZATION = "SAP"
TRUST_ORGANIZATIONAL_UNIT = "CP Destination Configuration"
MAX_UPLOAD_BYTES = 64 * 1024

# BTP's trust-certificate CN is 66 characters, over X.520's 64 (see _trust_name); cryptography warns each time
# such a name is built or read. The length is BTP's, not a defect of ours: silence exactly that warning.
warnings.filterwarnings("ignore", "Attribute's length must be", UserWarning)


class CertificateError(ValueError):
    """An upload that is not exactly one usable X.509 certificate; the message says what it is instead."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def generate_private_key(key_size: int = DEFAULT_KEY_SIZE) -> rsa.RSAPrivateKey:
    if key_size < MIN_KEY_SIZE or key_size % 1024:
        raise ValueError(f"key size must be a multiple of 1024 and at least {MIN_KEY_SIZE} bits")
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def trust_subject_cn(region: str, subaccount_id: str) -> str:
    """The CN BTP gives a subaccount's trust certificate: ``cfapps.<region>.hana.ondemand.com/<guid>``."""
    return f"cfapps.{region}.hana.ondemand.com/{subaccount_id}"


def create_trust_certificate(
    key: rsa.RSAPrivateKey,
    subject_cn: str,
    *,
    now: dt.datetime | None = None,
    validity: dt.timedelta = TRUST_VALIDITY,
) -> x509.Certificate:
    """A self-signed certificate shaped as BTP's Destination trust certificate (subject = issuer)."""
    start = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    name = _trust_name(subject_cn)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + validity)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA512())
    )


def _trust_name(subject_cn: str) -> x509.Name:
    return x509.Name(
        [
            # BTP's CN (`cfapps.<region>.hana.ondemand.com/<guid>`, 66 characters) exceeds X.520's 64-character
            # upper bound for commonName; BTP issues it anyway, so we must too (cryptography checks by default).
            x509.NameAttribute(NameOID.COMMON_NAME, subject_cn, _validate=False),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, TRUST_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TRUST_ORGANIZATIONAL_UNIT),
        ]
    )


def to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def sha256_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 over the DER, upper-case hex pairs joined by ``:`` (as ``openssl x509 -fingerprint`` prints)."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def subject_cn(certificate: x509.Certificate) -> str | None:
    values = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def s4_name(name: x509.Name) -> str:
    """A distinguished name the way S/4 shows it: ``OU=…,O=…,CN=…`` (RFC 4514, most significant last)."""
    return name.rfc4514_string()


@dataclass(frozen=True)
class CertificateInfo:
    """What the S/4 communication system and the trust API show about a certificate."""

    subject: str
    issuer: str
    subject_cn: str | None
    serial_number: str
    valid_from: dt.datetime
    valid_to: dt.datetime
    sha256_fingerprint: str
    signature_algorithm: str
    key_size: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "subject_cn": self.subject_cn,
            "serial_number": self.serial_number,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat(),
            "sha256_fingerprint": self.sha256_fingerprint,
            "signature_algorithm": self.signature_algorithm,
            "key_size": self.key_size,
        }


def describe(certificate: x509.Certificate) -> CertificateInfo:
    public_key = certificate.public_key()
    algorithm = certificate.signature_algorithm_oid._name
    return CertificateInfo(
        subject=s4_name(certificate.subject),
        issuer=s4_name(certificate.issuer),
        subject_cn=subject_cn(certificate),
        serial_number=format(certificate.serial_number, "x"),
        valid_from=certificate.not_valid_before_utc,
        valid_to=certificate.not_valid_after_utc,
        sha256_fingerprint=sha256_fingerprint(certificate),
        signature_algorithm=algorithm,
        key_size=public_key.key_size if isinstance(public_key, rsa.RSAPublicKey) else None,
    )


_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


def load_single_certificate(data: bytes) -> x509.Certificate:
    """Parse an upload that must be exactly one X.509 certificate, in PEM or DER.

    Anything else is refused with a :class:`CertificateError` whose message names what was uploaded
    instead (SAML metadata XML, a private key, several certificates, a CSR, an empty file, garbage), so an
    administrator who picked the wrong file (research §G, misconfiguration 2) knows which one to pick.
    """
    if not data or not data.strip():
        raise CertificateError("empty", "The uploaded file is empty; upload the trust certificate (.pem)")
    if len(data) > MAX_UPLOAD_BYTES:
        raise CertificateError(
            "too_large",
            f"The uploaded file has {len(data)} bytes; a certificate has at most {MAX_UPLOAD_BYTES}",
        )
    stripped = data.lstrip(b"\xef\xbb\xbf").strip()
    blocks = [m.group(1).decode("ascii") for m in _PEM_BLOCK.finditer(stripped)]
    if blocks:
        certs = [b for b in blocks if b in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")]
        if any("PRIVATE KEY" in b for b in blocks):
            raise CertificateError(
                "private_key",
                "The uploaded file contains a private key, not a certificate; never upload a private key — "
                "upload the subaccount's trust certificate (Download Trust)",
            )
        if len(certs) > 1:
            raise CertificateError(
                "several_certificates",
                f"The uploaded file contains {len(certs)} certificates; upload exactly one signing certificate",
            )
        if not certs:
            kind = blocks[0].lower()
            raise CertificateError(
                "not_a_certificate",
                f"The uploaded file is a PEM '{kind}', not an X.509 certificate; upload the trust certificate",
            )
        try:
            return x509.load_pem_x509_certificate(stripped)
        except ValueError as exc:
            raise CertificateError("malformed", "The uploaded PEM certificate cannot be decoded") from exc
    if stripped.startswith(b"<"):
        lowered = stripped[:4096].lower()
        if b"entitydescriptor" in lowered or b"urn:oasis:names:tc:saml" in lowered:
            raise CertificateError(
                "saml_metadata",
                "The uploaded file is SAML metadata XML, not a certificate; use Download Trust (.pem) "
                "instead of the IdP metadata",
            )
        raise CertificateError("xml", "The uploaded file is an XML document, not an X.509 certificate")
    if stripped[:1] == b"\x30":
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            pass
        for loader in (serialization.load_der_private_key,):
            try:
                loader(data, None)
            except (ValueError, TypeError):
                continue
            raise CertificateError(
                "private_key", "The uploaded file is a DER private key, not a certificate; never upload a key"
            )
        raise CertificateError("malformed", "The uploaded DER data is not an X.509 certificate")
    raise CertificateError("unknown_format", "The uploaded file is neither a PEM nor a DER X.509 certificate")


def check_currently_valid(certificate: x509.Certificate, now: dt.datetime | None = None) -> None:
    moment = now or dt.datetime.now(dt.UTC)
    if certificate.not_valid_before_utc > moment:
        raise CertificateError(
            "not_yet_valid",
            f"The certificate is not valid before {certificate.not_valid_before_utc.isoformat()}",
        )
    if certificate.not_valid_after_utc < moment:
        raise CertificateError("expired", f"The certificate expired on {certificate.not_valid_after_utc.isoformat()}")
