"""Fixtures for the S/4 tenant's API tests: a bootstrapped tenant, an admin client, real certificates.

Every test runs on SQLite and PostgreSQL (``database``/``settings`` of ``tests/conftest.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from trustbridge.config import Settings
from trustbridge.pki.certificates import create_trust_certificate, generate_private_key
from trustbridge.s4.api.app import create_app
from trustbridge.s4.tenant import bootstrap
from trustbridge.security.admin import AdminBootstrap
from trustbridge.storage import Database

from .support import LOCAL_URL, OTHER_CN, S4, TRUST_CN, Certificates


@pytest.fixture(scope="session")
def certs() -> Certificates:
    key = generate_private_key(2048)
    other_key = generate_private_key(2048)
    now = dt.datetime.now(dt.UTC)
    return Certificates(
        trust=create_trust_certificate(key, TRUST_CN),
        other=create_trust_certificate(other_key, OTHER_CN),
        expired=create_trust_certificate(key, TRUST_CN, now=now - dt.timedelta(days=800)),
        not_yet_valid=create_trust_certificate(key, TRUST_CN, now=now + dt.timedelta(days=2)),
        key=key,
    )


@pytest.fixture
def admin(database: Database, settings: Settings) -> AdminBootstrap:
    return bootstrap(database, settings, local_url=LOCAL_URL)


@pytest.fixture
def client(database: Database, settings: Settings, admin: AdminBootstrap) -> Iterator[TestClient]:
    assert admin.password is not None
    with TestClient(create_app(database, settings)) as test_client:
        test_client.auth = (admin.username, admin.password)
        yield test_client


@pytest.fixture
def s4(client: TestClient) -> S4:
    return S4(client)
