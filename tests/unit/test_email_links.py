"""Opening and consuming links: every status transition and every way a link fails."""

import pytest
from sqlalchemy import select

from app.auth.activation import activate_attempt
from app.auth.attempt_views import newest_email, view_attempt
from app.auth.attempts import cancel_attempt, resend_link
from app.auth.email_links import consume_email_link, open_email_link
from app.auth.errors import (
    AttemptClosed,
    ClientMismatch,
    LinkAlreadyUsed,
    LinkCancelled,
    LinkExpired,
    LinkInvalid,
    LinkReplaced,
    LinkUserBanned,
    NotFound,
    RateLimited,
)
from app.auth.sign_in import start_sign_in
from app.auth.sign_up import start_sign_up
from app.auth.users import owner_of
from app.extensions import db
from app.models import AuditEvent, EmailLink, Session, User
from app.unit_of_work import unit_of_work
from tests.unit.conftest import later


@pytest.fixture
def link(ctx, mailbox):
    """Start an attempt and return (attempt, token)."""

    def make(start, email, origin, now, **kwargs):
        attempt = start(email, origin, now, **kwargs)
        return attempt, mailbox.token(email)

    return make


def test_opening_a_link_spends_nothing(link, laptop, phone, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    for _ in range(3):
        assert open_email_link(token, phone, now).same_client is False
    assert open_email_link(token, laptop, now).same_client is True
    assert db.session.scalar(select(EmailLink.status)) == "pending"
    assert view_attempt(attempt, now, newest_email(attempt.id)).verification == "unverified"


def test_same_client_sign_up_creates_the_user_and_a_session(link, laptop, now):
    attempt, token = link(start_sign_up, "Grace@Example.com", laptop, now, redirect_url="/next")
    completion = consume_email_link(token, laptop, now)
    user = owner_of("grace@example.com")
    assert user is not None and user.primary_email == "Grace@Example.com"
    assert (
        completion.session.user_id == user.id and completion.session.client_id == laptop.client_id
    )
    view = view_attempt(db.session.get(type(attempt), attempt.id), now, newest_email(attempt.id))
    assert view.status == "complete" and view.verification == "verified"
    assert view.attempt.verified_from_same_client is True and view.attempt.redirect_url == "/next"


def test_cross_device_approval_signs_in_only_the_requesting_client(link, laptop, phone, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    completion = consume_email_link(token, phone, now, attempt.match_number)
    assert completion.session is None
    assert db.session.scalars(select(Session)).all() == []
    with pytest.raises(NotFound):  # the approving device cannot take the session
        activate_attempt("sign_up", attempt.id, phone, now)
    session = activate_attempt("sign_up", attempt.id, laptop, later(now, 5)).session
    assert session.client_id == laptop.client_id
    with pytest.raises(AttemptClosed):  # once only
        activate_attempt("sign_up", attempt.id, laptop, later(now, 6))


def test_an_approval_not_picked_up_in_time_cannot_be_activated(link, laptop, phone, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    consume_email_link(token, phone, now, attempt.match_number)
    with pytest.raises(AttemptClosed):
        activate_attempt("sign_up", attempt.id, laptop, later(now, 601))


def test_a_pending_attempt_cannot_be_activated(link, laptop, now):
    attempt, _ = link(start_sign_up, "grace@example.com", laptop, now)
    with pytest.raises(AttemptClosed):
        activate_attempt("sign_up", attempt.id, laptop, now)


def test_a_link_works_once(link, laptop, now):
    _, token = link(start_sign_up, "grace@example.com", laptop, now)
    consume_email_link(token, laptop, now)
    with pytest.raises(LinkAlreadyUsed):
        consume_email_link(token, laptop, now)
    with pytest.raises(LinkAlreadyUsed):
        open_email_link(token, laptop, now)


def test_an_expired_link_fails_and_the_tab_sees_expired(link, laptop, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    assert (
        view_attempt(attempt, later(now, 599), newest_email(attempt.id)).verification
        == "unverified"
    )
    with pytest.raises(LinkExpired) as caught:
        consume_email_link(token, laptop, later(now, 600))
    assert caught.value.reason == "expired"
    assert (
        view_attempt(attempt, later(now, 600), newest_email(attempt.id)).verification == "expired"
    )


def test_a_resent_link_replaces_the_old_one(link, laptop, now, mailbox):
    attempt, old = link(start_sign_up, "grace@example.com", laptop, now)
    with pytest.raises(RateLimited) as caught:  # the resend cooldown
        resend_link("sign_up", attempt.id, laptop, later(now, 10))
    assert caught.value.retry_after == 20
    resend_link("sign_up", attempt.id, laptop, later(now, 31))
    new = mailbox.token("grace@example.com")
    assert new != old
    with pytest.raises(LinkReplaced):
        consume_email_link(old, laptop, later(now, 32))
    assert consume_email_link(new, laptop, later(now, 32)).session is not None


def test_a_resend_renews_the_expiry(link, laptop, now, mailbox):
    attempt, _ = link(start_sign_up, "grace@example.com", laptop, now)
    resend_link("sign_up", attempt.id, laptop, later(now, 500))
    consume_email_link(mailbox.token("grace@example.com"), laptop, later(now, 1000))


def test_a_cancelled_attempt_fails_its_link(link, laptop, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    cancel_attempt("sign_up", attempt.id, laptop, now)
    with pytest.raises(LinkCancelled):
        consume_email_link(token, laptop, now)
    view = view_attempt(attempt, now, newest_email(attempt.id))
    assert (view.status, view.verification) == ("abandoned", "failed")
    with pytest.raises(AttemptClosed):
        resend_link("sign_up", attempt.id, laptop, later(now, 60))


def test_another_client_cannot_see_resend_or_cancel_an_attempt(link, laptop, phone, now):
    attempt, _ = link(start_sign_up, "grace@example.com", laptop, now)
    for action in (resend_link, cancel_attempt):
        with pytest.raises(NotFound):
            action("sign_up", attempt.id, phone, later(now, 60))


def test_an_attempt_left_a_day_is_abandoned(link, laptop, now):
    attempt, _ = link(start_sign_up, "grace@example.com", laptop, now)
    assert (
        view_attempt(attempt, later(now, 24 * 3600), newest_email(attempt.id)).status == "abandoned"
    )


@pytest.mark.parametrize("token", ["", None, "x", "A" * 43, "A" * 5000, "../../etc/passwd"])
def test_garbage_and_tampered_tokens_are_invalid(link, laptop, now, token):
    with pytest.raises(LinkInvalid):
        open_email_link(token, laptop, now)
    with pytest.raises(LinkInvalid):
        consume_email_link(token, laptop, now)


def test_a_tampered_real_token_is_invalid(link, laptop, now):
    _, token = link(start_sign_up, "grace@example.com", laptop, now)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkInvalid):
        consume_email_link(tampered, laptop, now)


def test_require_same_client_refuses_other_clients(app, link, laptop, phone, now):
    app.config["REQUIRE_SAME_CLIENT"] = True
    _, token = link(start_sign_up, "grace@example.com", laptop, now)
    with pytest.raises(ClientMismatch) as caught:
        open_email_link(token, phone, now)
    assert caught.value.reason == "client_mismatch"
    with pytest.raises(ClientMismatch):
        consume_email_link(token, phone, now)
    assert consume_email_link(token, laptop, now).session is not None


def test_sign_in_signs_the_existing_user_in(link, laptop, now, mailbox):
    _, token = link(start_sign_up, "grace@example.com", laptop, now)
    user_id = consume_email_link(token, laptop, now).session.user_id
    _, token = link(start_sign_in, "GRACE@example.com", laptop, later(now, 60))
    session = consume_email_link(token, laptop, later(now, 61)).session
    assert session.user_id == user_id
    assert db.session.get(User, user_id).last_sign_in_at == later(now, 61)
    statuses = db.session.scalars(select(Session.status).order_by(Session.created_at)).all()
    assert statuses == ["ended", "active"]  # one signed-in session per browser


def test_a_banned_user_cannot_finish_signing_in(link, laptop, now):
    _, token = link(start_sign_up, "grace@example.com", laptop, now)
    user_id = consume_email_link(token, laptop, now).session.user_id
    _, token = link(start_sign_in, "grace@example.com", laptop, later(now, 60))
    db.session.get(User, user_id).banned = True
    db.session.commit()
    with pytest.raises(LinkUserBanned), unit_of_work():
        consume_email_link(token, laptop, later(now, 61))
    assert db.session.scalar(select(EmailLink.status).order_by(EmailLink.created_at.desc())) == (
        "pending"
    )


def test_enumeration_protected_sign_in_of_a_new_address_creates_the_account(app, link, laptop, now):
    app.config["ENUMERATION_PROTECTION"] = True
    _, token = link(start_sign_in, "new@example.com", laptop, now)
    assert consume_email_link(token, laptop, now).session is not None
    assert owner_of("new@example.com") is not None


def test_every_link_event_is_audited(link, laptop, phone, now):
    attempt, token = link(start_sign_up, "grace@example.com", laptop, now)
    with unit_of_work():
        open_email_link(token, phone, now)
        consume_email_link(token, phone, now, attempt.match_number)
    with pytest.raises(LinkAlreadyUsed), unit_of_work():
        open_email_link(token, phone, now)  # refused: its work rolled back, its record kept
    events = db.session.scalars(
        select(AuditEvent.event).where(AuditEvent.subject_id == attempt.id)
    ).all()
    for event in (
        "link.issued",
        "link.opened",
        "link.consumed",
        "sign_up.approved",
        "link.rejected",
    ):
        assert event in events
