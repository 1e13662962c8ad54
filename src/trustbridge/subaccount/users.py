"""The subaccount's user directory: trustbridge's stand-in for SAP Cloud Identity Services (Identity Authentication).

A user has a logon name, an e-mail address, a *Global User ID* (``user_uuid``), optional first and last names,
groups and a password. The user's JWT carries them as XSUAA does (:func:`user_claims`); the Destination service
builds the SAML assertion from those claims (:mod:`trustbridge.subaccount.assertions`).

Rules (``docs/decisions.md``, subaccount section "User directory"):

- **login**: ``A–Z a–z 0–9 . _ @ + -``, 1–128 characters, unique per subaccount **ignoring case**; lookups
  ignore case too, the stored spelling is what the JWT carries as ``user_name``. It cannot be changed.
- **email**: required, ``name@domain.tld``, at most 254 characters, stored exactly as given (an ``emailAddress``
  NameID is compared byte for byte by S/4, research §G misconfiguration 7).
- **user_uuid**: IAS's Global User ID [IAS-GUID]: generated as a lower-case 36-character UUID unless given; a
  given one has at most 36 characters of ``0-9 a-z A-Z - + _ / : .`` (so never ``@``), is stored exactly, and
  is unique.
- **first_name / last_name**: optional display texts, trimmed, at most 64 characters, no control characters.
- **groups**: a list of distinct non-blank strings (at most 255 characters each).
- **password**: required at creation, 8–128 characters; stored as an argon2id hash, never returned.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.security.passwords import hash_password, verify_password
from trustbridge.subaccount.models import Subaccount, SubaccountUser
from trustbridge.subaccount.subaccounts import current_subaccount

LOGIN_MAX: Final = 128
EMAIL_MAX: Final = 254  # RFC 5321 path limit
USER_UUID_MAX: Final = 36  # IAS: customer-supplied Global User IDs have at most 36 characters [IAS-GUID]
PERSON_NAME_MAX: Final = 64
GROUP_MAX: Final = 255
PASSWORD_MIN: Final = 8
PASSWORD_MAX: Final = 128

_LOGIN = re.compile(r"[A-Za-z0-9._@+\-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_USER_UUID = re.compile(r"[0-9a-zA-Z\-+_/:.]+")  # [IAS-GUID]; the class has no '@'


class Unset(enum.Enum):
    """Marks a field that a change leaves as it is."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class UserView:
    """A user as callers may see it (never the password or its hash)."""

    login: str
    email: str
    user_uuid: str
    first_name: str | None
    last_name: str | None
    groups: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``/api/users`` (docs/api.md)."""
        return {
            "login": self.login,
            "email": self.email,
            "user_uuid": self.user_uuid,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "groups": list(self.groups),
        }


@dataclass(frozen=True)
class UserChanges:
    """Editable fields: ``UNSET`` keeps a field, ``None`` clears a first or last name; ``groups`` is the full list."""

    email: str | Unset = UNSET
    user_uuid: str | Unset = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    groups: Sequence[str] | Unset = UNSET
    password: str | Unset = UNSET


def view(user: SubaccountUser) -> UserView:
    return UserView(
        login=user.login,
        email=user.email,
        user_uuid=user.user_uuid,
        first_name=user.first_name,
        last_name=user.last_name,
        groups=tuple(user.groups or ()),
    )


def _has_control(value: str) -> bool:
    return any(unicodedata.category(character).startswith("C") for character in value)


# --- field rules -------------------------------------------------------------------------------------------


def check_login(collector: Collector, login: str) -> None:
    if not login:
        collector.add("login", "login_required", "The login is required")
        return
    if len(login) > LOGIN_MAX:
        collector.add("login", "login_too_long", f"The login has at most {LOGIN_MAX} characters (got {len(login)})")
    if not login.isascii() or not _LOGIN.fullmatch(login):
        collector.add(
            "login",
            "login_invalid_characters",
            f"The login may contain only letters A-Z and a-z, digits and . _ @ + - (got {login!r})",
        )


def check_email(collector: Collector, email: str) -> None:
    if not email:
        collector.add("email", "email_required", "The e-mail address is required")
        return
    if len(email) > EMAIL_MAX:
        collector.add("email", "email_too_long", f"The e-mail address has at most {EMAIL_MAX} characters")
    if _has_control(email) or not _EMAIL.fullmatch(email):
        collector.add("email", "email_invalid", f"{email!r} is not an e-mail address (name@domain.tld)")


def check_user_uuid(collector: Collector, user_uuid: str) -> None:
    """IAS's rule for a customer-supplied Global User ID [IAS-GUID]: ≤ 36 of ``0-9 a-z A-Z - + _ / : .``."""
    if not user_uuid:
        collector.add("user_uuid", "user_uuid_required", "The user UUID must not be empty (omit it to generate one)")
        return
    if len(user_uuid) > USER_UUID_MAX:
        collector.add(
            "user_uuid",
            "user_uuid_too_long",
            f"The user UUID has at most {USER_UUID_MAX} characters (got {len(user_uuid)})",
        )
    if "@" in user_uuid:
        collector.add("user_uuid", "user_uuid_contains_at", "The user UUID must not contain '@'")
    elif not user_uuid.isascii() or not _USER_UUID.fullmatch(user_uuid):
        collector.add(
            "user_uuid",
            "user_uuid_invalid_characters",
            f"The user UUID may contain only letters, digits and - + _ / : . (got {user_uuid!r})",
        )


def check_person_name(collector: Collector, field: str, value: str | None) -> str | None:
    """A first or last name: trimmed, blank = none, ≤ 64 characters, no control characters."""
    if value is None:
        return None
    text = value.strip()
    what = "The first name" if field == "first_name" else "The last name"
    if len(text) > PERSON_NAME_MAX:
        collector.add(field, f"{field}_too_long", f"{what} has at most {PERSON_NAME_MAX} characters")
    if _has_control(text):
        collector.add(field, f"{field}_invalid_characters", f"{what} must not contain control characters")
    return text or None


def check_groups(collector: Collector, groups: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    for group in groups:
        if not group.strip():
            collector.add("groups", "group_empty", "A group name must not be empty")
        elif len(group) > GROUP_MAX:
            collector.add("groups", "group_too_long", f"A group name has at most {GROUP_MAX} characters")
        elif _has_control(group):
            collector.add("groups", "group_invalid_characters", "A group name must not contain control characters")
        elif group in seen:
            collector.add("groups", "group_duplicate", f"Group {group!r} is listed twice")
        seen.add(group)
    return tuple(groups)


def check_password(collector: Collector, password: str) -> None:
    if not password:
        collector.add("password", "password_required", "A password is required")
    elif len(password) < PASSWORD_MIN:
        collector.add("password", "password_too_short", f"The password has at least {PASSWORD_MIN} characters")
    elif len(password) > PASSWORD_MAX:
        collector.add("password", "password_too_long", f"The password has at most {PASSWORD_MAX} characters")


# --- lookups -------------------------------------------------------------------------------------------------


def _find(session: Session, subaccount: Subaccount, login: str) -> SubaccountUser | None:
    return session.scalars(
        select(SubaccountUser).where(
            SubaccountUser.subaccount_id == subaccount.id,
            func.lower(SubaccountUser.login) == login.lower(),
        )
    ).first()


def find_user(session: Session, login: str) -> SubaccountUser | None:
    """The user with this login (case ignored), or ``None``."""
    return _find(session, current_subaccount(session), login)


def require_user(session: Session, login: str) -> SubaccountUser:
    """The user with this login (case ignored); :class:`NotFound` when there is none."""
    user = find_user(session, login)
    if user is None:
        raise NotFound(f"User '{login}' does not exist")
    return user


def find_by_user_uuid(session: Session, user_uuid: str) -> SubaccountUser | None:
    """Exact (case-sensitive) lookup by Global User ID."""
    return session.scalars(select(SubaccountUser).where(SubaccountUser.user_uuid == user_uuid)).first()


def _check_user_uuid_free(session: Session, user_uuid: str, user: SubaccountUser | None) -> None:
    other = find_by_user_uuid(session, user_uuid)
    if other is not None and other is not user:
        raise Conflict.one(
            "user_uuid",
            "user_uuid_taken",
            f"User '{other.login}' already has user UUID '{user_uuid}'; it identifies one user",
        )


# --- create, read, update, delete ------------------------------------------------------------------------------


def list_users(session: Session) -> list[UserView]:
    """Every user, ordered by login (code-point order on every backend)."""
    subaccount = current_subaccount(session)
    rows = session.scalars(select(SubaccountUser).where(SubaccountUser.subaccount_id == subaccount.id)).all()
    return [view(row) for row in sorted(rows, key=lambda row: row.login)]


def get_user(session: Session, login: str) -> UserView:
    return view(require_user(session, login))


def create_user(
    session: Session,
    *,
    login: str,
    email: str,
    password: str,
    user_uuid: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    groups: Sequence[str] = (),
) -> UserView:
    """Create a user; ``ValidationFailed`` for broken rules, :class:`Conflict` for a taken login or user UUID."""
    collector = Collector()
    check_login(collector, login)
    check_email(collector, email)
    if user_uuid is not None:
        check_user_uuid(collector, user_uuid)
    first = check_person_name(collector, "first_name", first_name)
    last = check_person_name(collector, "last_name", last_name)
    group_list = check_groups(collector, groups)
    check_password(collector, password)
    collector.raise_if_any("The user is invalid")
    subaccount = current_subaccount(session)
    existing = _find(session, subaccount, login)
    if existing is not None:
        raise Conflict.one("login", "login_taken", f"User '{existing.login}' already exists")
    uuid_value = user_uuid if user_uuid is not None else str(uuid.uuid4())
    _check_user_uuid_free(session, uuid_value, None)
    user = SubaccountUser(
        subaccount_id=subaccount.id,
        login=login,
        email=email,
        user_uuid=uuid_value,
        first_name=first,
        last_name=last,
        groups=list(group_list),
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return view(user)


def update_user(session: Session, login: str, changes: UserChanges) -> UserView:
    """Change the given fields; every field is checked before anything is set."""
    user = require_user(session, login)
    collector = Collector()
    values: dict[str, Any] = {}
    if changes.email is not UNSET:
        check_email(collector, changes.email)
        values["email"] = changes.email
    if changes.user_uuid is not UNSET:
        check_user_uuid(collector, changes.user_uuid)
        values["user_uuid"] = changes.user_uuid
    if changes.first_name is not UNSET:
        values["first_name"] = check_person_name(collector, "first_name", changes.first_name)
    if changes.last_name is not UNSET:
        values["last_name"] = check_person_name(collector, "last_name", changes.last_name)
    if changes.groups is not UNSET:
        values["groups"] = list(check_groups(collector, changes.groups))
    if changes.password is not UNSET:
        check_password(collector, changes.password)
    collector.raise_if_any("The user is invalid")
    if "user_uuid" in values:
        _check_user_uuid_free(session, values["user_uuid"], user)
    if changes.password is not UNSET:
        values["password_hash"] = hash_password(changes.password)
    for key, value in values.items():
        setattr(user, key, value)
    session.flush()
    return view(user)


def delete_user(session: Session, login: str) -> None:
    session.delete(require_user(session, login))
    session.flush()


def authenticate(session: Session, login: str, password: str) -> SubaccountUser | None:
    """The user when ``password`` is theirs, else ``None``.

    Always exactly one argon2 verification (against a dummy hash for an unknown login), so the answer time
    does not tell whether a login exists.
    """
    user = find_user(session, login) if login else None
    matches = verify_password(user.password_hash if user is not None else None, password)
    return user if matches and user is not None else None


def user_claims(user: SubaccountUser) -> dict[str, Any]:
    """The user as an XSUAA user token carries it (the claims the Destination service reads, research §B).

    ``user_name`` = login, ``email``, ``user_uuid`` (IAS Global User ID), ``given_name``/``family_name`` when
    known, ``zid`` = the subaccount (identity zone) ID, ``xs.system.attributes.xs.saml.groups`` = the groups,
    ``user_attributes`` (none yet).
    """
    claims: dict[str, Any] = {
        "user_name": user.login,
        "email": user.email,
        "user_uuid": user.user_uuid,
    }
    if user.first_name:
        claims["given_name"] = user.first_name
    if user.last_name:
        claims["family_name"] = user.last_name
    claims["zid"] = user.subaccount_id
    claims["xs.system.attributes"] = {"xs.saml.groups": list(user.groups or ())}
    claims["user_attributes"] = {}
    return claims
