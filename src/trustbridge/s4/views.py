"""Plain, JSON-ready views of the tenant's objects (the shapes of docs/api.md); never secrets or hashes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509

from trustbridge.pki.certificates import CertificateInfo, describe
from trustbridge.s4.catalog import Scenario, get_catalog, get_scenario, scope_catalogs
from trustbridge.s4.models import (
    BusinessRole,
    BusinessUser,
    CommunicationArrangement,
    CommunicationSystem,
    CommunicationUser,
)
from trustbridge.s4.system_warnings import SystemWarning, system_warnings
from trustbridge.s4.tenant import TenantInfo


@dataclass(frozen=True)
class CommunicationUserView:
    user_name: str
    description: str
    locked: bool
    has_password: bool
    failed_logons: int
    created_at: dt.datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "user_name": self.user_name,
            "description": self.description,
            "locked": self.locked,
            "has_password": self.has_password,
            "failed_logons": self.failed_logons,
            "created_at": self.created_at.isoformat(),
        }


def communication_user_view(user: CommunicationUser) -> CommunicationUserView:
    return CommunicationUserView(
        user.user_name,
        user.description,
        user.locked,
        user.password_hash is not None,
        user.failed_logons,
        user.created_at,
    )


@dataclass(frozen=True)
class InboundUserView:
    user_name: str
    authentication_method: str

    def as_dict(self) -> dict[str, object]:
        return {"user_name": self.user_name, "authentication_method": self.authentication_method}


@dataclass(frozen=True)
class CommunicationSystemView:
    system_id: str
    system_name: str
    host_name: str | None
    oauth2_idp_enabled: bool
    allow_sha1: bool
    saml_issuer: str | None
    user_id_mapping_mode: str
    signing_certificate: CertificateInfo | None
    suggested_saml_issuer: str | None
    inbound_users: tuple[InboundUserView, ...]
    warnings: tuple[SystemWarning, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "system_id": self.system_id,
            "system_name": self.system_name,
            "host_name": self.host_name,
            "oauth2_idp_enabled": self.oauth2_idp_enabled,
            "allow_sha1": self.allow_sha1,
            "saml_issuer": self.saml_issuer,
            "user_id_mapping_mode": self.user_id_mapping_mode,
            "signing_certificate": self.signing_certificate.as_dict() if self.signing_certificate else None,
            "suggested_saml_issuer": self.suggested_saml_issuer,
            "inbound_users": [u.as_dict() for u in self.inbound_users],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def stored_certificate(system: CommunicationSystem) -> x509.Certificate | None:
    der = system.signing_certificate_der
    return x509.load_der_x509_certificate(der) if der else None


def communication_system_view(system: CommunicationSystem, now: dt.datetime | None = None) -> CommunicationSystemView:
    certificate = stored_certificate(system)
    info = describe(certificate) if certificate is not None else None
    return CommunicationSystemView(
        system_id=system.system_id,
        system_name=system.system_name,
        host_name=system.host_name,
        oauth2_idp_enabled=system.oauth2_idp_enabled,
        allow_sha1=system.allow_sha1,
        saml_issuer=system.saml_issuer,
        user_id_mapping_mode=system.user_id_mapping_mode,
        signing_certificate=info,
        suggested_saml_issuer=info.subject_cn if info else None,
        inbound_users=tuple(InboundUserView(i.user.user_name, i.authentication_method) for i in system.inbound_users),
        warnings=tuple(system_warnings(system, info, now)),
    )


@dataclass(frozen=True)
class ScopeAssignment:
    scope: str
    business_catalogs: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"scope": self.scope, "business_catalogs": list(self.business_catalogs)}


@dataclass(frozen=True)
class OAuth2DetailsView:
    """*OAuth 2.0 Details* of an arrangement [SAMPLES-S4C img 30; KYMA-S4]: client ID = communication user."""

    client_id: str
    token_service_url: str
    token_service_url_local: str
    saml2_audience: str
    scopes: tuple[str, ...]
    scope_assignments: tuple[ScopeAssignment, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "client_id": self.client_id,
            "token_service_url": self.token_service_url,
            "token_service_url_local": self.token_service_url_local,
            "saml2_audience": self.saml2_audience,
            "scopes": list(self.scopes),
            "scope_assignments": [a.as_dict() for a in self.scope_assignments],
        }


@dataclass(frozen=True)
class ArrangementServiceView:
    service_id: str
    name: str
    url: str
    local_url: str
    scope: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "service_id": self.service_id,
            "name": self.name,
            "url": self.url,
            "local_url": self.local_url,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class CommunicationArrangementView:
    arrangement_name: str
    scenario_id: str
    scenario_name: str
    communication_system: str | None
    inbound_user: str | None
    authentication_method: str | None
    own_system: str
    api_url: str
    inbound_services: tuple[ArrangementServiceView, ...]
    oauth2: OAuth2DetailsView | None

    def as_dict(self) -> dict[str, object]:
        return {
            "arrangement_name": self.arrangement_name,
            "scenario_id": self.scenario_id,
            "scenario_name": self.scenario_name,
            "communication_system": self.communication_system,
            "inbound_user": self.inbound_user,
            "authentication_method": self.authentication_method,
            "own_system": self.own_system,
            "api_url": self.api_url,
            "inbound_services": [s.as_dict() for s in self.inbound_services],
            "oauth2": self.oauth2.as_dict() if self.oauth2 else None,
        }


def _scenario(scenario_id: str) -> Scenario:
    scenario = get_scenario(scenario_id)
    if scenario is None:  # only if a stored scenario was removed from the catalog
        raise LookupError(f"scenario {scenario_id} is not in the catalog")
    return scenario


def oauth2_details_view(arrangement: CommunicationArrangement, tenant: TenantInfo) -> OAuth2DetailsView | None:
    if arrangement.authentication_method != "oauth2" or arrangement.inbound_user is None:
        return None
    scopes = tuple(_scenario(arrangement.scenario_id).scopes)
    return OAuth2DetailsView(
        client_id=arrangement.inbound_user.user_name,
        token_service_url=tenant.token_service_url,
        token_service_url_local=tenant.token_service_url_local,
        saml2_audience=tenant.saml2_audience,
        scopes=scopes,
        scope_assignments=tuple(ScopeAssignment(s, tuple(scope_catalogs(s))) for s in scopes),
    )


def communication_arrangement_view(
    arrangement: CommunicationArrangement, tenant: TenantInfo
) -> CommunicationArrangementView:
    scenario = _scenario(arrangement.scenario_id)
    return CommunicationArrangementView(
        arrangement_name=arrangement.name,
        scenario_id=scenario.scenario_id,
        scenario_name=scenario.name,
        communication_system=arrangement.system.system_id if arrangement.system else None,
        inbound_user=arrangement.inbound_user.user_name if arrangement.inbound_user else None,
        authentication_method=arrangement.authentication_method,
        own_system=tenant.own_system_id,
        api_url=tenant.api_url,
        inbound_services=tuple(
            ArrangementServiceView(
                s.service_id, s.name, f"{tenant.api_url}{s.path}", f"{tenant.local_url}{s.path}", s.scope
            )
            for s in scenario.inbound_services
        ),
        oauth2=oauth2_details_view(arrangement, tenant),
    )


@dataclass(frozen=True)
class BusinessRoleView:
    role_id: str
    name: str
    catalogs: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"role_id": self.role_id, "name": self.name, "catalogs": list(self.catalogs)}


def business_role_view(role: BusinessRole) -> BusinessRoleView:
    return BusinessRoleView(role.role_id, role.name, tuple(sorted(c.catalog_id for c in role.catalogs)))


@dataclass(frozen=True)
class BusinessUserView:
    user_name: str
    email: str | None
    global_user_id: str | None
    first_name: str | None
    last_name: str | None
    locked: bool
    roles: tuple[str, ...]
    catalogs: tuple[str, ...]
    scopes: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "user_name": self.user_name,
            "email": self.email,
            "global_user_id": self.global_user_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "locked": self.locked,
            "roles": list(self.roles),
            "catalogs": list(self.catalogs),
            "scopes": list(self.scopes),
        }


def business_user_view(user: BusinessUser) -> BusinessUserView:
    """The user with every catalog its roles grant and every scope those catalogs grant."""
    catalogs = sorted({c.catalog_id for role in user.roles for c in role.catalogs})
    scopes = sorted({s for c in catalogs if (catalog := get_catalog(c)) for s in catalog.scopes})
    return BusinessUserView(
        user_name=user.user_name,
        email=user.email,
        global_user_id=user.global_user_id,
        first_name=user.first_name,
        last_name=user.last_name,
        locked=user.locked,
        roles=tuple(sorted(r.role_id for r in user.roles)),
        catalogs=tuple(catalogs),
        scopes=tuple(scopes),
    )
