"""Users as the flows see them: find the owner of an address, or make a new user."""

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.address_text import mask_email
from app.auth.audit import record
from app.auth.errors import EmailTaken
from app.auth.origin import Origin
from app.extensions import db
from app.models import Attempt, EmailAddress, User
from app.models.attempts import EMAIL_ADDRESS


def owner_of(normalized: str) -> User | None:
    """The user whose verified address this is, if any."""
    return db.session.scalar(
        select(User)
        .join(EmailAddress, EmailAddress.user_id == User.id)
        .where(EmailAddress.normalized == normalized, EmailAddress.verified_at.is_not(None))
    )


def account_joined_by(attempt: Attempt) -> str | None:
    """For an address verification, the account the address would join, as a stranger may be
    shown it: its primary address, partly masked. Whoever approves must see whose account it
    is, or one click adds their address to somebody else's. None for other flows."""
    if attempt.kind != EMAIL_ADDRESS:
        return None
    user = db.session.get(User, attempt.user_id)
    if user is None or user.primary_email_address is None:
        return f"account {attempt.user_id}"
    return mask_email(user.primary_email_address.email)


def create_user(
    email: str, normalized: str, now: datetime, origin: Origin | None = None, strategy="email_link"
) -> User:
    """A new user whose first, verified address is primary. Flushed, not committed."""
    user = User(created_at=now, updated_at=now)
    address = EmailAddress(
        email=email,
        normalized=normalized,
        verified_at=now,
        verification_strategy=strategy,
        created_at=now,
        updated_at=now,
    )
    user.email_addresses.append(address)
    db.session.add(user)
    db.session.flush()
    user.primary_email_address = address
    record("user.created", origin, user_id=user.id, subject_id=user.id)
    return user


@contextmanager
def unless_taken():
    """If a flush in the block finds that another request verified the same address a moment
    ago, say it is taken.

    The unique index on verified addresses decides races that the checks before cannot. The
    failed flush leaves the session unusable until rolled back, and the whole work fails with it.
    """
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise EmailTaken() from None


def flush_unless_taken() -> None:
    with unless_taken():
        db.session.flush()


def save_language(user_id: str, language: str) -> None:
    """Remember the language a signed-in user chose, for their other browsers."""
    db.session.get(User, user_id).language = language
