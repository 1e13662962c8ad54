"""S/4's codes for inbound authentication methods and user ID mapping modes, with their UI labels.

- Authentication methods are the entity codes of the inbound-user entity [ABAP-INUSER]: ``basic`` (User ID and
  Password), ``x509`` (SSL Client Certificate), ``oauth2`` (OAuth 2.0), ``oauth2_mtls`` (OAuth 2.0 (mTLS)),
  ``none``. S/4 also knows ``oauth1`` and ``princ_prop``; trustbridge does not emulate them.
- User ID mapping modes: *User Name* (UI default) [KYMA-S4; ABAP-SAMLGRANT], *User UUID* [SAMPLES-S4C img 24],
  *Global User ID* [SEREG20; 3P-PP], *E-Mail* (NameID format ``emailAddress``) [ABAP-COMMSYS]. The full list is
  UNDOC; these four are what the sources show.

Input is accepted as the code or as the label, case-insensitively and ignoring spaces and punctuation
(``"User UUID"``, ``"USER_UUID"`` and ``"user_uuid"`` are the same); the code is stored and returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

AUTHENTICATION_METHODS: Final[Mapping[str, str]] = {
    "basic": "User ID and Password",
    "x509": "SSL Client Certificate",
    "oauth2": "OAuth 2.0",
    "oauth2_mtls": "OAuth 2.0 (mTLS)",
    "none": "None",
}

# Methods whose client authenticates with the communication user's password: HTTP Basic on the API itself, or
# HTTP Basic client authentication at the token endpoint (research §G).
PASSWORD_METHODS: Final = frozenset({"basic", "oauth2"})

USER_ID_MAPPING_MODES: Final[Mapping[str, str]] = {
    "user_name": "User Name",
    "user_uuid": "User UUID",
    "global_user_id": "Global User ID",
    "email": "E-Mail",
}
DEFAULT_USER_ID_MAPPING_MODE: Final = "user_name"

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def _index(codes: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    index = {_key(code): code for code in codes}
    index.update({_key(label): code for code, label in codes.items()})
    for alias, code in (extra or {}).items():
        index[_key(alias)] = code
    return index


_METHODS = _index(AUTHENTICATION_METHODS)
_MODES = _index(USER_ID_MAPPING_MODES, {"email address": "email", "e-mail address": "email"})


def parse_authentication_method(value: str) -> str | None:
    """The method code for a code or label, else ``None``."""
    return _METHODS.get(_key(value))


def parse_user_id_mapping_mode(value: str) -> str | None:
    """The mapping-mode code for a code or label, else ``None``."""
    return _MODES.get(_key(value))


def method_choices() -> str:
    return ", ".join(f"{code} ({label})" for code, label in AUTHENTICATION_METHODS.items())


def mapping_mode_choices() -> str:
    return ", ".join(f"{code} ({label})" for code, label in USER_ID_MAPPING_MODES.items())
