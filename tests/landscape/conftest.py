from __future__ import annotations

from collections.abc import Iterator

import pytest

from trustbridge.config import Settings
from trustbridge.landscape import demo
from trustbridge.landscape.local import LandscapeOptions, LocalLandscape, open_local
from trustbridge.landscape.spec import LandscapeSpec

# Small keys keep the suite fast; the 4096-bit default is tested in tests/subaccount.
OPTIONS = LandscapeOptions(subaccount_port=18081, s4_port=18082, key_size=2048)


@pytest.fixture
def landscape(settings: Settings) -> Iterator[LocalLandscape]:
    opened = open_local(settings, OPTIONS)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def demo_secrets(settings: Settings) -> demo.DemoSecrets:
    return demo.load_or_create_secrets(settings.data_dir)


@pytest.fixture
def demo_spec(demo_secrets: demo.DemoSecrets) -> LandscapeSpec:
    return demo.with_host_name(demo.demo_spec(demo_secrets), "my300000.s4hana.ondemand.com")
