"""The per-address email quota, counted in the outbox so every process sees the same number."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.errors import RateLimited
from app.auth.settings import setting
from app.extensions import db
from app.models import AddressQuota, OutboxMessage

_UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _lock_address(normalized: str, now: datetime) -> None:
    """Write the address's quota row first: PostgreSQL holds that row's lock, SQLite its one
    write lock, until the transaction ends, so a racing request for the same address waits here
    and then counts this one's email too."""
    insert = _UPSERT[db.session.get_bind().dialect.name](AddressQuota)
    db.session.execute(
        insert.values(normalized=normalized, checked_at=now).on_conflict_do_update(
            index_elements=[AddressQuota.normalized], set_={"checked_at": now}
        )
    )


def check_address_quota(normalized: str, now: datetime) -> None:
    """Refuse a further email to an address that had its quota in the window (default 5/10 min).

    Call it in the transaction that writes the email: the count holds until that commits."""
    if not setting("RATELIMIT_ENABLED"):
        return
    limit = setting("EMAILS_PER_ADDRESS")
    _lock_address(normalized, now)
    window = timedelta(seconds=setting("EMAILS_PER_ADDRESS_WINDOW"))
    recent = db.session.scalars(
        select(OutboxMessage.created_at)
        .where(OutboxMessage.to_normalized == normalized, OutboxMessage.created_at > now - window)
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    ).all()
    if len(recent) >= limit:
        retry_after = (recent[-1] + window - now).total_seconds()
        raise RateLimited(
            retry_after, "Too many emails were sent to this address. Try again in {s}."
        )
