"""waiting.js under the long-poll caps: a tab whose poll the server would not hold waits as
told (Retry-After) instead of asking over and over, and still finishes by itself."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_email_link_flows import EMAIL, USER_URL, approve, number_shown, start

pytestmark = pytest.mark.browser


def test_a_refused_tab_waits_as_told_and_still_finishes(live_app, new_device, mailbox):
    live_app.config["LONG_POLLS_PER_IP"] = 0  # every poll is answered at once, Retry-After: 5
    tab = new_device()
    polls = []
    tab.on("request", lambda request: "wait=" in request.url and polls.append(request.url))
    start(tab)
    approve(new_device(), mailbox.link(EMAIL), number_shown(tab))
    # At the next poll, one Retry-After later at most: the timeout only bounds a failing run.
    expect(tab).to_have_url(USER_URL, timeout=20_000)
    # Asking again at once after each refusal would have sent hundreds by now.
    assert 1 <= len(polls) <= 5, len(polls)
