"""Sessions: made at sign-in, checked on every request, ended by sign-out or revocation."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.auth.audit import record
from app.auth.errors import NotFound
from app.auth.origin import Origin
from app.auth.settings import setting
from app.extensions import db
from app.i18n import _l
from app.ids import is_id, new_id
from app.models import Client, Session, User
from app.models.sessions import ACTIVE, ENDED, EXPIRED, REVOKED
from app.unit_of_work import keep_change

# last_active_at is written at most this often: the per-request check stays a read.


def create_session(user: User, origin: Origin, now: datetime) -> Session:
    """A new active session on the origin's client; any other session there ends.

    Added, not committed: it belongs to the caller's unit of work.
    """
    # Take the browser's row first: its racing sign-ins (two links spent at once) take turns,
    # so each ends the session before it and the browser keeps one. FOR NO KEY UPDATE, so that
    # rows which merely reference the client (their foreign-key checks) never wait on it.
    # SQLite, with one writer at a time, needs no lock.
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(
            select(Client.id).where(Client.id == origin.client_id).with_for_update(key_share=True)
        )
    end_client_sessions(origin.client_id, now)
    session = Session(
        id=new_id("sess"),
        user=user,  # not just its id: the signed-in principal reads session.user, no second load
        client_id=origin.client_id,
        ip=origin.ip,
        user_agent=origin.user_agent[:512],
        last_active_at=now,
        expire_at=now + timedelta(seconds=setting("SESSION_LIFETIME")),
        created_at=now,
        updated_at=now,
    )
    db.session.add(session)
    user.last_sign_in_at = now
    record("session.created", origin, user_id=user.id, subject_id=session.id)
    return session


def end_client_sessions(client_id: str | None, now: datetime) -> None:
    db.session.execute(
        update(Session)
        .where(Session.client_id == client_id, Session.status == ACTIVE)
        .values(status=ENDED, ended_at=now, updated_at=now)
    )


def load_session(session_id: str, now: datetime) -> Session | None:
    """The active session with this id, or None: one indexed lookup per request."""
    if not is_id(session_id, "sess"):  # only a signed cookie gets here, but refuse any odd text
        return None
    session = db.session.scalar(
        select(Session).options(joinedload(Session.user)).where(Session.id == session_id)
    )
    if session is None or not still_active(session, now):
        return None
    if clock.due_for_touch(session.last_active_at, now):
        keep_change(session, last_active_at=now)
    return session


def still_active(session: Session | None, now: datetime) -> bool:
    """Whether the session still signs its user in: what the cookie and every token tied to the
    session ask. One past its lifetime or idle timeout is marked expired for good, even if the
    work that noticed is then refused and rolled back."""
    if session is None or session.status != ACTIVE or session.user.banned:
        return False
    timeout = setting("SESSION_INACTIVITY_TIMEOUT")
    idle_too_long = timeout and session.last_active_at + timedelta(seconds=timeout) <= now
    if session.expire_at <= now or idle_too_long:
        keep_change(session, status=EXPIRED, ended_at=now)
        return False
    return True


def end_session(session_id: str, origin: Origin, now: datetime) -> None:
    """Sign-out: the session ends and its cookie stops working everywhere."""
    session = db.session.get(Session, session_id)
    if session is None or session.status != ACTIVE:
        return
    session.status = ENDED
    session.ended_at = now
    record("session.ended", origin, user_id=session.user_id, subject_id=session.id)


def get_session(session_id: str, user_id: str | None = None) -> Session:
    session = db.session.get(Session, session_id)
    if session is None or (user_id is not None and session.user_id != user_id):
        raise NotFound(_l("No session with that id."))
    return session


def list_sessions(
    *, user_id=None, client_id=None, status=None, limit: int = 500, offset: int = 0
) -> tuple[list[Session], int]:
    """One page of sessions, newest first, and how many match."""
    statement = select(Session)
    for column, value in (
        (Session.user_id, user_id),
        (Session.client_id, client_id),
        (Session.status, status),
    ):
        if value:
            statement = statement.where(column == value)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    page = statement.order_by(Session.created_at.desc(), Session.id.desc())
    return db.session.scalars(page.limit(limit).offset(offset)).all(), total


def revoke_session(session: Session, now: datetime, origin: Origin | None = None, by=None):
    """The browser holding this session is signed out on its next request."""
    if session.status == ACTIVE:
        session.status = REVOKED
        session.ended_at = now
        record(
            "session.revoked", origin, user_id=session.user_id, subject_id=session.id, actor_id=by
        )
        db.session.flush()  # the caller answers with the session as stored (updated_at)
    return session


def revoke_user_sessions(user_id: str, now: datetime, keep: str | None = None) -> int:
    """End every active session of the user but `keep`; not committed (the caller's unit)."""
    return db.session.execute(
        update(Session)
        .where(Session.user_id == user_id, Session.status == ACTIVE, Session.id != (keep or ""))
        .values(status=REVOKED, ended_at=now, updated_at=now)
    ).rowcount


def sign_out_other_sessions(user_id: str, keep: str, now: datetime, origin: Origin) -> int:
    """ "Sign out everywhere else": every other browser of the user is signed out."""
    count = revoke_user_sessions(user_id, now, keep=keep)
    record("session.revoked_others", origin, user_id=user_id, subject_id=keep, count=count)
    return count
