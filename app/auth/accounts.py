"""Users as administrators and backends manage them: create, find, change, ban, delete."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.auth.address_text import normalize_email
from app.auth.audit import record
from app.auth.email_addresses import get_email_address, make_primary
from app.auth.email_verification import start_email_verification
from app.auth.errors import EmailTaken, FormParamInvalid, NotFound, OwnAccount
from app.auth.origin import Origin
from app.auth.sessions import revoke_user_sessions
from app.auth.users import create_user, flush_unless_taken, owner_of, unless_taken
from app.extensions import db
from app.i18n import _l
from app.models import EmailAddress, User

PRIMARY_EMAIL = (
    select(EmailAddress.normalized)
    .where(EmailAddress.id == User.primary_email_address_id)
    .scalar_subquery()
)
# Every order the SDKs offer; fields Latchkey does not have (all null) fall back to the id.
ORDERINGS = {
    "created_at": User.created_at,
    "updated_at": User.updated_at,
    "last_sign_in_at": User.last_sign_in_at,
    "last_active_at": User.last_sign_in_at,
    "first_name": User.first_name,
    "last_name": User.last_name,
    "email_address": PRIMARY_EMAIL,
    "username": User.id,
    "phone_number": User.id,
    "web3wallet": User.id,
}


@dataclass(frozen=True)
class UserQuery:
    """Which users, in which order; /v1 checks a request's values against ORDERINGS and its own
    limits (app/v1/inputs.py) before they get here."""

    email_addresses: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    query: str = ""
    limit: int = 10
    offset: int = 0
    order_by: str = "-created_at"


def get_user(user_id: str) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No user with that id."))
    return user


def create_user_with_addresses(
    raw_emails: list[str],
    now: datetime,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    public_metadata: dict | None = None,
    origin: Origin | None = None,
    actor_id: str | None = None,
) -> User:
    """A user whose addresses are all verified (the first is primary): they were vouched for."""
    checked = [normalize_email(raw) for raw in raw_emails]
    keys = [normalized for _, normalized in checked]
    if len(set(keys)) != len(keys) or any(owner_of(key) for key in keys):
        raise EmailTaken(param="email_address")
    first_email, first_key = checked[0]
    with unless_taken():  # the checks above cannot see a request racing this one
        user = create_user(first_email, first_key, now, origin, strategy="admin")
    for email, normalized in checked[1:]:
        user.email_addresses.append(
            EmailAddress(
                email=email,
                normalized=normalized,
                verified_at=now,
                verification_strategy="admin",
                created_at=now,
                updated_at=now,
            )
        )
    user.first_name, user.last_name = first_name, last_name
    user.public_metadata = public_metadata or {}
    record("user.created_by_admin", origin, user_id=user.id, subject_id=user.id, actor_id=actor_id)
    flush_unless_taken()
    return user


def _filtered(query: UserQuery):
    statement = select(User)
    if query.email_addresses:
        keys = [address.strip().lower() for address in query.email_addresses]
        statement = statement.where(
            User.id.in_(select(EmailAddress.user_id).where(EmailAddress.normalized.in_(keys)))
        )
    if query.user_ids:
        statement = statement.where(User.id.in_(query.user_ids))
    if query.query:
        pattern = f"%{query.query.strip().lower()}%"
        statement = statement.where(
            User.id.in_(select(EmailAddress.user_id).where(EmailAddress.normalized.like(pattern)))
            | (User.id == query.query.strip())
        )
    return statement


def list_users(query: UserQuery) -> tuple[list[User], int]:
    """One page of users and the total that match."""
    descending = query.order_by.startswith("-")
    column = ORDERINGS[query.order_by.lstrip("+-")]
    statement = _filtered(query).order_by(
        column.desc() if descending else column.asc(), User.id.desc() if descending else User.id
    )
    users = db.session.scalars(statement.limit(query.limit).offset(query.offset)).all()
    return users, count_users(query)


def count_users(query: UserQuery) -> int:
    return db.session.scalar(select(func.count()).select_from(_filtered(query).subquery()))


def update_user(user: User, changes: dict, origin: Origin | None = None, actor_id=None) -> User:
    """Change names, metadata, external id or the primary address (which must be verified)."""
    fields = sorted(changes)
    changes = dict(changes)
    if "primary_email_address_id" in changes:
        address = get_email_address(changes.pop("primary_email_address_id"), user.id)
        make_primary(address, origin, actor_id)
    for name, value in changes.items():
        setattr(user, name, value)
    record(
        "user.updated",
        origin,
        user_id=user.id,
        subject_id=user.id,
        actor_id=actor_id,
        fields=fields,
    )
    db.session.flush()  # the caller answers with the user as stored (updated_at)
    return user


def merge_metadata(user: User, changes: dict, origin: Origin | None = None, actor_id=None):
    """Merge into public/private metadata, key by key at every level; a null removes a key."""
    for field in ("public_metadata", "private_metadata"):
        if changes.get(field) is not None:
            setattr(user, field, _merged(getattr(user, field) or {}, changes[field]))
    record("user.metadata_updated", origin, user_id=user.id, subject_id=user.id, actor_id=actor_id)
    db.session.flush()  # the caller answers with the user as stored (updated_at)
    return user


def _merged(current: dict, changes: dict) -> dict:
    result = dict(current)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def set_banned(
    user: User, banned: bool, now: datetime, origin: Origin | None = None, actor_id=None
) -> User:
    """A banned user cannot sign in by any path, and their sessions end at once."""
    if banned and actor_id == user.id:
        # An admin banning themselves would end their own session and could leave no admin.
        raise OwnAccount()
    user.banned = banned
    if banned:
        revoke_user_sessions(user.id, now)
    record(
        "user.banned" if banned else "user.unbanned",
        origin,
        user_id=user.id,
        subject_id=user.id,
        actor_id=actor_id,
    )
    db.session.flush()  # the caller answers with the user as stored (updated_at)
    return user


def delete_user(user: User, origin: Origin | None = None, actor_id=None) -> None:
    """An admin or a backend deletes another user (erase_user). A person deletes their own
    account from their profile instead (own_account), which keeps the site's last admin."""
    if actor_id == user.id:
        raise OwnAccount()
    erase_user(user, origin, actor_id)


def erase_user(user: User, origin: Origin | None, actor_id) -> None:
    """The user, their addresses, sessions, tokens and apps' grants are gone (the database
    cascades), so every browser and app of theirs is signed out; the audit log keeps their id."""
    record("user.deleted", origin, user_id=user.id, subject_id=user.id, actor_id=actor_id)
    user.primary_email_address = None
    db.session.flush()
    db.session.delete(user)


def revoke_all_sessions(
    user: User, now: datetime, origin: Origin | None = None, actor_id=None, keep=None
) -> int:
    """Every browser of the user (but `keep`) is signed out on its next request."""
    count = revoke_user_sessions(user.id, now, keep=keep)
    record(
        "user.sessions_revoked",
        origin,
        user_id=user.id,
        subject_id=user.id,
        actor_id=actor_id,
        count=count,
    )
    return count


def send_verification_link(
    user: User,
    raw_email: str | None,
    now: datetime,
    origin: Origin,
    actor_id: str,
    *,
    primary: bool = False,
):
    """An admin adds an address unverified and emails it a link; the owner verifies it.

    The link may be opened on any device, so the person who owns the address, not the admin,
    completes it. The admin's part is logged under their id.
    """
    if primary:
        raise FormParamInvalid(_l("Only a verified address can be primary."), param="primary")
    attempt = start_email_verification(user, raw_email, origin, now, sent_by=actor_id)
    record(
        "email_address.verification_sent",
        origin,
        user_id=user.id,
        subject_id=attempt.email_address_id,
        actor_id=actor_id,
    )
    return attempt
