"""Email-link attempts, whatever the flow: start, resend, cancel (what a tab sees of one:
attempt_views.py)."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update

from app import mail
from app.auth.attempt_views import public_status
from app.auth.audit import record
from app.auth.codes import hash_code, make_code
from app.auth.errors import AttemptClosed, NotFound, RateLimited
from app.auth.origin import Origin
from app.auth.rate_limits import check_address_quota
from app.auth.settings import setting
from app.auth.tokens import hash_token, make_token
from app.auth.user_agents import describe
from app.auth.users import account_joined_by, owner_of
from app.extensions import db
from app.i18n import _l
from app.ids import new_id
from app.models import Attempt, EmailLink, OutboxMessage
from app.models.attempts import (
    ABANDONED,
    EMAIL_ADDRESS,
    ID_PREFIXES,
    LINK_CANCELLED,
    LINK_PENDING,
    LINK_REPLACED,
    PENDING,
)
from app.oauth.applications import asking_app_name
from app.unit_of_work import commit_even_if_refused

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
        # Shown by the waiting tab, asked by a cross-device approval (SPEC §10): 10 to 99, so
        # it is two digits however it is read. Address verification has none.
        match_number=None if kind == EMAIL_ADDRESS else str(10 + secrets.randbelow(90)),
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
    """A fresh link for the attempt, and its code, and the email that carries them, made
    without the database; _add_link adds them."""
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
    with_link = email_case not in CASES_WITHOUT_LINK
    code = make_code() if setting("EMAIL_CODE_ENABLED") else None
    if code is not None:
        # Made even when it is not sent (an email without a link, or one an admin sent that no
        # waiting tab of the owner's could take): its code form then answers as any other, so
        # it tells nobody that the address belongs to another account.
        link.code_hash = hash_code(code, link.id)
    if not with_link or attempt.sent_by is not None:
        code = None
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
        url=url if with_link else None,
        code=code,
        expires_in=ttl,
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
        raise NotFound(_l("No such request."))
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
        raise RateLimited(wait, "resend_cooldown")
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
    close_links(attempt.id, LINK_REPLACED)
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
    close_links(attempt.id, LINK_CANCELLED)
    record(f"{kind}.cancelled", origin, user_id=attempt.user_id, subject_id=attempt.id)
    return attempt


def fail_attempt(attempt: Attempt, reason: str, origin: Origin, now: datetime) -> bool:
    """Stop a pending attempt for safety (TOO_MANY_CODES, WRONG_NUMBER): its link and code die
    with it (a link of a closed attempt is refused) and its waiting tab says why. The work and
    its `<kind>.failed` audit row stand although the request that caused it is refused. False
    if it was no longer pending (finished a moment ago)."""
    stopped = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == PENDING)
        .values(status=ABANDONED, closed_reason=reason, cancelled_at=now, updated_at=now)
    ).rowcount
    commit_even_if_refused()
    if stopped != 1:
        return False
    record(
        f"{attempt.kind}.failed",
        origin,
        user_id=attempt.user_id,
        subject_id=attempt.id,
        reason=reason,
    )
    return True


def close_links(attempt_id: str, status: str) -> None:
    """Every still-pending link of the attempt: replaced, or cancelled with it."""
    db.session.execute(
        update(EmailLink)
        .where(EmailLink.attempt_id == attempt_id, EmailLink.status == LINK_PENDING)
        .values(status=status)
    )
