"""Browser fixtures: each `new_device()` is a fresh browser profile, i.e. one client."""

import pytest
from playwright.sync_api import Page

TIMEOUT = 5_000  # ms: every wait in the browser tests is one of Playwright's, bounded by this


@pytest.fixture
def new_device(new_context, live_server):
    """Open a page in a fresh browser profile: a new client, i.e. another device for the app.

    Any uncaught JavaScript error on any of these pages fails the test.
    """
    errors = []

    def open_page(**context_options) -> Page:
        context = new_context(base_url=live_server, **context_options)
        context.set_default_timeout(TIMEOUT)
        context.on("weberror", lambda web_error: errors.append(web_error.error))
        return context.new_page()

    yield open_page
    assert not errors, f"JavaScript errors: {errors}"
