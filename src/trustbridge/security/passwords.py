"""Passwords: argon2id hashes, constant-time checks, generated ("proposed") passwords."""

from __future__ import annotations

import hmac
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's RFC 9106 "low memory" profile: strong, and fast enough for an interactive login.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)

# A hash of a random password, verified against when the user does not exist, so that an unknown user
# costs the same time as a wrong password and user names cannot be probed by timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))


def set_hash_cost(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Change the argon2id parameters of new hashes (existing hashes keep theirs and still verify).

    For test suites that create hundreds of users: never lower them in a deployment.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(32))


SPECIAL_CHARACTERS = "!#$%&()*+-./:;<=>?@[]^_{|}~"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work whether or not a hash exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def generate_password(length: int = 32) -> str:
    """A password that meets S/4's communication-user rules (≥ 20 chars, upper, lower, digit, special).

    No ``,`` (Identity Provisioning cannot carry it, research §E) and no ``:`` (it would break HTTP Basic
    for a client that does not escape it) and no quote or backslash (shell and JSON friendliness).
    """
    if length < 20:
        raise ValueError("generated passwords are at least 20 characters long")
    specials = "!#$%&()*+-./;<=>?@[]^_{|}~"
    alphabet = string.ascii_letters + string.digits + specials
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in specials for c in candidate)
        ):
            return candidate
