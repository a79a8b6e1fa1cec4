"""Email: render a template into the outbox (in the caller's transaction), then deliver it."""

import logging
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from functools import partial

from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError

from app import clock
from app.auth.address_text import smtp_address
from app.extensions import db, mail
from app.ids import new_id
from app.models import OutboxMessage
from app.models.mail import QUEUED, SENDING, SENT
from app.unit_of_work import after_commit

log = logging.getLogger(__name__)
# SMTP is slow and sometimes down: a request that sends email only enqueues it and hands the
# sending to this pool. The outbox row is the source of truth, so a process that dies with work
# in the pool loses nothing (the waiting page, `flask mail deliver` or cron retry it).
_senders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mail")

# A claim older than this is taken to be from a process that died while sending.
CLAIM_TIMEOUT = timedelta(minutes=5)
DELIVERED_BODY = "(Delivered. The body held a one-time link and is not kept.)"
# A subject starts with the email's code (SPEC §10): kept without it once delivered.
CODE_IN_SUBJECT = re.compile(r"^\d{6}(?= )")
# A sender waits this long before giving up on the database (a restart takes about a second).
DATABASE_RETRY_PAUSES = (0.2, 0.5, 1, 2, 4)
# A first try not made this long after it was due was lost with its sender.
FIRST_TRY_GRACE = timedelta(seconds=5)


def render_email(
    template: str, to: str, to_normalized: str, now: datetime, attempt_id=None, **context
) -> OutboxMessage:
    """A rendered outbox row for the caller to add: it is sent once the caller's transaction
    commits.

    It is written in the language and time zone of the request that asks for it (SPEC §11). The
    dev mailbox shows the outbox itself, so there the row is delivered as it is written."""
    context.update(address=to, support_email=current_app.config["SUPPORT_EMAIL"])
    subject = render_template(f"email/{template}.subject.txt", **context).strip()
    delivered = current_app.config["MAIL_DELIVERY"] == "dev_mailbox"
    return OutboxMessage(
        id=new_id("msg"),  # known before the flush: the sender is handed it after the commit
        attempt_id=attempt_id,
        to_address=to,
        to_normalized=to_normalized,
        subject=subject,
        text_body=render_template(f"email/{template}.txt", **context),
        html_body=render_template(f"email/{template}.html", **context),
        next_try_at=now,
        created_at=now,
        status=SENT if delivered else QUEUED,
        sent_at=now if delivered else None,
    )


def sender() -> str:
    """Who the email comes from, as its From line says: MAIL_DEFAULT_SENDER, named after the
    site (APP_NAME) when it names nobody."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    name, address = parseaddr(configured) if isinstance(configured, str) else configured
    # Quoted where the name needs it ("Acme, Inc."), which Flask-Mail's tuple form does not.
    return str(Address(display_name=name or current_app.config["APP_NAME"], addr_spec=address))


def send_when_committed(message: OutboxMessage) -> None:
    """Add a rendered message to the caller's work; a sender gets it once that work commits."""
    db.session.add(message)
    after_commit(partial(send_soon, message.id))


def _retry_delay(tries: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** (tries - 1), 3600))


def _claimable(now: datetime, force: bool = False):
    """Queued and due (or queued at all, when forced), or claimed long ago by a process that
    died while sending."""
    due = OutboxMessage.status == QUEUED
    if not force:
        due = and_(due, OutboxMessage.next_try_at <= now)
    return or_(
        due,
        and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )


def _claim(message_id: str, now: datetime, force: bool) -> bool:
    """Take a message for sending; of two processes trying at once, exactly one gets it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _claimable(now, force))
        .values(status=SENDING, claimed_at=now, tries=OutboxMessage.tries + 1)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(message_id: str, now: datetime | None = None, force: bool = False) -> bool:
    """Send one queued message. On failure it stays queued with its error, for a later retry."""
    now = now or clock.now()
    if not _claim(message_id, now, force):
        return False
    message = db.session.get(OutboxMessage, message_id)
    try:
        if current_app.config["MAIL_DELIVERY"] == "smtp":
            mail.send(
                Message(
                    subject=message.subject,
                    sender=sender(),
                    recipients=[smtp_address(message.to_address)],
                    body=message.text_body,
                    html=message.html_body,
                )
            )
    except Exception as error:  # any SMTP or network failure: keep it, say why, retry later
        log.warning("delivery of %s failed: %s", message_id, type(error).__name__)
        _record(
            message_id,
            status=QUEUED,
            last_error=f"{type(error).__name__}: {error}"[:1000],
            next_try_at=now + _retry_delay(message.tries),
        )
        return False
    # The outbox is no place to keep live links and codes once they have left.
    _record(
        message_id,
        status=SENT,
        sent_at=now,
        last_error=None,
        subject=CODE_IN_SUBJECT.sub("······", message.subject),
        text_body=DELIVERED_BODY,
        html_body=DELIVERED_BODY,
    )
    return True


def _record(message_id: str, **outcome) -> None:
    """Write how a send went, retrying while the database is away: a lost "sent" would leave the
    message claimed, to be sent again once the claim times out."""

    def write():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(**outcome)
        )
        db.session.commit()

    _retrying(write)


def _retrying(action):
    """Run `action`, and again after short pauses while the database is away (a restart)."""
    for pause in DATABASE_RETRY_PAUSES:
        try:
            return action()
        except DBAPIError:
            db.session.rollback()
            time.sleep(pause)
    return action()


def overdue(message: OutboxMessage, now: datetime) -> bool:
    """Due and in no sender's hands: a failed try whose back-off is over, a first try the sender
    pool should have made seconds ago (its process died, or the database was away), or a claim
    from a process that died while sending."""
    if message.status == SENDING:
        return message.claimed_at < now - CLAIM_TIMEOUT
    if message.status != QUEUED:
        return False
    if message.last_error:
        return message.next_try_at <= now
    return message.next_try_at <= now - FIRST_TRY_GRACE


def deliver_due(now: datetime | None = None, force: bool = False) -> tuple[int, int]:
    """Send every message whose turn has come (every queued one when forced).

    Returns (sent, still queued)."""
    now = now or clock.now()
    due = db.session.scalars(
        select(OutboxMessage.id).where(_claimable(now, force)).order_by(OutboxMessage.created_at)
    ).all()
    sent = sum(deliver(message_id, now, force) for message_id in due)
    return sent, len(due) - sent


def send_soon(message_id: str) -> Future | None:
    """Deliver after the caller's commit, off the request (inline with MAIL_SEND_INLINE)."""
    app = current_app._get_current_object()
    if app.config["MAIL_DELIVERY"] == "dev_mailbox":
        return None  # delivered as it was written
    if app.config.get("MAIL_SEND_INLINE"):
        deliver(message_id)
        return None

    def send():
        with app.app_context():
            # Still failing after the retries: the waiting tab or `mail deliver` sends it.
            _retrying(lambda: deliver(message_id))

    return _senders.submit(send)
