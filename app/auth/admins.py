"""Who administers the site: admin rights given and taken, and the users an admin creates."""

from datetime import datetime

from sqlalchemy import select

from app.auth.accounts import create_user_with_addresses
from app.auth.audit import record
from app.auth.errors import OwnAccount
from app.auth.origin import Origin
from app.extensions import db
from app.models import User


def create_user_as_admin(
    raw_email: str | None, now: datetime, *, is_admin: bool, origin: Origin, actor_id: str
) -> User:
    """A user an admin vouches for, as `flask users create` makes one: their address is
    verified and primary, and they are an administrator if the admin said so."""
    user = create_user_with_addresses([raw_email], now, origin=origin, actor_id=actor_id)
    if is_admin:
        set_admin(user, True, origin, actor_id)
    return user


def set_admin(user: User, is_admin: bool, origin: Origin | None, actor_id: str) -> User:
    """Give or take admin rights. Never to or from oneself: another admin decides, so an
    admin cannot lock the site out of its administration by a slip."""
    if actor_id == user.id:
        raise OwnAccount()
    if user.is_admin != is_admin:
        user.is_admin = is_admin
        record(
            "user.admin_granted" if is_admin else "user.admin_revoked",
            origin,
            user_id=user.id,
            subject_id=user.id,
            actor_id=actor_id,
        )
    return user


def is_last_admin(user: User) -> bool:
    """Whether the user is the only administrator who can still sign in.

    The administrators' rows stay locked to the end of the caller's work (PostgreSQL): two
    last-but-one administrators deleting themselves at once cannot both see the other."""
    if not user.is_admin:
        return False
    admins = select(User.id).where(User.is_admin, ~User.banned).with_for_update()
    return list(db.session.scalars(admins)) == [user.id]
