"""Communication systems (seed steps 4–7, 9): ID, name, host name, the OAuth 2.0 Identity Provider settings.

- New dialog: System ID* and System Name* [SAMPLES-S4C img 22]; ID syntax UNDOC (recorded: ``[A-Z0-9_-]``,
  at most 40 — a published example ``ZPRA_PSE_S4HANA_TO_PS`` has 21 characters).
- Host Name*: a DNS host name; no scheme, port or path [img 23] (recorded).
- *OAuth 2.0 Identity Provider* ON → *User ID Mapping Mode*, *OAuth 2.0 SAML Issuer* (required), signing
  certificate [ABAP-COMMSYS; img 24]. Any non-empty issuer up to 255 characters is saved; a mismatch with the
  certificate CN only warns (see :mod:`trustbridge.s4.system_warnings`). The issuer identifies the system when a
  SAML assertion arrives, so it is unique across systems (recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.codes import DEFAULT_USER_ID_MAPPING_MODE, mapping_mode_choices, parse_user_id_mapping_mode
from trustbridge.s4.models import CommunicationArrangement, CommunicationSystem
from trustbridge.s4.names import check_exact_key, check_system_id, check_text, normalise_upper
from trustbridge.s4.unset import UNSET, Unset
from trustbridge.s4.views import CommunicationSystemView, communication_system_view
from trustbridge.storage.types import utcnow

SYSTEM_NAME_MAX: Final = 80
HOST_NAME_MAX: Final = 253
SAML_ISSUER_MAX: Final = 255
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


@dataclass(frozen=True)
class SystemChanges:
    """The editable fields; ``UNSET`` leaves a field as it is, ``None`` clears a nullable one."""

    system_name: str | Unset = UNSET
    host_name: str | Unset | None = UNSET
    oauth2_idp_enabled: bool | Unset = UNSET
    saml_issuer: str | Unset | None = UNSET
    user_id_mapping_mode: str | Unset = UNSET
    allow_sha1: bool | Unset = UNSET  # accept RSA-SHA1/SHA-1 assertion signatures (off unless set explicitly)


def check_host_name(collector: Collector, field: str, value: str) -> str:
    """A DNS host name (RFC 1123 labels); returned lower-cased. URLs, ports and paths are named as such."""
    if "://" in value:
        collector.add(
            field,
            "host_name_has_scheme",
            "Give the host name only, without https:// (e.g. my300000.s4hana.ondemand.com)",
        )
        return value
    if "/" in value or "?" in value or "#" in value:
        collector.add(field, "host_name_has_path", "Give the host name only, without a path")
        return value
    if ":" in value:
        collector.add(field, "host_name_has_port", "Give the host name only, without a port (the port is 443)")
        return value
    host = value.lower()
    labels = host.split(".")
    if not host or len(host) > HOST_NAME_MAX or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        collector.add(field, "host_name_invalid", f"{value!r} is not a valid DNS host name")
    return host


def find_system(session: Session, system_id: str) -> CommunicationSystem | None:
    return session.scalar(
        select(CommunicationSystem).where(CommunicationSystem.system_id == normalise_upper(system_id))
    )


def require_system(session: Session, system_id: str) -> CommunicationSystem:
    system = find_system(session, system_id)
    if system is None:
        raise NotFound(f"Communication system {system_id!r} does not exist")
    return system


def list_systems(session: Session) -> list[CommunicationSystemView]:
    systems = session.scalars(select(CommunicationSystem).order_by(CommunicationSystem.system_id))
    return [communication_system_view(s) for s in systems]


def get_system(session: Session, system_id: str) -> CommunicationSystemView:
    return communication_system_view(require_system(session, system_id))


def _apply(changes: SystemChanges, collector: Collector) -> dict[str, object]:
    """Validate ``changes``; the column values to set (nothing is set until every rule passed)."""
    values: dict[str, object] = {}
    if not isinstance(changes.system_name, Unset):
        values["system_name"] = check_text(
            collector,
            "system_name",
            changes.system_name,
            max_length=SYSTEM_NAME_MAX,
            required=True,
            what="A system name",
        )
    if not isinstance(changes.host_name, Unset):
        host = changes.host_name
        values["host_name"] = None if host is None else check_host_name(collector, "host_name", host)
    if not isinstance(changes.oauth2_idp_enabled, Unset):
        values["oauth2_idp_enabled"] = changes.oauth2_idp_enabled
    if not isinstance(changes.allow_sha1, Unset):
        values["allow_sha1"] = changes.allow_sha1
    if not isinstance(changes.saml_issuer, Unset):
        issuer = changes.saml_issuer
        if issuer is not None:
            check_exact_key(
                collector, "saml_issuer", issuer, max_length=SAML_ISSUER_MAX, what="The OAuth 2.0 SAML Issuer"
            )
        values["saml_issuer"] = issuer
    if not isinstance(changes.user_id_mapping_mode, Unset):
        mode = parse_user_id_mapping_mode(changes.user_id_mapping_mode)
        if mode is None:
            collector.add(
                "user_id_mapping_mode",
                "user_id_mapping_mode_invalid",
                f"Unknown user ID mapping mode {changes.user_id_mapping_mode!r}; "
                f"choose one of {mapping_mode_choices()}",
            )
        values["user_id_mapping_mode"] = mode
    return values


def _check_issuer_unique(session: Session, issuer: object, system: CommunicationSystem | None) -> None:
    if not isinstance(issuer, str):
        return
    other = session.scalar(select(CommunicationSystem).where(CommunicationSystem.saml_issuer == issuer))
    if other is not None and other is not system:
        raise Conflict.one(
            "saml_issuer",
            "saml_issuer_taken",
            f"Communication system {other.system_id} already has the OAuth 2.0 SAML Issuer {issuer!r}; an issuer "
            "identifies one system",
        )


def create_system(
    session: Session, *, system_id: str, system_name: str, changes: SystemChanges = SystemChanges()
) -> CommunicationSystemView:
    """*New* (ID and name), optionally with any field of :class:`SystemChanges` (its ``system_name`` is ignored)."""
    collector = Collector()
    sid = check_system_id(collector, "system_id", system_id)
    values = _apply(replace(changes, system_name=system_name), collector)
    collector.raise_if_any()
    if find_system(session, sid) is not None:
        raise Conflict.one("system_id", "system_id_taken", f"A communication system {sid} already exists")
    _check_issuer_unique(session, values.get("saml_issuer"), None)
    system = CommunicationSystem(
        system_id=sid,
        oauth2_idp_enabled=False,
        user_id_mapping_mode=DEFAULT_USER_ID_MAPPING_MODE,
        allow_sha1=False,
    )
    for key, value in values.items():
        setattr(system, key, value)
    session.add(system)
    session.flush()
    return communication_system_view(system)


def update_system(session: Session, system_id: str, changes: SystemChanges) -> CommunicationSystemView:
    system = require_system(session, system_id)
    collector = Collector()
    values = _apply(changes, collector)
    collector.raise_if_any()
    _check_issuer_unique(session, values.get("saml_issuer"), system)
    for key, value in values.items():
        setattr(system, key, value)
    system.modified_at = utcnow()
    session.flush()
    return communication_system_view(system)


def delete_system(session: Session, system_id: str) -> None:
    """Delete a system and its inbound-user list; refused (409) while an arrangement uses it."""
    system = require_system(session, system_id)
    names = list(
        session.scalars(
            select(CommunicationArrangement.name)
            .where(CommunicationArrangement.system_pk == system.id)
            .order_by(CommunicationArrangement.name)
        )
    )
    if names:
        raise Conflict.one(
            "system_id",
            "communication_system_in_use",
            f"Communication system {system.system_id} is used by arrangement(s) {', '.join(names)}; delete them first",
        )
    session.delete(system)
    session.flush()
