"""Clients: one browser each, known by a random secret kept in an HttpOnly cookie."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.base import id_column


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[str] = id_column("client")
    # Only the hash of the cookie's secret is stored: a database leak cannot impersonate a browser.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(512), default="")
    # Indexed for cleanup, which deletes clients past CLIENT_RETENTION that nothing refers to.
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
