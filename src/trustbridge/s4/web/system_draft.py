"""The communication system page's draft (seed steps 6–13): what its one form holds, and how it is applied.

The page keeps the draft in the form (docs/web.md, "Drafts"): the editable fields, the certificate uploaded but
not yet saved (as PEM, public data) and the list of users for inbound communication. :func:`apply_draft` runs
the domain functions the JSON API runs — ``update_system``, ``upload_signing_certificate``,
``remove_inbound_user``, ``add_inbound_user`` — in the caller's transaction, which *Save* commits and every other
action rolls back. Each broken rule is kept as a :class:`Problem` instead of stopping at the first, so the page
can show all of them at once; any problem means the caller must not commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Final

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from trustbridge.errors import DomainError
from trustbridge.pki.certificates import subject_cn, to_pem
from trustbridge.s4 import communication_systems as systems
from trustbridge.s4 import communication_users, inbound_users, signing_certificates
from trustbridge.s4.codes import parse_authentication_method
from trustbridge.s4.communication_systems import SystemChanges
from trustbridge.s4.models import CommunicationSystem
from trustbridge.s4.names import normalise_upper
from trustbridge.s4.views import CommunicationSystemView, CommunicationUserView, stored_certificate
from trustbridge.s4.web.common import checked, exact
from trustbridge.web.forms import text, texts

DEFAULT_INBOUND_METHOD: Final = "oauth2"
#: Where the errors of the inbound-user functions go: the New Inbound Communication User panel, or the table.
PANEL_ALIASES: Final[Mapping[str, str]] = {
    "user_name": "inbound_user_name",
    "authentication_method": "inbound_authentication_method",
}
TABLE_ALIASES: Final[Mapping[str, str]] = {"user_name": "inbound_users", "authentication_method": "inbound_users"}


@dataclass(frozen=True)
class InboundEntry:
    user_name: str
    authentication_method: str

    @property
    def key(self) -> tuple[str, str]:
        method = parse_authentication_method(self.authentication_method) or self.authentication_method
        return normalise_upper(self.user_name), method


@dataclass(frozen=True)
class SystemDraft:
    """The system page's form: every field as typed, the pending certificate, the inbound users wanted."""

    system_name: str
    host_name: str
    oauth2_idp_enabled: bool
    user_id_mapping_mode: str
    saml_issuer: str | None
    pending_certificate: str
    inbound: tuple[InboundEntry, ...]

    def changes(self) -> SystemChanges:
        return SystemChanges(
            system_name=self.system_name,
            host_name=self.host_name or None,
            oauth2_idp_enabled=self.oauth2_idp_enabled,
            saml_issuer=self.saml_issuer,
            user_id_mapping_mode=self.user_id_mapping_mode,
        )

    def with_entry(self, entry: InboundEntry) -> SystemDraft:
        return replace(self, inbound=(*self.inbound, entry))

    def without_entry(self, index: int) -> SystemDraft:
        return replace(self, inbound=tuple(e for i, e in enumerate(self.inbound) if i != index))


def draft_from_form(form: FormData) -> SystemDraft:
    rows = zip(texts(form, "inbound_row_user"), texts(form, "inbound_row_method"), strict=False)
    return SystemDraft(
        system_name=text(form, "system_name"),
        host_name=text(form, "host_name"),
        oauth2_idp_enabled=checked(form, "oauth2_idp_enabled"),
        user_id_mapping_mode=text(form, "user_id_mapping_mode"),
        saml_issuer=exact(form, "saml_issuer"),
        pending_certificate=text(form, "pending_certificate"),
        inbound=tuple(InboundEntry(user, method) for user, method in rows),
    )


def draft_from_view(view: CommunicationSystemView) -> SystemDraft:
    """The draft a fresh page starts from: the saved system."""
    return SystemDraft(
        system_name=view.system_name,
        host_name=view.host_name or "",
        oauth2_idp_enabled=view.oauth2_idp_enabled,
        user_id_mapping_mode=view.user_id_mapping_mode,
        saml_issuer=view.saml_issuer,
        pending_certificate="",
        inbound=tuple(InboundEntry(u.user_name, u.authentication_method) for u in view.inbound_users),
    )


@dataclass(frozen=True)
class Problem:
    """A rule the draft breaks: the domain's error, where its fields go, and the inbound row it concerns."""

    error: DomainError
    aliases: Mapping[str, str]
    refused_add: InboundEntry | None = None


@dataclass(frozen=True)
class DraftResult:
    """The system as the draft makes it (``view``), the rules broken, and what the page needs to show it."""

    view: CommunicationSystemView
    problems: tuple[Problem, ...]
    pending_certificate: str
    user_choices: tuple[CommunicationUserView, ...]


def _inbound_diff(
    stored: tuple[tuple[str, str], ...], wanted: tuple[InboundEntry, ...]
) -> tuple[list[tuple[str, str]], list[InboundEntry]]:
    """The stored entries the draft no longer lists, and the draft's entries that are not stored yet."""
    remaining = list(stored)
    adds: list[InboundEntry] = []
    for entry in wanted:
        if entry.key in remaining:
            remaining.remove(entry.key)
        else:
            adds.append(entry)
    return remaining, adds


def _pem(system: CommunicationSystem) -> str:
    certificate = stored_certificate(system)
    return to_pem(certificate) if certificate is not None else ""


def apply_draft(session: Session, system_id: str, draft: SystemDraft, upload: bytes | None = None) -> DraftResult:
    """Apply ``draft`` (plus a newly uploaded certificate file) to the system in ``session``.

    ``NotFound`` for the system itself propagates. A new upload replaces the pending certificate when valid;
    an empty OAuth 2.0 SAML Issuer is filled with the certificate's CN (seed step 9).
    """
    system = systems.require_system(session, system_id)
    stored = tuple((u.user.user_name, u.authentication_method) for u in system.inbound_users)
    problems: list[Problem] = []

    def attempt(work: Callable[[], object], aliases: Mapping[str, str], add: InboundEntry | None = None) -> bool:
        try:
            work()
        except DomainError as error:
            problems.append(Problem(error, aliases, add))
            return False
        return True

    attempt(partial(systems.update_system, session, system_id, draft.changes()), {})
    pending = ""
    for data in (upload, draft.pending_certificate.encode() if draft.pending_certificate else None):
        if data is not None and attempt(
            partial(signing_certificates.upload_signing_certificate, session, system_id, data), {}
        ):
            pending = _pem(system)
            break
    certificate = stored_certificate(system)
    cn = subject_cn(certificate) if certificate is not None else None
    if draft.saml_issuer is None and cn:
        attempt(partial(systems.update_system, session, system_id, SystemChanges(saml_issuer=cn)), {})
    removes, adds = _inbound_diff(stored, draft.inbound)
    for user_name, method in removes:
        attempt(partial(inbound_users.remove_inbound_user, session, system_id, user_name, method), TABLE_ALIASES)
    for entry in adds:
        add = partial(
            inbound_users.add_inbound_user,
            session,
            system_id,
            user_name=entry.user_name,
            authentication_method=entry.authentication_method,
        )
        attempt(add, PANEL_ALIASES, entry)
    return DraftResult(
        view=systems.get_system(session, system_id),
        problems=tuple(problems),
        pending_certificate=pending,
        user_choices=tuple(communication_users.list_users(session)),
    )
