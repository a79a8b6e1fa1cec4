"""Writes audit rows inside the caller's transaction, so the log and the change agree."""

from dataclasses import dataclass

from app.extensions import db
from app.models import AuditEvent


@dataclass(frozen=True)
class Origin:
    """Where a request came from: the browser's client id, its IP and user agent."""

    client_id: str | None = None
    ip: str | None = None
    user_agent: str = ""


def record(event: str, origin: Origin | None = None, *, user_id=None, subject_id=None, **details):
    origin = origin or Origin()
    db.session.add(
        AuditEvent(
            event=event,
            user_id=user_id,
            client_id=origin.client_id,
            ip=origin.ip,
            subject_id=subject_id,
            details=details,
        )
    )
