"""The waiting page to a screen reader: it announces outcomes, once, in its one live region, and
takes focus to the new heading; the countdowns it rewrites four times a second are never read
out. Its claim to update by itself shows only where its script runs."""

import pytest
from playwright.sync_api import Page, expect

from app import clock
from tests.browser.test_email_link_flows import EMAIL, new_tab, start, waiting

pytestmark = pytest.mark.browser

# What a screen reader reads out when it changes: a node in any of these, or one itself.
LIVE = '[aria-live]:not([aria-live="off"]), [role=status], [role=alert], [role=log], [role=timer]'


def live_regions(tab: Page) -> list[str]:
    return tab.locator(LIVE).evaluate_all("nodes => nodes.map((node) => node.id)")


def is_live(tab: Page, selector: str) -> bool:
    return tab.locator(selector).evaluate(f"(node) => node.closest('{LIVE}') !== null")


def test_the_countdowns_are_not_live_and_the_status_line_is(new_device):
    tab = start(new_device())
    expect(tab.locator("#cooldown")).to_contain_text("You can resend in")
    assert not is_live(tab, "#cooldown") and not is_live(tab, "#time-left")
    # The status line, and the error line for a refused code or resend: nothing else.
    assert live_regions(tab) == ["status", "error"]
    expect(tab.locator("#status")).to_have_attribute("role", "status")


def test_the_outcome_is_announced_and_focus_moves_to_the_new_heading(new_device, mailbox):
    tab = start(new_device())
    expect(tab.locator("#status")).to_have_text("Waiting for you to open the link…")

    new_tab(tab).goto(mailbox.link(EMAIL))  # signs in there: this tab is told
    expect(waiting(tab)).to_have_attribute("data-state", "same-client")
    expect(tab.locator("#status")).to_have_text("Signed in on another tab.")
    heading = tab.get_by_role("heading", level=1)
    expect(heading).to_have_text("You're signed in")
    expect(heading).to_be_focused()


def test_an_expired_link_is_announced(new_device):
    tab = start(new_device())
    clock.travel(601)
    expect(waiting(tab)).to_have_attribute("data-state", "expired")
    expect(tab.locator("#status")).to_have_text(
        "This link has expired. Send a new one to continue."
    )
    expect(tab.get_by_role("heading", level=1)).to_be_focused()


def test_the_page_claims_to_update_by_itself_only_when_its_script_runs(new_device):
    with_js = start(new_device())
    expect(with_js.get_by_text("This page updates by itself.")).to_be_visible()
    expect(with_js.get_by_role("link", name="Reload this page")).to_have_count(0)

    without_js = start(new_device(java_script_enabled=False))
    expect(without_js.get_by_text("This page updates by itself.")).to_be_hidden()
    expect(without_js.get_by_role("link", name="Reload this page")).to_be_visible()
