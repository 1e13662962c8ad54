"""HTTP Basic credentials (RFC 7617) parsed from an ``Authorization`` header, without a web framework."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


@dataclass(frozen=True)
class BasicCredentials:
    username: str
    password: str


def parse_basic(header_value: str | None) -> BasicCredentials | None:
    """The credentials of a well-formed ``Basic`` header, else ``None`` (a malformed header is no credential)."""
    if not header_value:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return BasicCredentials(username, password)
