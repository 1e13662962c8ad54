"""Shared fixtures: settings in a temporary data dir, and a migrated database on SQLite and PostgreSQL.

PostgreSQL: ``TRUSTBRIDGE_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``). The
suite creates its own database on that server for the run (so parallel runs never share tables) and resets
its schema before each test. When ``CI=true`` and the server cannot be reached the tests fail — never skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from trustbridge.config import Settings
from trustbridge.security import passwords
from trustbridge.storage import Database


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> None:
    """Real argon2id hashing at test-sized cost: production parameters cost ~150 ms per hash on these
    machines and the suite creates hundreds of users. The parameters travel inside each hash, so only the
    speed changes, not what is checked (Django's test settings do the same with their hasher)."""
    passwords.set_hash_cost(time_cost=1, memory_cost=1024, parallelism=1)


POSTGRES_URL = os.environ.get("TRUSTBRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own; dropped at the end."""
    admin_url = make_url(POSTGRES_URL)
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"trustbridge_test_{os.getpid()}_{secrets.token_hex(4)}"
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {admin_url.render_as_string()}: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend (tests using it run twice)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'trustbridge.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trustbridge.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a landscape in ``tmp_path/data`` on the parametrised backend."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return Settings(data_dir=data_dir, database_url=database_url, secret_key=None)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()
