"""Business users: the people whose identity a SAML assertion's NameID is mapped onto.

- User name: upper case, digits, ``_ . -``, at most 40, not starting with ``_`` or ``SAP`` [ABAP-BU; KBA 3729634].
- E-mail: syntax only, at most 241 characters (``EmailAddress`` of the Business User SOAP service), kept as
  given — the ``emailAddress`` NameID match is case sensitive [FIORI-S4].
- Global User ID: optional, unique, at most 255, stored exactly as given — no trimming or case folding, because
  the token service maps NameIDs (the IAS User UUID) onto it byte for byte [SAMPLES-PROV; IAS-GUID]; padded
  values and control characters are refused instead of cleaned.
- First/last name at most 40 characters (SOAP service field lengths); roles must exist; a locked flag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.business_roles import find_role
from trustbridge.s4.models import BusinessRole, BusinessUser
from trustbridge.s4.names import check_exact_key, check_text, check_user_name, normalise_upper
from trustbridge.s4.unset import UNSET, Unset
from trustbridge.s4.views import BusinessUserView, business_user_view

EMAIL_MAX: Final = 241
GLOBAL_USER_ID_MAX: Final = 255
PERSON_NAME_MAX: Final = 40
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


@dataclass(frozen=True)
class BusinessUserChanges:
    """Editable fields; ``UNSET`` keeps a field, ``None`` clears a nullable one; ``roles`` is the complete list."""

    email: str | Unset | None = UNSET
    global_user_id: str | Unset | None = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    roles: Sequence[str] | Unset = UNSET
    locked: bool | Unset = UNSET


def find_user(session: Session, user_name: str) -> BusinessUser | None:
    return session.scalar(select(BusinessUser).where(BusinessUser.user_name == normalise_upper(user_name)))


def require_user(session: Session, user_name: str) -> BusinessUser:
    user = find_user(session, user_name)
    if user is None:
        raise NotFound(f"Business user {user_name!r} does not exist")
    return user


def find_by_global_user_id(session: Session, global_user_id: str) -> BusinessUser | None:
    """Exact (case- and whitespace-sensitive) lookup, as the NameID mapping needs."""
    return session.scalar(select(BusinessUser).where(BusinessUser.global_user_id == global_user_id))


def _validate(session: Session, changes: BusinessUserChanges, collector: Collector) -> dict[str, object]:
    values: dict[str, object] = {}
    if not isinstance(changes.email, Unset):
        email = changes.email
        if email is not None:
            check_exact_key(collector, "email", email, max_length=EMAIL_MAX, what="The e-mail address")
            if email and not _EMAIL.fullmatch(email):
                collector.add("email", "email_invalid", f"{email!r} is not an e-mail address (name@domain.tld)")
        values["email"] = email
    if not isinstance(changes.global_user_id, Unset):
        guid = changes.global_user_id
        if guid is not None:
            check_exact_key(collector, "global_user_id", guid, max_length=GLOBAL_USER_ID_MAX, what="The Global User ID")
        values["global_user_id"] = guid
    for field, value in (("first_name", changes.first_name), ("last_name", changes.last_name)):
        if not isinstance(value, Unset):
            what = "The first name" if field == "first_name" else "The last name"
            values[field] = (
                None
                if value is None
                else check_text(collector, field, value, max_length=PERSON_NAME_MAX, required=False, what=what)
            )
    if not isinstance(changes.roles, Unset):
        roles: list[BusinessRole] = []
        unknown: list[str] = []
        for role_id in changes.roles:
            role = find_role(session, role_id)
            if role is None:
                unknown.append(role_id)
            elif role not in roles:
                roles.append(role)
        if unknown:
            collector.add("roles", "role_not_found", f"Unknown business role(s): {', '.join(unknown)}")
        values["roles"] = roles
    if not isinstance(changes.locked, Unset):
        values["locked"] = changes.locked
    return values


def _check_global_user_id_unique(session: Session, values: dict[str, object], user: BusinessUser | None) -> None:
    guid = values.get("global_user_id")
    if not isinstance(guid, str):
        return
    other = find_by_global_user_id(session, guid)
    if other is not None and other is not user:
        raise Conflict.one(
            "global_user_id",
            "global_user_id_taken",
            f"Business user {other.user_name} already has this Global User ID; it identifies one user",
        )


def list_users(session: Session) -> list[BusinessUserView]:
    return [business_user_view(u) for u in session.scalars(select(BusinessUser).order_by(BusinessUser.user_name))]


def get_user(session: Session, user_name: str) -> BusinessUserView:
    return business_user_view(require_user(session, user_name))


def create_user(
    session: Session, *, user_name: str, changes: BusinessUserChanges = BusinessUserChanges()
) -> BusinessUserView:
    collector = Collector()
    name = check_user_name(collector, "user_name", user_name, what="A business user name")
    values = _validate(session, changes, collector)
    collector.raise_if_any()
    if find_user(session, name) is not None:
        raise Conflict.one("user_name", "user_name_taken", f"A business user {name} already exists")
    _check_global_user_id_unique(session, values, None)
    user = BusinessUser(user_name=name, locked=False)
    for key, value in values.items():
        setattr(user, key, value)
    session.add(user)
    session.flush()
    return business_user_view(user)


def update_user(session: Session, user_name: str, changes: BusinessUserChanges) -> BusinessUserView:
    user = require_user(session, user_name)
    collector = Collector()
    values = _validate(session, changes, collector)
    collector.raise_if_any()
    _check_global_user_id_unique(session, values, user)
    for key, value in values.items():
        setattr(user, key, value)
    session.flush()
    return business_user_view(user)


def delete_user(session: Session, user_name: str) -> None:
    session.delete(require_user(session, user_name))
    session.flush()
