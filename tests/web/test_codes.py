"""The code beside every link and number matching (SPEC §10), through the pages and /api: one
credential with the link, five tries per attempt, an allowance per address, one try at the
number, "This wasn't me", and both switches."""

import html
import re

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Attempt, AuditEvent, Session
from tests.conftest import Auth, csrf_token, match_number, path_of
from tests.factory import make_user
from tests.web.conftest import post_form

EMAIL = "ada@example.com"


@pytest.fixture
def app(make_app):
    # The per-IP limit has its own test below; here it would cut the five tries short.
    return make_app(CODE_REQUESTS_PER_IP="1000 per minute")


@pytest.fixture
def waiting(app, auth):
    """The waiting page's path of a sign-in of ada's, started on `client`."""
    make_user(app, EMAIL)
    return auth.start("sign-in", EMAIL).location


def attempt_row(app) -> Attempt:
    with app.app_context():
        attempt = db.session.scalars(select(Attempt).order_by(Attempt.created_at.desc())).first()
        db.session.expunge(attempt)
        return attempt


def events(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.event)).all()


def text(response) -> str:
    """The page as a person reads it (entities such as &#39; unescaped)."""
    return html.unescape(response.get_data(as_text=True))


def enter(client, waiting, code):
    return post_form(client, f"{waiting}/code", code=code)


def enter_json(client, waiting, body, **headers):
    kind, attempt_id = waiting.strip("/").split("/")
    return client.post(
        f"/api/{kind}s/{attempt_id}/code",
        json=body,
        headers={"X-CSRFToken": csrf_token(client), **headers},
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_email_carries_the_code_first_in_its_subject_and_beside_the_link(mailbox, waiting):
    message = mailbox.last(EMAIL)
    code = mailbox.code(EMAIL)
    assert re.fullmatch(rf"{code} is your Latchkey sign-in code", message.subject)
    assert f"type this code in the tab where you asked: {code}" in message.text_body
    assert f'id="code">{code}</p>' in message.html_body
    assert mailbox.link(EMAIL) in message.text_body  # the link is still there


def test_the_code_pasted_with_spaces_signs_this_browser_in_and_spends_the_link(
    app, client, mailbox, waiting
):
    code = mailbox.code(EMAIL)
    page = text(client.get(waiting))
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    done = enter(client, waiting, f" {code[:3]} {code[3:]} ")
    assert done.status_code == 302 and done.location == "/user"
    assert client.get("/user").status_code == 200
    # One credential: the link went with the code.
    phone = app.test_client()
    used = phone.get(path_of(mailbox.link(EMAIL)))
    assert used.status_code == 410 and "already been used" in text(used)
    assert "code.rejected" not in events(app) and "sign_in.completed" in events(app)
    assert attempt_row(app).code_failures == 0  # a right code is not counted as a wrong one


def test_a_link_used_first_leaves_the_code_spent(app, client, auth, mailbox, waiting):
    code = mailbox.code(EMAIL)
    assert auth.open_and_confirm(EMAIL, client=app.test_client()).status_code == 200
    refused = enter(client, waiting, code)
    assert refused.status_code == 410
    assert "has already been used" in text(refused)


def test_json_code_signs_in_and_says_where_to_go(app, client, mailbox, waiting):
    answer = enter_json(client, waiting, {"code": mailbox.code(EMAIL)})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "complete" and body["next_url"] == "/user"
    assert client.get("/user").status_code == 200


def test_wrong_codes_say_the_tries_left_and_the_fifth_fails_the_attempt(
    app, client, mailbox, waiting
):
    code = mailbox.code(EMAIL)
    for left in (4, 3, 2):
        refused = enter(client, waiting, wrong(code))
        assert refused.status_code == 422
        assert f"That code isn't right. {left} tries left." in text(refused)
    one = enter_json(client, waiting, {"code": wrong(code)})
    error = one.get_json()["errors"][0]
    assert one.status_code == 422 and error["code"] == "form_code_incorrect"
    assert error["meta"] == {"param_name": "code", "tries_left": 1}
    assert "1 try left" in error["message"]
    last = enter(client, waiting, wrong(code))
    page = text(last)
    assert last.status_code == 422 and "that was the last try" in page
    assert 'data-state="too-many-codes"' in page  # the page says why at once
    attempt = attempt_row(app)
    assert attempt.code_failures == 5 and attempt.closed_reason == "too_many_codes"
    # Nothing works any more: the right code, and the link (its page says why).
    assert enter(client, waiting, code).status_code == 410
    link = app.test_client().get(path_of(mailbox.link(EMAIL)))
    assert link.status_code == 410 and "Too many wrong codes" in text(link)
    status = client.get(f"/api/sign-ins/{attempt.id}").get_json()
    assert status["page_state"] == "too-many-codes" and status["verification"]["status"] == "failed"
    assert events(app).count("code.rejected") >= 1
    with app.app_context():
        assert db.session.scalar(select(Session.id)) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "1" * 40, None])
def test_a_malformed_code_is_refused_and_not_counted(app, client, waiting, typed):
    response = post_form(client, f"{waiting}/code", **({} if typed is None else {"code": typed}))
    assert response.status_code == 422
    assert "Enter the 6-digit code from the email." in text(response)
    assert attempt_row(app).code_failures == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": 123456}, 422, "form_param_format_invalid"),
        ({"code": ["123456"]}, 422, "form_param_format_invalid"),
        ({}, 422, "form_param_format_invalid"),
        (["123456"], 400, "malformed_request"),
    ],
)
def test_json_bodies_that_are_not_a_code_get_a_clear_answer(
    app, client, waiting, body, status, code
):
    answer = enter_json(client, waiting, body)
    assert answer.status_code == status and answer.get_json()["errors"][0]["code"] == code
    assert attempt_row(app).code_failures == 0


def test_a_form_posted_as_json_is_a_malformed_request(app, client, waiting):
    kind, attempt_id = waiting.strip("/").split("/")
    answer = client.post(
        f"/api/{kind}s/{attempt_id}/code",
        data="code=123456",
        headers={"X-CSRFToken": csrf_token(client), "Content-Type": "text/plain"},
    )
    assert (
        answer.status_code == 400 and answer.get_json()["errors"][0]["code"] == "malformed_request"
    )


def test_another_browser_cannot_enter_the_code(app, mailbox, waiting):
    stranger = app.test_client()
    assert enter(stranger, waiting, mailbox.code(EMAIL)).status_code == 404
    assert attempt_row(app).status == "pending"


def test_a_code_from_an_older_email_after_a_resend_is_refused_and_not_counted(
    app, client, mailbox, waiting
):
    old = mailbox.code(EMAIL)
    clock.travel(31)  # past the resend cooldown
    assert post_form(client, f"{waiting}/resend").status_code == 302
    new = mailbox.code(EMAIL)
    assert new != old or pytest.skip("the two random codes happen to be equal")
    refused = enter(client, waiting, old)
    assert refused.status_code == 422 and "from an earlier email" in text(refused)
    assert attempt_row(app).code_failures == 0
    assert enter(client, waiting, new).status_code == 302


def test_an_expired_code_is_refused(app, client, mailbox, waiting):
    clock.travel(601)
    refused = enter(client, waiting, mailbox.code(EMAIL))
    assert refused.status_code == 410 and "has expired" in text(refused)


def start_sign_in(browser) -> str:
    """Start a sign-in of ada's in `browser`; the waiting page's path."""
    token = csrf_token(browser, "/sign-in")
    response = browser.post("/sign-in", data={"csrf_token": token, "email_address": EMAIL})
    assert response.status_code == 302, text(response)
    return response.location


def test_an_address_that_had_too_many_wrong_codes_today_takes_no_code(app, auth, mailbox):
    """Attempt after attempt gives five guesses each: the address's allowance stops them all,
    the right code too, while its links still work."""
    make_user(app, EMAIL)
    allowance = app.config["WRONG_CODES_PER_ADDRESS"]
    wrong_so_far = 0
    while wrong_so_far < allowance:
        attacker = app.test_client()
        waiting = start_sign_in(attacker)
        for _ in range(min(4, allowance - wrong_so_far)):
            assert enter(attacker, waiting, wrong(mailbox.code(EMAIL))).status_code == 422
            wrong_so_far += 1
    owner = app.test_client()
    waiting = start_sign_in(owner)
    refused = enter(owner, waiting, mailbox.code(EMAIL))
    assert refused.status_code == 429
    assert "Use the link in the email" in text(refused)
    assert int(refused.headers["Retry-After"]) > 23 * 3600
    assert auth.open_and_confirm(EMAIL, client=owner).status_code == 302  # the link still works
    clock.travel(24 * 3600 + 1)  # a day later the codes work again
    again = start_sign_in(owner)
    assert enter(owner, again, mailbox.code(EMAIL)).status_code == 302


def signing_in(make_app, **config):
    """An app built with `config`, a browser, and the waiting page of ada's sign-in in it."""
    app = make_app(**config)
    make_user(app, EMAIL)
    client = app.test_client()
    return app, client, start_sign_in(client)


def test_codes_per_ip_are_limited(make_app, mailbox):
    app, client, waiting = signing_in(make_app, CODE_REQUESTS_PER_IP="3 per minute")
    statuses = [enter(client, waiting, "000000").status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]


# -- number matching -----------------------------------------------------------------------------


def approve(phone, link, number):
    phone.get(path_of(link))
    data = {"token": link.split("token=", 1)[1]}
    if number is not None:
        data["number"] = number
    return post_form(phone, "/verify", **data)


def test_the_waiting_page_shows_the_number_the_approval_asks_for(app, client, mailbox, waiting):
    link = mailbox.link(EMAIL)
    number = match_number(app, link)
    assert re.fullmatch(r"[1-9]\d", number)
    page = text(client.get(waiting))
    assert f'id="match-number">{number}</strong>' in page
    approval = text(app.test_client().get(path_of(link)))
    # The approving device is asked for the number, never shown it.
    assert 'name="number"' in approval and "match-number" not in approval
    assert client.get(f"/api/sign-ins/{attempt_row(app).id}").get_json()["match_number"] == number


def test_the_right_number_approves_and_the_waiting_tab_finishes(app, client, mailbox, waiting):
    link = mailbox.link(EMAIL)
    done = approve(app.test_client(), link, f" {match_number(app, link)} ")
    assert done.status_code == 200 and "signed in on the other device" in text(done)
    assert client.get(f"{waiting}/continue").location == "/user"


@pytest.mark.parametrize("typed", [None, "", "4", "abc", "123"])
def test_no_number_asks_again_and_costs_nothing(app, mailbox, waiting, typed):
    link = mailbox.link(EMAIL)
    phone = app.test_client()
    asked = approve(phone, link, typed)
    assert asked.status_code == 422
    assert "Type the two-digit number" in text(asked)
    assert attempt_row(app).status == "pending"
    assert approve(phone, link, match_number(app, link)).status_code == 200


def test_a_wrong_number_stops_the_attempt_and_the_waiting_tab_says_so(
    app, client, mailbox, waiting
):
    link = mailbox.link(EMAIL)
    number = match_number(app, link)
    other = "10" if number != "10" else "11"
    refused = approve(app.test_client(), link, other)
    assert refused.status_code == 410 and "did not match" in text(refused)
    attempt = attempt_row(app)
    assert attempt.status == "abandoned" and attempt.closed_reason == "wrong_number"
    assert client.get(f"/api/sign-ins/{attempt.id}").get_json()["page_state"] == "wrong-number"
    assert 'data-state="wrong-number"' in text(client.get(waiting))
    # One try: the right number, the link and the code all fail now.
    assert approve(app.test_client(), link, number).status_code == 410
    assert enter(client, waiting, mailbox.code(EMAIL)).status_code == 410
    assert "sign_in.failed" in events(app)


def test_this_wasnt_me_ends_the_attempt(app, client, mailbox, waiting):
    link = mailbox.link(EMAIL)
    phone = app.test_client()
    phone.get(path_of(link))
    stopped = post_form(phone, "/verify/deny", token=link.split("token=", 1)[1])
    assert stopped.status_code == 200 and "Request stopped" in text(stopped)
    attempt = attempt_row(app)
    assert attempt.closed_reason == "denied"
    assert client.get(f"/api/sign-ins/{attempt.id}").get_json()["page_state"] == "denied"
    assert "sign_in.denied" in events(app)
    assert approve(app.test_client(), link, match_number(app, link)).status_code == 410
    assert post_form(phone, "/verify/deny", token="forged").status_code == 400


def test_the_same_browser_and_address_verification_need_no_number(app, client, auth, mailbox):
    """Same-browser completion and address verification are unchanged (SPEC §10)."""
    assert auth.sign_up("grace@example.com").status_code == 302  # no number sent by this client
    post_form(client, "/user/email-addresses", email_address="work@example.com")
    phone = app.test_client()
    link = mailbox.link("work@example.com")
    page = text(phone.get(path_of(link)))
    assert 'name="number"' not in page and "This wasn't me" not in page
    assert approve(phone, link, None).status_code == 200


def test_the_verification_code_verifies_an_address(app, client, auth, mailbox):
    auth.sign_up("grace@example.com")
    added = post_form(client, "/user/email-addresses", email_address="work@example.com")
    done = post_form(client, f"{added.location}/code", code=mailbox.code("work@example.com"))
    assert done.status_code == 302
    assert "work@example.com is now on your account" in text(client.get("/user"))


# -- the switches --------------------------------------------------------------------------------


def test_with_codes_off_the_email_and_page_have_none(make_app, mailbox):
    app, client, waiting = signing_in(make_app, EMAIL_CODE_ENABLED=False)
    message = mailbox.last(EMAIL)
    assert message.subject == "Sign in to Latchkey" and "code" not in message.text_body
    assert 'id="code-form"' not in text(client.get(waiting))
    assert enter(client, waiting, "123456").status_code == 404


def test_with_number_matching_off_the_approval_is_one_button(make_app, mailbox):
    app, client, waiting = signing_in(make_app, CROSS_DEVICE_NUMBER_MATCH=False)
    assert 'id="match-number"' not in text(client.get(waiting))
    phone = app.test_client()
    link = mailbox.link(EMAIL)
    assert "Yes, it was me: approve" in text(phone.get(path_of(link)))
    assert approve(phone, link, None).status_code == 200


def test_admins_can_switch_both_off_here(app, client, auth, mailbox):
    make_user(app, "admin@example.com", admin=True, strategy="admin")
    auth.sign_in("admin@example.com")
    saved = post_form(
        client, "/admin/settings", EMAIL_CODE_ENABLED="false", CROSS_DEVICE_NUMBER_MATCH="no"
    )
    assert saved.status_code == 302
    waiting = auth.start("sign-up", "grace@example.com").location
    assert mailbox.last("grace@example.com").subject == "Finish signing up for Latchkey"
    page = text(client.get(waiting))
    assert 'id="code-form"' not in page and 'id="match-number"' not in page


def test_wrong_codes_count_for_a_day_from_when_they_were_typed(app, client, mailbox):
    """An attempt lives a day: codes typed at the end of its life count for a day after that,
    not from its start."""
    make_user(app, EMAIL)
    old = start_sign_in(client)
    clock.travel(23 * 3600 + 50 * 60)  # near the end of the attempt's life: a fresh email
    assert post_form(client, f"{old}/resend").status_code == 302
    for _ in range(5):
        enter(client, old, wrong(mailbox.code(EMAIL)))
    clock.travel(20 * 60)  # the first attempt is gone
    attacker = app.test_client()
    new = start_sign_in(attacker)
    for _ in range(5):
        assert enter(attacker, new, wrong(mailbox.code(EMAIL))).status_code == 422
    owner = app.test_client()
    refused = enter(owner, start_sign_in(owner), mailbox.code(EMAIL))
    assert refused.status_code == 429  # 10 wrong codes typed within the day


def test_a_taken_address_answers_codes_like_any_other(make_app, mailbox):
    """With enumeration protection, adding an address another account owns sends its owner a
    note without a code; the asker's code form must not tell the two cases apart."""
    app = make_app(ENUMERATION_PROTECTION=True, CODE_REQUESTS_PER_IP="1000 per minute")
    make_user(app, "owner@example.com")
    answers = []
    for address in ("owner@example.com", "free@example.com"):
        client = app.test_client()
        make_user(app, f"asker-{address}")
        Auth(client, mailbox).sign_in(f"asker-{address}")
        added = post_form(client, "/user/email-addresses", email_address=address)
        answer = post_form(client, f"{added.location}/code", code="000000")
        answers.append((answer.status_code, "That code isn't right. 4 tries left." in text(answer)))
    assert answers == [(422, True), (422, True)]


def test_an_address_verification_cannot_be_denied(app, client, auth, mailbox):
    auth.sign_up("grace@example.com")
    post_form(client, "/user/email-addresses", email_address="work@example.com")
    token = mailbox.token("work@example.com")
    phone = app.test_client()
    assert post_form(phone, "/verify/deny", token=token).status_code == 400
    assert approve(phone, mailbox.link("work@example.com"), None).status_code == 200


def test_no_number_is_shown_when_only_this_browser_may_open_the_link(make_app, mailbox):
    app, client, waiting = signing_in(make_app, REQUIRE_SAME_CLIENT=True)
    assert 'id="match-number"' not in text(client.get(waiting))
    assert 'href="' + waiting + '">Reload this page' in text(client.get(waiting))
