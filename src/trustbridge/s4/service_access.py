"""Who may call an inbound service: a valid access token whose arrangement, scope and user cover it.

401 without a valid token (RFC 6750 §3.1 ``invalid_token``); 403 when the token's arrangement or scopes do
not include the service, or the business user lacks a business catalog that grants the service's scope —
the *Granted by Business Catalogs* column of the arrangement's scope assignment (research §G, item 11).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trustbridge.s4.catalog import InboundService, get_catalog, get_scenario
from trustbridge.s4.models import AccessToken
from trustbridge.s4.token_service import token_hash


class AccessDenied(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ServiceCaller:
    client: str
    business_user: str
    arrangement: str
    scopes: tuple[str, ...]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authorize(session: Session, token: str | None, service: InboundService, now: dt.datetime) -> ServiceCaller:
    if token is None:
        raise AccessDenied(401, "missing_token", "An OAuth 2.0 access token (Authorization: Bearer) is required")
    record = session.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(token)))
    if record is None or record.expires_at <= now:
        raise AccessDenied(401, "invalid_token", "The access token is unknown or expired")
    arrangement = record.arrangement
    scenario = get_scenario(arrangement.scenario_id)
    scopes = tuple(record.scopes.split())
    if scenario is None or service not in scenario.inbound_services:
        raise AccessDenied(
            403,
            "service_not_in_arrangement",
            f"Communication arrangement {arrangement.name} does not include {service.name}",
        )
    if service.scope is None or service.scope not in scopes:
        raise AccessDenied(403, "scope_missing", f"The access token's scope does not include {service.scope}")
    user = record.business_user
    if user.locked:
        raise AccessDenied(403, "business_user_locked", f"Business user {user.user_name} is locked")
    granted = {
        scope
        for role in user.roles
        for entry in role.catalogs
        if (catalog := get_catalog(entry.catalog_id)) is not None
        for scope in catalog.scopes
    }
    if service.scope not in granted:
        raise AccessDenied(
            403,
            "catalog_missing",
            f"Business user {user.user_name} has no business catalog that grants {service.scope} "
            "(assign a role with the Task Center catalog)",
        )
    return ServiceCaller(record.client, user.user_name, arrangement.name, scopes)
