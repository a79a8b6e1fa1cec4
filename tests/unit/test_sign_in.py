"""Starting sign-in and sign-up: who gets which email, and which addresses are refused."""

import re

import pytest
from sqlalchemy import select

from app.auth.errors import AccountNotFound, EmailTaken, InvalidEmail, RedirectNotAllowed
from app.auth.sign_in import start_sign_in
from app.auth.sign_up import start_sign_up
from app.auth.users import create_user
from app.extensions import db
from app.models import AuditEvent, OutboxMessage


@pytest.fixture
def ada(ctx, now):
    user = create_user("Ada@Example.com", "ada@example.com", now)
    db.session.commit()
    return user


def emails_to(address):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_normalized == address)
    ).all()


def test_sign_in_emails_a_link_bound_to_the_requesting_client(ada, laptop, now):
    attempt = start_sign_in("  ADA@example.com ", laptop, now)
    assert attempt.id.startswith("sia_") and attempt.status == "pending"
    assert attempt.client_id == laptop.client_id and attempt.user_id == ada.id
    [message] = emails_to("ada@example.com")
    assert re.fullmatch(r"\d{6} is your Latchkey sign-in code", message.subject)
    assert "/verify?token=" in message.text_body and "/verify?token=" in message.html_body
    assert "expires in 10 minutes" in message.text_body
    assert "Chrome 156 on Linux" in message.text_body and "203.0.113.7" in message.text_body
    assert message.status == "sent"  # the dev mailbox takes it at once


def test_sign_in_with_an_unknown_address_is_refused(ctx, laptop, now):
    with pytest.raises(AccountNotFound) as caught:
        start_sign_in("nobody@example.com", laptop, now)
    assert caught.value.message == "Couldn't find your account."
    assert emails_to("nobody@example.com") == []


def test_sign_up_with_a_verified_address_is_refused(ada, laptop, now):
    with pytest.raises(EmailTaken) as caught:
        start_sign_up("ada@EXAMPLE.com", laptop, now)
    assert caught.value.message == "That email address is taken. Please try another."


def test_sign_up_emails_a_sign_up_link(ctx, laptop, now):
    attempt = start_sign_up("grace@example.com", laptop, now)
    assert attempt.id.startswith("sua_") and attempt.user_id is None
    assert re.fullmatch(
        r"\d{6} is your Latchkey sign-up code", emails_to("grace@example.com")[0].subject
    )


@pytest.mark.parametrize("start", [start_sign_in, start_sign_up])
def test_malformed_addresses_and_foreign_redirects_are_refused(ctx, laptop, now, start):
    with pytest.raises(InvalidEmail):
        start("nope", laptop, now)
    with pytest.raises(RedirectNotAllowed):
        start("grace@example.com", laptop, now, "https://evil.example/")


def test_enumeration_protection_answers_alike_and_explains_in_the_email(ada, app, laptop, now):
    app.config["ENUMERATION_PROTECTION"] = True
    unknown = start_sign_in("nobody@example.com", laptop, now)
    taken = start_sign_up("ada@example.com", laptop, now)
    assert unknown.status == taken.status == "pending"
    assert "has no account yet" in emails_to("nobody@example.com")[0].text_body
    assert "already has an account" in emails_to("ada@example.com")[0].text_body


def test_starting_writes_audit_rows(ada, laptop, now):
    attempt = start_sign_in("ada@example.com", laptop, now)
    events = db.session.scalars(
        select(AuditEvent.event).where(AuditEvent.subject_id == attempt.id)
    ).all()
    assert set(events) == {"sign_in.started", "link.issued"}
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "link.issued"))
    assert row.ip == "203.0.113.7" and row.client_id == laptop.client_id
