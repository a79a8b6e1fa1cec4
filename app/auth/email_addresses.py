"""A user's email addresses: add, verify, make primary, remove, with the rules of SPEC §7."""

from datetime import datetime

from sqlalchemy import func, select

from app.auth.address_text import normalize_email
from app.auth.audit import record
from app.auth.errors import AuthError, EmailTaken, FormParamInvalid, NotFound
from app.auth.origin import Origin
from app.auth.users import flush_unless_taken, owner_of
from app.extensions import db
from app.i18n import _l
from app.models import EmailAddress, User


def get_email_address(address_id: str, user_id: str | None = None) -> EmailAddress:
    """The address; with user_id, only if it is that user's (others get NotFound)."""
    address = db.session.get(EmailAddress, address_id)
    if address is None or (user_id is not None and address.user_id != user_id):
        raise NotFound(_l("No email address with that id."))
    return address


def add_email_address(
    user: User,
    raw_email: str | None,
    now: datetime,
    *,
    verified: bool = False,
    primary: bool = False,
    origin: Origin | None = None,
    actor_id: str | None = None,
) -> EmailAddress:
    """Add an address to a user; verified ones are checked against every other user's."""
    email, normalized = normalize_email(raw_email)
    if any(a.normalized == normalized for a in user.email_addresses):
        raise EmailTaken(_l("This address is already on the account."))
    if verified and owner_of(normalized) is not None:
        raise EmailTaken()
    if primary and not verified:
        raise FormParamInvalid(_l("Only a verified address can be primary."), param="primary")
    address = EmailAddress(
        email=email,
        normalized=normalized,
        verified_at=now if verified else None,
        verification_strategy="admin" if verified else None,
        created_at=now,
        updated_at=now,
    )
    user.email_addresses.append(address)
    db.session.flush()
    if primary or (verified and user.primary_email_address_id is None):
        user.primary_email_address = address
    record("email_address.added", origin, user_id=user.id, subject_id=address.id, actor_id=actor_id)
    flush_unless_taken()
    return address


def mark_verified(
    address: EmailAddress, now: datetime, origin: Origin | None = None, actor_id=None
) -> None:
    if address.verified:
        return
    if owner_of(address.normalized) is not None:
        raise EmailTaken()
    address.verified_at = now
    address.verification_strategy = "admin"
    if address.user.primary_email_address_id is None:
        address.user.primary_email_address = address
    record(
        "email_address.verified",
        origin,
        user_id=address.user_id,
        subject_id=address.id,
        actor_id=actor_id,
    )
    flush_unless_taken()


def make_primary(address: EmailAddress, origin: Origin | None = None, actor_id=None) -> None:
    """The primary address must be verified (SPEC §7)."""
    if not address.verified:
        raise FormParamInvalid(_l("Verify this address before making it primary."), param="primary")
    address.user.primary_email_address = address
    db.session.flush()  # the user's primary_email_address_id follows the relationship now
    record(
        "email_address.made_primary",
        origin,
        user_id=address.user_id,
        subject_id=address.id,
        actor_id=actor_id,
    )


def remove_email_address(address: EmailAddress, origin: Origin | None = None, actor_id=None):
    """Never the last verified address; the primary only once another is primary."""
    user = address.user
    if address.id == user.primary_email_address_id:
        raise AuthError(_l("Make another address primary before removing this one."))
    if address.verified:
        verified = db.session.scalar(
            select(func.count()).where(
                EmailAddress.user_id == user.id, EmailAddress.verified_at.is_not(None)
            )
        )
        if verified <= 1:
            raise AuthError(_l("The last verified address cannot be removed."))
    db.session.delete(address)
    record(
        "email_address.removed", origin, user_id=user.id, subject_id=address.id, actor_id=actor_id
    )
