"""The per-address email quota, counted in the outbox so every process sees the same number."""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.auth.errors import RateLimited
from app.auth.settings import setting
from app.extensions import db
from app.models import OutboxMessage


def check_address_quota(normalized: str, now: datetime) -> None:
    """Refuse a further email to an address that had its quota in the window (default 5/10 min)."""
    if not setting("RATELIMIT_ENABLED"):
        return
    limit = setting("EMAILS_PER_ADDRESS")
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
