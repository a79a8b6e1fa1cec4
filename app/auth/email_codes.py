"""Typing the code from the email instead of opening its link (SPEC §10)."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.auth.attempt_views import public_status
from app.auth.attempts import fail_attempt
from app.auth.audit import record_rejection
from app.auth.codes import code_matches, read_code
from app.auth.email_links import Completion, spend_link
from app.auth.errors import (
    AttemptClosed,
    AttemptFailed,
    CodeAlreadyUsed,
    CodeExpired,
    CodeIncorrect,
    CodeReplaced,
    LinkAlreadyUsed,
    NotFound,
    RateLimited,
)
from app.auth.origin import Origin
from app.auth.settings import setting
from app.extensions import db
from app.models import Attempt, EmailLink
from app.models.attempts import COMPLETE, LINK_PENDING, PENDING, TOO_MANY_CODES
from app.unit_of_work import keep

MAX_WRONG_CODES = 5  # per attempt: the fifth wrong code fails it, link included
ADDRESS_WINDOW = timedelta(days=1)  # WRONG_CODES_PER_ADDRESS counts the codes of this window
TOO_MANY_FOR_ADDRESS = (
    "Too many wrong codes were entered for this address today. "
    "Use the link in the email, or try the code again in {s}."
)


def redeem_code(attempt: Attempt, text, origin: Origin, now: datetime) -> Completion:
    """The code typed in the tab that asked (`attempt` is found for this browser only): it
    completes the attempt here exactly as its link opened in this browser would, and spends the
    link with it. A wrong one counts towards MAX_WRONG_CODES and the address's daily allowance,
    and both counts stand although the request fails."""
    if not setting("EMAIL_CODE_ENABLED"):
        raise NotFound("Codes are turned off on this site: use the link in the email.")
    code = read_code(text)
    if attempt.status == COMPLETE:
        raise CodeAlreadyUsed()
    if public_status(attempt, now) != PENDING:
        raise AttemptFailed(attempt.closed_reason) if attempt.closed_reason else AttemptClosed()
    links = db.session.scalars(
        select(EmailLink).where(EmailLink.attempt_id == attempt.id).order_by(EmailLink.created_at)
    ).all()
    live = next((link for link in links if link.status == LINK_PENDING), None)
    if live is None or live.code_hash is None:  # sent while codes were off
        raise AttemptClosed("The email for this request has no code: use its link.")
    _check_address_allowance(attempt.normalized, now)
    if live.expire_at <= now:
        raise CodeExpired()
    if code_matches(live.code_hash, code, live.id):
        try:
            return spend_link(live, True, origin, now)
        except LinkAlreadyUsed:  # the link, a moment ago
            raise CodeAlreadyUsed() from None
    if any(code_matches(link.code_hash, code, link.id) for link in links if link is not live):
        raise CodeReplaced()  # no guess: an old email's code is right, only no longer live
    _count_wrong_code(attempt, origin, now)


def _count_wrong_code(attempt: Attempt, origin: Origin, now: datetime):
    # Both writes are conditional and stand whatever the request's end: of twenty wrong codes
    # racing, exactly MAX_WRONG_CODES are counted and the attempt fails once.
    keep(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == PENDING,
            Attempt.code_failures < MAX_WRONG_CODES,
        )
        .values(code_failures=Attempt.code_failures + 1)
    )
    failures = attempt.code_failures + 1
    fail_attempt(
        attempt,
        TOO_MANY_CODES,
        now,
        Attempt.code_failures >= MAX_WRONG_CODES,
        shown=failures >= MAX_WRONG_CODES,
    )
    record_rejection("code.rejected", origin, now, user_id=attempt.user_id, subject_id=attempt.id)
    raise CodeIncorrect(max(0, MAX_WRONG_CODES - failures))


def _check_address_allowance(normalized: str, now: datetime) -> None:
    """Refuse every code for an address that had WRONG_CODES_PER_ADDRESS wrong ones in a day,
    from whoever asked: an attacker starting attempt after attempt for one address would
    otherwise get five guesses per email the quotas allow. Its links still work."""
    since = now - ADDRESS_WINDOW
    wrong, oldest = db.session.execute(
        select(
            func.coalesce(func.sum(Attempt.code_failures), 0), func.min(Attempt.created_at)
        ).where(
            Attempt.normalized == normalized,
            Attempt.created_at > since,
            Attempt.code_failures > 0,
        )
    ).one()
    if wrong >= setting("WRONG_CODES_PER_ADDRESS"):
        # A wrong code counts from its attempt's start (an attempt lives a day at most).
        raise RateLimited((oldest - since).total_seconds(), TOO_MANY_FOR_ADDRESS)
