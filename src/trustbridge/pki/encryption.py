"""Encryption at rest for private keys and stored secrets.

The key comes from ``TRUSTBRIDGE_SECRET_KEY`` (any string; stretched with HKDF-SHA256) or from a key file
generated in the data dir with mode 0600. Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) does the
authenticated encryption.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from trustbridge.config import Settings, write_private_file

KEY_FILE_NAME = "secret.key"
_HKDF_INFO = b"trustbridge at-rest encryption v1"


class SecretBox:
    """Encrypts and decrypts small secrets (PEM private keys, passwords) for the database."""

    def __init__(self, key_material: bytes) -> None:
        self._material = key_material
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key_material)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(settings.secret_key.encode())
        return cls(load_or_create_key_file(settings.ensure_data_dir() / KEY_FILE_NAME))

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (e.g. signing a service's session cookies), independent of the
        encryption key and of every other purpose (HKDF-SHA256 with the purpose as ``info``)."""
        info = f"trustbridge {purpose} v1".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._material)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError(
                "stored secret cannot be decrypted: the at-rest key (TRUSTBRIDGE_SECRET_KEY or secret.key) changed"
            ) from exc

    def encrypt_text(self, plaintext: str) -> str:
        return self.encrypt(plaintext.encode()).decode("ascii")

    def decrypt_text(self, token: str) -> str:
        return self.decrypt(token.encode("ascii")).decode()


def load_or_create_key_file(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    write_private_file(path, key)
    return key
