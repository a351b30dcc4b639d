import pytest

from tests.portal.browser import skip_without_chromium


@pytest.fixture
def chromium_present() -> None:
    """Browser tests skip (or fail, with REQUIRE_BROWSER=1) before they start a server, not after."""
    skip_without_chromium()
