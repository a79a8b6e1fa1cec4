"""The audit log: who did what, when, from which client and IP."""

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_column, id_column


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_user_id_created_at", "user_id", "created_at"),
        Index("ix_audit_events_event_created_at", "event", "created_at"),
        Index("ix_audit_events_created_at", "created_at"),  # cleanup deletes by age
    )

    id: Mapped[str] = id_column("aud")
    created_at: Mapped[datetime] = created_column()
    event: Mapped[str] = mapped_column(String(64))
    # Plain ids, no foreign keys: the log outlives the users and sessions it names.
    user_id: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    client_id: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # A rejection repeated within the hour is counted on one row (audit.record_rejection): how
    # many times, the last when, and the hash of its hour and of what makes two rejections the
    # same, unique so that racing repeats meet on one row (other events: null).
    times: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None]
    fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
