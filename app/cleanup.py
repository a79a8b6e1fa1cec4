"""Housekeeping, run by `flask cleanup` (cron): delete what nobody can use any more, in small
batches, each its own transaction (short locks)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update

from app.auth.settings import setting
from app.extensions import db
from app.models import (
    AddressQuota,
    Attempt,
    AuditEvent,
    Client,
    OAuthCode,
    OAuthToken,
    OutboxMessage,
    Session,
)
from app.models.mail import SENT
from app.models.sessions import ACTIVE, EXPIRED

KEEP = timedelta(days=7)  # finished rows stay a week for support questions


def _delete_in_batches(model, condition, batch: int, key=None) -> int:
    key = key or model.id
    deleted = 0
    while True:
        ids = db.session.scalars(select(key).where(condition).limit(batch)).all()
        if not ids:
            return deleted
        # The condition again: a row may have changed since it was picked (a client got a session).
        db.session.execute(delete(model).where(key.in_(ids), condition))
        db.session.commit()
        deleted += len(ids)


def clean_up(now: datetime, batch: int = 1000) -> dict[str, int]:
    """Delete attempts abandoned over a week ago (their links go with them), sent email over a
    week old, sessions that ended over a week ago, audit rows older than AUDIT_RETENTION and
    clients older than CLIENT_RETENTION that no attempt or session refers to, OAuth codes a
    week after they expired (a reused code is still recognised that long) and expired OAuth
    tokens; mark lapsed sessions expired. (An OAuth grant goes with its session.)"""
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
        "oauth_codes": _delete_in_batches(OAuthCode, OAuthCode.expire_at < now - KEEP, batch),
        "oauth_tokens": _delete_in_batches(OAuthToken, OAuthToken.expire_at < now, batch),
        "audit_events": _delete_old_audit_events(now, batch),
        # After attempts and sessions, so the clients they held are free to go in the same run.
        "clients": _delete_in_batches(Client, _unused_client(now), batch),
    }


def _delete_old_audit_events(now: datetime, batch: int) -> int:
    retention = setting("AUDIT_RETENTION")
    if not retention:  # 0: the operator keeps (or archives) the log themselves
        return 0
    return _delete_in_batches(
        AuditEvent, AuditEvent.created_at < now - timedelta(seconds=retention), batch
    )


def _unused_client(now: datetime):
    # A browser comes back with its cookie after the row is gone: it simply gets a new row.
    # Sessions and attempts are deleted a week after they end, so no such row means no use of
    # the client for at least that long; the age keeps a browser that has only just arrived.
    return (
        (Client.created_at < now - timedelta(seconds=setting("CLIENT_RETENTION")))
        & ~exists().where(Session.client_id == Client.id)
        & ~exists().where(Attempt.client_id == Client.id)
    )
