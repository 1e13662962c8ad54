"""What a communication arrangement's page shows (seed steps 18–19), computed inside one transaction.

The page applies the submitted Common Data / Inbound Communication with the API's ``update_arrangement``:
*Apply* (a new communication system) in a transaction that is rolled back, to show the automatically filled
inbound user; *Save* in one that commits when the domain accepted the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from trustbridge.errors import DomainError
from trustbridge.s4 import communication_arrangements as arrangements
from trustbridge.s4 import communication_systems as systems
from trustbridge.s4.communication_arrangements import ArrangementChanges
from trustbridge.s4.tenant import load_tenant
from trustbridge.s4.views import CommunicationArrangementView

FIELDS = ("communication_system", "inbound_user", "authentication_method")


@dataclass(frozen=True)
class ArrangementPage:
    """The arrangement as the change makes it (``view``), what is saved (``saved``) and the value helps."""

    view: CommunicationArrangementView
    saved: CommunicationArrangementView
    error: DomainError | None
    system_ids: tuple[str, ...]
    inbound_user_names: tuple[str, ...]
    local_url: str


def protocol(url: str) -> str:
    """The *Application Protocol* column: the scenarios' services are OData V4 or SOAP."""
    if "/odata4/" in url:
        return "OData V4"
    if "/sap/bc/srt/" in url:
        return "SOAP"
    return "HTTP"


def _inbound_user_names(session: Session, system_id: str | None) -> tuple[str, ...]:
    system = systems.find_system(session, system_id) if system_id else None
    if system is None:
        return ()
    return tuple(dict.fromkeys(entry.user.user_name for entry in system.inbound_users))


def arrangement_page(
    session: Session, name: str, changes: ArrangementChanges | None = None, shown_system: str | None = None
) -> ArrangementPage:
    """The page for ``name`` after ``changes`` (``None``: as saved); ``NotFound`` for an unknown arrangement.

    ``shown_system`` is the system the form shows when the change was refused; its inbound users are the choices.
    """
    saved = arrangements.get_arrangement(session, name)
    view, error = saved, None
    if changes is not None:
        try:
            view = arrangements.update_arrangement(session, name, changes)
        except DomainError as refused:
            error = refused
    system_id = shown_system if error is not None else view.communication_system
    return ArrangementPage(
        view=view,
        saved=saved,
        error=error,
        system_ids=tuple(s.system_id for s in systems.list_systems(session)),
        inbound_user_names=_inbound_user_names(session, system_id),
        local_url=load_tenant(session).local_url,
    )
