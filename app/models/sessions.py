"""Sessions: one signed-in browser of one user, checked on every request."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_column, id_column, updated_column
from app.models.users import User

ACTIVE, REVOKED, ENDED, EXPIRED = "active", "revoked", "ended", "expired"


class Session(db.Model):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_user_id_status", "user_id", "status"),
        # A sign-in ends the browser's active session: only that row is read, however many
        # ended ones the browser has.
        Index("ix_sessions_client_id_status", "client_id", "status"),
        Index("ix_sessions_status_expire_at", "status", "expire_at"),  # cleanup
    )

    id: Mapped[str] = id_column("sess")
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    last_active_at: Mapped[datetime]
    expire_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    user: Mapped[User] = relationship()
