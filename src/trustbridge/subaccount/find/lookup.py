"""Find a destination by name for the consumption API and shape the answer [SPEC], research §C.

- **v1** ``/v1/destinations/{name}`` searches the service-instance level first, then the subaccount level
  [CONN-CONSUME]. trustbridge has subaccount destinations only, so the first level never matches.
- **v2** ``/v2/destinations/{name}[@{level}]``: ``subaccount`` and ``provider_subaccount`` are our subaccount
  (one subaccount = its own provider); ``instance`` and ``provider_instance`` hold nothing here (404); without
  a level, v1's search order. Any other level is a 400.
- ``destinationConfiguration`` = every property **including secrets** — this is the consumption API, which SAP
  answers with the credentials — unless ``$skipCredentials=true``, which leaves out every secret property
  (names ending in ``Password``/``Secret``, ``docs/decisions.md`` D8).
- v1 carries ``owner`` ``{SubaccountId, InstanceId: null}``; v2 only with ``$includeMetadata=owner``.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound, ValidationFailed
from trustbridge.pki.encryption import SecretBox
from trustbridge.subaccount.destination_secrets import is_secret, unseal
from trustbridge.subaccount.destinations import _record as destination_record
from trustbridge.subaccount.destinations import could_exist
from trustbridge.subaccount.models import Destination, Subaccount, TrustKeyPair
from trustbridge.subaccount.subaccounts import current_subaccount
from trustbridge.subaccount.trust import ACTIVE

SUBACCOUNT_LEVELS: Final = ("subaccount", "provider_subaccount")
INSTANCE_LEVELS: Final = ("instance", "provider_instance")
LEVELS: Final = SUBACCOUNT_LEVELS + INSTANCE_LEVELS
#: Destinations kept decrypted per database (by name); the whole map is dropped when it would grow beyond.
MAX_CACHED_DESTINATIONS: Final = 1024


@dataclass(frozen=True)
class FoundDestination:
    """A destination as the find flow needs it. ``properties`` include the secrets: never log or ``repr`` them."""

    name: str
    properties: dict[str, str]
    revision: int
    etag: str
    subaccount_id: str
    subdomain: str
    certificate_fingerprint: str  # the active trust certificate's (cache key); "" without one

    def __repr__(self) -> str:
        return f"FoundDestination(name={self.name!r}, revision={self.revision!r})"

    @property
    def authentication(self) -> str:
        return self.properties.get("Authentication") or "NoAuthentication"  # D4: absent = NoAuthentication

    def configuration(self, *, skip_credentials: bool) -> dict[str, str]:
        """``destinationConfiguration``: all properties, without secrets when ``$skipCredentials=true``."""
        if skip_credentials:
            return {key: value for key, value in self.properties.items() if not is_secret(key)}
        return dict(self.properties)

    def owner(self) -> dict[str, Any]:
        """``Owner`` [SPEC]: a subaccount destination has no instance."""
        return {"SubaccountId": self.subaccount_id, "InstanceId": None}


def not_found(name: str) -> NotFound:
    return NotFound(f"Destination '{name}' does not exist")


def check_level(level: str | None) -> None:
    """A v2 ``@level`` must be one of the spec's four; another is a 400."""
    if level is not None and level not in LEVELS:
        raise ValidationFailed.one(
            "level", "unknown_level", f"Unknown destination level '{level}': use one of {', '.join(LEVELS)}"
        )


# The subaccount (trustbridge keeps one per database: the first created, as ``current_subaccount``).
_SUBACCOUNT_ID: Final = select(Subaccount.id).order_by(Subaccount.created_at).limit(1).scalar_subquery()
_ACTIVE_CERTIFICATE: Final = and_(TrustKeyPair.subaccount_id == Subaccount.id, TrustKeyPair.role == ACTIVE)

#: What a found destination depends on — its identity and revision (the ETag's seed), its subaccount and the
#: active trust certificate's fingerprint — without the properties: one indexed query, built once.
_STATE_QUERY: Final = (
    select(
        Destination.id,
        Destination.created_at,
        Destination.revision,
        Subaccount.id.label("subaccount_id"),
        Subaccount.subdomain,
        TrustKeyPair.sha256_fingerprint,
    )
    .join(Subaccount, Subaccount.id == Destination.subaccount_id)
    .outerjoin(TrustKeyPair, _ACTIVE_CERTIFICATE)
    .where(Destination.subaccount_id == _SUBACCOUNT_ID, Destination.name == bindparam("name"))
)

#: The destination row (secrets still sealed) with the same subaccount and certificate columns.
_LOAD_QUERY: Final = (
    select(Destination, Subaccount.id.label("subaccount_id"), Subaccount.subdomain, TrustKeyPair.sha256_fingerprint)
    .join(Subaccount, Subaccount.id == Destination.subaccount_id)
    .outerjoin(TrustKeyPair, _ACTIVE_CERTIFICATE)
    .where(Destination.subaccount_id == _SUBACCOUNT_ID, Destination.name == bindparam("name"))
)

_State = tuple[Any, ...]


@dataclass(frozen=True)
class _Cached:
    state: _State
    box: SecretBox
    found: FoundDestination


_cache_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Engine, dict[str, _Cached]] = weakref.WeakKeyDictionary()


def _cache_of(session: Session) -> dict[str, _Cached]:
    engine = session.get_bind().engine
    cache = _caches.get(engine)
    if cache is None:
        with _cache_lock:
            cache = _caches.setdefault(engine, {})
    return cache


def clear_destination_cache() -> None:
    """Forget every destination this process keeps decrypted (tests; never needed for correctness)."""
    with _cache_lock:
        _caches.clear()


def find_destination(session: Session, box: SecretBox, name: str, level: str | None = None) -> FoundDestination:
    """The destination ``name`` at ``level`` (``None``: instance level, then subaccount level).

    :class:`NotFound` when there is none there, :class:`ValidationFailed` for an unknown level.

    One indexed query reads the destination's state (identity, revision, subaccount, active certificate); when
    this process decrypted that very state before, the result is reused — any change of the destination (its
    revision bumps), a recreated one (another ID), a rotated certificate or another key box misses at once.
    """
    check_level(level)
    if level in INSTANCE_LEVELS:
        raise not_found(name)  # trustbridge keeps no service-instance destinations
    if not could_exist(name):
        raise not_found(name)  # a name no destination has (D2); PostgreSQL could not even compare a NUL
    if not could_exist(name):
        raise not_found(name)  # as get_destination: never sent to a database that could not compare it
    cache = _cache_of(session)
    # Core on a connection of its own: a third of the ORM session's cost, and the answer needs no snapshot
    # shared with the load below (whose own row is what gets cached).
    with session.get_bind().engine.connect() as connection:
        state = connection.execute(_STATE_QUERY, {"name": name}).first()
    if state is not None:
        cached = cache.get(name)
        if cached is not None and cached.state == tuple(state) and cached.box is box:
            return cached.found
    row = session.execute(_LOAD_QUERY, {"name": name}).first()
    if row is None:
        current_subaccount(session)  # NotFound of its own before the bootstrap
        raise not_found(name)
    destination: Destination = row.Destination
    record = destination_record(destination)
    found = FoundDestination(
        name=record.name,
        properties={**record.properties, **unseal(destination.secrets_encrypted, box)},  # as ..._with_secrets
        revision=record.revision,
        etag=record.etag,
        subaccount_id=row.subaccount_id,
        subdomain=row.subdomain,
        certificate_fingerprint=row.sha256_fingerprint or "",
    )
    loaded: _State = (
        destination.id,
        destination.created_at,
        destination.revision,
        row.subaccount_id,
        row.subdomain,
        row.sha256_fingerprint,
    )
    with _cache_lock:
        if len(cache) >= MAX_CACHED_DESTINATIONS:
            cache.clear()
        cache[name] = _Cached(loaded, box, found)
    return found
