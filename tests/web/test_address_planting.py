"""Planting a stranger's address on an attacker's account (finding 7): whoever verifies an
address is shown the account it joins, and REQUIRE_SAME_CLIENT covers address verification."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EmailAddress
from tests.conftest import Auth, csrf_token, path_of


@pytest.fixture
def mallory(client, auth):
    """The attacker, signed in, who asks to add the victim's address to their own account."""
    auth.sign_up("mallory@example.com")
    token = csrf_token(client, "/user")
    added = client.post(
        "/user/email-addresses", data={"csrf_token": token, "email_address": "victim@example.com"}
    )
    assert added.status_code == 302
    return client


def verified(app, email) -> bool:
    with app.app_context():
        address = db.session.scalar(select(EmailAddress).where(EmailAddress.normalized == email))
        return address.verified


def test_the_email_and_the_approval_page_name_the_account_the_address_joins(app, mallory, mailbox):
    email = mailbox.last("victim@example.com")
    assert "This address will join the account m•••y@example.com" in email.text_body
    assert "m•••y@example.com" in email.html_body
    victim = app.test_client()
    page = victim.get(path_of(mailbox.link("victim@example.com"))).get_data(as_text=True)
    assert "Joins the account" in page and "m•••y@example.com" in page
    assert "mallory@example.com" not in page  # partly masked, even to the address's owner


def test_require_same_client_refuses_verification_from_another_browser(app, mallory, mailbox):
    app.config["REQUIRE_SAME_CLIENT"] = True
    victim = app.test_client()
    link = path_of(mailbox.link("victim@example.com"))
    assert victim.get(link).status_code == 403
    token = link.split("token=", 1)[1]
    refused = victim.post("/verify", data={"csrf_token": csrf_token(victim), "token": token})
    assert refused.status_code == 403
    assert "browser where it was requested" in refused.get_data(as_text=True)
    assert not verified(app, "victim@example.com")


def test_require_same_client_still_lets_the_asking_browser_verify(app, client, auth, mailbox):
    app.config["REQUIRE_SAME_CLIENT"] = True
    auth.sign_up("ada@example.com")
    token = csrf_token(client, "/user")
    client.post(
        "/user/email-addresses", data={"csrf_token": token, "email_address": "w@example.com"}
    )
    done = Auth(client, mailbox).open_and_confirm("w@example.com")
    assert "Email address verified" in done.get_data(as_text=True)
    assert verified(app, "w@example.com")


def test_an_account_without_a_primary_address_is_named_by_its_id(app, mallory, mailbox):
    with app.app_context():
        owner = db.session.scalar(
            select(EmailAddress).where(EmailAddress.normalized == "mallory@example.com")
        ).user
        owner.primary_email_address = None
        db.session.commit()
        user_id = owner.id
    page = app.test_client().get(path_of(mailbox.link("victim@example.com")))
    assert re.search(f"account {user_id}", page.get_data(as_text=True))
