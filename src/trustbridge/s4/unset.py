"""A sentinel for partial updates: a field left out of a PATCH differs from a field set to ``null``."""

from __future__ import annotations

import enum
from typing import Final


class Unset(enum.Enum):
    """The type of :data:`UNSET`; ``value is UNSET`` narrows ``T | Unset`` to ``T`` for mypy."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET
