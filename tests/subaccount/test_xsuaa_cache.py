"""The verified-token cache of ``verify_access_token``: hits skip only the key query and the signature check.

Every check that depends on the moment or the caller still runs on a hit (expiry, audience); a key created,
rotated or deleted in this process invalidates what was verified before; the TTL bounds the rest.
"""

from __future__ import annotations

import datetime as dt

import pytest

from trustbridge.config import Settings
from trustbridge.pki.encryption import SecretBox
from trustbridge.storage import Database
from trustbridge.subaccount.setup import SubaccountBootstrap
from trustbridge.subaccount.xsuaa import keys
from trustbridge.subaccount.xsuaa.bindings import DESTINATION_BINDING, find_binding
from trustbridge.subaccount.xsuaa.tokens import InvalidToken, issue_client_token, verified_tokens, verify_access_token


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox.from_settings(settings)


@pytest.fixture
def client_id(database: Database, boot: SubaccountBootstrap) -> str:
    with database.read() as session:
        binding = find_binding(session, DESTINATION_BINDING)
        assert binding is not None
        return binding.clientid


def _token(database: Database, box: SecretBox, client_id: str, now: dt.datetime | None = None) -> str:
    with database.read() as session:
        return issue_client_token(session, box, client_id=client_id, now=now)


def test_a_second_verification_is_a_hit_and_still_checks_audience_and_expiry(
    database: Database, box: SecretBox, client_id: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    token = _token(database, box, client_id, now)
    with database.read() as session:
        cache = verified_tokens(session)
        first = verify_access_token(session, token, audience=client_id)
        hits = cache.hits
        again = verify_access_token(session, token, audience=client_id)
        assert cache.hits == hits + 1
        assert again.claims == first.claims and again.claims is not first.claims
        with pytest.raises(InvalidToken, match="audience"):
            verify_access_token(session, token, audience="sb-someone-else")
        with pytest.raises(InvalidToken, match="expired at"):
            verify_access_token(session, token, now=now + dt.timedelta(hours=12, minutes=2))
        assert cache.hits == hits + 3  # both refusals came from the cached entry
        verify_access_token(session, token)  # a refusal does not poison the entry


def test_a_refused_token_is_never_remembered(database: Database, box: SecretBox, client_id: str) -> None:
    token = _token(database, box, client_id)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload[:-4]}AAAA.{signature}"
    with database.read() as session:
        cache = verified_tokens(session)
        for _ in range(2):
            with pytest.raises(InvalidToken):
                verify_access_token(session, forged)
        size = len(cache)
        with pytest.raises(InvalidToken):
            verify_access_token(session, forged)
        assert len(cache) == size


def test_a_key_rotated_or_deleted_in_this_process_invalidates_at_once(
    database: Database, box: SecretBox, client_id: str
) -> None:
    start = dt.datetime.now(dt.UTC)
    token = _token(database, box, client_id, start)
    with database.read() as session:
        verify_access_token(session, token)
        cache = verified_tokens(session)
    misses = cache.misses
    with database.transaction() as session:
        keys.rotate_signing_key(session, box, now=start)  # the token's key is retired, still published
    with database.read() as session:
        verify_access_token(session, token)  # verified in full again: a miss
    assert cache.misses == misses + 1
    later = start + keys.RETIRED_KEY_RETENTION + dt.timedelta(seconds=1)
    with database.transaction() as session:
        keys.rotate_signing_key(session, box, now=later)  # deletes the token's key
    with database.read() as session, pytest.raises(InvalidToken, match="not among this subaccount's token keys"):
        verify_access_token(session, token, now=start)


def test_a_key_unpublished_by_time_is_refused_on_a_hit(database: Database, box: SecretBox, client_id: str) -> None:
    start = dt.datetime.now(dt.UTC)
    token = _token(database, box, client_id, start)
    with database.transaction() as session:
        keys.rotate_signing_key(session, box, now=start)
    with database.read() as session:
        verify_access_token(session, token, now=start)  # cached with the retired key's state
        later = start + keys.RETIRED_KEY_RETENTION + dt.timedelta(seconds=1)
        with pytest.raises(InvalidToken, match="not among this subaccount's token keys"):
            verify_access_token(session, token, now=later)


def test_entries_live_no_longer_than_the_ttl(database: Database, box: SecretBox, client_id: str) -> None:
    token = _token(database, box, client_id)
    with database.read() as session:
        cache = verified_tokens(session)
        ttl = cache.ttl
        try:
            cache.ttl = 0.0
            verify_access_token(session, token)
            misses = cache.misses
            verify_access_token(session, token)
            assert cache.misses == misses + 1
        finally:
            cache.ttl = ttl


def test_another_database_has_its_own_cache(database: Database, box: SecretBox, client_id: str) -> None:
    with database.read() as session:
        mine = verified_tokens(session)
    other = Database(database.url)
    try:
        with other.read() as session:
            assert verified_tokens(session) is not mine
    finally:
        other.dispose()
