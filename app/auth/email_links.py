"""Opening and consuming email links: GET only looks, POST spends the link exactly once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.auth.attempts import find_attempt
from app.auth.audit import record, record_refusal
from app.auth.clients import with_client
from app.auth.errors import (
    AttemptClosed,
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
    UserBanned,
)
from app.auth.origin import Origin
from app.auth.sessions import create_session
from app.auth.settings import setting
from app.auth.tokens import hash_token, plausible_token
from app.auth.users import create_user, owner_of
from app.extensions import db
from app.models import Attempt, EmailLink, Session, User
from app.models.attempts import (
    ABANDONED,
    COMPLETE,
    EMAIL_ADDRESS,
    LINK_CANCELLED,
    LINK_CONSUMED,
    LINK_PENDING,
    LINK_REPLACED,
    PENDING,
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


def _with_attempt(error: LinkError, attempt: Attempt) -> LinkError:
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


def consume_email_link(token: str | None, origin: Origin, now: datetime) -> Completion:
    """Spend the link and complete its attempt, in one transaction.

    The requesting client gets its session at once; another client only approves, and the
    waiting tab activates its own session (`activate_attempt`). Of two requests racing for one
    link, the conditional update lets exactly one through.
    """
    try:
        link, same_client = _check_link(token, origin.client_id, now)
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
        attempt = link.attempt
        # The link is spent: only now does this browser get its client row (same transaction).
        completion = _complete(attempt, same_client, with_client(origin), now)
        db.session.flush()  # a clash with another account's address shows here, not at commit
    except LinkError as error:
        # The caller's work is rolled back with this failure; the rejection's row is kept.
        _record_rejection(error, origin, "consumed", now)
        raise
    except IntegrityError:
        # Another attempt took the same address a moment ago (made its account, or verified it
        # for another user). The failed flush leaves the session unusable until rolled back,
        # and the whole work fails with it: the link stays intact.
        db.session.rollback()
        raise AuthError(
            "Something changed while we were finishing this. Please try again."
        ) from None
    return completion


def _complete(attempt: Attempt, same_client: bool, origin: Origin, now: datetime) -> Completion:
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
    if closed != 1:
        raise LinkCancelled()
    # The update set those values on `attempt` too (the ORM's synchronize): no need to read it.
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


def activate_attempt(kind: str, attempt_id: str, origin: Origin, now: datetime) -> Completion:
    """The waiting tab's half of a cross-device sign-in: a session on the requesting client.

    Works once, on the client that started the attempt, and only for EMAIL_LINK_TTL after
    the approval: an approval nobody picks up does not stay redeemable.
    """
    attempt = find_attempt(kind, attempt_id, origin.client_id)
    if attempt.status == ABANDONED or attempt.status == PENDING:
        raise AttemptClosed("This request has not been approved.")
    window = timedelta(seconds=setting("EMAIL_LINK_TTL"))
    won = db.session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == COMPLETE,
            Attempt.activated_at.is_(None),
            Attempt.completed_at > now - window,
        )
        .values(activated_at=now, updated_at=now)
    ).rowcount
    if won != 1:
        raise AttemptClosed("This sign-in was already finished, or its approval has expired.")
    user = db.session.get(User, attempt.user_id)
    if user is None or user.banned:
        raise UserBanned()
    session = create_session(user, origin, now)
    record(f"{kind}.completed", origin, user_id=user.id, subject_id=attempt.id)
    return Completion(attempt, session)
