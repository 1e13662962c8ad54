"""What *Check Connection* runs: injected by whoever knows both services (the local landscape's doctor).

The subaccount service alone cannot read the S/4 tenant's configuration (the services talk over HTTP and the
cockpit holds no S/4 admin credentials), so the check is a plug-in: ``trustbridge up`` installs one that runs
``trustbridge doctor`` for the chosen destination and user (``trustbridge.landscape.local``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol


class CheckLine(Protocol):
    """One line of the ✓/✗ list (``trustbridge.landscape.doctor.Check`` has this shape)."""

    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...  # "pass" | "fail" | "skip"
    @property
    def detail(self) -> str: ...
    @property
    def fix(self) -> str: ...
    @property
    def mark(self) -> str: ...


#: ``check(destination_name, user_login)`` → the report's lines, in order.
ConnectionCheck = Callable[[str, str], Awaitable[Sequence[CheckLine]]]
