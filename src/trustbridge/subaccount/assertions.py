"""The SAML 2.0 bearer assertion BTP's Destination service generates for a destination and a user (research §B).

:func:`assertion_for` takes the user **as a JWT carries it** (XSUAA claims, see
:func:`trustbridge.subaccount.users.user_claims`) and a destination with ``Authentication =
OAuth2SAMLBearerAssertion``, and returns the signed assertion, encoded as the destination asks:

- **NameID** [CONN-USERPROP]: ``userIdSource`` set → that claim (a plain root key, also looked up in
  ``user_attributes``, or a JsonPath ``$.a.b`` / ``$['a']['b']``); else ``nameIdFormat`` = ``…:emailAddress`` →
  ``email``; ``…:unspecified`` or no ``nameIdFormat`` → ``user_name``; any other format without
  ``userIdSource`` → error. A missing or empty claim → *user ID could not be determined*.
  NameID ``Format`` = ``nameIdFormat``, else unspecified (INFER, research §B); ``NameQualifier`` = ``nameQualifier``.
- **Issuer** = ``assertionIssuer``, else the active trust certificate's CN. **Audience** = ``audience``.
  **Recipient** = ``assertionRecipient``, else ``tokenServiceURL``. **AuthnContextClassRef** = ``authnContextClassRef``.
- **Attributes**: ``user_uuid`` when the JWT has one (unless ``skipUserUuidInSAMLAttributes=true``); ``Groups``
  from ``xs.system.attributes.xs.saml.groups`` (and ``user_attributes.xs.saml.groups``) when non-empty; every
  other ``user_attributes`` entry as ``user_attributes.<name>`` (``<name>`` with
  ``skipUserAttributesPrefixInSAMLAttributes=true``).
- **Signature**: the subaccount's active trust key; the certificate goes into ``KeyInfo`` only with
  ``includeSigningCertificateInSAMLAssertion=true``.
- **Lifetime** 10 minutes (UNDOC; the value of SAP's C4C sample [C4C-SAMPLE], ``docs/decisions.md``).
- **Encoding** (``samlAssertionEncoding``): ``base64url`` (RFC 4648 §5, padded) by default, ``base64`` (§4).

Errors are :class:`~trustbridge.errors.ValidationFailed` naming the destination property (or
:class:`~trustbridge.errors.NotFound` for a missing destination), worded like SAP's ``authTokens[].error`` texts.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from trustbridge.errors import ValidationFailed
from trustbridge.pki.encryption import SecretBox
from trustbridge.saml.assertion import AssertionContent, build_assertion, new_assertion_id
from trustbridge.saml.constants import NAMEID_EMAIL, NAMEID_UNSPECIFIED
from trustbridge.saml.signer import sign, to_bytes
from trustbridge.subaccount import trust
from trustbridge.subaccount.destinations import get_destination
from trustbridge.subaccount.subaccounts import current_subaccount

SAML_BEARER: Final = "OAuth2SAMLBearerAssertion"
GENERATED: Final = "DestinationServiceGenerated"
LIFETIME: Final = dt.timedelta(minutes=10)  # UNDOC; SAP's C4C sample [C4C-SAMPLE], docs/decisions.md
BASE64: Final = "base64"
BASE64URL: Final = "base64url"
DEFAULT_ENCODING: Final = BASE64URL  # research §A: samlAssertionEncoding defaults to base64url
GROUPS_CLAIM: Final = "xs.saml.groups"
SYSTEM_ATTRIBUTES: Final = "xs.system.attributes"
USER_ATTRIBUTES: Final = "user_attributes"
# Properties that change how BTP forms the assertion in ways trustbridge does not emulate: refused rather than
# silently ignored (the target would see a different assertion than BTP would send).
UNSUPPORTED: Final = {
    "SystemUser": "the assertion is always generated for the calling user",
    "KeyStoreLocation": "assertions are always signed with the subaccount's trust key",
}


@dataclass(frozen=True)
class SignedAssertion:
    """A signed assertion: the XML, its encoded form for the token request, and what it says."""

    xml: bytes
    encoded: str  # per samlAssertionEncoding: base64url (default) or base64
    assertion_id: str
    name_id: str
    name_id_format: str
    recipient: str
    audience: str
    issuer: str
    not_on_or_after: dt.datetime


def _property_error(destination: str, key: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed.one(key, code, f"Destination '{destination}': {message}")


def _true(properties: Mapping[str, str], key: str) -> bool:
    return properties.get(key, "").strip().lower() == "true"


def _present(properties: Mapping[str, str], key: str) -> str | None:
    value = properties.get(key)
    return value if value is not None and value.strip() else None


# --- JsonPath (the subset userIdSource needs) -------------------------------------------------------------

_DOT_NAME = re.compile(r"\.([A-Za-z0-9_:\-]+)")  # other keys (with '.', '*', …) need the bracket form
_BRACKET_QUOTED = re.compile(r"\.?\[\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")\s*\]")
_BRACKET_INDEX = re.compile(r"\.?\[\s*(\d+)\s*\]")
_UNESCAPE = re.compile(r"\\(.)")


class JsonPathError(ValueError):
    """The expression is not in the supported subset (``$`` followed by ``.name``, ``['name']``, ``[n]``)."""


def parse_json_path(expression: str) -> tuple[str | int, ...]:
    """The steps of a JsonPath such as ``$.a.b``, ``$['a']['b']``, ``$.['a'].b`` or ``$.list[0]``.

    A dotted step is letters, digits, ``_``, ``-`` and ``:``; any other key is written ``['key']``.

    Only child steps are supported — no wildcards, filters, slices or recursive descent — so evaluating a
    path is a plain walk down the claims, never code execution.
    """
    if not expression.startswith("$"):
        raise JsonPathError(f"'{expression}' does not start with '$'")
    steps: list[str | int] = []
    position = 1
    while position < len(expression):
        if expression.startswith("..", position):
            raise JsonPathError(f"recursive descent '..' is not supported in '{expression}'")
        for pattern in (_BRACKET_QUOTED, _DOT_NAME, _BRACKET_INDEX):
            match = pattern.match(expression, position)
            if match is None:
                continue
            if pattern is _BRACKET_QUOTED:
                raw = match.group(1) if match.group(1) is not None else match.group(2)
                steps.append(_UNESCAPE.sub(r"\1", raw))
            elif pattern is _DOT_NAME:
                steps.append(match.group(1))
            else:
                steps.append(int(match.group(1)))
            position = match.end()
            break
        else:
            raise JsonPathError(f"unsupported JsonPath syntax at position {position} of '{expression}'")
    if not steps:
        raise JsonPathError(f"'{expression}' selects no claim")
    return tuple(steps)


def evaluate_json_path(expression: str, document: Mapping[str, Any]) -> Any:
    """The value at ``expression`` in ``document``, or ``None`` when a step is missing."""
    current: Any = document
    for step in parse_json_path(expression):
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return None
            current = current[step]
        else:
            if not isinstance(current, Mapping) or step not in current:
                return None
            current = current[step]
    return current


# --- NameID ----------------------------------------------------------------------------------------------


def _scalar(value: Any) -> str | None:
    """A claim value usable as a NameID: a non-blank string, a number, or a list holding exactly one of those."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _undetermined(destination: str, key: str, source: str) -> ValidationFailed:
    return _property_error(
        destination,
        key,
        "user_id_undetermined",
        f"user ID could not be determined: the user's token has no value for '{source}' (property '{key}')",
    )


def select_name_id(destination: str, properties: Mapping[str, str], claims: Mapping[str, Any]) -> tuple[str, str]:
    """``(NameID, Format)`` per [CONN-USERPROP] (research §B)."""
    name_id_format = _present(properties, "nameIdFormat")
    source = _present(properties, "userIdSource")
    if source is not None:
        if source.startswith("$"):
            try:
                value = _scalar(evaluate_json_path(source, claims))
            except JsonPathError as exc:
                raise _property_error(
                    destination, "userIdSource", "unsupported_json_path", f"property 'userIdSource': {exc}"
                ) from None
        else:
            value = _scalar(claims.get(source))
            attributes = claims.get(USER_ATTRIBUTES)
            if value is None and isinstance(attributes, Mapping):
                value = _scalar(attributes.get(source))  # custom attributes [CONN-USERPROP]
        if value is None:
            raise _undetermined(destination, "userIdSource", source)
        return value, name_id_format or NAMEID_UNSPECIFIED
    if name_id_format == NAMEID_EMAIL:
        key = "email"
    elif name_id_format is None or name_id_format == NAMEID_UNSPECIFIED:
        key = "user_name"
    else:
        raise _property_error(
            destination,
            "nameIdFormat",
            "user_id_source_required",
            f"property 'nameIdFormat' '{name_id_format}' needs property 'userIdSource': only "
            f"'{NAMEID_UNSPECIFIED}' and '{NAMEID_EMAIL}' select the user ID by themselves",
        )
    value = _scalar(claims.get(key))
    if value is None:
        raise _undetermined(destination, "nameIdFormat", key)
    return value, name_id_format or NAMEID_UNSPECIFIED


# --- attributes -------------------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int | float) and not isinstance(item, bool)]
    return []


def saml_attributes(properties: Mapping[str, str], claims: Mapping[str, Any]) -> dict[str, list[str]]:
    """``user_uuid``, ``Groups`` and the ``user_attributes`` as BTP adds them [CONN-USERPROP, CONN-SAML]."""
    attributes: dict[str, list[str]] = {}
    user_uuid = claims.get("user_uuid")
    if isinstance(user_uuid, str) and user_uuid and not _true(properties, "skipUserUuidInSAMLAttributes"):
        attributes["user_uuid"] = [user_uuid]
    groups: list[str] = []
    system = claims.get(SYSTEM_ATTRIBUTES)
    if isinstance(system, Mapping):
        groups.extend(_strings(system.get(GROUPS_CLAIM)))
    custom = claims.get(USER_ATTRIBUTES)
    custom = custom if isinstance(custom, Mapping) else {}
    groups.extend(group for group in _strings(custom.get(GROUPS_CLAIM)) if group not in groups)
    if groups:
        attributes["Groups"] = groups
    prefix = "" if _true(properties, "skipUserAttributesPrefixInSAMLAttributes") else f"{USER_ATTRIBUTES}."
    for name, value in custom.items():
        values = _strings(value)
        if name != GROUPS_CLAIM and values and isinstance(name, str):
            attributes.setdefault(f"{prefix}{name}", values)
    return attributes


# --- the assertion ----------------------------------------------------------------------------------------


def token_service_url(properties: Mapping[str, str], subdomain: str) -> str | None:
    """``tokenServiceURL``; with ``tokenServiceURLType=Common`` its ``{tenant}`` becomes the subdomain [CONN-SAML]."""
    url = _present(properties, "tokenServiceURL")
    if url is not None and properties.get("tokenServiceURLType") == "Common":
        url = url.replace("{tenant}", subdomain)
    return url


def encode(xml: bytes, encoding: str = DEFAULT_ENCODING) -> str:
    """The assertion as the token request carries it: base64url (RFC 4648 §5, padded) or base64 (§4)."""
    raw = base64.urlsafe_b64encode(xml) if encoding == BASE64URL else base64.b64encode(xml)
    return raw.decode("ascii")


def _check_destination(name: str, properties: Mapping[str, str]) -> None:
    authentication = properties.get("Authentication", "NoAuthentication")
    if authentication != SAML_BEARER:
        raise _property_error(
            name,
            "Authentication",
            "not_saml_bearer",
            f"property 'Authentication' is '{authentication}'; a SAML assertion is generated only for '{SAML_BEARER}'",
        )
    provider = properties.get("SAMLAssertionProvider", GENERATED)
    if provider != GENERATED:
        raise _property_error(
            name,
            "SAMLAssertionProvider",
            "client_provided",
            f"property 'SAMLAssertionProvider' is '{provider}'; the client provides the assertion, the "
            f"Destination service generates one only for '{GENERATED}'",
        )
    for key, reason in UNSUPPORTED.items():
        if _present(properties, key) is not None:
            raise _property_error(
                name, key, "unsupported_property", f"property '{key}' is not supported by trustbridge: {reason}"
            )
    encoding = properties.get("samlAssertionEncoding", DEFAULT_ENCODING)
    if encoding not in (BASE64, BASE64URL):
        raise _property_error(
            name,
            "samlAssertionEncoding",
            "unknown_value",
            f"property 'samlAssertionEncoding' must be '{BASE64}' or '{BASE64URL}' (got '{encoding}')",
        )


def _required(name: str, properties: Mapping[str, str], key: str) -> str:
    value = _present(properties, key)
    if value is None:
        raise _property_error(name, key, "required", f"property '{key}' is required for Authentication '{SAML_BEARER}'")
    return value


def assertion_for(
    session: Session,
    box: SecretBox,
    destination_name: str,
    claims: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> SignedAssertion:
    """The signed, encoded assertion BTP would send to ``destination_name``'s token service for this user.

    ``claims`` is the user as a JWT carries it (XSUAA claims). Reads only: nothing is written.
    :class:`~trustbridge.errors.NotFound` when the destination does not exist,
    :class:`~trustbridge.errors.ValidationFailed` naming the property when no assertion can be generated.
    """
    properties: Mapping[str, str] = get_destination(session, destination_name).properties
    _check_destination(destination_name, properties)
    audience = _required(destination_name, properties, "audience")
    context_class = _required(destination_name, properties, "authnContextClassRef")
    token_url = _required(destination_name, properties, "tokenServiceURL")
    recipient = (
        _present(properties, "assertionRecipient")
        or token_service_url(properties, current_subaccount(session).subdomain)
        or token_url
    )
    name_id, name_id_format = select_name_id(destination_name, properties, claims)

    key = trust.active_signing_key(session, box)
    issuer = _present(properties, "assertionIssuer") or key.subject_cn
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    issue_instant = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # SAML times carry ms
    assertion_id = new_assertion_id()
    content = AssertionContent(
        issuer=issuer,
        name_id=name_id,
        audience=audience,
        recipient=recipient,
        name_id_format=name_id_format,
        name_qualifier=_present(properties, "nameQualifier"),
        authn_context_class_ref=context_class,
        attributes=saml_attributes(properties, claims),
        lifetime=LIFETIME,
        issue_instant=issue_instant,
        assertion_id=assertion_id,
    )
    certificate_der = (
        key.certificate.public_bytes(serialization.Encoding.DER)
        if _true(properties, "includeSigningCertificateInSAMLAssertion")
        else None
    )
    xml = to_bytes(sign(build_assertion(content), key.private_key, certificate_der=certificate_der))
    return SignedAssertion(
        xml=xml,
        encoded=encode(xml, properties.get("samlAssertionEncoding", DEFAULT_ENCODING)),
        assertion_id=assertion_id,
        name_id=name_id,
        name_id_format=name_id_format,
        recipient=recipient,
        audience=audience,
        issuer=issuer,
        not_on_or_after=issue_instant + LIFETIME,
    )
