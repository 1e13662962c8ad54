"""Fixtures for the S/4 web pages: a signed-in browser-like client (real sessions, real CSRF) and the admin API
on the same tenant, on SQLite and PostgreSQL (``database``/``settings`` of ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trustbridge.config import Settings
from trustbridge.s4.api.app import create_app
from trustbridge.security.admin import AdminBootstrap
from trustbridge.storage import Database

from ...webclient import WebClient


@pytest.fixture
def anonymous(database: Database, settings: Settings, admin: AdminBootstrap) -> Iterator[WebClient]:
    client = WebClient(create_app(database, settings), "/ui")
    yield client
    client.close()


@pytest.fixture
def web(anonymous: WebClient, admin: AdminBootstrap) -> WebClient:
    assert admin.password is not None
    anonymous.sign_in(admin.password)
    return anonymous
