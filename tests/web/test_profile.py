"""/user: the greeting and name, addresses (add, verify, primary, remove), sessions (list,
revoke), and deleting one's own account, as pages."""

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import AuditEvent, EmailAddress, Session, User
from tests.conftest import Auth, csrf_token, path_of
from tests.factory import make_admin, make_user


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


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def user_row(app, email="ada@example.com") -> User | None:
    with app.app_context():
        user = db.session.scalar(
            select(User)
            .join(EmailAddress, EmailAddress.user_id == User.id)
            .where(EmailAddress.normalized == email)
        )
        db.session.expunge_all()
        return user


def audit_events(app, event: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)).all()
        db.session.expunge_all()
        return rows


# The greeting and the name


def test_the_profile_greets_by_address_then_by_name_never_by_id(app, signed_in):
    user = user_row(app)
    page = text(signed_in.get("/user"))
    assert "<h1>Hello, ada@example.com</h1>" in page
    assert "Signed in as ada@example.com." in page
    assert user.id not in page.replace(f'data-user-id="{user.id}"', "")  # a test hook, not text
    saved = post(signed_in, "/user/name", first_name="  Ada ", last_name="Lovelace")
    assert saved.status_code == 302
    page = text(signed_in.get(saved.location))
    assert "<h1>Hello, Ada</h1>" in page and "Saved your name." in page
    assert 'value="Ada"' in page and 'value="Lovelace"' in page
    assert (user_row(app).first_name, user_row(app).last_name) == ("Ada", "Lovelace")


def test_a_name_change_is_audited_as_the_users_own(app, signed_in):
    post(signed_in, "/user/name", first_name="Ada", last_name="")
    [row] = audit_events(app, "user.updated")
    user = user_row(app)
    assert row.user_id == row.actor_id == user.id
    assert row.details["fields"] == ["first_name", "last_name"] and user.last_name is None


@pytest.mark.parametrize(
    "form, field, message",
    [
        ({"first_name": "A" * 256}, "first_name", "A name can be at most 255 characters long."),
        ({"last_name": "L" * 5000}, "last_name", "A name can be at most 255 characters long."),
        ({"first_name": "Ada\x00"}, "first_name", "That name has characters that cannot be used."),
        (
            {"first_name": "Ada\u202egnp.exe"},
            "first_name",
            "That name has characters that cannot be used.",
        ),
    ],
)
def test_a_bad_name_is_refused_in_the_form_and_nothing_is_saved(
    app, signed_in, form, field, message
):
    response = post(signed_in, "/user/name", **{"first_name": "", "last_name": "", **form})
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'role="alert"' in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)
    assert user_row(app).first_name is None and user_row(app).last_name is None


def test_the_name_form_needs_a_csrf_token(app, signed_in):
    response = signed_in.post("/user/name", data={"first_name": "Mallory"})
    assert response.status_code == 400 and user_row(app).first_name is None


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
    this = re.search(
        r'data-session="(sess_\w+)">\s*<td[^>]*>[^<]*<span class="badge ok">this', page
    )
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


# Deleting one's own account


def test_delete_asks_first_on_a_page_that_names_the_account(signed_in):
    profile = text(signed_in.get("/user"))
    assert 'href="/user/delete"' in profile
    page = text(signed_in.get("/user/delete"))
    assert "This deletes the account <strong>ada@example.com</strong>" in page
    assert re.search(r'<form method="post" action="/user/delete"', page)
    assert "Delete the account ada@example.com</button>" in page


def test_deleting_your_account_signs_you_out_everywhere_and_removes_it(
    app, signed_in, auth, mailbox
):
    phone = app.test_client()
    Auth(phone, mailbox).sign_in("ada@example.com")
    user = user_row(app)
    response = post(signed_in, "/user/delete")
    assert response.status_code == 302 and response.location == "/"
    assert "Your account ada@example.com was deleted." in text(signed_in.get("/"))
    assert signed_in.get("/user").status_code == 302 and phone.get("/user").status_code == 302
    assert user_row(app) is None
    with app.app_context():
        for model in (EmailAddress, Session):
            left = db.session.scalar(
                select(func.count()).select_from(model).where(model.user_id == user.id)
            )
            assert left == 0, model
    [row] = audit_events(app, "user.deleted")
    assert row.user_id == row.actor_id == user.id
    # The address is free: signing in with it finds no account.
    assert Auth(app.test_client(), mailbox).start("sign-in", "ada@example.com").status_code == 422


def test_the_last_admin_cannot_delete_their_account(app, client, auth):
    make_user(app, "root@example.com", admin=True)
    auth.sign_in("root@example.com")
    page = text(client.get("/user/delete"))
    assert "You are the only administrator." in page and 'action="/user/delete"' not in page
    refused = post(client, "/user/delete")
    assert refused.status_code == 409 and "You are the only administrator." in text(refused)
    assert user_row(app, "root@example.com") is not None
    # With another administrator, they may.
    make_admin(app, make_user(app, "second@example.com"))
    assert post(client, "/user/delete").status_code == 302
    assert user_row(app, "root@example.com") is None


# Buttons say what they act on


def test_buttons_name_what_they_act_on(app, signed_in, auth, mailbox):
    add(signed_in, "work@example.com")
    Auth(app.test_client(), mailbox).sign_in("ada@example.com")
    page = text(signed_in.get("/user"))
    hidden = '<span class="visually-hidden">{}</span>'
    for name in (
        f"Verify {hidden.format('work@example.com')}",
        f"Remove {hidden.format('work@example.com')}",
        f"Sign out {hidden.format('this browser')}",
    ):
        assert f"{name}</button>" in page, name
    other = re.search(r"Sign out <span class=\"visually-hidden\">([^<]+)</span></button>", page)
    assert other and other[1] != "this browser"  # the other browser, named
