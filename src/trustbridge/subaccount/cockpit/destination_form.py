"""The *Destination Configuration* editor's model: which fields each Authentication shows, form ⇄ properties.

The editor shows the common fields, the fields of the chosen ``Authentication`` and *Additional Properties*
(name/value rows). Field names are the destination's property names, so the domain's ``FieldError.field``
names the input to mark. Saving turns the form into the raw property dict that
:func:`~trustbridge.subaccount.destinations.create_destination` / ``update_destination`` take.

Secrets are write-only: they are read from the form but never rendered. On edit an empty secret means "keep
the stored value", and a stored secret the form no longer holds (its field or row is gone) is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from starlette.datastructures import FormData

from trustbridge.errors import FieldError
from trustbridge.saml.constants import AC_X509
from trustbridge.subaccount.destination_rules import (
    AUTHENTICATION_TYPES,
    DEFAULT_AUTHENTICATION,
    DEFAULT_PROXY_TYPE,
    ENUM_PROPERTIES,
    PROXY_TYPES,
    REQUIRED_BY_AUTHENTICATION,
    SAML_BEARER,
    TYPES,
)
from trustbridge.subaccount.destination_secrets import is_secret

PROPERTY_NAME: Final = "property_name"
PROPERTY_VALUE: Final = "property_value"

#: Offered in the Property name's ``<datalist>`` (Task Center [TC-S4C], SAML bearer [CONN-SAML], BAS).
KNOWN_PROPERTIES: Final = (
    "tc.enabled",
    "tc.provider_type",
    "tc.ui.group",
    "tc.ui.label",
    "URL.queries.sap-client",
    "userIdSource",
    "nameIdFormat",
    "nameQualifier",
    "assertionIssuer",
    "SAMLAssertionProvider",
    "samlAssertionEncoding",
    "tokenServiceURL.ProxyType",
    "tokenServiceURL.ConnectionTimeoutInSeconds",
    "tokenServiceURL.SocketReadTimeoutInSeconds",
    "HTML5.DynamicDestination",
    "WebIDEEnabled",
    "WebIDEUsage",
)


@dataclass(frozen=True)
class Field:
    """One fixed input of the editor; ``name`` is the property (and form field) name."""

    name: str
    label: str
    options: tuple[str, ...] = ()  # a select when not empty
    default: str = ""  # shown while the form has no value for the field

    @property
    def secret(self) -> bool:
        return is_secret(self.name)

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """``(value, label)`` pairs of a select."""
        return tuple((option, option) for option in self.options)


COMMON_FIELDS: Final = (
    Field("Name", "Name"),
    Field("Type", "Type", TYPES, "HTTP"),
    Field("Description", "Description"),
    Field("URL", "URL"),
    Field("ProxyType", "Proxy Type", PROXY_TYPES, DEFAULT_PROXY_TYPE),
    Field("Authentication", "Authentication", AUTHENTICATION_TYPES, DEFAULT_AUTHENTICATION),
)
AUTHENTICATION_FIELDS: Final[Mapping[str, tuple[Field, ...]]] = {
    SAML_BEARER: (
        Field("audience", "Audience"),
        Field("authnContextClassRef", "AuthnContextClassRef", default=AC_X509),
        Field("clientKey", "Client Key"),
        Field("tokenServiceURLType", "Token Service URL Type", ENUM_PROPERTIES["tokenServiceURLType"], "Dedicated"),
        Field("tokenServiceURL", "Token Service URL"),
        Field("tokenServiceUser", "Token Service User"),
        Field("tokenServicePassword", "Token Service Password"),
    ),
    "BasicAuthentication": (Field("User", "User"), Field("Password", "Password")),
    "OAuth2ClientCredentials": (
        Field("clientId", "Client ID"),
        Field("clientSecret", "Client Secret"),
        Field("tokenServiceURL", "Token Service URL"),
    ),
}


def _all_fields() -> tuple[Field, ...]:
    """Every fixed field of any Authentication: a re-rendered form keeps what was typed into the ones it shows."""
    seen: dict[str, Field] = {}
    for group in (COMMON_FIELDS, *AUTHENTICATION_FIELDS.values()):
        for item in group:
            seen.setdefault(item.name, item)
    return tuple(seen.values())


def fields_for(authentication: str) -> tuple[Field, ...]:
    """The common fields and those of ``authentication`` (other types: the common fields only)."""
    return COMMON_FIELDS + AUTHENTICATION_FIELDS.get(authentication, ())


def required_fields(type_: str, authentication: str) -> frozenset[str]:
    """The fields marked required (the domain decides; this only draws the asterisks)."""
    names = {"Name", "Type"}
    if type_ == "HTTP":
        names.add("URL")
        names.update(REQUIRED_BY_AUTHENTICATION.get(authentication, ()))
    return frozenset(names)


def row_key(index: int) -> str:
    """The error key of the ``index``-th additional property row."""
    return f"property-{index}"


@dataclass
class PropertyRow:
    name: str
    value: str  # a secret's value is carried to the save, never rendered

    @property
    def secret(self) -> bool:
        return is_secret(self.name)


@dataclass
class DestinationDraft:
    """What the editor holds: the fixed fields' values (by property name) and the additional rows."""

    values: dict[str, str] = field(default_factory=dict)
    rows: list[PropertyRow] = field(default_factory=list)

    @property
    def authentication(self) -> str:
        return self.values.get("Authentication") or DEFAULT_AUTHENTICATION

    @property
    def type(self) -> str:
        return self.values.get("Type") or "HTTP"

    @property
    def fields(self) -> tuple[Field, ...]:
        return fields_for(self.authentication)

    @property
    def required(self) -> frozenset[str]:
        return required_fields(self.type, self.authentication)

    def shown_values(self) -> dict[str, str]:
        """The non-secret values to render, each field's default filling in where the form has no value."""
        shown = {f.name: f.default for f in self.fields if f.default and f.name not in self.values}
        shown.update({key: value for key, value in self.values.items() if not is_secret(key)})
        return shown

    def add_row(self) -> None:
        self.rows.append(PropertyRow("", ""))

    def remove_row(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            del self.rows[index]

    def adopt_rows(self) -> None:
        """After a change of Authentication: a row named like a field now shown moves into that field."""
        shown = {f.name for f in self.fields}
        kept: list[PropertyRow] = []
        for row in self.rows:
            if row.name in shown and not self.values.get(row.name):
                self.values[row.name] = row.value
            else:
                kept.append(row)
        self.rows = kept

    def properties(self, stored: Mapping[str, str] | None = None) -> tuple[dict[str, str], list[FieldError]]:
        """The raw property dict to save and the form's own problems (row names: empty, taken, repeated).

        ``stored`` = the destination's current properties with secrets (edit): an empty secret keeps its
        stored value, a stored secret the form does not hold any more is sent as ``""`` (removed).
        """
        kept = stored or {}
        problems: list[FieldError] = []
        result: dict[str, str] = {}
        fixed = {f.name for f in self.fields}
        for item in self.fields:
            value = self.values.get(item.name, "")
            if value == "" and item.secret and kept.get(item.name):
                value = kept[item.name]
            if value != "":
                result[item.name] = value
        for index, row in enumerate(self.rows):
            key = row_key(index)
            if not row.name:
                if row.value:
                    problems.append(FieldError(key, "name_required", "Enter the property's name"))
                continue
            if row.name in fixed:
                problems.append(
                    FieldError(key, "fixed_field", f"'{row.name}' is a field of this form: enter it there, not here")
                )
            elif row.name in result:
                problems.append(FieldError(key, "duplicate", f"Property '{row.name}' is listed twice"))
            else:
                value = row.value
                if value == "" and row.secret and kept.get(row.name):
                    value = kept[row.name]
                result[row.name] = value
        for name in kept:
            if is_secret(name) and name not in result:
                result[name] = ""  # the form dropped it: remove the stored secret
        return result, problems

    def error_aliases(self) -> dict[str, str]:
        """Domain errors about a row's property go to that row (a field's errors stay at the field)."""
        fixed = {f.name for f in self.fields}
        return {row.name: row_key(index) for index, row in enumerate(self.rows) if row.name and row.name not in fixed}

    def error_targets(self) -> list[str]:
        """The error keys the page shows next to an input (the rest go on top)."""
        return [f.name for f in self.fields] + [row_key(index) for index in range(len(self.rows))]


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value if is_secret(name) else value.strip()


def draft_from_form(form: FormData) -> DestinationDraft:
    """The editor's state as submitted (every known field, so a change of Authentication keeps shared ones)."""
    values: dict[str, str] = {}
    for item in _all_fields():
        value = _text(form, item.name)
        if value is not None:
            values[item.name] = value
    names = [v.strip() if isinstance(v, str) else "" for v in form.getlist(PROPERTY_NAME)]
    raw_values = [v if isinstance(v, str) else "" for v in form.getlist(PROPERTY_VALUE)]
    rows = []
    for index, name in enumerate(names):
        value = raw_values[index] if index < len(raw_values) else ""
        rows.append(PropertyRow(name, value if is_secret(name) else value.strip()))
    return DestinationDraft(values, rows)


def draft_from_properties(properties: Mapping[str, str]) -> DestinationDraft:
    """A stored destination in the editor; secrets (present in ``properties`` or not) are never loaded."""
    authentication = properties.get("Authentication") or DEFAULT_AUTHENTICATION
    fixed = {f.name for f in fields_for(authentication)}
    values = {key: value for key, value in properties.items() if key in fixed and not is_secret(key)}
    rows = [PropertyRow(key, "" if is_secret(key) else value) for key, value in properties.items() if key not in fixed]
    return DestinationDraft(values, rows)
