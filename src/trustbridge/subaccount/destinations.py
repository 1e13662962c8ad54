"""Subaccount destinations: create, read, overwrite, delete, list — properties as given, secrets apart.

Semantics of ``/v1/subaccountDestinations`` [SPEC]: POST creates (an existing name is a conflict), PUT
overwrites an existing destination, both with an object or an array (per-item results, HTTP 207 when mixed);
DELETE by name or by an in-list ``$filter``. Properties are stored exactly as given (research §A).

Secrets (:mod:`trustbridge.subaccount.destination_secrets`) are encrypted in ``secrets_encrypted`` and are
**write-only**: no function here returns them except :func:`get_destination_with_secrets` (for the token
flow). BTP returns them to admins; this deliberate deviation and its consequence for PUT (an omitted secret is
kept, ``""`` removes it) are recorded in ``docs/decisions.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Conflict, DomainError, NotFound, ValidationFailed
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage.types import utcnow
from trustbridge.subaccount.destination_rules import NAME_MAX_LENGTH, NAME_PATTERN, validate_destination
from trustbridge.subaccount.destination_secrets import seal, split_secrets, unseal
from trustbridge.subaccount.listing import ListQuery, NameIn
from trustbridge.subaccount.models import Destination, Subaccount
from trustbridge.subaccount.subaccounts import current_subaccount

NOT_FOUND_REASON = "Could not find configuration"  # [SPEC BulkDelete example]


@dataclass(frozen=True)
class DestinationRecord:
    """A stored destination as callers may see it: the non-secret properties, in the order given."""

    name: str
    properties: dict[str, str]
    revision: int
    etag: str
    created_at: dt.datetime
    modified_at: dt.datetime

    def metadata(self, names: Sequence[str]) -> dict[str, str]:
        """``$metadata`` of ``$includeMetadata`` [SPEC]: ``modification_time`` (ISO 8601 UTC) and ``etag``."""
        values = {"modification_time": self.modified_at.isoformat(), "etag": self.etag}
        return {name: values[name] for name in names}


@dataclass(frozen=True)
class BulkItemResult:
    """One element of an array POST/PUT answer [SPEC ``BulkResponse``]."""

    name: str
    status: int
    etag: str | None = None
    cause: str | None = None

    @property
    def ok(self) -> bool:
        return self.status < 300

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"name": self.name, "status": self.status}
        if self.etag is not None:
            body["etag"] = self.etag
        if self.cause is not None:
            body["cause"] = self.cause
        return body


@dataclass(frozen=True)
class BulkDeleteResult:
    """The answer of DELETE with ``$filter`` [SPEC ``BulkDelete``]."""

    deleted: tuple[str, ...]
    not_found: tuple[str, ...]
    order: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        summary: list[dict[str, str]] = []
        for name in self.order:
            if name in self.deleted:
                summary.append({"name": name, "status": "DELETED"})
            else:
                summary.append({"name": name, "status": "NOT_FOUND", "reason": NOT_FOUND_REASON})
        return {"Count": len(self.deleted), "Summary": summary}


@dataclass(frozen=True)
class DestinationPage:
    """A list answer: the selected destinations and the totals for the paging headers."""

    items: list[DestinationRecord]
    total: int
    page_count: int | None  # pages in pagination mode, else None


def message_of(error: DomainError) -> str:
    """One sentence naming every broken rule (SAP's ``ErrorMessage`` and bulk ``cause``)."""
    if len(error.errors) > 1:
        return f"{error.message}: " + "; ".join(item.message for item in error.errors)
    return error.message


def _etag(row: Destination) -> str:
    # Identity (id + creation time: SQLite may reuse a deleted row's id) and revision (bumps on every change).
    seed = f"{row.id}:{row.created_at.isoformat()}:{row.revision}"
    return hashlib.sha256(seed.encode()).hexdigest()


def _record(row: Destination) -> DestinationRecord:
    return DestinationRecord(
        name=row.name,
        properties=dict(row.properties),
        revision=row.revision,
        etag=_etag(row),
        created_at=row.created_at,
        modified_at=row.modified_at,
    )


def _rows(session: Session, subaccount: Subaccount) -> list[Destination]:
    rows = session.scalars(select(Destination).where(Destination.subaccount_id == subaccount.id)).all()
    return sorted(rows, key=lambda row: row.name)  # code-point order on every backend (collations differ)


def could_exist(name: str) -> bool:
    """Whether a stored destination can have ``name`` (D2's rule): others are never looked up. The database
    could not even compare some of them — PostgreSQL text holds no NUL, a lone surrogate is not UTF-8."""
    return len(name) <= NAME_MAX_LENGTH and NAME_PATTERN.fullmatch(name) is not None


def _find(session: Session, subaccount: Subaccount, name: str) -> Destination | None:
    if not could_exist(name):
        return None
    return session.scalars(
        select(Destination).where(Destination.subaccount_id == subaccount.id, Destination.name == name)
    ).first()


def _not_found(name: str) -> NotFound:
    return NotFound(f"Destination '{name}' does not exist")


def _as_object(raw: object) -> Mapping[object, object]:
    if not isinstance(raw, dict):
        raise ValidationFailed.one("$", "not_an_object", "A destination must be a JSON object of string properties")
    return raw


def create_destination(session: Session, box: SecretBox, raw: object) -> DestinationRecord:
    """Create one destination; ``ValidationFailed`` for broken rules, :class:`Conflict` for an existing name."""
    properties = validate_destination(_as_object(raw))
    subaccount = current_subaccount(session)
    name = properties["Name"]
    if _find(session, subaccount, name) is not None:
        raise Conflict.one("Name", "exists", f"Destination '{name}' already exists")
    public, secrets = split_secrets(properties)
    now = utcnow()
    row = Destination(
        subaccount_id=subaccount.id,
        name=name,
        properties=public,
        secrets_encrypted=seal(secrets, box),
        revision=1,
        created_at=now,
        modified_at=now,
    )
    session.add(row)
    session.flush()
    return _record(row)


def update_destination(session: Session, box: SecretBox, raw: object) -> DestinationRecord:
    """Overwrite an existing destination with ``raw`` (PUT); :class:`NotFound` when it does not exist.

    Secrets are write-only, so a client that read the destination cannot send them back: a secret property
    **absent** from ``raw`` keeps its stored value, one sent as ``""`` is removed. ``revision`` and
    ``modified_at`` change only when the stored content changes.
    """
    body = _as_object(raw)
    subaccount = current_subaccount(session)
    name = body.get("Name")
    row = _find(session, subaccount, name) if isinstance(name, str) else None
    merged: dict[object, object] = dict(body)
    stored_secrets = unseal(row.secrets_encrypted, box) if row is not None else {}
    for key, value in stored_secrets.items():
        merged.setdefault(key, value)
    properties = validate_destination(merged)
    if row is None:
        raise _not_found(properties["Name"])
    public, secrets = split_secrets(properties)
    if public != row.properties or secrets != stored_secrets or list(public) != list(row.properties):
        row.properties = public
        row.secrets_encrypted = seal(secrets, box)
        row.revision += 1
        row.modified_at = utcnow()
        session.flush()
    return _record(row)


def _bulk(session: Session, box: SecretBox, items: Sequence[object], *, create: bool) -> list[BulkItemResult]:
    results: list[BulkItemResult] = []
    for raw in items:
        name = raw.get("Name") if isinstance(raw, dict) else None
        label = name if isinstance(name, str) else ""
        try:
            record = (create_destination if create else update_destination)(session, box, raw)
        except DomainError as error:
            status = 400 if isinstance(error, ValidationFailed) else error.status
            results.append(BulkItemResult(label, status, cause=message_of(error)))
        else:
            results.append(BulkItemResult(record.name, 201 if create else 200, etag=record.etag))
    return results


def create_destinations(session: Session, box: SecretBox, items: Sequence[object]) -> list[BulkItemResult]:
    """Array POST: each item created or refused on its own (201, 400, 409) [SPEC ``BulkResponse``]."""
    return _bulk(session, box, items, create=True)


def update_destinations(session: Session, box: SecretBox, items: Sequence[object]) -> list[BulkItemResult]:
    """Array PUT: each item overwritten or refused on its own (200, 400, 404)."""
    return _bulk(session, box, items, create=False)


def get_destination(session: Session, name: str) -> DestinationRecord:
    """One destination without its secrets; :class:`NotFound` when there is none."""
    subaccount = current_subaccount(session)
    row = _find(session, subaccount, name)
    if row is None:
        raise _not_found(name)
    return _record(row)


def get_destination_with_secrets(session: Session, box: SecretBox, name: str) -> dict[str, str]:
    """Every property of a destination, secrets decrypted — for the token flow only, never for a response."""
    subaccount = current_subaccount(session)
    row = _find(session, subaccount, name)
    if row is None:
        raise _not_found(name)
    return {**row.properties, **unseal(row.secrets_encrypted, box)}


def list_destinations(session: Session, query: ListQuery, *, now: dt.datetime | None = None) -> DestinationPage:
    """The destinations selected by ``query``, ordered by name (the order BTP uses is UNDOC)."""
    moment = now or utcnow()
    rows = _rows(session, current_subaccount(session))
    if query.filter is not None:
        condition = query.filter
        rows = [row for row in rows if condition.matches(row.name, row.modified_at, moment)]
    total = len(rows)
    if query.page is None:
        return DestinationPage([_record(row) for row in rows], total, None)
    start = (query.page - 1) * query.page_size
    page_rows = rows[start : start + query.page_size]
    return DestinationPage([_record(row) for row in page_rows], total, math.ceil(total / query.page_size))


def delete_destination(session: Session, name: str) -> None:
    """Delete one destination; :class:`NotFound` when there is none."""
    row = _find(session, current_subaccount(session), name)
    if row is None:
        raise _not_found(name)
    session.delete(row)
    session.flush()


def delete_destinations(session: Session, selection: NameIn) -> BulkDeleteResult:
    """Delete every named destination that exists; the others are reported ``NOT_FOUND``."""
    subaccount = current_subaccount(session)
    order = tuple(dict.fromkeys(selection.names))
    deleted: list[str] = []
    for name in order:
        row = _find(session, subaccount, name)
        if row is not None:
            session.delete(row)
            deleted.append(name)
    session.flush()
    return BulkDeleteResult(tuple(deleted), tuple(n for n in order if n not in deleted), order)
