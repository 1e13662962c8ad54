"""The signing keys of the subaccount's authorization server: RS256 key pairs, the JWKS, rotation.

XSUAA publishes its keys at ``/token_keys`` and rotates them; a token names its key by ``kid`` and stays valid
with a rotated-out key until it expires. Here:

- one **active** key signs new tokens; ``kid`` is the key's RFC 7638 JWK thumbprint, so the same ``kid``
  always means the same key (the per-process caches below rely on that);
- :func:`rotate_signing_key` makes a new active key and **retires** the previous one: a retired key stays in
  the JWKS (and keeps verifying) for :data:`RETIRED_KEY_RETENTION` — the longest token validity plus the clock
  skew — so every token it signed expires before it goes; older retired keys are deleted by the next rotation;
- private keys are PKCS#8 PEM encrypted with :class:`SecretBox` (as the trust store's, decision T9);
- RSA 2048 bits (XSUAA's keys are 2048; a token is signed on every request, a larger key only costs time).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from joserfc.jwk import RSAKey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage.types import utcnow
from trustbridge.subaccount.models import JwtSigningKey
from trustbridge.subaccount.subaccounts import current_subaccount

KEY_SIZE: Final = 2048
ALGORITHM: Final = "RS256"
#: Token validity: XSUAA's default is 12 hours (``token-validity`` 43200 s); a binding may have less.
DEFAULT_TOKEN_VALIDITY: Final = 43200
MAX_TOKEN_VALIDITY: Final = 86400
#: Allowed difference between our clock and the token's ``iat``/``nbf``/``exp``.
CLOCK_SKEW: Final = dt.timedelta(seconds=60)
#: How long a rotated-out key stays in the JWKS: every token it signed has expired by then.
RETIRED_KEY_RETENTION: Final = dt.timedelta(seconds=MAX_TOKEN_VALIDITY) + CLOCK_SKEW


@dataclass(frozen=True)
class SigningKeyInfo:
    """A key as the admin API shows it (public data only)."""

    kid: str
    active: bool
    created_at: dt.datetime
    retired_at: dt.datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "active": self.active,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }


def _info(row: JwtSigningKey) -> SigningKeyInfo:
    return SigningKeyInfo(row.kid, row.active, row.created_at, row.retired_at)


# --- per-process caches, keyed by kid (= thumbprint, so a kid can never name two different keys) ------------

_lock = threading.Lock()
_private_keys: dict[str, RSAKey] = {}
_public_keys: dict[str, RSAKey] = {}
_CACHE_MAX = 256


#: Bumped whenever this process creates, retires or deletes a signing key: the verified-token cache of
#: :mod:`.tokens` drops what it verified under an older generation (other processes: its short TTL).
_generation = 0


def key_generation() -> int:
    """The signing-key generation of this process (see :func:`bump_key_generation`)."""
    return _generation


def bump_key_generation() -> None:
    """Invalidate every verification this process remembers (a key was created, retired or deleted)."""
    global _generation
    with _lock:
        _generation += 1


def _remember(cache: dict[str, RSAKey], kid: str, key: RSAKey) -> RSAKey:
    with _lock:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[kid] = key
    return key


def public_key(kid: str, jwk: dict[str, Any]) -> RSAKey:
    """The parsed public key of a JWKS entry (parsed once per process)."""
    cached = _public_keys.get(kid)
    if cached is not None:
        return cached
    return _remember(_public_keys, kid, RSAKey.import_key({"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}))


def generate_key() -> RSAKey:
    """A new RSA key pair (call it outside a write transaction: generation takes tens of milliseconds)."""
    return RSAKey.generate_key(KEY_SIZE, private=True)


def _public_members(key: RSAKey) -> dict[str, Any]:
    public = key.as_dict(private=False)
    return {"kty": "RSA", "n": public["n"], "e": public["e"]}


def _store(session: Session, box: SecretBox, key: RSAKey, now: dt.datetime) -> JwtSigningKey:
    subaccount = current_subaccount(session)
    pem = key.as_pem(private=True)
    row = JwtSigningKey(
        subaccount_id=subaccount.id,
        kid=key.thumbprint(),
        private_key_encrypted=box.encrypt(pem).decode("ascii"),
        public_jwk=_public_members(key),
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _remember(_private_keys, row.kid, key)
    bump_key_generation()
    return row


def _active_row(session: Session, *, for_update: bool = False) -> JwtSigningKey | None:
    subaccount = current_subaccount(session)
    query = select(JwtSigningKey).where(JwtSigningKey.subaccount_id == subaccount.id, JwtSigningKey.active.is_(True))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def ensure_signing_key(session: Session, box: SecretBox) -> bool:
    """Create the active key if there is none (bootstrap); ``True`` when one was created."""
    if _active_row(session) is not None:
        return False
    _store(session, box, generate_key(), utcnow())
    return True


def rotate_signing_key(
    session: Session, box: SecretBox, *, key: RSAKey | None = None, now: dt.datetime | None = None
) -> SigningKeyInfo:
    """Make a new active key; the previous one is retired but stays in the JWKS until its tokens expired.

    ``key`` lets a caller generate the key pair before its write transaction. Keys retired longer than
    :data:`RETIRED_KEY_RETENTION` ago are deleted here.
    """
    moment = now or utcnow()
    bump_key_generation()
    current = _active_row(session, for_update=True)
    if current is not None:
        current.active = False
        current.retired_at = moment
        session.flush()
    subaccount = current_subaccount(session)
    session.execute(
        delete(JwtSigningKey).where(
            JwtSigningKey.subaccount_id == subaccount.id,
            JwtSigningKey.active.is_(False),
            JwtSigningKey.retired_at < moment - RETIRED_KEY_RETENTION,
        )
    )
    return _info(_store(session, box, key or generate_key(), moment))


def _published(rows: list[JwtSigningKey], now: dt.datetime) -> list[JwtSigningKey]:
    live = [row for row in rows if row.active or (row.retired_at and row.retired_at + RETIRED_KEY_RETENTION > now)]
    return sorted(live, key=lambda row: (not row.active, -row.created_at.timestamp()))


def signing_keys(session: Session, *, now: dt.datetime | None = None) -> list[SigningKeyInfo]:
    """The keys in the JWKS: the active one first, then retired ones, newest first."""
    subaccount = current_subaccount(session)
    rows = list(session.scalars(select(JwtSigningKey).where(JwtSigningKey.subaccount_id == subaccount.id)))
    return [_info(row) for row in _published(rows, now or utcnow())]


def is_published(active: bool, retired_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a key (by its row's state) is in the JWKS at ``now``."""
    return active or (retired_at is not None and retired_at + RETIRED_KEY_RETENTION > now)


def jwks(session: Session, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """``/token_keys``: ``{"keys": [JWK…]}`` as XSUAA publishes them (``kty``, ``e``, ``n``, ``kid``, ``use``,
    ``alg`` and ``value`` = the PEM public key, which SAP's older client libraries read)."""
    subaccount = current_subaccount(session)
    rows = list(session.scalars(select(JwtSigningKey).where(JwtSigningKey.subaccount_id == subaccount.id)))
    keys = []
    for row in _published(rows, now or utcnow()):
        key = public_key(row.kid, row.public_jwk)
        pem = (
            key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
            .strip()
        )
        keys.append(
            {
                "kty": "RSA",
                "e": row.public_jwk["e"],
                "use": "sig",
                "kid": row.kid,
                "alg": ALGORITHM,
                "value": pem,
                "n": row.public_jwk["n"],
            }
        )
    return {"keys": keys}


def active_signer(session: Session, box: SecretBox) -> tuple[str, RSAKey]:
    """``(kid, private key)`` of the active key (decrypted and parsed once per process)."""
    subaccount = current_subaccount(session)
    row = session.execute(
        select(JwtSigningKey.kid, JwtSigningKey.private_key_encrypted).where(
            JwtSigningKey.subaccount_id == subaccount.id, JwtSigningKey.active.is_(True)
        )
    ).first()
    if row is None:
        raise NotFound("The subaccount has no active token signing key; run 'trustbridge up' to create one")
    kid, encrypted = row
    cached = _private_keys.get(kid)
    if cached is not None:
        return kid, cached
    key = RSAKey.import_key(box.decrypt(encrypted.encode("ascii")))
    return kid, _remember(_private_keys, kid, key)
