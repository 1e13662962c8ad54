"""Each service's admin identity: created at first start, password generated (or from the environment).

The generated password is written to ``<data dir>/<service>-admin-password`` (mode 0600) and returned once
so ``trustbridge up`` can print it; only its argon2 hash is stored.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustbridge.config import write_private_file
from trustbridge.security.basic_auth import parse_basic
from trustbridge.security.passwords import generate_password, hash_password, verify_password

ADMIN_USERNAME = "admin"


class AdminAccountColumns:
    """Columns of a service's admin-account table (mixed into each service's own model)."""

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))


@dataclass(frozen=True)
class AdminBootstrap:
    username: str
    password: str | None  # the password when this call set it (first start or env), else None
    password_file: Path


def admin_password_env(service: str) -> str:
    return f"TRUSTBRIDGE_{service.upper()}_ADMIN_PASSWORD"


def ensure_admin(session: Session, model: type[AdminAccountColumns], service: str, data_dir: Path) -> AdminBootstrap:
    """Create the admin account if missing; apply ``TRUSTBRIDGE_<SERVICE>_ADMIN_PASSWORD`` if set."""
    password_file = data_dir / f"{service}-admin-password"
    from_env = os.environ.get(admin_password_env(service))
    account = session.scalar(select(model).where(model.username == ADMIN_USERNAME))
    if account is None:
        password = from_env or generate_password(24)
        account = model()
        account.username = ADMIN_USERNAME
        account.password_hash = hash_password(password)
        session.add(account)
        if not from_env:
            write_private_file(password_file, password + "\n")
        return AdminBootstrap(ADMIN_USERNAME, password, password_file)
    if from_env and not verify_password(account.password_hash, from_env):
        account.password_hash = hash_password(from_env)
        return AdminBootstrap(ADMIN_USERNAME, from_env, password_file)
    return AdminBootstrap(ADMIN_USERNAME, None, password_file)


def check_admin(session: Session, model: type[AdminAccountColumns], username: str, password: str) -> bool:
    account = session.scalar(select(model).where(model.username == username))
    return verify_password(account.password_hash if account else None, password)


class AdminVerifier:
    """Checks HTTP Basic admin credentials for one service.

    argon2 is deliberately slow (~50 ms); a request-per-request check would make every admin call pay it.
    A successful check is remembered for ``ttl`` seconds under an HMAC of the credentials with a per-process
    random key (never the password itself), so repeated calls of an admin session stay fast while a wrong
    password still always costs a full argon2 verification.
    """

    def __init__(self, check: Callable[[str, str], bool], ttl: float = 60.0) -> None:
        self._check = check
        self._ttl = ttl
        self._key = secrets.token_bytes(32)
        self._good: dict[bytes, float] = {}

    def verify(self, authorization_header: str | None) -> str | None:
        """The admin user name when the header carries valid admin credentials, else ``None``."""
        credentials = parse_basic(authorization_header)
        if credentials is None:
            return None
        tag = hmac.new(self._key, f"{credentials.username}\0{credentials.password}".encode(), "sha256").digest()
        now = time.monotonic()
        expiry = self._good.get(tag)
        if expiry is not None and expiry > now:
            return credentials.username
        if not self._check(credentials.username, credentials.password):
            self._good.pop(tag, None)
            return None
        if len(self._good) > 1024:
            self._good.clear()
        self._good[tag] = now + self._ttl
        return credentials.username

    def forget(self) -> None:
        self._good.clear()
