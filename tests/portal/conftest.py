from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.runtime import Runtime
from tests.portal.browser import skip_without_chromium
from tests.support import free_port


@pytest.fixture
def chromium_present() -> None:
    """Browser tests skip (or fail, with REQUIRE_BROWSER=1) before they start a server, not after."""
    skip_without_chromium()


@pytest.fixture
def port() -> int:
    """The live server's port, chosen before it starts so the settings can name it."""
    return free_port()


@pytest.fixture
def portal_settings(settings: Settings, port: int) -> Settings:
    """The test settings with the live server's own address, as in production: mail links open its portal,
    signed document links (PUBLIC_URL) its downloads."""
    base = f"http://127.0.0.1:{port}"
    return settings.model_copy(update={"storefront_url": f"{base}/account", "public_url": base})


@pytest.fixture
async def setup_rt(portal_settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime for arranging data only; the live server serves the browser."""
    runtime = Runtime.create(portal_settings.with_secrets())
    yield runtime
    await runtime.close()
