"""Signing in and out with the keyboard only, in Chromium: every step is reachable with Tab
and done with Enter, and whatever has the focus shows a visible ring (WCAG 2.4.7)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factory import make_user

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"


def tab_to(page: Page, locator, limit: int = 30) -> None:
    """Press Tab until `locator` has the focus, checking the ring of each stop on the way."""
    target = locator.element_handle()
    focused = "(element) => element === document.activeElement"
    if page.evaluate(focused, target):  # autofocus
        return
    for _ in range(limit):
        page.keyboard.press("Tab")
        ring = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }"
        )
        assert ring[0] != "none" and ring[1] >= 2 or ring[2] != "none", ring
        if page.evaluate(focused, target):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_sign_in_and_out_with_the_keyboard_only(live_app, new_device, mailbox):
    make_user(live_app, EMAIL)
    page = new_device()
    page.goto("/")
    tab_to(page, page.get_by_role("link", name="Sign in", exact=True).first)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sign-in$"))

    tab_to(page, page.locator("#email_address"))
    page.keyboard.type(EMAIL)
    page.keyboard.press("Enter")
    expect(page.locator("#waiting")).to_have_attribute("data-state", "waiting")

    page.goto(mailbox.link(EMAIL))
    expect(page).to_have_url(re.compile(r"/user$"))
    tab_to(page, page.get_by_role("button", name="Sign out", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()
