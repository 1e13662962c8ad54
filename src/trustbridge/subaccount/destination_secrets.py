"""Which destination properties are secrets, and how they are kept apart and encrypted at rest.

A secret is any property whose name ends in ``password`` or ``secret`` (any case): ``Password``,
``tokenServicePassword``, ``clientSecret``, ``KeyStorePassword``, ``tokenService.KeyStorePassword``,
``tokenService.body.client_secret``, … (research §A lists the ones SAP documents). They are stored as one
Fernet-encrypted JSON object and never returned by the API (decision D8 in ``docs/decisions.md``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from trustbridge.pki.encryption import SecretBox

SECRET_SUFFIXES = ("password", "secret")


def is_secret(key: str) -> bool:
    """Whether a property holds a secret (stored encrypted, never returned)."""
    return key.lower().endswith(SECRET_SUFFIXES)


def split_secrets(properties: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(public, secrets)`` in the order given; empty secrets are dropped (an empty password is no password)."""
    public = {key: value for key, value in properties.items() if not is_secret(key)}
    secrets = {key: value for key, value in properties.items() if is_secret(key) and value != ""}
    return public, secrets


def seal(secrets: Mapping[str, str], box: SecretBox) -> str | None:
    """The ciphertext for ``secrets_encrypted`` (``None`` when there are none)."""
    return box.encrypt_text(json.dumps(dict(secrets))) if secrets else None


def unseal(ciphertext: str | None, box: SecretBox) -> dict[str, str]:
    """The secrets of a ``secrets_encrypted`` value."""
    if not ciphertext:
        return {}
    loaded: dict[str, str] = json.loads(box.decrypt_text(ciphertext))
    return loaded
