"""Opening and consuming email links: GET only looks, POST spends the link exactly once."""

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth.attempts import close_links, fail_attempt
from app.auth.audit import record, record_refusal
from app.auth.clients import with_client
from app.auth.errors import (
    AttemptFailed,
    AuthError,
    ClientMismatch,
    LinkAddressTaken,
    LinkAlreadyUsed,
    LinkCancelled,
    LinkError,
    LinkExpired,
    LinkInvalid,
    LinkReplaced,
    LinkUserBanned,
    NumberMissing,
)
from app.auth.origin import Origin
from app.auth.sessions import create_session
from app.auth.settings import setting
from app.auth.tokens import hash_token, plausible_token
from app.auth.users import create_user, owner_of
from app.extensions import db
from app.i18n import _l
from app.models import Attempt, EmailLink, Session
from app.models.attempts import (
    ABANDONED,
    COMPLETE,
    DENIED,
    EMAIL_ADDRESS,
    LINK_CANCELLED,
    LINK_CONSUMED,
    LINK_PENDING,
    LINK_REPLACED,
    PENDING,
    WRONG_NUMBER,
)

_LINK_ERRORS = {
    LINK_CONSUMED: LinkAlreadyUsed,
    LINK_REPLACED: LinkReplaced,
    LINK_CANCELLED: LinkCancelled,
}


@dataclass(frozen=True)
class OpenedLink:
    attempt: Attempt
    same_client: bool


@dataclass(frozen=True)
class Completion:
    attempt: Attempt
    session: Session | None  # made on this client when it is the requesting one


def _check_link(token: str | None, client_id: str | None, now: datetime) -> tuple[EmailLink, bool]:
    if not plausible_token(token):
        raise LinkInvalid()
    link = db.session.scalar(
        select(EmailLink)
        .options(joinedload(EmailLink.attempt))
        .where(EmailLink.token_hash == hash_token(token))
    )
    if link is None:
        raise LinkInvalid()
    attempt = link.attempt
    if attempt.closed_reason and link.status in (LINK_PENDING, LINK_CANCELLED):
        raise _with_attempt(AttemptFailed(attempt.closed_reason), attempt)  # stopped: say why
    error = _LINK_ERRORS.get(link.status)
    if error is None and attempt.status != PENDING:
        error = LinkCancelled
    if error is None and (link.expire_at <= now or attempt.abandon_at <= now):
        error = LinkExpired
    if error is not None:
        raise _with_attempt(error(), attempt)
    same_client = client_id is not None and attempt.client_id == client_id
    # Address verification too: approved from another browser, a stranger's address could be
    # planted on the asker's account. One an admin sent is for the owner to open anywhere.
    if not same_client and setting("REQUIRE_SAME_CLIENT") and attempt.sent_by is None:
        raise _with_attempt(ClientMismatch(), attempt)
    return link, same_client


def _with_attempt(error: AuthError, attempt: Attempt) -> AuthError:
    error.attempt = attempt
    return error


def open_email_link(token: str | None, origin: Origin, now: datetime) -> OpenedLink:
    """What the link is for, without spending it: mail scanners may open links freely."""
    try:
        link, same_client = _check_link(token, origin.client_id, now)
    except LinkError as error:
        _record_rejection(error, origin, "opened", now)
        raise
    record("link.opened", origin, user_id=link.attempt.user_id, subject_id=link.attempt_id)
    return OpenedLink(link.attempt, same_client)


def _record_rejection(error: LinkError, origin: Origin, stage: str, now: datetime) -> None:
    event = "link.expired" if isinstance(error, LinkExpired) else "link.rejected"
    attempt = getattr(error, "attempt", None)
    record_refusal(event, attempt, origin, now, reason=type(error).__name__, stage=stage)


def shown_match_number(attempt) -> str | None:
    """The number the waiting tab shows (SPEC §10), when another browser may approve and must
    type it."""
    if setting("CROSS_DEVICE_NUMBER_MATCH") and not setting("REQUIRE_SAME_CLIENT"):
        return attempt.match_number
    return None


def needs_number(attempt: Attempt, same_client: bool) -> bool:
    """Whether approving this attempt asks for the waiting tab's number (SPEC §10): a sign-in
    or sign-up opened in another browser. Without it, an attacker who starts a sign-in for
    somebody's address is signed in by that person's one careless tap on "approve"."""
    return (
        not same_client
        and attempt.match_number is not None  # address verification has none
        and setting("CROSS_DEVICE_NUMBER_MATCH")
    )


def consume_email_link(
    token: str | None, origin: Origin, now: datetime, number: str | None = None
) -> Completion:
    """Spend the link and complete its attempt, in one transaction.

    The requesting client gets its session at once; another client only approves, with the
    waiting tab's `number` if it must (needs_number), and the waiting tab activates its own
    session (`activate_attempt`). Of two requests racing for one link, the conditional update
    lets exactly one through.
    """
    try:
        link, same_client = _check_link(token, origin.client_id, now)
        if needs_number(link.attempt, same_client):
            _check_number(link.attempt, number, origin, now)
        completion = spend_link(link, same_client, origin, now)
    except LinkError as error:
        # The caller's work is rolled back with this failure; the rejection's row is kept.
        _record_rejection(error, origin, "consumed", now)
        raise
    return completion


def _check_number(attempt: Attempt, number: str | None, origin: Origin, now: datetime) -> None:
    typed = "".join((number or "").split())
    if not (len(typed) == 2 and typed.isascii() and typed.isdigit()):
        # Not a try: nothing was typed, or no number. The page asks again.
        raise _with_attempt(NumberMissing(), attempt)
    if hmac.compare_digest(typed, attempt.match_number):
        return
    # One try: two digits are guessed one time in ninety.
    if not fail_attempt(attempt, WRONG_NUMBER, origin, now):
        raise _with_attempt(LinkAlreadyUsed(), attempt)  # finished a moment ago, in its own tab
    raise _with_attempt(AttemptFailed(WRONG_NUMBER), attempt)


def spend_link(link: EmailLink, same_client: bool, origin: Origin, now: datetime) -> Completion:
    """Spend a checked link (opened, or its code typed) and complete its attempt.

    The attempt's row is written before its link's, as in every flow (cancel, resend, deny, a
    code's try): racing requests wait for one another at the attempt, and never deadlock."""
    attempt = link.attempt
    _close(attempt, same_client, now)
    won = db.session.execute(
        update(EmailLink)
        .where(
            EmailLink.id == link.id,
            EmailLink.status == LINK_PENDING,
            EmailLink.expire_at > now,
        )
        .values(status=LINK_CONSUMED, consumed_at=now)
    ).rowcount
    if won != 1:
        raise LinkAlreadyUsed()
    try:
        # The link is spent: only now does this browser get its client row (same transaction).
        completion = _complete(attempt, same_client, with_client(origin), now)
        db.session.flush()  # a clash with another account's address shows here, not at commit
    except IntegrityError:
        # Another attempt took the same address a moment ago (made its account, or verified it
        # for another user). The failed flush leaves the session unusable until rolled back,
        # and the whole work fails with it: the link stays intact.
        db.session.rollback()
        raise AuthError(
            _l("Something changed while we were finishing this. Please try again.")
        ) from None
    return completion


def _close(attempt: Attempt, same_client: bool, now: datetime) -> None:
    closed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == PENDING)
        .values(
            status=COMPLETE,
            completed_at=now,
            updated_at=now,
            verified_from_same_client=same_client,
        )
    ).rowcount
    if closed != 1:  # a racing request finished it, or it was cancelled, a moment ago
        db.session.refresh(attempt)
        raise LinkAlreadyUsed() if attempt.status == COMPLETE else LinkCancelled()
    # The update set those values on `attempt` too (the ORM's synchronize): no need to read it.


def deny_email_link(token: str | None, origin: Origin, now: datetime) -> Attempt:
    """ "This wasn't me" on the approval page: the attempt ends with its link and code, and its
    waiting tab says it was stopped from the email."""
    try:
        link, _ = _check_link(token, origin.client_id, now)
    except LinkError as error:
        _record_rejection(error, origin, "denied", now)
        raise
    attempt = link.attempt
    if attempt.match_number is None:  # address verification asks nothing, and denies nothing
        raise _with_attempt(LinkInvalid(), attempt)
    closed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == PENDING)
        .values(status=ABANDONED, closed_reason=DENIED, cancelled_at=now, updated_at=now)
    ).rowcount
    if closed != 1:  # approved, or cancelled, a moment ago
        raise _with_attempt(LinkAlreadyUsed(), attempt)
    close_links(attempt.id, LINK_CANCELLED)
    record(f"{attempt.kind}.denied", origin, user_id=attempt.user_id, subject_id=attempt.id)
    return attempt


def _complete(attempt: Attempt, same_client: bool, origin: Origin, now: datetime) -> Completion:
    record("link.consumed", origin, user_id=attempt.user_id, subject_id=attempt.id)
    if attempt.kind == EMAIL_ADDRESS:
        _verify_address(attempt, origin, now)
        return Completion(attempt, None)
    user = owner_of(attempt.normalized)
    if user is None:
        user = create_user(attempt.email, attempt.normalized, now, origin)
    if user.banned:
        raise _with_attempt(LinkUserBanned(), attempt)
    attempt.user_id = user.id
    session = None
    if same_client:
        attempt.activated_at = now  # before create_session's queries flush it: one UPDATE
        session = create_session(user, origin, now)
        record(f"{attempt.kind}.completed", origin, user_id=user.id, subject_id=attempt.id)
    else:
        record(f"{attempt.kind}.approved", origin, user_id=user.id, subject_id=attempt.id)
    return Completion(attempt, session)


def _verify_address(attempt: Attempt, origin: Origin, now: datetime) -> None:
    address = attempt.email_address
    owner = owner_of(attempt.normalized)
    if owner is not None and owner.id != address.user_id:
        raise _with_attempt(LinkAddressTaken(), attempt)
    address.verified_at = now
    address.verification_strategy = "email_link"
    user = address.user
    if user.primary_email_address_id is None:
        user.primary_email_address = address
    record("email_address.verified", origin, user_id=address.user_id, subject_id=address.id)
