"""The subaccount's access tokens (XSUAA-like): issue and verify RS256 JWTs.

INTERFACE (the lead's contract between the XSUAA and destination-find work of issue C): the destination-find
code imports :func:`verify_access_token`, :func:`issue_client_token`, :func:`issue_user_token`,
:class:`TokenClaims` and :class:`InvalidToken`; their names and parameters stay as they are.

Claims (XSUAA's, research §B/§C; choices in ``docs/decisions.md`` "Subaccount authorization server"):
``jti``, ``ext_attr`` (``enhancer: XSUAA``, ``subaccountid``, ``zdn``), ``sub``, ``scope`` (list),
``client_id`` = ``cid`` = ``azp``, ``grant_type`` (``client_credentials`` | ``password``), ``iat``, ``exp``
(the binding's token validity, XSUAA's default 12 h), ``iss`` =
``https://<subdomain>.authentication.<region>.hana.ondemand.com/oauth/token`` (an identifier, like the SAML2
audience: the same for every address the service is reached at), ``zid`` = subaccount ID, ``aud`` = the client
ID plus each scope's namespace (XSUAA's rule). User tokens add the user of
:func:`trustbridge.subaccount.users.user_claims` (``user_name``, ``email``, ``user_uuid``, names,
``xs.system.attributes``, ``user_attributes``) and ``user_id``, ``origin``, ``auth_time``, ``xs.user.attributes``.
Header: ``alg`` RS256, ``kid`` (see :mod:`.keys`), ``typ`` JWT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from trustbridge.pki.encryption import SecretBox
from trustbridge.storage.types import utcnow
from trustbridge.subaccount.models import JwtSigningKey, Subaccount
from trustbridge.subaccount.subaccounts import current_subaccount
from trustbridge.subaccount.users import require_user, user_claims
from trustbridge.subaccount.xsuaa.bindings import find_client
from trustbridge.subaccount.xsuaa.keys import (
    ALGORITHM,
    CLOCK_SKEW,
    DEFAULT_TOKEN_VALIDITY,
    active_signer,
    is_published,
    key_generation,
    public_key,
)

CLIENT_CREDENTIALS: Final = "client_credentials"
PASSWORD: Final = "password"  # noqa: S105 - the grant type
#: Scopes of a client-credentials token of a binding (XSUAA grants a reuse-service clone ``uaa.resource``).
CLIENT_SCOPES: Final = ("uaa.resource",)
#: Scopes of a user token (XSUAA's defaults for a user without role collections).
USER_SCOPES: Final = ("openid", "uaa.user")
#: The origin key of the user directory (``sap.custom`` = a custom Identity Authentication tenant in BTP).
USER_ORIGIN: Final = "sap.custom"
MAX_TOKEN_CHARACTERS: Final = 16 * 1024
#: How long a verified token's signature and key state are trusted without the database (see
#: :class:`VerifiedTokens`; ``docs/decisions.md`` X13). Expiry, ``nbf``, issuer, zone and audience are checked on
#: every call all the same.
VERIFIED_TOKEN_TTL_SECONDS: Final = 30.0
VERIFIED_TOKEN_MAX_ENTRIES: Final = 4096
_USER_ID_NAMESPACE: Final = uuid.UUID("6f1d4a3c-2b7e-5c1a-9e0f-8d2b3c4a5e6f")


class InvalidToken(Exception):
    """The JWT is not one of this subaccount's valid tokens; ``message`` says why (signature, expiry, audience…)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TokenClaims:
    """A verified JWT of this subaccount's authorization server (XSUAA-style claims)."""

    claims: dict[str, Any]

    @property
    def client_id(self) -> str:
        return str(self.claims.get("client_id") or self.claims.get("cid") or "")

    @property
    def grant_type(self) -> str:
        return str(self.claims.get("grant_type") or "")

    @property
    def is_user_token(self) -> bool:
        return "user_name" in self.claims

    @property
    def scopes(self) -> list[str]:
        return [str(s) for s in self.claims.get("scope") or []]


class ScopeNotAllowed(Exception):
    """A requested scope is not one the grant gives."""


@dataclass(frozen=True)
class IssuedAccessToken:
    access_token: str
    jti: str
    expires_in: int
    scopes: tuple[str, ...]


def issuer_of(subdomain: str, region: str) -> str:
    """``iss`` of the subaccount's tokens: XSUAA's token URL of the subaccount's identity zone."""
    return f"https://{subdomain}.authentication.{region}.hana.ondemand.com/oauth/token"


def audiences(client_id: str, scopes: tuple[str, ...]) -> list[str]:
    """XSUAA's ``aud``: the client ID and the namespace of each scope (the part before its first ``.``)."""
    result = [client_id]
    for scope in scopes:
        namespace = scope.split(".", 1)[0]
        if namespace and namespace not in result:
            result.append(namespace)
    return result


def user_id_of(zid: str, login: str) -> str:
    """XSUAA's ``user_id`` (its shadow user's ID): stable per zone, origin and login, and never ``user_uuid``."""
    return str(uuid.uuid5(_USER_ID_NAMESPACE, f"{zid}/{USER_ORIGIN}/{login.lower()}"))


def _utc(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime given as 'now'")
    return now


def issue_token(
    session: Session,
    box: SecretBox,
    *,
    client_id: str,
    grant_type: str,
    login: str | None = None,
    scopes: tuple[str, ...] | None = None,
    now: dt.datetime | None = None,
) -> IssuedAccessToken:
    """Sign a token for ``client_id`` (a user token when ``login`` is given).

    The validity is the binding's ``token_validity`` (the default for a client ID that is no binding: the token
    endpoint authenticates clients before it gets here, tests may mint tokens of foreign clients).
    ``scopes`` narrows the grant's scopes; one outside them raises :class:`ScopeNotAllowed`.
    """
    moment = _utc(now)
    subaccount = current_subaccount(session)
    allowed: tuple[str, ...] = USER_SCOPES if login is not None else CLIENT_SCOPES
    granted: tuple[str, ...]
    if scopes is None:
        granted = allowed
    else:
        unknown = [scope for scope in scopes if scope not in allowed]
        if unknown:
            raise ScopeNotAllowed(f"scope {' '.join(unknown)} is not available; available: {' '.join(allowed)}")
        granted = tuple(scope for scope in allowed if scope in scopes)
    client = find_client(session, client_id)
    validity = client.token_validity if client is not None else DEFAULT_TOKEN_VALIDITY
    kid, key = active_signer(session, box)
    issued_at = int(moment.timestamp())
    jti = uuid.uuid4().hex
    claims: dict[str, Any] = {
        "jti": jti,
        "ext_attr": {"enhancer": "XSUAA", "subaccountid": subaccount.id, "zdn": subaccount.subdomain},
        "sub": client_id,
        "scope": list(granted),
        "client_id": client_id,
        "cid": client_id,
        "azp": client_id,
        "grant_type": grant_type,
    }
    if login is not None:
        user = require_user(session, login)
        person = user_claims(user)
        user_id = user_id_of(subaccount.id, user.login)
        claims.update(person)
        claims["sub"] = user_id
        claims["user_id"] = user_id
        claims["origin"] = USER_ORIGIN
        claims["auth_time"] = issued_at
        claims["xs.user.attributes"] = dict(person.get("user_attributes") or {})
    claims.update(
        {
            "iat": issued_at,
            "exp": issued_at + validity,
            "iss": issuer_of(subaccount.subdomain, subaccount.region),
            "zid": subaccount.id,
            "aud": audiences(client_id, granted),
        }
    )
    token = jwt.encode({"alg": ALGORITHM, "kid": kid, "typ": "JWT"}, claims, key, algorithms=[ALGORITHM])
    return IssuedAccessToken(token, jti, validity, granted)


@dataclass(frozen=True)
class _Verified:
    """What a successful verification established once: the claims and the signing key's state then."""

    claims: dict[str, Any]
    issuer: str
    zid: str
    active: bool
    retired_at: dt.datetime | None
    generation: int
    fresh_until: float  # on the monotonic clock


class VerifiedTokens:
    """Tokens whose signature verified, by SHA-256 of the token: bounded (LRU), thread-safe, one per database.

    A hit skips the key query and the RS256 check only; everything that depends on the moment or the caller —
    the key still being published at ``now``, ``exp``/``iat``/``nbf``, ``iss``, ``zid`` and the audience — is
    checked again on every call. An entry is used for at most :data:`VERIFIED_TOKEN_TTL_SECONDS` and only while
    this process's key generation (:func:`.keys.key_generation`, bumped by every key creation, rotation and
    deletion here) is the one it was verified under. Refusals are never remembered.
    """

    def __init__(
        self,
        max_entries: int = VERIFIED_TOKEN_MAX_ENTRIES,
        ttl: float = VERIFIED_TOKEN_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_entries
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[bytes, _Verified] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def fresh_until(self) -> float:
        """Until when an entry made now may be used."""
        return self._clock() + self.ttl

    def get(self, digest: bytes) -> _Verified | None:
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or entry.generation != key_generation() or self._clock() >= entry.fresh_until:
                if entry is not None:
                    del self._entries[digest]
                self.misses += 1
                return None
            self._entries.move_to_end(digest)
            self.hits += 1
            return entry

    def put(self, digest: bytes, entry: _Verified) -> None:
        with self._lock:
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def drop(self, digest: bytes) -> None:
        with self._lock:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_verified_lock = threading.Lock()
_verified: weakref.WeakKeyDictionary[Engine, VerifiedTokens] = weakref.WeakKeyDictionary()


def verified_tokens(session: Session) -> VerifiedTokens:
    """The verified-token cache of ``session``'s database (one per engine: tokens of one landscape never
    verify against another's)."""
    engine = session.get_bind().engine
    cache = _verified.get(engine)
    if cache is None:
        with _verified_lock:
            cache = _verified.setdefault(engine, VerifiedTokens())
    return cache


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


#: The key of a ``kid`` with its subaccount (for ``iss``/``zid``): one indexed query, built once.
_KEY_QUERY: Final = (
    select(
        JwtSigningKey.public_jwk,
        JwtSigningKey.active,
        JwtSigningKey.retired_at,
        Subaccount.id,
        Subaccount.subdomain,
        Subaccount.region,
    )
    .join(Subaccount, Subaccount.id == JwtSigningKey.subaccount_id)
    .where(JwtSigningKey.kid == bindparam("kid"))
)


def verify_access_token(
    session: Session, token: str, *, audience: str | None = None, now: dt.datetime | None = None
) -> TokenClaims:
    """Verify signature (current or rotated-out JWKS key), ``exp``/``iat``/``nbf``, issuer and (when given)
    that ``audience`` is in ``aud``; raise :class:`InvalidToken`.

    A token verified before (:class:`VerifiedTokens`) skips the key query and the signature check; every other
    check runs on each call.
    """
    moment = _utc(now)
    if not token or len(token) > MAX_TOKEN_CHARACTERS:
        raise InvalidToken("The token is empty or longer than a JWT of this subaccount can be")
    cache = verified_tokens(session)
    digest = _digest(token)
    known = cache.get(digest)
    if known is not None:
        if not is_published(known.active, known.retired_at, moment):
            cache.drop(digest)
            known = None  # verify in full: the refusal names the key
        else:
            _check_claims(known.claims, moment, known.issuer, known.zid, audience)  # raises as a miss would
            return TokenClaims(dict(known.claims))
    generation = key_generation()  # before the key is read: a rotation meanwhile makes the entry stale
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise InvalidToken("The token is not a JWT (three base64url-encoded parts with a JSON header)") from None
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise InvalidToken(f"The token is signed with algorithm {alg!r}; this subaccount's tokens use {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 128:
        raise InvalidToken("The token's header has no key ID ('kid')")
    row = session.execute(_KEY_QUERY, {"kid": kid}).first()
    if row is None or not is_published(row.active, row.retired_at, moment):
        raise InvalidToken(f"The token is signed with key '{kid}', which is not among this subaccount's token keys")
    try:
        claims = jwt.decode(token, public_key(kid, row.public_jwk), algorithms=[ALGORITHM]).claims
    except BadSignatureError:
        raise InvalidToken(f"The token's signature does not verify with key '{kid}' (tampered token)") from None
    except (JoseError, ValueError):
        raise InvalidToken("The token's claims are not a JSON object") from None
    issuer = issuer_of(row.subdomain, row.region)
    _check_claims(claims, moment, issuer, row.id, audience)
    fresh_until = cache.fresh_until()
    cache.put(digest, _Verified(dict(claims), issuer, row.id, row.active, row.retired_at, generation, fresh_until))
    return TokenClaims(dict(claims))


def _timestamp(claims: dict[str, Any], name: str, *, required: bool) -> int | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"The token's '{name}' claim is missing or not a number")
    return int(value)


def _check_claims(claims: dict[str, Any], moment: dt.datetime, issuer: str, zid: str, audience: str | None) -> None:
    now = moment.timestamp()
    skew = CLOCK_SKEW.total_seconds()
    expires = _timestamp(claims, "exp", required=True)
    assert expires is not None
    if now > expires + skew:
        when = dt.datetime.fromtimestamp(expires, dt.UTC).isoformat()
        raise InvalidToken(f"The token expired at {when}")
    issued = _timestamp(claims, "iat", required=True)
    assert issued is not None
    if issued > now + skew:
        raise InvalidToken("The token's 'iat' lies in the future (clock skew beyond 60 seconds?)")
    not_before = _timestamp(claims, "nbf", required=False)
    if not_before is not None and not_before > now + skew:
        raise InvalidToken("The token is not valid yet ('nbf' lies in the future)")
    if claims.get("iss") != issuer:
        raise InvalidToken(f"The token's issuer {claims.get('iss')!r} is not this subaccount's ({issuer!r})")
    if claims.get("zid") != zid:
        raise InvalidToken(f"The token's identity zone {claims.get('zid')!r} is not this subaccount ({zid!r})")
    aud = claims.get("aud")
    aud_list = [aud] if isinstance(aud, str) else [str(a) for a in aud] if isinstance(aud, list) else []
    if audience is not None and audience not in aud_list:
        raise InvalidToken(f"The token's audience {aud_list} does not include {audience!r}")


def issue_client_token(session: Session, box: SecretBox, *, client_id: str, now: dt.datetime | None = None) -> str:
    """A ``client_credentials`` JWT for a service binding's client (no user claims)."""
    return issue_token(session, box, client_id=client_id, grant_type=CLIENT_CREDENTIALS, now=now).access_token


def issue_user_token(
    session: Session, box: SecretBox, *, client_id: str, login: str, now: dt.datetime | None = None
) -> str:
    """A ``password``-grant JWT of subaccount user ``login`` for ``client_id`` (with ``user_name``, ``email``,
    ``user_uuid``, ``xs.system.attributes`` … as :func:`trustbridge.subaccount.users.user_claims` gives)."""
    return issue_token(session, box, client_id=client_id, grant_type=PASSWORD, login=login, now=now).access_token
