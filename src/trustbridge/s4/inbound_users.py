"""*Users for Inbound Communication* of a communication system (seed steps 10–11).

Each entry is a communication user with one authentication method, S/4's entity codes ``basic``, ``x509``,
``oauth2``, ``oauth2_mtls``, ``none`` [ABAP-INUSER]; labels are accepted too. Recorded choices: the method is
required (no default); ``basic`` and ``oauth2`` need a user with a password (OAuth 2.0 client authentication at
the token endpoint is HTTP Basic with the communication user [research §G]); the same user with the same method
twice is a conflict; an entry an arrangement uses cannot be removed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.codes import PASSWORD_METHODS, method_choices, parse_authentication_method
from trustbridge.s4.communication_systems import require_system
from trustbridge.s4.communication_users import find_user
from trustbridge.s4.models import CommunicationArrangement, InboundUser
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.views import CommunicationSystemView, communication_system_view
from trustbridge.storage.types import utcnow


def add_inbound_user(
    session: Session, system_id: str, *, user_name: str, authentication_method: str
) -> CommunicationSystemView:
    system = require_system(session, system_id)
    collector = Collector()
    user = find_user(session, user_name) if user_name else None
    if not user_name:
        collector.add("user_name", "user_name_required", "Choose the communication user")
    elif user is None:
        collector.add("user_name", "communication_user_not_found", f"Communication user {user_name!r} does not exist")
    method = parse_authentication_method(authentication_method) if authentication_method else None
    if not authentication_method:
        collector.add("authentication_method", "authentication_method_required", f"Choose one of {method_choices()}")
    elif method is None:
        collector.add(
            "authentication_method",
            "authentication_method_invalid",
            f"Unknown authentication method {authentication_method!r}; choose one of {method_choices()}",
        )
    if user is not None and method in PASSWORD_METHODS and user.password_hash is None:
        collector.add(
            "user_name",
            "communication_user_has_no_password",
            f"Communication user {user.user_name} has no password; {method} authenticates with user and password",
        )
    collector.raise_if_any()
    if user is None or method is None:  # unreachable: reported above
        raise AssertionError("user and method were validated")
    if any(i.user_pk == user.id and i.authentication_method == method for i in system.inbound_users):
        raise Conflict.one(
            "user_name",
            "inbound_user_exists",
            f"{user.user_name} is already an inbound user of {system.system_id} with method {method}",
        )
    system.inbound_users.append(InboundUser(user=user, authentication_method=method))
    system.modified_at = utcnow()
    session.flush()
    return communication_system_view(system)


def remove_inbound_user(
    session: Session, system_id: str, user_name: str, authentication_method: str | None = None
) -> CommunicationSystemView:
    """Remove the user's entries (all methods, or only ``authentication_method``); 409 while an arrangement uses one."""
    system = require_system(session, system_id)
    name = normalise_upper(user_name)
    method = parse_authentication_method(authentication_method) if authentication_method is not None else None
    if authentication_method is not None and method is None:
        raise NotFound(f"Unknown authentication method {authentication_method!r}")
    rows = [
        i
        for i in system.inbound_users
        if i.user.user_name == name and (method is None or i.authentication_method == method)
    ]
    if not rows:
        raise NotFound(f"{name} is not an inbound user of communication system {system.system_id}")
    for row in rows:
        used = session.scalar(
            select(CommunicationArrangement.name).where(
                CommunicationArrangement.system_pk == system.id,
                CommunicationArrangement.inbound_user_pk == row.user_pk,
                CommunicationArrangement.authentication_method == row.authentication_method,
            )
        )
        if used is not None:
            raise Conflict.one(
                "user_name",
                "inbound_user_in_use",
                f"Communication arrangement {used} uses {name} ({row.authentication_method}) on {system.system_id}",
            )
    for row in rows:
        system.inbound_users.remove(row)
    system.modified_at = utcnow()
    session.flush()
    return communication_system_view(system)
