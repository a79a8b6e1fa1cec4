"""Adding and verifying an address from the profile, and the rules for a user's addresses."""

import re

import pytest
from sqlalchemy import select

from app.auth.attempt_views import newest_email, view_attempt
from app.auth.email_addresses import make_primary, remove_email_address
from app.auth.email_links import consume_email_link
from app.auth.email_verification import (
    MAX_PENDING,
    TooManyPending,
    cancel_email_verification,
    find_verification,
    start_email_verification,
)
from app.auth.errors import AuthError, EmailTaken, FormParamInvalid, LinkAddressTaken, NotFound
from app.auth.users import create_user
from app.extensions import db
from app.models import EmailAddress, Session
from tests.conftest import LINK


@pytest.fixture
def ada(ctx, now):
    user = create_user("ada@example.com", "ada@example.com", now)
    db.session.commit()
    return user


def address(email):
    return db.session.scalar(select(EmailAddress).where(EmailAddress.normalized == email))


def test_adding_sends_a_link_and_the_link_verifies_from_any_device(
    app, ada, laptop, phone, now, mailbox
):
    attempt = start_email_verification(ada, "Work@Example.com", laptop, now)
    added = address("work@example.com")
    assert attempt.email_address_id == added.id and not added.verified
    assert re.fullmatch(
        r"\d{6} is your Latchkey verification code", mailbox.last("work@example.com").subject
    )
    completion = consume_email_link(mailbox.token("work@example.com"), phone, now)
    assert completion.session is None  # verification never signs anybody in
    assert address("work@example.com").verified
    assert db.session.scalars(select(Session)).all() == []
    assert view_attempt(attempt, now, newest_email(attempt.id)).status == "complete"


def test_an_address_verified_by_another_user_is_taken(ada, laptop, now):
    other = create_user("grace@example.com", "grace@example.com", now)
    db.session.commit()
    with pytest.raises(EmailTaken) as caught:
        start_email_verification(other, "ADA@example.com", laptop, now)
    assert caught.value.message == "That email address is taken."


def test_taken_while_waiting_fails_the_link(ada, laptop, now, mailbox):
    grace = create_user("grace@example.com", "grace@example.com", now)
    db.session.commit()
    start_email_verification(grace, "shared@example.com", laptop, now)
    start_email_verification(ada, "shared@example.com", laptop, now)
    grace_link, ada_link = (
        LINK.search(m.text_body).group(0) for m in mailbox.messages("shared@example.com")
    )
    consume_email_link(grace_link.split("token=")[1], laptop, now)
    with pytest.raises(LinkAddressTaken):
        consume_email_link(ada_link.split("token=")[1], laptop, now)


def test_already_verified_on_the_account(ada, laptop, now):
    with pytest.raises(EmailTaken):
        start_email_verification(ada, "ada@example.com", laptop, now)


def test_there_is_a_cap_on_unverified_addresses(ada, laptop, now):
    for i in range(MAX_PENDING):
        start_email_verification(ada, f"pending{i}@example.com", laptop, now)
    with pytest.raises(TooManyPending) as caught:
        start_email_verification(ada, "one-more@example.com", laptop, now)
    assert "Verify or remove one" in caught.value.message


def test_verifying_again_reuses_the_address(ada, laptop, now, mailbox):
    first = start_email_verification(ada, "work@example.com", laptop, now)
    second = start_email_verification(ada, "work@example.com", laptop, now)
    assert first.email_address_id == second.email_address_id
    assert len(mailbox.messages("work@example.com")) == 2


def test_cancelling_removes_the_unverified_address(ada, laptop, now):
    attempt = start_email_verification(ada, "work@example.com", laptop, now)
    cancel_email_verification(attempt, laptop, now)
    assert address("work@example.com") is None


def test_the_waiting_tab_is_bound_to_its_browser_and_user(ada, laptop, phone, now):
    attempt = start_email_verification(ada, "work@example.com", laptop, now)
    assert find_verification(attempt.email_address_id, ada.id, laptop.client_id).id == attempt.id
    with pytest.raises(NotFound):
        find_verification(attempt.email_address_id, ada.id, phone.client_id)
    with pytest.raises(NotFound):
        find_verification(attempt.email_address_id, "user_other", laptop.client_id)


def test_primary_must_be_verified(ada, laptop, now):
    start_email_verification(ada, "work@example.com", laptop, now)
    with pytest.raises(FormParamInvalid):
        make_primary(address("work@example.com"))


def test_the_primary_and_the_last_verified_address_cannot_be_removed(ada, laptop, now, mailbox):
    primary = address("ada@example.com")
    with pytest.raises(AuthError, match="Make another address primary"):
        remove_email_address(primary)
    start_email_verification(ada, "work@example.com", laptop, now)
    consume_email_link(mailbox.token("work@example.com"), laptop, now)
    make_primary(address("work@example.com"))
    remove_email_address(address("ada@example.com"))
    with pytest.raises(AuthError, match="Make another address primary"):
        remove_email_address(address("work@example.com"))


def test_an_unverified_address_can_always_be_removed(ada, laptop, now):
    start_email_verification(ada, "work@example.com", laptop, now)
    remove_email_address(address("work@example.com"))
    assert address("work@example.com") is None
