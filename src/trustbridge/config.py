"""Where a landscape keeps its state: the data directory, the database URL and the at-rest key."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(".trustbridge")
DATABASE_URL_ENV = "TRUSTBRIDGE_DATABASE_URL"
SECRET_KEY_ENV = "TRUSTBRIDGE_SECRET_KEY"  # noqa: S105 - a variable name
DEFAULT_SUBACCOUNT_PORT = 8081
DEFAULT_S4_PORT = 8082
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    """Everything a service or the CLI needs to open a landscape's state."""

    data_dir: Path
    database_url: str
    secret_key: str | None = None

    @classmethod
    def load(cls, data_dir: Path | str | None = None) -> Settings:
        """Settings from the data dir and the environment (``TRUSTBRIDGE_DATABASE_URL``, ``…_SECRET_KEY``)."""
        directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
        directory = directory.expanduser().resolve()
        url = os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{directory / 'trustbridge.db'}"
        return cls(data_dir=directory, database_url=url, secret_key=os.environ.get(SECRET_KEY_ENV) or None)

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


def write_private_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` readable by its owner only (mode 0600), created that way (no window)."""
    data = content.encode() if isinstance(content, str) else content
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
