"""Enumeration through "add an email address" (finding 6): with ENUMERATION_PROTECTION a taken
address is answered like any other, its owner is told by email, and no link can move it."""

import re

import pytest

from tests.conftest import LINK, Auth, csrf_token
from tests.web.test_attacks import same_shape


@pytest.fixture
def owner(app, mailbox):
    Auth(app.test_client(), mailbox).sign_up("grace@example.com")
    return "grace@example.com"


@pytest.fixture
def asker(app, client, auth):
    app.config["ENUMERATION_PROTECTION"] = True
    auth.sign_up("mallory@example.com")
    return client


def add(client, email):
    token = csrf_token(client, "/user")
    return client.post("/user/email-addresses", data={"csrf_token": token, "email_address": email})


def answer(client, email):
    """What the asker sees: the status, where it goes, and that page, with ids taken out."""
    response = add(client, email)
    page = client.get(response.location).get_data(as_text=True) if response.location else ""
    flat = same_shape(response.get_data(as_text=True))
    return response.status_code, same_shape(response.location or ""), same_shape(page), flat


def test_a_taken_address_answers_like_an_unknown_one(asker, owner, mailbox):
    assert answer(asker, owner) == answer(asker, "nobody@example.com")
    assert "taken" not in asker.get("/user").get_data(as_text=True)


def test_the_owner_is_told_and_gets_no_link(asker, owner, mailbox):
    add(asker, owner)
    email = mailbox.last(owner)
    assert email.subject == "Someone tried to add your address to another account"
    assert "m•••y@example.com" in email.text_body and "nothing changed" in email.text_body
    assert not LINK.search(email.text_body) and not LINK.search(email.html_body)


def test_a_resend_for_a_taken_address_still_sends_no_link(app, asker, owner, mailbox):
    from app import clock

    location = add(asker, owner).location
    clock.travel(31)
    token = csrf_token(asker, "/user")
    assert asker.post(f"{location}/resend", data={"csrf_token": token}).status_code == 302
    emails = mailbox.messages(owner)
    assert len(emails) == 3  # the sign-up link, and two notices
    assert not LINK.search(emails[-1].text_body)


def test_at_the_pending_cap_taken_and_unknown_answer_the_same(asker, owner):
    for i in range(5):
        assert add(asker, f"p{i}@example.com").status_code == 302
    taken, unknown = add(asker, owner), add(asker, "nobody@example.com")
    assert taken.status_code == unknown.status_code == 422
    assert same_shape(taken.get_data(as_text=True)) == same_shape(unknown.get_data(as_text=True))
    assert re.search("unverified addresses", taken.get_data(as_text=True))


def test_without_protection_a_taken_address_is_still_refused(app, asker, owner):
    app.config["ENUMERATION_PROTECTION"] = False
    response = add(asker, owner)
    assert response.status_code == 422
    assert "That email address is taken." in response.get_data(as_text=True)
