"""The outbox: what each case renders, claims, retries with back-off, and never sending one email
twice."""

from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import pytest

from app import clock, mail
from app.auth.attempts import CASES_WITHOUT_LINK
from app.extensions import db
from app.models import OutboxMessage


@pytest.fixture
def smtp_down(make_app):
    """An app whose SMTP server refuses connections (nothing listens on port 1)."""
    app = make_app(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_DELIVERY="smtp", MAIL_SUPPRESS_SEND=False
    )
    with app.app_context():
        yield app


WORDING = Path(__file__).parents[2] / "templates" / "email" / "wording"
CASES = sorted(path.stem for path in WORDING.glob("*.txt"))


def render(now, case="sign_in", account=None, url="http://localhost/verify?token=abc"):
    return mail.render_email(
        "email_link",
        "grace@example.com",
        "grace@example.com",
        now,
        case=case,
        account=account,
        url=url,
        expires_in=600,
        expire_at=now,
        requester="Chrome on Linux",
        requested_at=now,
        ip=None,
    )


def queue(now):
    message = render(now)
    db.session.add(message)
    db.session.commit()
    return message.id


def test_a_failed_delivery_stays_queued_with_its_error_and_backs_off(smtp_down):
    now = clock.now()
    message_id = queue(now)
    assert mail.deliver(message_id, now) is False
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == "queued" and message.tries == 1 and message.last_error
    assert message.next_try_at == now + timedelta(seconds=15)
    assert mail.deliver(message_id, now + timedelta(seconds=5)) is False  # not due: not even tried
    assert db.session.get(OutboxMessage, message_id).tries == 1
    mail.deliver(message_id, now + timedelta(seconds=15))
    assert db.session.get(OutboxMessage, message_id).next_try_at == now + timedelta(seconds=45)


def test_a_message_is_claimed_by_one_sender_only(smtp_down):
    now = clock.now()
    message_id = queue(now)
    assert mail._claim(message_id, now, force=False) is True
    assert mail._claim(message_id, now, force=False) is False
    # A sender that died mid-send is replaced after the claim times out.
    assert mail._claim(message_id, now + timedelta(minutes=6), force=False) is True


def test_the_dev_mailbox_delivers_as_it_writes_and_never_again(ctx, now):
    message_id = queue(now)
    assert db.session.get(OutboxMessage, message_id).status == "sent"
    assert mail.deliver(message_id, now, force=True) is False
    assert mail.deliver_due(now, force=True) == (0, 0)


def test_a_waiting_tab_takes_over_only_email_no_sender_has(smtp_down):
    now = clock.now()
    message_id = queue(now)
    fresh = db.session.get(OutboxMessage, message_id)
    assert not mail.overdue(fresh, now)  # the sender pool is about to try it
    assert mail.overdue(fresh, now + timedelta(seconds=6))  # that try was lost with its sender
    mail._claim(message_id, now, force=False)
    claimed = db.session.get(OutboxMessage, message_id)
    assert not mail.overdue(claimed, now + timedelta(minutes=1))  # a sender has it
    assert mail.overdue(claimed, now + timedelta(minutes=6))  # that sender died
    db.session.execute(
        db.update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="queued", last_error="refused", next_try_at=now + timedelta(seconds=15))
    )
    failed = db.session.get(OutboxMessage, message_id)
    assert not mail.overdue(failed, now + timedelta(seconds=14))  # backing off
    assert mail.overdue(failed, now + timedelta(seconds=15))


@pytest.mark.parametrize("case", CASES)
def test_each_case_has_its_wording_and_a_link_only_if_it_may(ctx, now, case):
    url = None if case in CASES_WITHOUT_LINK else "http://localhost/verify?token=abc"
    message = render(now, case, "o•••'<b>@example.com", url)
    assert "Latchkey" in message.subject and "\n" not in message.subject  # it names the site
    assert message.text_body.startswith(f"{message.subject}\n\n")
    assert f">{message.subject}</h1>" in message.html_body
    # The wording is plain text: the HTML escapes the account wherever it is named.
    assert "o•••&#39;&lt;b&gt;@example.com" in message.html_body
    assert "<b>" not in message.html_body and "o•••'<b>@example.com" in message.text_body
    assert ("token=abc" in message.text_body) is (url is not None)


def test_the_cases_are_the_ones_the_flows_choose():
    assert CASES == sorted(
        ["sign_in", "sign_in_unknown", "sign_up", "sign_up_existing"]
        + ["email_address", "email_address_taken"]
    )


@pytest.mark.parametrize(
    ("configured", "name", "address"),
    [
        (None, "Acme, Inc.", "no-reply@latchkey.localhost"),  # config's default: APP_NAME's
        ("auth@acme.example", "Acme, Inc.", "auth@acme.example"),  # an address names nobody
        ("Acme Login <auth@acme.example>", "Acme Login", "auth@acme.example"),
        (("Ürün", "auth@acme.example"), "Ürün", "auth@acme.example"),
    ],
)
def test_the_sender_is_named_after_the_site_unless_configured(make_app, configured, name, address):
    app = make_app(APP_NAME="Acme, Inc.", MAIL_DEFAULT_SENDER=configured)
    with app.app_context():
        sender = mail.sender()
    # One address, however its name is written: "Acme, Inc." is quoted, not split at the comma.
    assert getaddresses([sender]) == [(name, address)]
