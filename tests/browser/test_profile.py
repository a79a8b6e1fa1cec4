"""The profile in Chromium: an address verified from another device turns "verified" in the
waiting tab by itself; revoking a session signs that other browser out; on a phone each session
cell keeps its label; buttons are named for what they act on; the name, and deleting the
account after a confirmation."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

USER_URL = re.compile(r"/user$")
SIGN_IN_URL = re.compile(r"/sign-in(\?|$)")


def sign_up(page: Page, mailbox, email: str) -> Page:
    """Sign up in this browser through the real loop (the link opened in a second tab)."""
    page.goto("/sign-up")
    page.fill("#email_address", email)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/sign-up/sua_"))
    tab = page.context.new_page()
    tab.goto(mailbox.link(email))
    expect(tab).to_have_url(USER_URL)
    tab.close()
    page.goto("/user")
    return page


def sign_in(page: Page, mailbox, email: str) -> Page:
    page.goto("/sign-in")
    page.fill("#email_address", email)
    page.click("button[type=submit]")
    tab = page.context.new_page()
    tab.goto(mailbox.link(email))
    expect(tab).to_have_url(USER_URL)
    tab.close()
    page.goto("/user")
    return page


def test_an_address_verified_on_another_device_turns_verified_by_itself(new_device, mailbox):
    """Add an address, open its link on a phone: the first tab says "Verified" without reload."""
    laptop = sign_up(new_device(), mailbox, "ada@example.com")
    laptop.fill("#email_address", "work@example.com")
    laptop.get_by_role("button", name="Send verification link").click()
    expect(laptop).to_have_url(re.compile(r"/user/email-addresses/idn_"))
    expect(laptop.locator("#waiting")).to_have_attribute("data-state", "waiting")

    phone = new_device()
    phone.goto(mailbox.link("work@example.com"))
    expect(phone.get_by_role("heading", name="Approve this email verification?")).to_be_visible()
    phone.get_by_role("button", name="Yes, it was me: approve").click()
    expect(phone.get_by_role("heading", name="Email address verified")).to_be_visible()

    expect(laptop.locator("#waiting")).to_have_attribute("data-state", "verified")
    expect(laptop.locator("#verified")).to_be_visible()
    laptop.get_by_role("link", name="Back to your account").click()
    row = laptop.locator('tr[data-address="work@example.com"]')
    expect(row.locator(".badge.ok")).to_have_text("verified")
    phone.goto("/user")
    expect(phone).to_have_url(SIGN_IN_URL)  # verifying signs nobody in


def test_revoking_a_session_signs_the_other_browser_out(new_device, mailbox):
    """Sign out one other browser from the sessions list; it is signed out on its next request."""
    laptop = sign_up(new_device(), mailbox, "ada@example.com")
    phone = sign_in(new_device(), mailbox, "ada@example.com")
    expect(phone.locator("#signed-in-as")).to_be_visible()

    laptop.reload()
    rows = laptop.locator("tr[data-session]")
    expect(rows).to_have_count(2)
    other = laptop.locator("tr[data-session]", has_not_text="this browser")
    laptop.once("dialog", lambda dialog: dialog.accept())
    other.get_by_role("button", name="Sign out").click()
    expect(laptop.get_by_text("That browser is signed out.")).to_be_visible()
    expect(laptop.locator("tr[data-session]")).to_have_count(1)

    phone.goto("/user")
    expect(phone).to_have_url(SIGN_IN_URL)
    laptop.goto("/user")
    expect(laptop).to_have_url(USER_URL)


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_every_session_cell_keeps_its_label(new_device, mailbox):
    page = sign_up(new_device(viewport=PHONE), mailbox, "ada@example.com")
    # The header row is hidden on a phone: each cell says what it is by itself.
    expect(page.locator("section[aria-labelledby=sessions] thead")).to_be_hidden()
    labels = page.locator("tr[data-session] td[data-label]").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert labels == ['"Browser: "', '"IP: "', '"Signed in: "', '"Last active: "']
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_buttons_are_named_for_what_they_act_on(new_device, mailbox):
    laptop = sign_up(new_device(), mailbox, "ada@example.com")
    sign_in(new_device(), mailbox, "ada@example.com")
    laptop.fill("#email_address", "work@example.com")
    laptop.get_by_role("button", name="Send verification link").click()
    laptop.goto("/user")
    for name in ("Verify work@example.com", "Remove work@example.com", "Sign out this browser"):
        expect(laptop.get_by_role("button", name=name, exact=True)).to_be_visible()
    other = laptop.locator("tr[data-session]", has_not_text="this browser")
    browser = other.locator("td").first.inner_text()
    expect(other.get_by_role("button", name=f"Sign out {browser}", exact=True)).to_be_visible()


def test_name_then_delete_the_account_after_a_confirmation(new_device, mailbox):
    page = sign_up(new_device(), mailbox, "ada@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, ada@example.com")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada")

    page.get_by_role("link", name="Delete your account…").click()
    expect(page.get_by_role("heading", name="Delete your account?")).to_be_visible()
    page.get_by_role("link", name="Keep my account").click()
    expect(page).to_have_url(USER_URL)
    page.get_by_role("link", name="Delete your account…").click()
    page.get_by_role("button", name="Delete the account ada@example.com").click()
    expect(page.get_by_text("Your account ada@example.com was deleted.")).to_be_visible()
    page.goto("/user")
    expect(page).to_have_url(SIGN_IN_URL)
