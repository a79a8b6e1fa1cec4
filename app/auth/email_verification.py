"""Verifying an address from the profile: the same one-time link, no new session (SPEC §2.6)."""

from datetime import datetime

from sqlalchemy import func, select

from app.auth.address_text import normalize_email
from app.auth.attempts import cancel_attempt, start_attempt
from app.auth.audit import record
from app.auth.email_addresses import get_email_address
from app.auth.errors import AuthError, EmailTaken, NotFound
from app.auth.origin import Origin
from app.auth.settings import setting
from app.auth.users import owner_of
from app.extensions import db
from app.i18n import _l, ngettext_l
from app.models import Attempt, EmailAddress, User
from app.models.attempts import EMAIL_ADDRESS

# Unverified addresses one user may have waiting at once: enough for real use, too few to make
# Latchkey send mail to a list of strangers.
MAX_PENDING = 5


class TooManyPending(AuthError):
    param = "email_address"
    message = ngettext_l(
        "You have %(num)d unverified address. Verify or remove it before adding another.",
        "You have %(num)d unverified addresses. Verify or remove one before adding another.",
        MAX_PENDING,
    )


def start_email_verification(
    user: User, raw_email: str | None, origin: Origin, now: datetime, sent_by: str | None = None
) -> Attempt:
    """Add the address (unverified) if it is new to the account, and email it a link.

    The link may be opened on any device (with REQUIRE_SAME_CLIENT, only in the browser that
    asked, unless an admin, `sent_by`, sent it); the tab that asked sees "verified" by itself.
    """
    email, normalized = normalize_email(raw_email)
    address = next((a for a in user.email_addresses if a.normalized == normalized), None)
    if address is not None and address.verified:
        raise EmailTaken(_l("This address is already verified on your account."))
    # The pending limit first: were it checked after the owner, a full account would answer
    # differently for taken and unknown addresses, which is the oracle enumeration protection hides.
    if address is None and _pending_count(user.id) >= MAX_PENDING:
        raise TooManyPending()
    owner = owner_of(normalized)
    taken = owner is not None and owner.id != user.id
    if taken and (sent_by or not setting("ENUMERATION_PROTECTION")):  # admins may know
        raise EmailTaken(_l("That email address is taken."))
    # With enumeration protection a taken address is accepted like any other; its owner is told
    # by email instead, and no link is sent that could move it.
    if address is None:
        address = EmailAddress(
            email=email,
            normalized=normalized,
            verification_strategy="email_link",
            created_at=now,
            updated_at=now,
        )
        user.email_addresses.append(address)
        db.session.flush()
        record("email_address.added", origin, user_id=user.id, subject_id=address.id)
    return start_attempt(
        EMAIL_ADDRESS,
        address.email,
        normalized,
        origin,
        now,
        email_case="email_address_taken" if taken else "email_address",
        user_id=user.id,
        email_address_id=address.id,
        sent_by=sent_by,
    )


def _pending_count(user_id: str) -> int:
    return db.session.scalar(
        select(func.count()).where(
            EmailAddress.user_id == user_id, EmailAddress.verified_at.is_(None)
        )
    )


def find_verification(address_id: str, user_id: str, client_id: str | None) -> Attempt:
    """The newest verification of this user's address that this browser started."""
    attempt = db.session.scalar(
        select(Attempt)
        .where(
            Attempt.email_address_id == address_id,
            Attempt.user_id == user_id,
            Attempt.client_id == client_id,
        )
        .order_by(Attempt.created_at.desc())
        .limit(1)
    )
    if attempt is None or client_id is None:
        raise NotFound(_l("No such email address verification."))
    return attempt


def cancel_email_verification(attempt: Attempt, origin: Origin, now: datetime) -> None:
    """Stop waiting: the link fails, and the address, never verified, leaves the account."""
    cancel_attempt(EMAIL_ADDRESS, attempt.id, origin, now)
    address = get_email_address(attempt.email_address_id)
    if not address.verified:
        db.session.delete(address)
        record("email_address.removed", origin, user_id=address.user_id, subject_id=address.id)
