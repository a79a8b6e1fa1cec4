"""/user: addresses (add, verify, primary, remove) and sessions (list, revoke), as pages."""

import re

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import AuditEvent, EmailAddress, Session
from tests.conftest import Auth, csrf_token, path_of


@pytest.fixture
def signed_in(client, auth):
    auth.sign_up("ada@example.com")
    return client


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/user"), **data})


def address_id(app, email):
    with app.app_context():
        return db.session.scalar(select(EmailAddress.id).where(EmailAddress.normalized == email))


def add(client, email):
    return post(client, "/user/email-addresses", email_address=email)


def test_profile_lists_addresses_with_badges_and_this_browser(signed_in):
    page = signed_in.get("/user").get_data(as_text=True)
    assert "ada@example.com" in page and "primary" in page and "verified" in page
    assert "this browser" in page and "No other browser is signed in." in page


def test_adding_goes_to_a_waiting_page_that_turns_verified(app, signed_in, mailbox):
    response = add(signed_in, "work@example.com")
    new_id = address_id(app, "work@example.com")
    assert response.status_code == 302 and response.location == f"/user/email-addresses/{new_id}"
    page = signed_in.get(response.location).get_data(as_text=True)
    assert "Check your email" in page and "work@example.com" in page
    status = signed_in.get(f"/api/email-addresses/{new_id}").get_json()
    assert status["object"] == "email_address" and status["id"] == new_id
    assert status["status"] == "unverified" and status["verification"]["status"] == "unverified"
    assert "unverified" in signed_in.get("/user").get_data(as_text=True)

    phone = app.test_client()  # any device, even signed out, may open the link
    link = path_of(mailbox.link("work@example.com"))
    page = phone.get(link).get_data(as_text=True)
    assert "Approve this email verification?" in page
    done = phone.post(
        "/verify", data={"csrf_token": csrf_token(phone), "token": link.split("=", 1)[1]}
    )
    assert "Email address verified" in done.get_data(as_text=True)
    status = signed_in.get(f"/api/email-addresses/{new_id}").get_json()
    assert status["status"] == "verified" and status["next_url"] == "/user"
    assert 'data-state="verified"' in signed_in.get(f"/user/email-addresses/{new_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "email, message",
    [
        ("not-an-email", "Enter a valid email address."),
        ("", "Enter your email address."),
        ("ada@example.com", "already verified on your account"),
    ],
)
def test_bad_additions_get_a_message(signed_in, email, message):
    response = add(signed_in, email)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_address_of_another_user_is_taken(app, signed_in, auth):
    other = app.test_client()
    Auth(other, auth.mailbox).sign_up("grace@example.com")
    response = add(signed_in, "Grace@example.com")
    assert response.status_code == 422
    assert "That email address is taken." in response.get_data(as_text=True)


def test_the_cap_on_unverified_addresses(signed_in):
    for i in range(5):
        assert add(signed_in, f"p{i}@example.com").status_code == 302
    response = add(signed_in, "p5@example.com")
    assert response.status_code == 422 and "unverified addresses" in response.get_data(as_text=True)


def test_resend_and_cancel_from_the_waiting_page(app, signed_in, mailbox):
    location = add(signed_in, "work@example.com").location
    assert post(signed_in, f"{location}/resend").status_code == 429
    clock.travel(31)
    assert post(signed_in, f"{location}/resend").status_code == 302
    assert len(mailbox.messages("work@example.com")) == 2
    response = post(signed_in, f"{location}/cancel")
    assert response.status_code == 302 and address_id(app, "work@example.com") is None
    assert "Cancelled. The address was removed." in signed_in.get("/user").get_data(as_text=True)


def test_make_primary_and_remove(app, signed_in, mailbox):
    add(signed_in, "work@example.com")
    work = address_id(app, "work@example.com")
    refused = post(signed_in, f"/user/email-addresses/{work}/primary")
    assert "Verify this address before making it primary." in signed_in.get(
        refused.location
    ).get_data(as_text=True)
    link = path_of(mailbox.link("work@example.com"))
    signed_in.get(link)
    token = link.split("token=", 1)[1]
    signed_in.post("/verify", data={"csrf_token": csrf_token(signed_in), "token": token})
    post(signed_in, f"/user/email-addresses/{work}/primary")
    page = signed_in.get("/user").get_data(as_text=True)
    assert "work@example.com is now your primary address." in page
    ada = address_id(app, "ada@example.com")
    post(signed_in, f"/user/email-addresses/{ada}/remove")
    assert "ada@example.com was removed." in signed_in.get("/user").get_data(as_text=True)
    post(signed_in, f"/user/email-addresses/{work}/remove")
    assert "Make another address primary" in signed_in.get("/user").get_data(as_text=True)


def test_another_users_address_is_404(app, signed_in, auth):
    other = app.test_client()
    Auth(other, auth.mailbox).sign_up("grace@example.com")
    grace = address_id(app, "grace@example.com")
    for action in ("primary", "remove", "verify"):
        assert post(signed_in, f"/user/email-addresses/{grace}/{action}").status_code == 404
    assert signed_in.get(f"/user/email-addresses/{grace}").status_code == 404
    assert signed_in.get(f"/api/email-addresses/{grace}").status_code == 404


def test_revoking_a_session_signs_that_browser_out(app, signed_in, auth):
    other = app.test_client()
    Auth(other, auth.mailbox).sign_in("ada@example.com")
    assert other.get("/user").status_code == 200
    page = signed_in.get("/user").get_data(as_text=True)
    session_ids = re.findall(r'data-session="(sess_\w+)"', page)
    assert len(session_ids) == 2
    this = re.search(r'data-session="(sess_\w+)">\s*<td>[^<]*<span class="badge ok">this', page)
    other_id = next(s for s in session_ids if s != this.group(1))
    post(signed_in, f"/user/sessions/{other_id}/revoke")
    assert other.get("/user").status_code == 302  # signed out on its next request
    assert signed_in.get("/user").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent.event)).all()
        assert "session.revoked" in events


def test_sign_out_everywhere_else(app, signed_in, auth):
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        Auth(browser, auth.mailbox).sign_in("ada@example.com")
    response = post(signed_in, "/user/sessions/revoke-others")
    assert "Signed out of 2 other browsers." in signed_in.get(response.location).get_data(
        as_text=True
    )
    assert [b.get("/user").status_code for b in browsers] == [302, 302]
    assert signed_in.get("/user").status_code == 200


def test_someone_elses_session_cannot_be_revoked(app, signed_in, auth):
    other = app.test_client()
    Auth(other, auth.mailbox).sign_up("grace@example.com")
    with app.app_context():
        grace_session = db.session.scalar(
            select(Session.id)
            .join(Session.user)
            .where(Session.status == "active")
            .order_by(Session.created_at.desc())
        )
    assert post(signed_in, f"/user/sessions/{grace_session}/revoke").status_code == 404
    assert other.get("/user").status_code == 200
