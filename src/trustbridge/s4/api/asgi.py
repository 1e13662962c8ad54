"""An ASGI factory for running the S/4 tenant in several server processes over one database.

``uvicorn --factory trustbridge.s4.api.asgi:create_from_environment`` with ``TRUSTBRIDGE_DATA_DIR`` (and
``TRUSTBRIDGE_DATABASE_URL`` for PostgreSQL) set: the landscape must exist (``trustbridge up`` or ``apply``
created it). Every process shares the token store and the replay cache through the database.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from trustbridge.config import Settings
from trustbridge.s4.api.app import create_app
from trustbridge.storage import Database


def create_from_environment() -> FastAPI:
    settings = Settings.load(os.environ.get("TRUSTBRIDGE_DATA_DIR"))
    return create_app(Database(settings.database_url), settings)
