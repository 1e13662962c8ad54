"""Syntax rules for the S/4 tenant's identifiers and texts; each check adds field errors to a ``Collector``.

- User names (business and communication users) and business-role IDs: upper case, digits, ``_ . -``, at most
  40 characters, not starting with ``_`` or ``SAP`` [ABAP-BU; KBA 3729634]. For communication users the rule is
  UNDOC; they are ABAP users too, so the business-user rule applies (docs/decisions.md). Lower-case input is
  converted to upper case, as ABAP's upper-case user-name fields do (UNDOC, recorded).
- Communication system IDs: UNDOC; upper case, digits, ``_ -``, at most 40, starting with a letter or digit.
- Arrangement names: ``[a-zA-Z0-9_-]``, at most 80, case kept [ABAP-CAJSON].
- Display texts (descriptions, names) are trimmed; *match keys* (SAML issuer, Global User ID, e-mail) are kept
  exactly as given and refused when padded with whitespace or containing control characters, because the
  token service compares them byte for byte with assertion values (research §E, §H).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from trustbridge.errors import Collector

USER_NAME_MAX: Final = 40
ROLE_ID_MAX: Final = 40
SYSTEM_ID_MAX: Final = 40
ARRANGEMENT_NAME_MAX: Final = 80

_USER_NAME = re.compile(r"[A-Z0-9_.\-]+")
_SYSTEM_ID = re.compile(r"[A-Z0-9][A-Z0-9_\-]*")
_ARRANGEMENT_NAME = re.compile(r"[a-zA-Z0-9_\-]+")
_RESERVED_PREFIX = "SAP"


def normalise_upper(value: str) -> str:
    """Key lookups use the same conversion as input: ABAP user names and IDs are upper case."""
    return value.upper()


def check_user_name(collector: Collector, field: str, value: str, *, what: str = "A user name") -> str:
    """Validate a user name or role ID (upper-case rule [ABAP-BU; KBA 3729634]); returns it upper-cased."""
    name = normalise_upper(value)
    if not name:
        collector.add(field, f"{field}_required", f"{what} is required")
        return name
    if len(name) > USER_NAME_MAX:
        collector.add(field, f"{field}_too_long", f"{what} has at most {USER_NAME_MAX} characters")
    if not value.isascii() or not _USER_NAME.fullmatch(name):  # ascii first: "ß".upper() == "SS"
        collector.add(
            field,
            f"{field}_invalid_characters",
            f"{what} may contain only letters A-Z, digits and _ . - (got {value!r})",
        )
    if name.startswith("_"):
        collector.add(field, f"{field}_invalid_start", f"{what} must not start with _")
    if name.startswith(_RESERVED_PREFIX):
        collector.add(
            field, f"{field}_reserved_prefix", f"{what} must not start with {_RESERVED_PREFIX} (reserved for SAP)"
        )
    return name


def check_system_id(collector: Collector, field: str, value: str) -> str:
    """Communication system ID (UNDOC rule, recorded); returns it upper-cased."""
    system_id = normalise_upper(value)
    if not system_id:
        collector.add(field, f"{field}_required", "A system ID is required")
        return system_id
    if len(system_id) > SYSTEM_ID_MAX:
        collector.add(field, f"{field}_too_long", f"A system ID has at most {SYSTEM_ID_MAX} characters")
    if not value.isascii() or not _SYSTEM_ID.fullmatch(system_id):
        collector.add(
            field,
            f"{field}_invalid_characters",
            f"A system ID starts with a letter or digit and contains only letters A-Z, digits, _ and - (got {value!r})",
        )
    return system_id


def check_arrangement_name(collector: Collector, field: str, value: str) -> str:
    """Arrangement name: ``[a-zA-Z0-9_-]``, at most 80 characters [ABAP-CAJSON]."""
    if not value:
        collector.add(field, f"{field}_required", "An arrangement name is required")
        return value
    if len(value) > ARRANGEMENT_NAME_MAX:
        collector.add(field, f"{field}_too_long", f"An arrangement name has at most {ARRANGEMENT_NAME_MAX} characters")
    if not _ARRANGEMENT_NAME.fullmatch(value):
        collector.add(
            field,
            f"{field}_invalid_characters",
            f"An arrangement name may contain only letters, digits, _ and - (got {value!r})",
        )
    return value


def has_control_characters(value: str) -> bool:
    """Control, format (zero-width, BOM), private-use or unassigned characters, or line separators."""
    return any(unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") for ch in value)


def check_text(
    collector: Collector, field: str, value: str, *, max_length: int, required: bool, what: str
) -> str | None:
    """A display text: trimmed; empty means absent (refused when required); no control characters."""
    text = value.strip()
    if not text:
        if required:
            collector.add(field, f"{field}_required", f"{what} is required")
        return None
    if len(text) > max_length:
        collector.add(field, f"{field}_too_long", f"{what} has at most {max_length} characters")
    if has_control_characters(text):
        collector.add(field, f"{field}_control_characters", f"{what} must not contain control characters")
    return text


def check_exact_key(collector: Collector, field: str, value: str, *, max_length: int, what: str) -> str:
    """A value matched exactly against assertions: kept as given; refused if empty, padded or with controls."""
    if not value:
        collector.add(field, f"{field}_empty", f"{what} must not be empty (send null to clear it)")
        return value
    if len(value) > max_length:
        collector.add(field, f"{field}_too_long", f"{what} has at most {max_length} characters")
    if value != value.strip():
        collector.add(
            field,
            f"{field}_surrounding_whitespace",
            f"{what} must not start or end with whitespace: it is compared exactly, so it is not trimmed",
        )
    if has_control_characters(value):
        collector.add(field, f"{field}_control_characters", f"{what} must not contain control characters")
    return value
