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

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from trustbridge.errors import NotFound, ValidationFailed
from trustbridge.pki.encryption import SecretBox
from trustbridge.subaccount.destination_secrets import is_secret, unseal
from trustbridge.subaccount.destinations import get_destination
from trustbridge.subaccount.models import Destination, Subaccount, TrustKeyPair
from trustbridge.subaccount.subaccounts import current_subaccount
from trustbridge.subaccount.trust import ACTIVE

SUBACCOUNT_LEVELS: Final = ("subaccount", "provider_subaccount")
INSTANCE_LEVELS: Final = ("instance", "provider_instance")
LEVELS: Final = SUBACCOUNT_LEVELS + INSTANCE_LEVELS


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


def find_destination(session: Session, box: SecretBox, name: str, level: str | None = None) -> FoundDestination:
    """The destination ``name`` at ``level`` (``None``: instance level, then subaccount level).

    :class:`NotFound` when there is none there, :class:`ValidationFailed` for an unknown level.
    """
    check_level(level)
    if level in INSTANCE_LEVELS:
        raise not_found(name)  # trustbridge keeps no service-instance destinations
    try:
        record = get_destination(session, name)
    except NotFound:
        raise not_found(name) from None
    # The secrets, the subaccount and the active certificate's fingerprint in one query.
    row = session.execute(
        select(Destination.secrets_encrypted, Subaccount.id, Subaccount.subdomain, TrustKeyPair.sha256_fingerprint)
        .join(Subaccount, Subaccount.id == Destination.subaccount_id)
        .outerjoin(TrustKeyPair, and_(TrustKeyPair.subaccount_id == Subaccount.id, TrustKeyPair.role == ACTIVE))
        .where(Destination.subaccount_id == current_subaccount(session).id, Destination.name == name)
    ).one()
    return FoundDestination(
        name=record.name,
        properties={**record.properties, **unseal(row.secrets_encrypted, box)},  # as get_destination_with_secrets
        revision=record.revision,
        etag=record.etag,
        subaccount_id=row.id,
        subdomain=row.subdomain,
        certificate_fingerprint=row.sha256_fingerprint or "",
    )
