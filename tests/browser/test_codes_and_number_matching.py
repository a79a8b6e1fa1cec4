"""The code beside every link and number matching across devices (SPEC §10) in Debian's
Chromium: the code typed in the waiting tab (with JS and without), the approval on another device
that asks for the waiting tab's number, "This wasn't me", and the tries a code and a number get.

Every browser context is one client (one "device"); two contexts are two devices.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.browser.test_email_link_flows import (
    EMAIL,
    NUMBER_LABEL,
    WAITING_URL,
    approve,
    expect_link_error,
    expect_signed_in,
    expect_signed_out,
    new_tab,
    number_shown,
    start,
    waiting,
)
from tests.factory import make_user

pytestmark = pytest.mark.browser

CAN_T_BE_USED = "This link can't be used"


@pytest.fixture
def account(live_app):
    """An existing user with a verified EMAIL, for the sign-ins."""
    return make_user(live_app, EMAIL)


def wrong(value: str) -> str:
    """Another value as long as `value`: a wrong code, or a wrong number."""
    return str((int(value) + 1) % 10 ** len(value)).zfill(len(value))


def enter_code(tab: Page, code: str) -> int:
    """Type the code in the waiting tab's "Enter the code instead" and send it: the answer's
    status (of the JSON request with JS, of the form's post without)."""
    tab.get_by_label("Enter the code instead").fill(code)
    with tab.expect_response(re.compile(r"/code$")) as answer:
        tab.get_by_role("button", name=re.compile(r"^Sign (up|in) with this code$")).click()
    return answer.value.status


def submit(page: Page, button: str) -> int:
    """Click a form's button on the approval page: the status of the page it answers with."""
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name=button, exact=True).click()
    return answer.value.status


# -- the code ----------------------------------------------------------------------------------


def test_the_code_pasted_with_a_space_signs_the_waiting_tab_in(new_device, mailbox):
    """The code, pasted as a mail app shows it ("123 456"), signs this tab in, and spends the
    link beside it: opened on another device, the link was already used."""
    tab = start(new_device())
    code = mailbox.code(EMAIL)
    field = tab.get_by_label("Enter the code instead")
    expect(field).to_have_attribute("autocomplete", "one-time-code")  # phones offer it

    enter_code(tab, f"{code[:3]} {code[3:]}")
    expect_signed_in(tab)
    expect_link_error(new_device(), mailbox.link(EMAIL), 410, CAN_T_BE_USED, "already been used")


def test_without_javascript_a_wrong_code_then_the_right_one(new_device, mailbox):
    """Without JS the form posts to the server: a wrong code is answered with the tries left
    (422), and the right one then signs in."""
    tab = start(new_device(java_script_enabled=False))
    code = mailbox.code(EMAIL)

    assert enter_code(tab, wrong(code)) == 422
    expect(tab.locator("#error")).to_have_text("That code isn't right. 4 tries left.")
    enter_code(tab, code)
    expect_signed_in(tab)


def test_without_javascript_the_code_of_an_approved_link_is_spent(new_device, mailbox):
    """Link and code are one credential: once the link is approved on another device, the code
    typed in the (no-JS, so not yet finished) waiting tab is refused; the tab still finishes."""
    tab = start(new_device(java_script_enabled=False))
    approve(new_device(), mailbox.link(EMAIL), number_shown(tab))

    assert enter_code(tab, mailbox.code(EMAIL)) == 410
    expect(tab.locator("#error")).to_contain_text("has already been used")
    tab.locator("#finish-link").click()
    expect_signed_in(tab)


def test_five_wrong_codes_stop_the_request(new_device, mailbox):
    """Each wrong code says how many tries are left; the fifth stops the request, and then
    neither the right code nor the link works, even in this browser."""
    tab = start(new_device())
    code, link = mailbox.code(EMAIL), mailbox.link(EMAIL)
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        assert enter_code(tab, wrong(code)) == 422
        expect(tab.locator("#error")).to_have_text(f"That code isn't right. {left} left.")
    assert enter_code(tab, wrong(code)) == 422
    expect(waiting(tab)).to_have_attribute("data-state", "too-many-codes")
    expect(tab.locator("#status")).to_contain_text("Too many wrong codes were entered")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Request stopped")
    expect(tab.locator("#start-again")).to_be_visible()

    # The form went with the waiting state: the right code, sent as the page's script would.
    csrf = tab.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = tab.request.post(
        waiting(tab).get_attribute("data-code-url"),
        data={"code": code},
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 410
    expect_link_error(new_tab(tab), link, 410, CAN_T_BE_USED, "Too many wrong codes")
    expect_signed_out(tab)


# -- number matching ---------------------------------------------------------------------------


def test_the_right_number_finishes_the_waiting_tab(new_device, mailbox, account):
    """Another device's approval asks for the two-digit number the waiting tab shows; typed
    right, the waiting tab signs itself in (no reload, no click) and the phone is not."""
    tab = start(new_device(), flow="sign-in")
    number = number_shown(tab)
    assert re.fullmatch(r"\d\d", number)

    phone = new_device()
    approve(phone, mailbox.link(EMAIL), number, what="sign-in")
    expect_signed_in(tab)
    expect(tab.locator("#signed-in-as")).to_have_attribute("data-user-id", account)
    expect_signed_out(phone)


def test_a_wrong_number_stops_the_request(new_device, mailbox, account):
    """One try: a wrong number fails the request, the waiting tab says why by itself, and the
    link no longer works, not even in the browser that asked."""
    tab = start(new_device(), flow="sign-in")
    link = mailbox.link(EMAIL)
    phone = new_device()
    phone.goto(link)
    phone.get_by_label(NUMBER_LABEL).fill(wrong(number_shown(tab)))

    assert submit(phone, "Approve") == 410
    expect(phone.get_by_role("heading", level=1)).to_have_text(CAN_T_BE_USED)
    expect(phone.locator("p.status")).to_contain_text("did not match")
    expect(waiting(tab)).to_have_attribute("data-state", "wrong-number")
    expect(tab.locator("#status")).to_contain_text("did not match")
    expect(tab).to_have_url(WAITING_URL)
    expect_link_error(new_tab(tab), link, 410, CAN_T_BE_USED, "did not match")
    expect_signed_out(tab)


def test_this_wasnt_me_stops_the_request(live_app, new_device, mailbox, account):
    """ "This wasn't me" on the phone ends the request: the waiting tab says so by itself, and
    the audit log records the denial."""
    tab = start(new_device(), flow="sign-in")
    phone = new_device()
    phone.goto(mailbox.link(EMAIL))

    assert submit(phone, "This wasn't me") == 200
    expect(phone.get_by_role("heading", name="Request stopped")).to_be_visible()
    expect(waiting(tab)).to_have_attribute("data-state", "denied")
    expect(tab.locator("#status")).to_contain_text("“This wasn't me”")
    with live_app.app_context():
        assert "sign_in.denied" in db.session.scalars(select(AuditEvent.event)).all()
    expect_signed_out(tab)
