"""The outbox: every email is written here in the attempt's transaction, then delivered."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_column, id_column

QUEUED, SENDING, SENT = "queued", "sending", "sent"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_try_at", "status", "next_try_at"),
        Index("ix_outbox_quota_address_created_at", "quota_address", "created_at"),
    )

    id: Mapped[str] = id_column("msg")
    attempt_id: Mapped[str | None] = mapped_column(
        ForeignKey("attempts.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    to_normalized: Mapped[str] = mapped_column(String(320))
    # Whom the email counts against in the per-address quota (rate_limits): the mailbox it
    # reaches (aliases folded) and who asked for it (a network, or a browser the owner uses).
    quota_address: Mapped[str | None] = mapped_column(String(320))
    requester: Mapped[str | None] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()


class AddressQuota(db.Model):
    """A mailbox emailed lately (`normalized` holds its quota address, aliases folded). Writing
    its row first serialises the quota check per mailbox: of requests racing to email one, each
    counts the others' emails (rate_limits)."""

    __tablename__ = "address_quotas"

    normalized: Mapped[str] = mapped_column(String(320), primary_key=True)
    checked_at: Mapped[datetime]
