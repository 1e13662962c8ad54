"""The tenant's OAuth 2.0 token service: SAML 2.0 bearer assertions → access tokens (research §G).

This is the :class:`~trustbridge.oauth.rfc7522.Saml2BearerBackend` of ``/sap/bc/sec/oauth2/token``. The
checks follow RFC 7522 §3 and what S/4HANA Cloud's communication management configures:

- the client (a communication user, HTTP Basic) must be the inbound user of an arrangement with OAuth 2.0;
- the assertion must come from that arrangement's communication system: OAuth 2.0 Identity Provider on, a
  currently valid signing certificate, a signature that verifies with it (strict profile,
  :mod:`trustbridge.saml.verifier`), ``Issuer`` = the system's OAuth 2.0 SAML Issuer (RFC 7522 §3 item 1);
- ``Audience`` = the tenant's SAML2 audience (item 2); a bearer ``SubjectConfirmation`` whose ``Recipient``
  is the token service URL the tenant publishes, public or local (item 2), not expired (items 4, 5);
- ``Conditions`` in force within the clock skew, lifetime capped, one-time use (item 7);
- the NameID maps, by the system's User ID Mapping Mode, to an existing unlocked business user (item 3);
- requested scopes ⊆ the arrangement's inbound service scopes (all of them when none are requested).

Every rejection is a :class:`GrantRejected` that names the failing check and the seed step that fixes it;
it is raised inside the request's one transaction, so nothing it touched is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustbridge.oauth.rfc7522 import GrantRejected, IssuedToken
from trustbridge.pki.certificates import sha256_fingerprint
from trustbridge.s4 import communication_users
from trustbridge.s4.catalog import get_scenario
from trustbridge.s4.models import (
    AccessToken,
    BusinessUser,
    CommunicationArrangement,
    CommunicationSystem,
    UsedAssertion,
)
from trustbridge.s4.tenant import TenantInfo, load_tenant
from trustbridge.saml.constants import BEARER, NAMEID_EMAIL
from trustbridge.saml.verifier import AssertionRejected, VerificationPolicy, VerifiedAssertion, verify_assertion
from trustbridge.storage import Database


@dataclass(frozen=True)
class TokenPolicy:
    """Time rules of the token service (S/4HANA Cloud documents none of them: docs/decisions.md)."""

    clock_skew: dt.timedelta = dt.timedelta(seconds=120)
    max_assertion_lifetime: dt.timedelta = dt.timedelta(minutes=30)
    token_lifetime: dt.timedelta = dt.timedelta(seconds=3600)


@dataclass(frozen=True)
class Client:
    """An authenticated communication user."""

    pk: int
    user_name: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def token_hash(token: str) -> str:
    """Tokens are 256-bit random values, so a plain SHA-256 is a safe lookup key (no password hashing needed)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@lru_cache(maxsize=64)
def _certificate(der: bytes) -> tuple[x509.Certificate, rsa.RSAPublicKey]:
    certificate = x509.load_der_x509_certificate(der)
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA certificate")
    return certificate, key


class TokenService:
    """The backend of the SAML 2.0 bearer grant for one tenant database."""

    def __init__(self, db: Database, policy: TokenPolicy | None = None, clock: Callable[[], dt.datetime] = _utcnow):
        self.db = db
        self.policy = policy or TokenPolicy()
        self.clock = clock

    # --- Saml2BearerBackend ------------------------------------------------------------------------------
    def authenticate_client(self, client_id: str, secret: str) -> Client | None:
        """HTTP Basic of a communication user; the failure count (lock at 3) is committed either way."""
        with self.db.transaction() as session:
            user = communication_users.authenticate(session, client_id, secret)
            return None if user is None else Client(user.id, user.user_name)

    def client_name(self, client: Client) -> str:
        return client.user_name

    def exchange(self, client: Client, assertion: bytes, scope: str | None) -> IssuedToken:
        with self.db.transaction() as session:
            return _Exchange(session, self.policy, self.clock()).run(client, assertion, scope)


class _Exchange:
    def __init__(self, session: Session, policy: TokenPolicy, now: dt.datetime) -> None:
        self.session = session
        self.policy = policy
        self.now = now
        self.tenant: TenantInfo = load_tenant(session)

    def run(self, client: Client, assertion: bytes, scope: str | None) -> IssuedToken:
        arrangements = list(
            self.session.scalars(
                select(CommunicationArrangement)
                .where(CommunicationArrangement.inbound_user_pk == client.pk)
                .where(CommunicationArrangement.authentication_method == "oauth2")
                .order_by(CommunicationArrangement.id)
            )
        )
        if not arrangements:
            raise GrantRejected(
                "unauthorized_client",
                "no_oauth2_arrangement",
                f"Communication user {client.user_name} is not the inbound user of a communication arrangement "
                "with authentication method OAuth 2.0 (seed steps 17-18)",
            )
        first_error: GrantRejected | None = None
        for arrangement in arrangements:
            system = arrangement.system
            if system is None:
                continue
            try:
                verified = self._verify(system, assertion)
            except GrantRejected as rejected:
                first_error = first_error or rejected
                continue
            return self._grant(client, arrangement, system, verified, scope)
        assert first_error is not None
        raise first_error

    # --- RFC 7522 §3 -------------------------------------------------------------------------------------
    def _verify(self, system: CommunicationSystem, assertion: bytes) -> VerifiedAssertion:
        sid = system.system_id
        if not system.oauth2_idp_enabled:
            raise GrantRejected(
                "invalid_grant",
                "idp_disabled",
                f"Communication system {sid}: OAuth 2.0 Identity Provider is off (seed step 7)",
            )
        if system.signing_certificate_der is None:
            raise GrantRejected(
                "invalid_grant",
                "no_signing_certificate",
                f"Communication system {sid} has no signing certificate; upload the subaccount's trust "
                "certificate (seed steps 1 and 8)",
            )
        certificate, key = _certificate(system.signing_certificate_der)
        if certificate.not_valid_after_utc <= self.now:
            raise GrantRejected(
                "invalid_grant",
                "certificate_expired",
                f"The signing certificate of communication system {sid} expired on "
                f"{certificate.not_valid_after_utc.isoformat()}; renew the subaccount's trust and upload it "
                "again (seed steps 1 and 8)",
            )
        if certificate.not_valid_before_utc > self.now + self.policy.clock_skew:
            raise GrantRejected(
                "invalid_grant",
                "certificate_not_yet_valid",
                f"The signing certificate of communication system {sid} is not valid before "
                f"{certificate.not_valid_before_utc.isoformat()}",
            )
        try:
            verified = verify_assertion(assertion, key, VerificationPolicy(allow_sha1=system.allow_sha1))
        except AssertionRejected as rejected:
            if rejected.code == "signature_invalid":
                raise GrantRejected(
                    "invalid_grant",
                    "signature_invalid",
                    f"The assertion's signature does not verify with the signing certificate of communication "
                    f"system {sid} (SHA-256 {sha256_fingerprint(certificate)}); upload the subaccount's current "
                    "trust certificate (seed steps 1 and 8)",
                ) from None
            raise GrantRejected(
                "invalid_grant", f"assertion_{rejected.code}", f"Assertion rejected: {rejected.message}"
            ) from None
        if verified.issuer != system.saml_issuer:
            raise GrantRejected(
                "invalid_grant",
                "issuer_mismatch",
                f"The assertion's Issuer {verified.issuer!r} is not the OAuth 2.0 SAML Issuer "
                f"{system.saml_issuer!r} of communication system {sid}; it must be the trust certificate's CN "
                "(seed step 9)",
            )
        return verified

    def _check_conditions(self, verified: VerifiedAssertion) -> dt.datetime:
        now, skew = self.now, self.policy.clock_skew
        audience = self.tenant.saml2_audience
        if audience not in verified.audiences:
            found = ", ".join(repr(a) for a in verified.audiences) or "none"
            raise GrantRejected(
                "invalid_grant",
                "audience_mismatch",
                f"The assertion's Audience ({found}) is not this tenant's SAML2 audience {audience!r}; set the "
                "destination's audience to the SAML2 Audience of the arrangement's OAuth 2.0 Details, without -api "
                "(seed step 19)",
            )
        bearer = [c for c in verified.subject_confirmations if c.method == BEARER]
        if not bearer:
            raise GrantRejected(
                "invalid_grant",
                "no_bearer_confirmation",
                "The assertion has no bearer SubjectConfirmation (RFC 7522 §3)",
            )
        recipients = {self.tenant.token_service_url, self.tenant.token_service_url_local}
        matching = [c for c in bearer if c.recipient in recipients]
        if not matching:
            found = ", ".join(repr(c.recipient) for c in bearer)
            raise GrantRejected(
                "invalid_grant",
                "recipient_mismatch",
                f"The assertion's Recipient ({found}) is not this token service URL "
                f"({' or '.join(sorted(recipients))}); set the destination's tokenServiceURL to the Token Service "
                "URL of the arrangement's OAuth 2.0 Details (seed step 19)",
            )
        confirmation = matching[0]
        if confirmation.not_on_or_after is None:
            raise GrantRejected(
                "invalid_grant", "confirmation_without_expiry", "The bearer SubjectConfirmationData has no NotOnOrAfter"
            )
        if confirmation.not_on_or_after <= now - skew:
            raise GrantRejected(
                "invalid_grant", "expired", "The assertion has expired (SubjectConfirmationData NotOnOrAfter)"
            )
        if confirmation.not_before is not None and confirmation.not_before > now + skew:
            raise GrantRejected(
                "invalid_grant", "not_yet_valid", "The assertion is not valid yet (SubjectConfirmationData NotBefore)"
            )
        if verified.not_before is not None and verified.not_before > now + skew:
            raise GrantRejected(
                "invalid_grant", "not_yet_valid", "The assertion is not valid yet (Conditions NotBefore)"
            )
        if verified.not_on_or_after is not None and verified.not_on_or_after <= now - skew:
            raise GrantRejected("invalid_grant", "expired", "The assertion has expired (Conditions NotOnOrAfter)")
        if verified.issue_instant > now + skew:
            raise GrantRejected("invalid_grant", "not_yet_valid", "The assertion's IssueInstant is in the future")
        expiry = min(t for t in (confirmation.not_on_or_after, verified.not_on_or_after) if t is not None)
        if expiry - verified.issue_instant > self.policy.max_assertion_lifetime:
            minutes = int(self.policy.max_assertion_lifetime.total_seconds() // 60)
            raise GrantRejected(
                "invalid_grant", "lifetime_too_long", f"The assertion is valid for longer than {minutes} minutes"
            )
        return expiry

    def _consume(self, verified: VerifiedAssertion, expiry: dt.datetime) -> None:
        """One-time use: a row per issuer + assertion ID until expiry (+ skew), shared by every process."""
        session = self.session
        session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < self.now))
        replay = GrantRejected(
            "invalid_grant",
            "replay",
            f"The assertion {verified.assertion_id} was already used; assertions are one-time",
        )
        if session.get(UsedAssertion, (verified.issuer, verified.assertion_id)) is not None:
            raise replay
        try:
            with session.begin_nested():
                session.add(
                    UsedAssertion(
                        issuer=verified.issuer,
                        assertion_id=verified.assertion_id,
                        expires_at=expiry + self.policy.clock_skew,
                    )
                )
        except IntegrityError:
            raise replay from None

    def _business_user(self, system: CommunicationSystem, verified: VerifiedAssertion) -> BusinessUser:
        name_id = verified.name_id
        if not name_id:
            raise GrantRejected("invalid_grant", "name_id_empty", "The assertion's NameID is empty")
        mode = "email" if verified.name_id_format == NAMEID_EMAIL else system.user_id_mapping_mode
        column, label = {
            "user_name": (BusinessUser.user_name, "user name"),
            "email": (BusinessUser.email, "e-mail address"),
        }.get(mode, (BusinessUser.global_user_id, "Global User ID"))
        user = self.session.scalar(select(BusinessUser).where(column == name_id))
        if user is None:
            raise GrantRejected(
                "invalid_grant",
                "unknown_business_user",
                f"No business user has the {label} {name_id!r} (User ID Mapping Mode {mode} of communication "
                f"system {system.system_id}); maintain it in Maintain Business Users",
            )
        if user.locked:
            raise GrantRejected("invalid_grant", "business_user_locked", f"Business user {user.user_name} is locked")
        return user

    def _scopes(self, arrangement: CommunicationArrangement, requested: str | None) -> list[str]:
        scenario = get_scenario(arrangement.scenario_id)
        available = scenario.scopes if scenario is not None else []
        if requested is None or not requested.strip():
            return available
        wanted = requested.split(" ")
        if any(not s for s in wanted):
            raise GrantRejected("invalid_scope", "scope_syntax", "scope must be scope IDs separated by single spaces")
        unknown = [s for s in wanted if s not in available]
        if unknown:
            raise GrantRejected(
                "invalid_scope",
                "scope_not_granted",
                f"Scope {', '.join(unknown)} is not granted by communication arrangement {arrangement.name} "
                f"(its scopes: {' '.join(available) or 'none'})",
            )
        return list(dict.fromkeys(wanted))

    def _grant(
        self,
        client: Client,
        arrangement: CommunicationArrangement,
        system: CommunicationSystem,
        verified: VerifiedAssertion,
        scope: str | None,
    ) -> IssuedToken:
        scopes = self._scopes(arrangement, scope)
        expiry = self._check_conditions(verified)
        user = self._business_user(system, verified)
        self._consume(verified, expiry)
        token = secrets.token_urlsafe(32)  # 256 bits
        lifetime = int(self.policy.token_lifetime.total_seconds())
        self.session.add(
            AccessToken(
                token_hash=token_hash(token),
                client=client.user_name,
                business_user_pk=user.id,
                arrangement_pk=arrangement.id,
                scopes=" ".join(scopes),
                issued_at=self.now,
                expires_at=self.now + dt.timedelta(seconds=lifetime),
            )
        )
        return IssuedToken(access_token=token, expires_in=lifetime, scope=" ".join(scopes))
