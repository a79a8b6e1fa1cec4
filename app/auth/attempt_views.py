"""What a waiting tab sees of an attempt: its status, its version, its newest email, and the
long-poll that waits for the version to change."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, select
from sqlalchemy.exc import InvalidRequestError

from app import clock
from app.auth.errors import NotFound
from app.auth.settings import setting
from app.auth.status_poll import EmailState
from app.auth.watcher import Wait, watcher_for
from app.clock import to_ms
from app.extensions import db
from app.i18n import _l
from app.models import Attempt, OutboxMessage
from app.models.attempts import ABANDONED, COMPLETE, PENDING
from app.models.mail import SENT


def public_status(attempt: Attempt, now: datetime) -> str:
    """pending, complete or abandoned (an attempt left for 24 h is abandoned without a write)."""
    if attempt.status == PENDING and attempt.abandon_at <= now:
        return ABANDONED
    return attempt.status


@dataclass(frozen=True)
class AttemptView:
    """Everything a waiting tab shows, computed once for the page and the JSON endpoint."""

    attempt: Attempt | Row  # a model object, or the status poll's row (its attribute names)
    status: str
    verification: str
    email_delivery: str
    resend_at: datetime
    version: str


def _verification(attempt: Attempt, status: str, now: datetime) -> str:
    if status == COMPLETE:
        return "verified"
    if attempt.cancelled_at is not None:
        return "failed"
    if status == ABANDONED or attempt.expire_at <= now:
        return "expired"
    return "unverified"


def attempt_version(attempt: Attempt, now: datetime) -> str:
    """Changes whenever what the waiting tab shows changes: a write, or the link expiring."""
    status = public_status(attempt, now)
    return f"{to_ms(attempt.updated_at)}.{_verification(attempt, status, now)}"


def wait_for_change(attempt: Attempt | Row, seen: str, timeout: float, network: str) -> Wait:
    """Long-poll: return once the attempt's version differs from `seen`, or after `timeout`.
    The result says whether the caller must read the attempt again (find_attempt_with_email in
    status_poll, or reload_attempt for a model object) and whether the tab should wait before
    asking again.

    The wait holds no database connection or lock: the process's watcher checks all waiting
    attempts in one query per tick and wakes this one when it is written again. It does hold a
    thread, so the watcher may refuse it (see Watcher.wait); `network` is the requester's, as
    networks.requester_network gives it."""
    now = clock.now()
    if attempt_version(attempt, now) != seen:
        return Wait.SKIPPED
    if _verification(attempt, public_status(attempt, now), now) != "unverified":
        # Complete, abandoned, cancelled or its link expired: nothing a wait could see is
        # coming (a new link comes from this tab's own resend, answered by that request).
        return Wait.SKIPPED
    # Read before the rollback expires a model object: reading after would reload the row and
    # open a transaction that holds a pooled connection for the whole wait.
    attempt_id, client_id, updated_at = attempt.id, attempt.client_id, attempt.updated_at
    changes_at = _changes_by_time_at(attempt)
    db.session.rollback()  # ends any read: the connection goes back to the pool
    watcher = watcher_for(current_app._get_current_object())
    return watcher.wait(attempt_id, client_id, network, updated_at, changes_at, timeout)


def reload_attempt(attempt: Attempt) -> Attempt:
    """The attempt as it is now; NotFound if it was deleted meanwhile (cleanup)."""
    try:
        db.session.refresh(attempt)
    except InvalidRequestError:
        raise NotFound(_l("No such request.")) from None
    return attempt


def _changes_by_time_at(attempt: Attempt) -> datetime:
    """When a pending attempt's version next changes with no write: its link expiring, or the
    attempt being abandoned."""
    return min(attempt.expire_at, attempt.abandon_at)


def newest_email(attempt_id: str) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.attempt_id == attempt_id)
        .order_by(OutboxMessage.created_at.desc())
        .limit(1)
    )


def view_attempt(
    attempt: Attempt | Row, now: datetime, last_message: OutboxMessage | EmailState | None
) -> AttemptView:
    """What the waiting tab shows, given the attempt and its newest email (see newest_email)."""
    status = public_status(attempt, now)
    verification = _verification(attempt, status, now)
    if last_message is None or last_message.status == SENT:
        delivery = "sent"
    else:
        delivery = "failed" if last_message.last_error else "pending"
    resend_at = attempt.last_sent_at + timedelta(seconds=setting("RESEND_COOLDOWN"))
    return AttemptView(
        attempt, status, verification, delivery, resend_at, attempt_version(attempt, now)
    )
