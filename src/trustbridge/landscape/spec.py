"""The declarative landscape file (TOML): every seed step as data. See ``docs/landscape.example.toml``."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FROM_SUBACCOUNT = "subaccount"  # signing_certificate = "subaccount": seed step 1, Download Trust
FROM_CERTIFICATE = "certificate-cn"  # saml_issuer = "certificate-cn": seed step 9, the value after CN=
X509_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509"


class SpecError(ValueError):
    """The landscape file is malformed; the message names the TOML path."""


@dataclass(frozen=True)
class CommunicationUserSpec:
    user_name: str
    description: str
    password: str | None


@dataclass(frozen=True)
class InboundUserSpec:
    user_name: str
    authentication_method: str = "oauth2"


@dataclass(frozen=True)
class CommunicationSystemSpec:
    system_id: str
    system_name: str
    host_name: str | None = None
    oauth2_idp_enabled: bool | None = None
    signing_certificate: str | None = None  # "subaccount" or a file path (PEM/DER)
    saml_issuer: str | None = None  # "certificate-cn" or a literal issuer
    user_id_mapping_mode: str | None = None
    inbound_users: tuple[InboundUserSpec, ...] = ()


@dataclass(frozen=True)
class ArrangementSpec:
    arrangement_name: str
    scenario_id: str
    communication_system: str
    inbound_user: str | None = None
    authentication_method: str | None = None


@dataclass(frozen=True)
class BusinessRoleSpec:
    role_id: str
    name: str
    catalogs: tuple[str, ...]


@dataclass(frozen=True)
class BusinessUserSpec:
    user_name: str
    email: str | None = None
    global_user_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    roles: tuple[str, ...] = ()
    locked: bool = False


def _display(text: str | None) -> str | None:
    return (text or "").strip() or None


@dataclass(frozen=True)
class SubaccountUserSpec:
    """A user of the subaccount's directory (our stand-in for an Identity Authentication user)."""

    login: str
    email: str
    user_uuid: str | None = None  # None: generated at creation and left alone afterwards
    first_name: str | None = None
    last_name: str | None = None
    groups: tuple[str, ...] = ()
    password: str | None = None  # needed to create the user; never changed later (write-only)

    def visible(self) -> dict[str, object]:
        """The fields the API shows (what apply compares); ``user_uuid`` only when the file sets it."""
        fields: dict[str, object] = {
            "email": self.email,
            "first_name": _display(self.first_name),  # the service trims names; blank = none
            "last_name": _display(self.last_name),
            "groups": list(self.groups),
        }
        if self.user_uuid is not None:
            fields["user_uuid"] = self.user_uuid
        return fields


@dataclass(frozen=True)
class DestinationSpec:
    name: str
    from_arrangement: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LandscapeSpec:
    communication_users: tuple[CommunicationUserSpec, ...] = ()
    communication_systems: tuple[CommunicationSystemSpec, ...] = ()
    communication_arrangements: tuple[ArrangementSpec, ...] = ()
    business_roles: tuple[BusinessRoleSpec, ...] = ()
    business_users: tuple[BusinessUserSpec, ...] = ()
    destinations: tuple[DestinationSpec, ...] = ()
    subaccount_users: tuple[SubaccountUserSpec, ...] = ()

    def communication_user(self, user_name: str) -> CommunicationUserSpec | None:
        return next((u for u in self.communication_users if u.user_name == user_name), None)


class _Table:
    """Typed reads from one TOML table, with errors that name the path."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise SpecError(f"{path}: expected a table")
        self.data: dict[str, Any] = data
        self.path = path
        self._known: set[str] = set()

    def _get(self, key: str, kind: type | tuple[type, ...], required: bool) -> Any:
        self._known.add(key)
        if key not in self.data:
            if required:
                raise SpecError(f"{self.path}.{key}: required")
            return None
        value = self.data[key]
        if not isinstance(value, kind):
            raise SpecError(f"{self.path}.{key}: expected {getattr(kind, '__name__', kind)}")
        return value

    def text(self, key: str, *, required: bool = False) -> str | None:
        value: str | None = self._get(key, str, required)
        return value

    def req(self, key: str) -> str:
        value: str = self._get(key, str, True)
        return value

    def flag(self, key: str) -> bool | None:
        value: bool | None = self._get(key, bool, False)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, list, False) or []
        if not all(isinstance(v, str) for v in value):
            raise SpecError(f"{self.path}.{key}: expected a list of strings")
        return tuple(value)

    def tables(self, key: str) -> list[_Table]:
        value = self._get(key, list, False) or []
        return [_Table(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(value)]

    def secret(self, key: str) -> str | None:
        """``key = "…"`` or ``key_env = "VARIABLE"`` (the value read from the environment)."""
        literal = self.text(key)
        variable = self.text(f"{key}_env")
        if literal is not None and variable is not None:
            raise SpecError(f"{self.path}: give {key} or {key}_env, not both")
        if variable is not None:
            if variable not in os.environ:
                raise SpecError(f"{self.path}.{key}_env: environment variable {variable} is not set")
            return os.environ[variable]
        return literal

    def check_unknown(self) -> None:
        unknown = sorted(set(self.data) - self._known)
        if unknown:
            raise SpecError(f"{self.path}: unknown key(s) {', '.join(unknown)}")


def parse_landscape(data: dict[str, Any], *, base_dir: Path | None = None) -> LandscapeSpec:
    root = _Table(data, "landscape")
    s4 = _Table(root.data.get("s4", {}), "s4")
    subaccount = _Table(root.data.get("subaccount", {}), "subaccount")
    root._known.update({"s4", "subaccount"})
    root.check_unknown()

    users = []
    for t in s4.tables("communication_users"):
        users.append(CommunicationUserSpec(t.req("user_name"), t.req("description"), t.secret("password")))
        t.check_unknown()
    systems = []
    for t in s4.tables("communication_systems"):
        inbound = []
        for u in t.tables("inbound_users"):
            inbound.append(InboundUserSpec(u.req("user_name"), u.text("authentication_method") or "oauth2"))
            u.check_unknown()
        certificate = t.text("signing_certificate")
        if certificate not in (None, FROM_SUBACCOUNT) and base_dir is not None:
            certificate = str((base_dir / certificate).resolve())
        systems.append(
            CommunicationSystemSpec(
                system_id=t.req("system_id"),
                system_name=t.req("system_name"),
                host_name=t.text("host_name"),
                oauth2_idp_enabled=t.flag("oauth2_idp_enabled"),
                signing_certificate=certificate,
                saml_issuer=t.text("saml_issuer"),
                user_id_mapping_mode=t.text("user_id_mapping_mode"),
                inbound_users=tuple(inbound),
            )
        )
        t.check_unknown()
    arrangements = []
    for t in s4.tables("communication_arrangements"):
        arrangements.append(
            ArrangementSpec(
                arrangement_name=t.req("arrangement_name"),
                scenario_id=t.req("scenario_id"),
                communication_system=t.req("communication_system"),
                inbound_user=t.text("inbound_user"),
                authentication_method=t.text("authentication_method"),
            )
        )
        t.check_unknown()
    roles = []
    for t in s4.tables("business_roles"):
        roles.append(BusinessRoleSpec(t.req("role_id"), t.req("name"), t.strings("catalogs")))
        t.check_unknown()
    business_users = []
    for t in s4.tables("business_users"):
        business_users.append(
            BusinessUserSpec(
                user_name=t.req("user_name"),
                email=t.text("email"),
                global_user_id=t.text("global_user_id"),
                first_name=t.text("first_name"),
                last_name=t.text("last_name"),
                roles=t.strings("roles"),
                locked=bool(t.flag("locked")),
            )
        )
        t.check_unknown()
    s4.check_unknown()

    subaccount_users = []
    for t in subaccount.tables("users"):
        subaccount_users.append(
            SubaccountUserSpec(
                login=t.req("login"),
                email=t.req("email"),
                user_uuid=t.text("user_uuid"),
                first_name=t.text("first_name"),
                last_name=t.text("last_name"),
                groups=t.strings("groups"),
                password=t.secret("password"),
            )
        )
        t.check_unknown()
    destinations = []
    for t in subaccount.tables("destinations"):
        props_table = _Table(t.data.get("properties", {}), f"{t.path}.properties")
        t._known.add("properties")
        properties: dict[str, str] = {}
        for key, value in props_table.data.items():
            if not isinstance(value, str):
                raise SpecError(f"{props_table.path}.{key}: destination properties are strings")
            properties[key] = value
        destinations.append(DestinationSpec(t.req("name"), t.text("from_arrangement"), properties))
        t.check_unknown()
    subaccount.check_unknown()
    return LandscapeSpec(
        communication_users=tuple(users),
        communication_systems=tuple(systems),
        communication_arrangements=tuple(arrangements),
        business_roles=tuple(roles),
        business_users=tuple(business_users),
        destinations=tuple(destinations),
        subaccount_users=tuple(subaccount_users),
    )


def load_landscape(path: Path) -> LandscapeSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from exc
    return parse_landscape(data, base_dir=path.parent)
