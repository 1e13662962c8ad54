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
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    CommunicationUser,
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
    """An authenticated communication user (with the password hash its credentials were checked against)."""

    pk: int
    user_name: str
    password_hash: str | None = None


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

    #: How long a successful client authentication is remembered (see :meth:`authenticate_client`).
    CREDENTIAL_CACHE_SECONDS = 60.0

    def __init__(self, db: Database, policy: TokenPolicy | None = None, clock: Callable[[], dt.datetime] = _utcnow):
        self.db = db
        self.policy = policy or TokenPolicy()
        self.clock = clock
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[Client, float]] = {}
        self._next_purge = 0.0

    # --- Saml2BearerBackend ------------------------------------------------------------------------------
    def authenticate_client(self, client_id: str, secret: str) -> Client | None:
        """HTTP Basic of a communication user; the failure count (lock at 3) is committed either way.

        argon2 costs tens of milliseconds by design; the destination service calls with the same credentials
        for every user and token. A success is therefore remembered for a minute under an HMAC of the
        credentials (per-process random key, never the password) together with the password hash it matched;
        the exchange re-reads the user in its own transaction and refuses the client if it was locked or its
        password changed since. A failure is never cached: it always costs a full verification.
        """
        tag = hmac.new(self._cache_key, f"{client_id}\0{secret}".encode(), "sha256").digest()
        cached = self._verified.get(tag)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self.db.transaction() as session:
            user = communication_users.authenticate(session, client_id, secret)
            client = None if user is None else Client(user.id, user.user_name, user.password_hash)
        if client is None:
            self._verified.pop(tag, None)
            return None
        if len(self._verified) > 1024:
            self._verified.clear()
        self._verified[tag] = (client, time.monotonic() + self.CREDENTIAL_CACHE_SECONDS)
        return client

    def client_name(self, client: Client) -> str:
        return client.user_name

    def exchange(self, client: Client, assertion: bytes, scope: str | None) -> IssuedToken:
        now = self.clock()
        purge = time.monotonic() >= self._next_purge  # expired replay rows go at most once a minute
        with self.db.transaction() as session:
            issued = _Exchange(session, self.policy, now, purge).run(client, assertion, scope)
        if purge:
            self._next_purge = time.monotonic() + 60
        return issued


class _Binding(Protocol):
    """One OAuth 2.0 arrangement of the client with its communication system (a row of one joined query)."""

    arrangement_pk: int
    arrangement_name: str
    scenario_id: str
    system_id: str
    oauth2_idp_enabled: bool
    signing_certificate_der: bytes | None
    saml_issuer: str | None
    user_id_mapping_mode: str
    allow_sha1: bool


A, S, U = CommunicationArrangement, CommunicationSystem, CommunicationUser
# The hot path reads with SQLAlchemy Core in one joined query: the ORM's identity map buys nothing here.
_BINDINGS = (
    select(
        A.id.label("arrangement_pk"),
        A.name.label("arrangement_name"),
        A.scenario_id,
        S.system_id,
        S.oauth2_idp_enabled,
        S.signing_certificate_der,
        S.saml_issuer,
        S.user_id_mapping_mode,
        S.allow_sha1,
        U.locked,
        U.password_hash,
    )
    .select_from(A)
    .join(S, A.system_pk == S.id)
    .join(U, A.inbound_user_pk == U.id)
    .where(A.authentication_method == "oauth2")
    .order_by(A.id)
)
# Statements built once with bound parameters, so SQLAlchemy compiles and caches each of them once.
_BINDINGS_OF_CLIENT = _BINDINGS.where(A.inbound_user_pk == bindparam("client_pk"))
_BUSINESS_USER_BY = {
    column.key: select(BusinessUser.id, BusinessUser.user_name, BusinessUser.locked).where(
        column == bindparam("name_id")
    )
    for column in (BusinessUser.user_name, BusinessUser.email, BusinessUser.global_user_id)
}
_CONSUME = {
    "postgresql": postgresql_insert(UsedAssertion).on_conflict_do_nothing().returning(UsedAssertion.assertion_id),
    "sqlite": sqlite_insert(UsedAssertion).on_conflict_do_nothing().returning(UsedAssertion.assertion_id),
}
_INSERT_TOKEN = insert(AccessToken)


class _Exchange:
    def __init__(self, session: Session, policy: TokenPolicy, now: dt.datetime, purge: bool) -> None:
        self.session = session
        self.policy = policy
        self.now = now
        self.purge = purge
        self.tenant: TenantInfo = load_tenant(session)

    def run(self, client: Client, assertion: bytes, scope: str | None) -> IssuedToken:
        bindings = self.session.execute(_BINDINGS_OF_CLIENT, {"client_pk": client.pk}).all()
        state = (
            (bindings[0].locked, bindings[0].password_hash)
            if bindings
            else self.session.execute(select(U.locked, U.password_hash).where(U.id == client.pk)).first()
        )
        if state is None or state[0] or state[1] != client.password_hash:
            raise GrantRejected("invalid_client", "client_changed", "Client authentication failed")
        if not bindings:
            raise GrantRejected(
                "unauthorized_client",
                "no_oauth2_arrangement",
                f"Communication user {client.user_name} is not the inbound user of a communication arrangement "
                "with authentication method OAuth 2.0 (seed steps 17-18)",
            )
        first_error: GrantRejected | None = None
        for binding in bindings:
            try:
                verified = self._verify(binding, assertion)
            except GrantRejected as rejected:
                first_error = first_error or rejected
                continue
            return self._grant(client, binding, verified, scope)
        assert first_error is not None
        raise first_error

    # --- RFC 7522 §3 -------------------------------------------------------------------------------------
    def _verify(self, system: _Binding, assertion: bytes) -> VerifiedAssertion:
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
        """One-time use: a row per issuer + assertion ID until expiry (+ skew), shared by every process.

        ``INSERT … ON CONFLICT DO NOTHING`` on the primary key: of two processes racing with one assertion,
        exactly one inserts; the other sees no row inserted and refuses the replay.
        """
        if self.purge:
            self.session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < self.now))
        row = {
            "issuer": verified.issuer,
            "assertion_id": verified.assertion_id,
            "expires_at": expiry + self.policy.clock_skew,
        }
        statement = _CONSUME["postgresql" if self.session.get_bind().dialect.name == "postgresql" else "sqlite"]
        if self.session.execute(statement, row).first() is None:
            raise GrantRejected(
                "invalid_grant",
                "replay",
                f"The assertion {verified.assertion_id} was already used; assertions are one-time",
            )

    def _business_user(self, system: _Binding, verified: VerifiedAssertion) -> tuple[int, str]:
        name_id = verified.name_id
        if not name_id:
            raise GrantRejected("invalid_grant", "name_id_empty", "The assertion's NameID is empty")
        mode = "email" if verified.name_id_format == NAMEID_EMAIL else system.user_id_mapping_mode
        column, label = {
            "user_name": (BusinessUser.user_name, "user name"),
            "email": (BusinessUser.email, "e-mail address"),
        }.get(mode, (BusinessUser.global_user_id, "Global User ID"))
        user = self.session.execute(_BUSINESS_USER_BY[column.key], {"name_id": name_id}).first()
        if user is None:
            raise GrantRejected(
                "invalid_grant",
                "unknown_business_user",
                f"No business user has the {label} {name_id!r} (User ID Mapping Mode {mode} of communication "
                f"system {system.system_id}); maintain it in Maintain Business Users",
            )
        if user.locked:
            raise GrantRejected("invalid_grant", "business_user_locked", f"Business user {user.user_name} is locked")
        return int(user.id), str(user.user_name)

    def _scopes(self, arrangement: _Binding, requested: str | None) -> list[str]:
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
                f"Scope {', '.join(unknown)} is not granted by communication arrangement "
                f"{arrangement.arrangement_name} (its scopes: {' '.join(available) or 'none'})",
            )
        return list(dict.fromkeys(wanted))

    def _grant(self, client: Client, binding: _Binding, verified: VerifiedAssertion, scope: str | None) -> IssuedToken:
        scopes = self._scopes(binding, scope)
        expiry = self._check_conditions(verified)
        user_pk, _user_name = self._business_user(binding, verified)
        self._consume(verified, expiry)
        token = secrets.token_urlsafe(32)  # 256 bits
        lifetime = int(self.policy.token_lifetime.total_seconds())
        self.session.execute(
            _INSERT_TOKEN,
            {
                "token_hash": token_hash(token),
                "client": client.user_name,
                "business_user_pk": user_pk,
                "arrangement_pk": binding.arrangement_pk,
                "scopes": " ".join(scopes),
                "issued_at": self.now,
                "expires_at": self.now + dt.timedelta(seconds=lifetime),
            },
        )
        return IssuedToken(access_token=token, expires_in=lifetime, scope=" ".join(scopes))
