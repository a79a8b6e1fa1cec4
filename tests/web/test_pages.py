"""The forms, the waiting page and sign-out, as a browser without JavaScript sees them."""

import re

import pytest

from tests.conftest import csrf_token, path_of


def post_form(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, path.split("?")[0]), **data})


def test_home_offers_sign_up_and_sign_in(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/sign-up"' in page and 'href="/sign-in"' in page


def test_sign_up_goes_to_the_waiting_page(client, mailbox):
    response = post_form(client, "/sign-up", email_address="grace@example.com")
    assert response.status_code == 302
    assert re.fullmatch(r"/sign-up/sua_[0-9A-Za-z]{27}", response.location)
    page = client.get(response.location).get_data(as_text=True)
    assert "Check your email" in page and "grace@example.com" in page
    assert 'id="time-left"' in page and "Resend email" in page and "Use another email" in page
    assert re.fullmatch(
        r"\d{6} is your Latchkey sign-up code", mailbox.last("grace@example.com").subject
    )


def test_unknown_address_gets_a_form_error(client):
    response = post_form(client, "/sign-in", email_address="nobody@example.com")
    assert response.status_code == 422
    assert "Couldn&#39;t find your account." in response.get_data(as_text=True)


def test_taken_address_gets_a_form_error(client, user_email):
    response = post_form(client, "/sign-up", email_address=user_email.upper())
    assert response.status_code == 422
    assert "That email address is taken. Please try another." in response.get_data(as_text=True)


@pytest.mark.parametrize("flow", ["/sign-in", "/sign-up"])
def test_enumeration_protection_shows_the_waiting_page_either_way(app, client, user_email, flow):
    app.config["ENUMERATION_PROTECTION"] = True
    address = "nobody@example.com" if flow == "/sign-in" else user_email
    response = post_form(client, flow, email_address=address)
    assert response.status_code == 302 and "Check your email" in client.get(
        response.location
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Enter your email address."),
        ({"email_address": ""}, "Enter your email address."),
        ({"email_address": "not an email"}, "Enter a valid email address."),
        ({"email_address": "a" * 400 + "@example.com"}, "That email address is too long."),
        ({"email_address": "x@example.com\nBcc: y@example.com"}, "The part after the @ sign"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client, data, message):
    response = post_form(client, "/sign-up", **data)
    assert 400 <= response.status_code < 500
    if message:
        assert message in response.get_data(as_text=True)


def test_a_huge_body_is_refused_with_413(client):
    response = post_form(client, "/sign-up", email_address="a" * 200_000)
    assert response.status_code == 413


def test_unknown_attempt_ids_are_404(client):
    assert client.get("/sign-in/sia_doesnotexist").status_code == 404
    assert client.get("/sign-up/anything").status_code == 404


def test_another_browser_cannot_open_the_waiting_page(app, client):
    location = post_form(client, "/sign-up", email_address="grace@example.com").location
    assert app.test_client().get(location).status_code == 404


def test_resend_without_js_respects_the_cooldown_then_sends(client, mailbox):
    from app import clock

    location = post_form(client, "/sign-up", email_address="grace@example.com").location
    early = post_form(client, f"{location}/resend")
    assert early.status_code == 429 and early.headers["Retry-After"] == "30"
    assert "You can request another email in" in early.get_data(as_text=True)
    clock.travel(31)
    assert post_form(client, f"{location}/resend").status_code == 302
    assert len(mailbox.messages("grace@example.com")) == 2


def test_cancel_returns_to_the_form_and_kills_the_link(client, mailbox):
    location = post_form(client, "/sign-up", email_address="grace@example.com").location
    response = post_form(client, f"{location}/cancel")
    assert response.status_code == 302 and response.location.startswith("/sign-up?email_address=")
    link = path_of(mailbox.link("grace@example.com"))
    page = client.get(link)
    assert page.status_code == 410 and "cancelled" in page.get_data(as_text=True)
    assert "cancelled or has timed out" in client.get(location).get_data(as_text=True)


def test_sign_in_then_sign_out(client, auth, user_email):
    response = auth.sign_in(user_email)
    assert response.status_code == 302 and response.location == "/user"
    assert "Signed in as" in client.get("/user").get_data(as_text=True)
    assert post_form(client, "/sign-out").status_code == 302
    assert client.get("/user").status_code == 302


def test_profile_needs_sign_in_and_remembers_where_to_return(client):
    response = client.get("/user")
    assert response.status_code == 302 and response.location == "/sign-in?redirect_url=/user"


def test_redirect_url_is_followed_after_sign_in(client, auth, user_email):
    auth.start("sign-in", user_email, redirect_url="/user?tab=sessions")
    assert auth.open_and_confirm(user_email).location == "/user?tab=sessions"


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_dev_mailbox_lists_the_emails(client, mailbox):
    post_form(client, "/sign-up", email_address="grace@example.com")
    listing = client.get("/dev/mailbox").get_data(as_text=True)
    assert "grace@example.com" in listing and "is your Latchkey sign-up code" in listing
    message = mailbox.last("grace@example.com")
    page = client.get(f"/dev/mailbox/{message.id}").get_data(as_text=True)
    assert "/verify?token=" in page


def test_dev_mailbox_is_absent_when_mail_goes_over_smtp(make_app):
    smtp_app = make_app(MAIL_SERVER="127.0.0.1", MAIL_DELIVERY=None)
    assert smtp_app.config["MAIL_DELIVERY"] == "smtp"
    assert smtp_app.test_client().get("/dev/mailbox").status_code == 404


def test_dev_mailbox_is_only_for_this_machine_outside_debug(app, make_app):
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert app.test_client().get("/dev/mailbox", environ_base=remote).status_code == 404
    assert app.test_client().get("/dev/mailbox").status_code == 200  # loopback
    debug = make_app(DEBUG=True)
    assert debug.test_client().get("/dev/mailbox", environ_base=remote).status_code == 200
