"""Housekeeping: delete what nobody can use any more, in small batches (short locks)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import AddressQuota, Attempt, OutboxMessage, Session
from app.models.mail import SENT
from app.models.sessions import ACTIVE, EXPIRED

KEEP = timedelta(days=7)  # finished rows stay a week for support questions; the audit log stays


def _delete_in_batches(model, condition, batch: int, key=None) -> int:
    key = key or model.id
    deleted = 0
    while True:
        ids = db.session.scalars(select(key).where(condition).limit(batch)).all()
        if not ids:
            return deleted
        db.session.execute(delete(model).where(key.in_(ids)))
        db.session.commit()
        deleted += len(ids)


def clean_up(now: datetime, batch: int = 1000) -> dict[str, int]:
    """Delete attempts abandoned over a week ago (their links go with them), sent email over a
    week old, and sessions that ended over a week ago; mark lapsed sessions expired."""
    expired = db.session.execute(
        update(Session)
        .where(Session.status == ACTIVE, Session.expire_at <= now)
        .values(status=EXPIRED, ended_at=now, updated_at=now)
    ).rowcount
    db.session.commit()
    return {
        "sessions_expired": expired,
        "attempts": _delete_in_batches(Attempt, Attempt.abandon_at < now - KEEP, batch),
        "emails": _delete_in_batches(
            OutboxMessage,
            (OutboxMessage.status == SENT) & (OutboxMessage.created_at < now - KEEP),
            batch,
        ),
        "sessions": _delete_in_batches(
            Session, (Session.status != ACTIVE) & (Session.updated_at < now - KEEP), batch
        ),
        # A quota row only serialises the check (the count comes from the outbox), so dropping
        # old ones never lifts a limit.
        "address_quotas": _delete_in_batches(
            AddressQuota,
            AddressQuota.checked_at < now - timedelta(days=1),
            batch,
            key=AddressQuota.normalized,
        ),
    }
