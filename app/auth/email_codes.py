"""Typing the code from the email instead of opening its link (SPEC §10)."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from app.auth.address_text import quota_address
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
    NoCode,
    NotFound,
    RateLimited,
)
from app.auth.origin import Origin
from app.auth.rate_limits import lock_address
from app.auth.settings import setting
from app.extensions import db
from app.i18n import _l
from app.models import Attempt, EmailLink
from app.models.attempts import COMPLETE, LINK_PENDING, PENDING, TOO_MANY_CODES
from app.unit_of_work import commit_even_if_refused

MAX_WRONG_CODES = 5  # per attempt: the fifth wrong code fails it, link included
ADDRESS_WINDOW = timedelta(days=1)  # WRONG_CODES_PER_ADDRESS counts the codes of this window


def redeem_code(attempt: Attempt, text, origin: Origin, now: datetime) -> Completion:
    """The code typed in the tab that asked (`attempt` is found for this browser only): it
    completes the attempt here exactly as its link opened in this browser would, and spends the
    link with it. A wrong one counts towards MAX_WRONG_CODES and the address's daily allowance,
    and the count stands although the request is refused."""
    if not setting("EMAIL_CODE_ENABLED"):
        raise NotFound(_l("Codes are turned off on this site: use the link in the email."))
    code = read_code(text)
    if public_status(attempt, now) != PENDING:
        raise _refusal_of_closed(attempt)
    links = db.session.scalars(
        select(EmailLink).where(EmailLink.attempt_id == attempt.id).order_by(EmailLink.created_at)
    ).all()
    live = next((link for link in links if link.status == LINK_PENDING), None)
    if live is None:  # spent or closed by a racing request since `attempt` was read
        db.session.refresh(attempt)
        raise _refusal_of_closed(attempt) if attempt.status != PENDING else AttemptClosed()
    if live.code_hash is None:  # sent while codes were off
        raise NoCode()
    _check_address_allowance(attempt.normalized, now)
    if live.expire_at <= now:
        raise CodeExpired()
    if any(code_matches(link.code_hash, code, link.id) for link in links if link is not live):
        raise CodeReplaced()  # not a guess: an older email's code, right but no longer live
    tries = _take_a_try(attempt, now)
    if code_matches(live.code_hash, code, live.id):
        db.session.execute(  # a right code is no wrong one (the address's allowance counts them)
            update(Attempt)
            .where(Attempt.id == attempt.id)
            .values(code_failures=Attempt.code_failures - 1)
            .execution_options(synchronize_session=False)
        )
        try:
            return spend_link(live, True, origin, now)
        except LinkAlreadyUsed:  # the link, a moment ago
            raise CodeAlreadyUsed() from None
    # A wrong code: its try stays taken, and the work stands although the answer is a 422.
    commit_even_if_refused()
    record_rejection("code.rejected", origin, now, user_id=attempt.user_id, subject_id=attempt.id)
    if tries >= MAX_WRONG_CODES:
        fail_attempt(attempt, TOO_MANY_CODES, origin, now)
    raise CodeIncorrect(MAX_WRONG_CODES - tries)


def _take_a_try(attempt: Attempt, now: datetime) -> int:
    """Count one more code for the attempt before comparing it; the number taken so far.

    The conditional UPDATE holds the attempt's row until the request ends (PostgreSQL's row
    lock, SQLite's one writer): of any number of codes racing for one attempt, each compares
    only once it holds a try, so no more than MAX_WRONG_CODES are ever compared. A right code
    gives its try back."""
    tries = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == PENDING,
            Attempt.code_failures < MAX_WRONG_CODES,
        )
        .values(code_failures=Attempt.code_failures + 1, last_code_at=now)
        .returning(Attempt.code_failures)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if tries is None:  # finished, stopped or out of tries while this request waited
        db.session.refresh(attempt)
        raise _refusal_of_closed(attempt)
    return tries


def _refusal_of_closed(attempt: Attempt):
    if attempt.status == COMPLETE:
        return CodeAlreadyUsed()
    if attempt.closed_reason:
        return AttemptFailed(attempt.closed_reason)
    return AttemptClosed()


def _check_address_allowance(normalized: str, now: datetime) -> None:
    """Refuse every code for an address that had WRONG_CODES_PER_ADDRESS wrong ones in a day,
    from whoever asked: an attacker starting attempt after attempt for one address would
    otherwise get five guesses per email the quotas allow. Its links still work."""
    if not setting("RATELIMIT_ENABLED"):
        return
    # The mailbox's row first, as an email's quota does: racing codes for one address, over
    # any number of attempts, take their turns here, and each counts the others' wrong codes.
    lock_address(quota_address(normalized), now)
    since = now - ADDRESS_WINDOW
    # An attempt's wrong codes count for a day from its last one: an attempt lives a day, and
    # counting from its start would let codes typed at the end of its life go uncounted.
    wrong, oldest = db.session.execute(
        select(
            func.coalesce(func.sum(Attempt.code_failures), 0), func.min(Attempt.last_code_at)
        ).where(Attempt.normalized == normalized, Attempt.last_code_at > since)
    ).one()
    if wrong >= setting("WRONG_CODES_PER_ADDRESS"):
        retry_after = (oldest - since) if oldest is not None else ADDRESS_WINDOW
        raise RateLimited(retry_after.total_seconds(), "codes_paused")
