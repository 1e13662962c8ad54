"""Business roles: an ID, a name and the business catalogs they bundle (what grants scopes to users).

Role IDs follow the user-name rule (upper case, digits, ``_ . -``, at most 40 — the ``RoleName`` length of the
Business User SOAP service [SAP doc MANAGEBUSINESSUSERIN]); ``SAP`` is reserved for SAP's templates (``SAP_BR_…``;
recorded). Catalogs must be known catalog IDs (:mod:`trustbridge.s4.catalog`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.catalog import get_catalog
from trustbridge.s4.models import BusinessRole, BusinessRoleCatalog, BusinessUserRole
from trustbridge.s4.names import check_text, check_user_name, normalise_upper
from trustbridge.s4.views import BusinessRoleView, business_role_view

ROLE_NAME_MAX: Final = 120


def find_role(session: Session, role_id: str) -> BusinessRole | None:
    return session.scalar(select(BusinessRole).where(BusinessRole.role_id == normalise_upper(role_id)))


def require_role(session: Session, role_id: str) -> BusinessRole:
    role = find_role(session, role_id)
    if role is None:
        raise NotFound(f"Business role {role_id!r} does not exist")
    return role


def _check_catalogs(collector: Collector, catalogs: Sequence[str]) -> list[str]:
    known: list[str] = []
    unknown: list[str] = []
    for catalog_id in catalogs:
        catalog = get_catalog(catalog_id)
        if catalog is None:
            unknown.append(catalog_id)
        elif catalog.catalog_id not in known:
            known.append(catalog.catalog_id)
    if unknown:
        collector.add("catalogs", "catalog_not_found", f"Unknown business catalog(s): {', '.join(unknown)}")
    return sorted(known)


def list_roles(session: Session) -> list[BusinessRoleView]:
    return [business_role_view(r) for r in session.scalars(select(BusinessRole).order_by(BusinessRole.role_id))]


def get_role(session: Session, role_id: str) -> BusinessRoleView:
    return business_role_view(require_role(session, role_id))


def create_role(session: Session, *, role_id: str, name: str, catalogs: Sequence[str] = ()) -> BusinessRoleView:
    collector = Collector()
    rid = check_user_name(collector, "role_id", role_id, what="A business role ID")
    text = check_text(collector, "name", name, max_length=ROLE_NAME_MAX, required=True, what="A role name")
    catalog_ids = _check_catalogs(collector, catalogs)
    collector.raise_if_any()
    if find_role(session, rid) is not None:
        raise Conflict.one("role_id", "role_id_taken", f"A business role {rid} already exists")
    role = BusinessRole(role_id=rid, name=text or "", catalogs=[BusinessRoleCatalog(catalog_id=c) for c in catalog_ids])
    session.add(role)
    session.flush()
    return business_role_view(role)


def replace_role(session: Session, role_id: str, *, name: str, catalogs: Sequence[str]) -> BusinessRoleView:
    """PUT: the role's name and its complete catalog list."""
    role = require_role(session, role_id)
    collector = Collector()
    text = check_text(collector, "name", name, max_length=ROLE_NAME_MAX, required=True, what="A role name")
    catalog_ids = _check_catalogs(collector, catalogs)
    collector.raise_if_any()
    role.name = text or ""
    current = {c.catalog_id: c for c in role.catalogs}
    role.catalogs = [current.get(c) or BusinessRoleCatalog(catalog_id=c) for c in catalog_ids]
    session.flush()
    return business_role_view(role)


def delete_role(session: Session, role_id: str) -> None:
    """Delete a role; refused (409) while business users have it."""
    role = require_role(session, role_id)
    assigned = session.scalar(select(BusinessUserRole).where(BusinessUserRole.role_pk == role.id).limit(1))
    if assigned is not None:
        raise Conflict.one("role_id", "role_in_use", f"Business role {role.role_id} is assigned to business users")
    session.delete(role)
    session.flush()
