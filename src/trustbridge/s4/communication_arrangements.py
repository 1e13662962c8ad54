"""Communication arrangements (seed steps 14–19): a scenario bound to a system and one of its inbound users.

- New: scenario (value help) + Arrangement Name [SAMPLES-S4C img 17–19]; name ``[a-zA-Z0-9_-]``, at most 80
  [ABAP-CAJSON]; unique. When no name is given the scenario ID is proposed (INFER, recorded).
- Common Data: Communication System*; Inbound Communication: User Name* filled automatically, Authentication
  Method (read-only "OAuth 2.0" in the mission) [img 29]. Filling rule (recorded): the system's first inbound
  user whose method the scenario supports, preferring ``oauth2``; the method defaults to that entry's method.
- One arrangement per scenario + system (UNDOC, recorded; Task Center warns against two destinations to one
  S/4 system [TC-S4C]); an inbound user serves at most one arrangement of a scenario (recorded: the token
  service finds the arrangement, hence the scopes, from the client ID).
- Inbound service URLs: ``https://<tenant>-api.<domain><path>`` [img 29; TC-S4C] and the local URL + path.
- *OAuth 2.0 Details* only for method ``oauth2`` [img 30]: see :class:`trustbridge.s4.views.OAuth2DetailsView`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.errors import Collector, Conflict, NotFound
from trustbridge.s4.catalog import Scenario, get_scenario
from trustbridge.s4.codes import AUTHENTICATION_METHODS, parse_authentication_method
from trustbridge.s4.communication_systems import find_system
from trustbridge.s4.models import CommunicationArrangement, CommunicationSystem, InboundUser
from trustbridge.s4.names import check_arrangement_name, normalise_upper
from trustbridge.s4.tenant import load_tenant
from trustbridge.s4.unset import UNSET, Unset
from trustbridge.s4.views import (
    CommunicationArrangementView,
    OAuth2DetailsView,
    communication_arrangement_view,
    oauth2_details_view,
)
from trustbridge.storage.types import utcnow

PREFERRED_METHOD = "oauth2"


@dataclass(frozen=True)
class ArrangementChanges:
    """Step 18's fields. ``None`` for ``inbound_user``/``authentication_method`` means "fill automatically"."""

    communication_system: str | Unset | None = UNSET
    inbound_user: str | Unset | None = UNSET
    authentication_method: str | Unset | None = UNSET


@dataclass(frozen=True)
class _Binding:
    system: CommunicationSystem | None
    entry: InboundUser | None


def _prefer(entries: list[InboundUser]) -> InboundUser:
    return next((e for e in entries if e.authentication_method == PREFERRED_METHOD), entries[0])


def _methods(entries: list[InboundUser]) -> str:
    return ", ".join(sorted({e.authentication_method for e in entries}))


def _supported(scenario: Scenario) -> str:
    return ", ".join(f"{m} ({AUTHENTICATION_METHODS[m]})" for m in scenario.supported_authentication_methods)


def _resolve(
    session: Session,
    scenario: Scenario,
    collector: Collector,
    system_id: str | None,
    user_name: str | None,
    method_given: str | None,
) -> _Binding:
    """The system and inbound-user entry for the given (or automatically filled) values; errors go to ``collector``."""
    if system_id is None:
        if user_name is not None or method_given is not None:
            collector.add(
                "communication_system",
                "communication_system_required",
                "Choose the communication system first: its inbound users are the choices",
            )
        return _Binding(None, None)
    system = find_system(session, system_id)
    if system is None:
        collector.add(
            "communication_system",
            "communication_system_not_found",
            f"Communication system {system_id!r} does not exist",
        )
        return _Binding(None, None)
    if not system.inbound_users:
        collector.add(
            "communication_system",
            "communication_system_has_no_inbound_users",
            f"Communication system {system.system_id} has no users for inbound communication; add one first",
        )
        return _Binding(system, None)
    method = None
    if method_given is not None:
        method = parse_authentication_method(method_given)
        if method is None:
            collector.add(
                "authentication_method",
                "authentication_method_invalid",
                f"Unknown authentication method {method_given!r}",
            )
        elif not scenario.supports(method):
            collector.add(
                "authentication_method",
                "authentication_method_not_supported",
                f"Scenario {scenario.scenario_id} does not support {method}; it supports {_supported(scenario)}",
            )
        if collector.errors:
            return _Binding(system, None)
    if user_name is not None:
        name = normalise_upper(user_name)
        entries = [e for e in system.inbound_users if e.user.user_name == name]
        if not entries:
            collector.add(
                "inbound_user",
                "not_an_inbound_user_of_system",
                f"{name} is not an inbound user of communication system {system.system_id}",
            )
            return _Binding(system, None)
        if method is not None:
            chosen = [e for e in entries if e.authentication_method == method]
            if not chosen:
                collector.add(
                    "authentication_method",
                    "authentication_method_not_assigned",
                    f"{name} is an inbound user of {system.system_id} with {_methods(entries)} only, not {method}",
                )
                return _Binding(system, None)
            return _Binding(system, chosen[0])
        usable = [e for e in entries if scenario.supports(e.authentication_method)]
        if not usable:
            collector.add(
                "inbound_user",
                "inbound_user_method_not_supported",
                f"{name} has {_methods(entries)} on {system.system_id}; scenario {scenario.scenario_id} supports "
                f"{_supported(scenario)}",
            )
            return _Binding(system, None)
        return _Binding(system, _prefer(usable))
    usable = [
        e
        for e in system.inbound_users
        if scenario.supports(e.authentication_method) and (method is None or e.authentication_method == method)
    ]
    if not usable:
        collector.add(
            "inbound_user",
            "no_suitable_inbound_user",
            f"No inbound user of {system.system_id} has a method scenario {scenario.scenario_id} supports "
            f"({_supported(scenario)}); it has {_methods(list(system.inbound_users))}",
        )
        return _Binding(system, None)
    return _Binding(system, _prefer(usable))


def _check_unique(
    session: Session, arrangement: CommunicationArrangement | None, scenario: Scenario, binding: _Binding
) -> None:
    if binding.system is None or binding.entry is None:
        return
    others = select(CommunicationArrangement).where(CommunicationArrangement.scenario_id == scenario.scenario_id)
    if arrangement is not None:
        others = others.where(CommunicationArrangement.id != arrangement.id)
    same_system = session.scalar(others.where(CommunicationArrangement.system_pk == binding.system.id))
    if same_system is not None:
        raise Conflict.one(
            "communication_system",
            "arrangement_exists_for_system",
            f"Arrangement {same_system.name} already connects scenario {scenario.scenario_id} with system "
            f"{binding.system.system_id}",
        )
    same_user = session.scalar(others.where(CommunicationArrangement.inbound_user_pk == binding.entry.user_pk))
    if same_user is not None:
        raise Conflict.one(
            "inbound_user",
            "inbound_user_in_use_for_scenario",
            f"{binding.entry.user.user_name} is already the inbound user of arrangement {same_user.name} "
            f"(scenario {scenario.scenario_id})",
        )


def _bind(arrangement: CommunicationArrangement, binding: _Binding) -> None:
    arrangement.system = binding.system
    arrangement.inbound_user = binding.entry.user if binding.entry else None
    arrangement.authentication_method = binding.entry.authentication_method if binding.entry else None


def find_arrangement(session: Session, name: str) -> CommunicationArrangement | None:
    return session.scalar(select(CommunicationArrangement).where(CommunicationArrangement.name == name))


def require_arrangement(session: Session, name: str) -> CommunicationArrangement:
    arrangement = find_arrangement(session, name)
    if arrangement is None:
        raise NotFound(f"Communication arrangement {name!r} does not exist")
    return arrangement


def _scenario_of(arrangement: CommunicationArrangement) -> Scenario:
    scenario = get_scenario(arrangement.scenario_id)
    if scenario is None:
        raise NotFound(f"Scenario {arrangement.scenario_id} is no longer in the catalog")
    return scenario


def list_arrangements(session: Session) -> list[CommunicationArrangementView]:
    tenant = load_tenant(session)
    rows = session.scalars(select(CommunicationArrangement).order_by(CommunicationArrangement.name))
    return [communication_arrangement_view(a, tenant) for a in rows]


def get_arrangement(session: Session, name: str) -> CommunicationArrangementView:
    return communication_arrangement_view(require_arrangement(session, name), load_tenant(session))


def create_arrangement(
    session: Session,
    *,
    scenario_id: str,
    arrangement_name: str | None = None,
    communication_system: str | None = None,
    inbound_user: str | None = None,
    authentication_method: str | None = None,
) -> CommunicationArrangementView:
    tenant = load_tenant(session)
    collector = Collector()
    scenario = get_scenario(scenario_id) if scenario_id else None
    if not scenario_id:
        collector.add("scenario_id", "scenario_id_required", "Choose a communication scenario")
    elif scenario is None:
        collector.add("scenario_id", "scenario_not_found", f"Communication scenario {scenario_id!r} does not exist")
    name = arrangement_name if arrangement_name is not None else (scenario.scenario_id if scenario else "")
    check_arrangement_name(collector, "arrangement_name", name)
    binding = _Binding(None, None)
    if scenario is not None:
        binding = _resolve(session, scenario, collector, communication_system, inbound_user, authentication_method)
    collector.raise_if_any()
    assert scenario is not None
    if find_arrangement(session, name) is not None:
        raise Conflict.one(
            "arrangement_name", "arrangement_name_taken", f"A communication arrangement {name} already exists"
        )
    _check_unique(session, None, scenario, binding)
    arrangement = CommunicationArrangement(name=name, scenario_id=scenario.scenario_id)
    _bind(arrangement, binding)
    session.add(arrangement)
    session.flush()
    return communication_arrangement_view(arrangement, tenant)


def update_arrangement(session: Session, name: str, changes: ArrangementChanges) -> CommunicationArrangementView:
    """Step 18. A new system re-fills user and method unless given; a new user re-fills the method."""
    tenant = load_tenant(session)
    arrangement = require_arrangement(session, name)
    scenario = _scenario_of(arrangement)
    current_system = arrangement.system.system_id if arrangement.system else None
    current_user = arrangement.inbound_user.user_name if arrangement.inbound_user else None
    system_id: str | None = current_system
    user_name: str | None = current_user
    method: str | None = arrangement.authentication_method
    if not isinstance(changes.communication_system, Unset):
        system_id, user_name, method = changes.communication_system, None, None
    if not isinstance(changes.inbound_user, Unset):
        user_name, method = changes.inbound_user, None
    if not isinstance(changes.authentication_method, Unset):
        method = changes.authentication_method
    collector = Collector()
    binding = _resolve(session, scenario, collector, system_id, user_name, method)
    collector.raise_if_any()
    _check_unique(session, arrangement, scenario, binding)
    _bind(arrangement, binding)
    arrangement.modified_at = utcnow()
    session.flush()
    return communication_arrangement_view(arrangement, tenant)


def delete_arrangement(session: Session, name: str) -> None:
    session.delete(require_arrangement(session, name))
    session.flush()


def oauth2_details(session: Session, name: str) -> OAuth2DetailsView:
    """*OAuth 2.0 Details* (step 19); ``NotFound`` unless the arrangement's method is ``oauth2``."""
    arrangement = require_arrangement(session, name)
    details = oauth2_details_view(arrangement, load_tenant(session))
    if details is None:
        raise NotFound(f"Communication arrangement {arrangement.name} has no OAuth 2.0 inbound user")
    return details
