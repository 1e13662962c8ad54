"""Validation of destination properties: every broken rule reported at once, each naming its property.

Sources: the spec's ``Destination`` schema (``Name``, ``Type`` required; ``Type`` ∈ HTTP/RFC/MAIL/LDAP) [SPEC];
the property table of ``OAuth2SAMLBearerAssertion`` (research §A, [CONN-SAML]); NameID selection rules
(research §B, [CONN-USERPROP]); enum values of SAP's Python SDK [PYSDK ``_models.py``]. Where SAP is silent the
rule is a project decision, recorded in ``docs/decisions.md``.

Properties are kept **exactly** as given — the rules read them, never rewrite them. Absent ``ProxyType`` means
``Internet`` and absent ``Authentication`` means ``NoAuthentication`` (SAP's SDK creates destinations without
either [PYSDK ``tests/destination/integration/destination.feature``]); neither default is written into the
stored properties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from trustbridge.errors import Collector

NAME_MAX_LENGTH = 64  # Task Center: a longer name puts the connector in Error [TC-S4C]; the editor allows 200
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")  # the cockpit editor's charset [CONN-EDITOR]

TYPES = ("HTTP", "RFC", "MAIL", "LDAP")  # [SPEC components.schemas.Destination.Type]
PROXY_TYPES = ("Internet", "OnPremise", "PrivateLink")  # [PYSDK ProxyType]
DEFAULT_PROXY_TYPE = "Internet"
DEFAULT_AUTHENTICATION = "NoAuthentication"
AUTHENTICATION_TYPES = (  # [PYSDK Authentication]
    "NoAuthentication",
    "BasicAuthentication",
    "ClientCertificateAuthentication",
    "PrincipalPropagation",
    "OAuth2ClientCredentials",
    "OAuth2JWTBearer",
    "OAuth2Password",
    "OAuth2RefreshToken",
    "OAuth2SAMLBearerAssertion",
    "OAuth2UserTokenExchange",
    "OAuth2TokenExchange",
    "OAuth2AuthorizationCode",
    "OAuth2TechnicalUserPropagation",
    "SAMLAssertion",
)
SAML_BEARER = "OAuth2SAMLBearerAssertion"
SAML_GENERATING = (SAML_BEARER, "SAMLAssertion")  # both make the service build and sign an assertion

NAME_ID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAME_ID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
CLIENT_PROVIDED = "ClientProvided"

# Required properties per Authentication ([CONN-SAML] "Required" column for SAML bearer; the Basic and client
# credentials sets are the properties without which no request or token call is possible).
REQUIRED_BY_AUTHENTICATION: Mapping[str, tuple[str, ...]] = {
    "BasicAuthentication": ("User", "Password"),
    "OAuth2ClientCredentials": ("clientId", "clientSecret", "tokenServiceURL"),
    SAML_BEARER: ("audience", "clientKey", "tokenServiceURL", "authnContextClassRef"),
}
# With ClientProvided the client sends the assertion, so the properties that only shape the generated
# assertion are not needed (audience "is ignored", research §A; authnContextClassRef by the same logic, INFER).
NOT_REQUIRED_WHEN_CLIENT_PROVIDED = ("audience", "authnContextClassRef")
# mTLS to the token service replaces the client secret ("Use mTLS for token retrieval", research §A, INFER).
MTLS_KEYSTORE = "tokenService.KeyStoreLocation"

ENUM_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "ProxyType": PROXY_TYPES,
    "tokenServiceURL.ProxyType": PROXY_TYPES,
    "tokenServiceURLType": ("Dedicated", "Common"),
}
SAML_ENUM_PROPERTIES: Mapping[str, tuple[str, ...]] = {
    "SAMLAssertionProvider": ("DestinationServiceGenerated", CLIENT_PROVIDED),
    "samlAssertionEncoding": ("base64", "base64url"),
}
RANGE_PROPERTIES: Mapping[str, tuple[int, int]] = {  # research §A, seconds
    "tokenServiceURL.ConnectionTimeoutInSeconds": (0, 60),
    "tokenServiceURL.SocketReadTimeoutInSeconds": (0, 600),
}
URL_PROPERTIES = ("URL", "tokenServiceURL")


def _present(properties: Mapping[str, str], key: str) -> bool:
    value = properties.get(key)
    return value is not None and value.strip() != ""


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def check_types(raw: Mapping[object, object], errors: Collector) -> dict[str, str]:
    """Every key a non-empty string and every value a string [SPEC: properties are strings]; the usable part."""
    properties: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not key:
            errors.add(str(key), "invalid_property_name", "Property names must be non-empty strings")
            continue
        if not isinstance(value, str):
            kind = "null" if value is None else type(value).__name__
            if isinstance(value, bool):
                kind = "boolean"
            elif isinstance(value, int | float):
                kind = "number"
            elif isinstance(value, list | dict):
                kind = "array" if isinstance(value, list) else "object"
            errors.add(key, "not_a_string", f"Property '{key}' must be a string, got {kind}")
            continue
        properties[key] = value
    return properties


def check_name(properties: Mapping[str, str], errors: Collector) -> None:
    if not _present(properties, "Name"):
        errors.add("Name", "required", "Property 'Name' is required")
        return
    name = properties["Name"]
    if len(name) > NAME_MAX_LENGTH:
        errors.add(
            "Name",
            "too_long",
            f"Property 'Name' must not be longer than {NAME_MAX_LENGTH} characters (got {len(name)})",
        )
    if not NAME_PATTERN.fullmatch(name):
        errors.add(
            "Name",
            "invalid_characters",
            f"Property 'Name' may contain only letters, digits, '_' and '-' (got '{name}')",
        )


def _check_url(properties: Mapping[str, str], key: str, errors: Collector) -> None:
    value = properties[key]
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if host is None or parts.scheme not in ("http", "https") or any(c.isspace() for c in value):
        errors.add(key, "invalid_url", f"Property '{key}' must be an absolute http(s) URL (got '{value}')")


def _check_enums(properties: Mapping[str, str], enums: Mapping[str, tuple[str, ...]], errors: Collector) -> None:
    for key, allowed in enums.items():
        if key in properties and properties[key] not in allowed:
            errors.add(
                key,
                "unknown_value",
                f"Property '{key}' must be one of {_one_of(allowed)} (got '{properties[key]}')",
            )


def _check_ranges(properties: Mapping[str, str], errors: Collector) -> None:
    for key, (low, high) in RANGE_PROPERTIES.items():
        if key not in properties:
            continue
        value = properties[key].strip()
        if not re.fullmatch(r"[0-9]+", value) or not low <= int(value) <= high:
            errors.add(
                key,
                "out_of_range",
                f"Property '{key}' must be a whole number of seconds from {low} to {high} (got '{properties[key]}')",
            )


def _check_required(properties: Mapping[str, str], authentication: str, errors: Collector) -> None:
    required = REQUIRED_BY_AUTHENTICATION.get(authentication, ())
    client_provided = properties.get("SAMLAssertionProvider") == CLIENT_PROVIDED
    for key in required:
        if authentication == SAML_BEARER and client_provided and key in NOT_REQUIRED_WHEN_CLIENT_PROVIDED:
            continue
        if key == "clientSecret" and _present(properties, MTLS_KEYSTORE):
            continue
        if not _present(properties, key):
            errors.add(key, "required", f"Property '{key}' is required for Authentication '{authentication}'")


def _check_saml(properties: Mapping[str, str], errors: Collector) -> None:
    _check_enums(properties, SAML_ENUM_PROPERTIES, errors)
    name_id_format = properties.get("nameIdFormat")
    if (
        name_id_format is not None
        and name_id_format not in (NAME_ID_UNSPECIFIED, NAME_ID_EMAIL)
        and not _present(properties, "userIdSource")
    ):
        errors.add(
            "nameIdFormat",
            "user_id_source_required",
            f"Property 'nameIdFormat' '{name_id_format}' needs property 'userIdSource': only "
            f"'{NAME_ID_UNSPECIFIED}' and '{NAME_ID_EMAIL}' select the user ID by themselves",
        )


def check_http(properties: Mapping[str, str], errors: Collector) -> None:
    """The rules of ``Type=HTTP`` destinations."""
    if not _present(properties, "URL"):
        errors.add("URL", "required", "Property 'URL' is required for destinations of Type 'HTTP'")
    for key in URL_PROPERTIES:
        if _present(properties, key):
            _check_url(properties, key, errors)
    _check_enums(properties, ENUM_PROPERTIES, errors)
    _check_ranges(properties, errors)
    authentication = properties.get("Authentication", DEFAULT_AUTHENTICATION)
    if authentication not in AUTHENTICATION_TYPES:
        errors.add(
            "Authentication",
            "unknown_value",
            f"Property 'Authentication' must be one of {_one_of(AUTHENTICATION_TYPES)} (got '{authentication}')",
        )
        return
    _check_required(properties, authentication, errors)
    if authentication in SAML_GENERATING:
        _check_saml(properties, errors)


def validate_destination(raw: Mapping[object, object]) -> dict[str, str]:
    """The destination's properties, unchanged, when they follow every rule; else ``ValidationFailed``.

    All broken rules are collected first, so one answer lists them all.
    """
    errors = Collector()
    properties = check_types(raw, errors)
    check_name(properties, errors)
    if not _present(properties, "Type"):
        errors.add("Type", "required", "Property 'Type' is required")
    elif properties["Type"] not in TYPES:
        errors.add(
            "Type", "unknown_value", f"Property 'Type' must be one of {_one_of(TYPES)} (got '{properties['Type']}')"
        )
    elif properties["Type"] == "HTTP":
        check_http(properties, errors)
    name = properties.get("Name")
    errors.raise_if_any(f"Destination '{name}' is invalid" if name else "The destination is invalid")
    return properties
