"""Communication users (*Maintain Communication Users*, seed steps 2–3).

Rules [ABAP-COMMUSER]: User Name* and Description* required; password at least 20 characters with at least one
special character; *Propose Password* recommended; the user is locked after 3 failed logons. Recorded choices
(docs/decisions.md): user-name syntax as business users [ABAP-BU]; password also needs upper case, lower
case and a digit [BLOG-IPS], at most 40 characters (ABAP's password length), printable ASCII without space
and without ``,`` [IPS-S4]; a user without password is allowed (certificate-only users).
"""

from __future__ import annotations

import string
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.models import CommunicationArrangement, CommunicationUser, InboundUser
from trustbridge.s4.names import check_text, check_user_name, normalise_upper
from trustbridge.s4.unset import UNSET, Unset
from trustbridge.s4.views import CommunicationUserView, communication_user_view
from trustbridge.security.passwords import generate_password, hash_password, verify_password
from trustbridge.storage.types import utcnow

MAX_FAILED_LOGONS: Final = 3
PASSWORD_MIN_LENGTH: Final = 20
PASSWORD_MAX_LENGTH: Final = 40
PROPOSED_PASSWORD_LENGTH: Final = 32
DESCRIPTION_MAX: Final = 255
_PASSWORD_SPECIALS: Final = frozenset(string.punctuation) - {","}
_PASSWORD_ALPHABET: Final = frozenset(string.ascii_letters + string.digits) | _PASSWORD_SPECIALS


def check_password(collector: Collector, password: str, field: str = "password") -> None:
    """Every password rule the value breaks, each as its own field error."""
    if len(password) < PASSWORD_MIN_LENGTH:
        collector.add(
            field,
            "password_too_short",
            f"The password needs at least {PASSWORD_MIN_LENGTH} characters ({len(password)} given)",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        collector.add(field, "password_too_long", f"The password has at most {PASSWORD_MAX_LENGTH} characters")
    if "," in password:
        collector.add(
            field, "password_comma", "The password must not contain ',' (Identity Provisioning cannot send it)"
        )
    if any(ch not in _PASSWORD_ALPHABET and ch != "," for ch in password):
        collector.add(
            field,
            "password_invalid_characters",
            "The password may contain only letters A-Z/a-z, digits and ASCII special characters (no spaces)",
        )
    if not any(ch in _PASSWORD_SPECIALS for ch in password):
        collector.add(field, "password_no_special_character", "The password needs at least one special character")
    if not any(ch in string.ascii_uppercase for ch in password):
        collector.add(field, "password_no_upper_case", "The password needs at least one upper-case letter")
    if not any(ch in string.ascii_lowercase for ch in password):
        collector.add(field, "password_no_lower_case", "The password needs at least one lower-case letter")
    if not any(ch in string.digits for ch in password):
        collector.add(field, "password_no_digit", "The password needs at least one digit")


def propose_password() -> str:
    """*Propose Password*: a random password that meets every rule above."""
    return generate_password(PROPOSED_PASSWORD_LENGTH)


def find_user(session: Session, user_name: str) -> CommunicationUser | None:
    return session.scalar(select(CommunicationUser).where(CommunicationUser.user_name == normalise_upper(user_name)))


def require_user(session: Session, user_name: str) -> CommunicationUser:
    user = find_user(session, user_name)
    if user is None:
        raise NotFound(f"Communication user {user_name!r} does not exist")
    return user


def list_users(session: Session) -> list[CommunicationUserView]:
    users = session.scalars(select(CommunicationUser).order_by(CommunicationUser.user_name))
    return [communication_user_view(u) for u in users]


def get_user(session: Session, user_name: str) -> CommunicationUserView:
    return communication_user_view(require_user(session, user_name))


def create_user(
    session: Session, *, user_name: str, description: str, password: str | None = None
) -> CommunicationUserView:
    collector = Collector()
    name = check_user_name(collector, "user_name", user_name, what="A communication user name")
    text = check_text(
        collector, "description", description, max_length=DESCRIPTION_MAX, required=True, what="A description"
    )
    if password is not None:
        check_password(collector, password)
    collector.raise_if_any()
    if find_user(session, name) is not None:
        raise Conflict.one("user_name", "user_name_taken", f"A communication user {name} already exists")
    user = CommunicationUser(
        user_name=name,
        description=text or "",
        password_hash=hash_password(password) if password is not None else None,
        failed_logons=0,
        locked=False,
    )
    session.add(user)
    session.flush()
    return communication_user_view(user)


def _password_uses(session: Session, user: CommunicationUser) -> list[str]:
    rows = session.scalars(
        select(InboundUser).where(
            InboundUser.user_pk == user.id, InboundUser.authentication_method.in_(("basic", "oauth2"))
        )
    )
    return sorted({f"{row.system.system_id} ({row.authentication_method})" for row in rows})


def update_user(
    session: Session,
    user_name: str,
    *,
    description: str | Unset = UNSET,
    password: str | Unset | None = UNSET,
    locked: bool | Unset = UNSET,
) -> CommunicationUserView:
    """Change the description, set a password (``None`` = *Deactivate Password*), lock or unlock.

    Unlocking resets the failed-logon counter; a new password resets it too but does not unlock.
    """
    user = require_user(session, user_name)
    collector = Collector()
    text: str | None = None
    if description is not UNSET:
        text = check_text(
            collector, "description", description, max_length=DESCRIPTION_MAX, required=True, what="A description"
        )
    if isinstance(password, str):
        check_password(collector, password)
    collector.raise_if_any()
    if password is None and (uses := _password_uses(session, user)):
        raise Conflict.one(
            "password",
            "password_in_use",
            f"The password cannot be deactivated: inbound communication of {', '.join(uses)} authenticates with it",
        )
    if text is not None:
        user.description = text
    if password is not UNSET:
        user.password_hash = hash_password(password) if password is not None else None
        user.failed_logons = 0
    if locked is not UNSET:
        user.locked = locked
        if not locked:
            user.failed_logons = 0
    user.modified_at = utcnow()
    session.flush()
    return communication_user_view(user)


def delete_user(session: Session, user_name: str) -> None:
    """Delete a user; refused (409) while a communication system lists it for inbound communication."""
    user = require_user(session, user_name)
    rows = session.scalars(select(InboundUser).where(InboundUser.user_pk == user.id))
    systems = sorted({row.system.system_id for row in rows})
    if systems:
        raise Conflict.one(
            "user_name",
            "communication_user_in_use",
            f"Communication user {user.user_name} is an inbound user of system(s) {', '.join(systems)}; "
            "remove it there first",
        )
    used = session.scalar(
        select(CommunicationArrangement.name).where(CommunicationArrangement.inbound_user_pk == user.id)
    )
    if used is not None:
        raise Conflict.one(
            "user_name",
            "communication_user_in_use",
            f"Communication arrangement {used} uses communication user {user.user_name}",
        )
    session.delete(user)
    session.flush()


def authenticate(session: Session, user_name: str, password: str) -> CommunicationUser | None:
    """The user when name and password match and it is not locked; counts failures and locks at the third.

    Always one argon2 verification (an unknown user or a user without password costs the same), so user names
    cannot be probed by timing [ABAP-COMMUSER: locked after 3 failed logons]. The caller commits the session
    also when ``None`` is returned, so that the failure count persists.
    """
    user = find_user(session, user_name)
    matches = verify_password(user.password_hash if user is not None else None, password)
    if user is None or user.locked:
        return None
    if not matches:
        user.failed_logons += 1
        if user.failed_logons >= MAX_FAILED_LOGONS:
            user.locked = True
        session.flush()
        return None
    if user.failed_logons:
        user.failed_logons = 0
        session.flush()
    return user
