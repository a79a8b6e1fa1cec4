"""Email-link attempts, whatever the flow: start, resend, cancel, and the status a tab sees."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, select, update
from sqlalchemy.exc import InvalidRequestError

from app import clock, mail
from app.auth.audit import record
from app.auth.errors import AttemptClosed, NotFound, RateLimited
from app.auth.origin import Origin
from app.auth.rate_limits import check_address_quota
from app.auth.settings import setting
from app.auth.status_poll import EmailState
from app.auth.tokens import hash_token, make_token
from app.auth.user_agents import describe
from app.auth.users import account_joined_by, owner_of
from app.auth.watcher import Wait, watcher_for
from app.clock import to_ms
from app.extensions import db
from app.ids import new_id
from app.models import Attempt, EmailLink, OutboxMessage
from app.models.attempts import (
    ABANDONED,
    COMPLETE,
    ID_PREFIXES,
    LINK_CANCELLED,
    LINK_PENDING,
    LINK_REPLACED,
    PENDING,
)
from app.models.mail import SENT
from app.oauth.applications import asking_app_name

ABANDON_AFTER = timedelta(hours=24)

# What each email says is in templates/email/wording/<case>.txt: one case per flow and what the
# server found (SPEC §2, enumeration protection). These cases only inform, with no link: somebody
# asked to add an address that another account owns, and no link could work.
CASES_WITHOUT_LINK = frozenset({"email_address_taken"})


def start_attempt(
    kind: str,
    email: str,
    normalized: str,
    origin: Origin,
    now: datetime,
    *,
    email_case: str,
    user_id: str | None = None,
    email_address_id: str | None = None,
    redirect_url: str | None = None,
    sent_by: str | None = None,
) -> Attempt:
    """Record an attempt bound to the requesting client, and email it a one-time link."""
    attempt = Attempt(
        id=new_id(ID_PREFIXES[kind]),
        kind=kind,
        client_id=origin.client_id,
        email=email,
        normalized=normalized,
        user_id=user_id,
        email_address_id=email_address_id,
        redirect_url=redirect_url,
        sent_by=sent_by,
        requester_ip=origin.ip,
        requester_user_agent=origin.user_agent[:512],
        expire_at=now,
        last_sent_at=now,
        abandon_at=now + ABANDON_AFTER,
        created_at=now,
        updated_at=now,
    )
    link, message = _new_link(attempt, origin, now, email_case)
    # The attempt's writes come after the rendering: SQLite has one writer at a time, and the
    # time from a transaction's first write to its commit is time every other writer waits.
    check_address_quota(normalized, origin, now).charge(message)
    db.session.add(attempt)
    _add_link(attempt, link, message, origin)
    record(f"{kind}.started", origin, user_id=user_id, subject_id=attempt.id)
    db.session.flush()  # the caller reads the attempt as stored (its defaults set)
    return attempt


def _new_link(
    attempt: Attempt, origin: Origin, now: datetime, email_case: str
) -> tuple[EmailLink, OutboxMessage]:
    """A fresh link for the attempt, and the email that carries it, made without the database;
    _add_link adds them."""
    token = make_token()
    ttl = setting("EMAIL_LINK_TTL")
    attempt.expire_at = now + timedelta(seconds=ttl)
    attempt.last_sent_at = now
    link = EmailLink(
        id=new_id("eml"),
        attempt_id=attempt.id,
        token_hash=hash_token(token),
        expire_at=attempt.expire_at,
    )
    url = f"{setting('PUBLIC_URL')}/verify?token={token}"
    message = mail.render_email(
        "email_link",
        attempt.email,
        attempt.normalized,
        now,
        attempt_id=attempt.id,
        case=email_case,
        # Whoever verifies an address is shown the account it joins (a stranger must not be led
        # to add their address to somebody else's account by one click).
        account=account_joined_by(attempt),
        # An app's sign-in (SPEC §9) says which app the person goes on to.
        app_name=asking_app_name(attempt.redirect_url),
        url=None if email_case in CASES_WITHOUT_LINK else url,
        minutes=max(1, ttl // 60),
        expire_at=attempt.expire_at,
        requester=describe(origin.user_agent),
        requested_at=now,
        ip=origin.ip,
    )
    return link, message


def _add_link(attempt: Attempt, link: EmailLink, message: OutboxMessage, origin: Origin) -> None:
    db.session.add(link)
    mail.send_when_committed(message)
    record("link.issued", origin, user_id=attempt.user_id, subject_id=attempt.id, link=link.id)


def find_attempt(kind: str, attempt_id: str, client_id: str | None) -> Attempt:
    """The attempt if this client started it; any other client gets NotFound (SPEC §4)."""
    attempt = db.session.get(Attempt, attempt_id) if client_id else None
    if attempt is None or attempt.kind != kind or attempt.client_id != client_id:
        raise NotFound("No such request.")
    return attempt


def resend_link(kind: str, attempt_id: str, origin: Origin, now: datetime) -> Attempt:
    """Email a new link for a pending attempt; the previous link stops working."""
    attempt = find_attempt(kind, attempt_id, origin.client_id)
    if public_status(attempt, now) != PENDING:
        raise AttemptClosed()
    wait = (
        attempt.last_sent_at + timedelta(seconds=setting("RESEND_COOLDOWN")) - now
    ).total_seconds()
    if wait > 0 and setting("RATELIMIT_ENABLED"):
        raise RateLimited(wait, "You can request another email in {s}.")
    quota = check_address_quota(attempt.normalized, origin, now)
    # Only a still-pending attempt may get a link: a consume that won a moment ago keeps it closed.
    # The cooldown is part of the condition: of two resends racing, one sends.
    claimed = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == PENDING,
            Attempt.last_sent_at == attempt.last_sent_at,
        )
        .values(last_sent_at=now)
    )
    if claimed.rowcount != 1:
        raise AttemptClosed()
    _close_links(attempt.id, LINK_REPLACED)
    link, message = _new_link(attempt, origin, now, email_case_for_resend(attempt))
    quota.charge(message)
    _add_link(attempt, link, message, origin)
    return attempt


def email_case_for_resend(attempt: Attempt) -> str:
    if attempt.kind == "sign_in":
        return "sign_in" if attempt.user_id else "sign_in_unknown"
    if attempt.kind == "sign_up":
        return "sign_up_existing" if attempt.user_id else "sign_up"
    owner = owner_of(attempt.normalized)
    return "email_address_taken" if owner and owner.id != attempt.user_id else "email_address"


def cancel_attempt(kind: str, attempt_id: str, origin: Origin, now: datetime) -> Attempt:
    """Stop a pending attempt: its link fails from now on."""
    attempt = find_attempt(kind, attempt_id, origin.client_id)
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == PENDING)
        .values(status=ABANDONED, cancelled_at=now, updated_at=now)
    )
    if result.rowcount != 1:
        raise AttemptClosed()
    _close_links(attempt.id, LINK_CANCELLED)
    record(f"{kind}.cancelled", origin, user_id=attempt.user_id, subject_id=attempt.id)
    return attempt


def _close_links(attempt_id: str, status: str) -> None:
    db.session.execute(
        update(EmailLink)
        .where(EmailLink.attempt_id == attempt_id, EmailLink.status == LINK_PENDING)
        .values(status=status)
    )


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
        raise NotFound("No such request.") from None
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
