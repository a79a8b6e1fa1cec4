"""Sign-in tokens (the "ticket" strategy) and the secret keys that guard the backend API."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import created_column, id_column, updated_column

TOKEN_PENDING, TOKEN_ACCEPTED, TOKEN_REVOKED = "pending", "accepted", "revoked"


class SignInToken(db.Model):
    __tablename__ = "sign_in_tokens"

    id: Mapped[str] = id_column("sit")
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is kept: the URL is shown once, to whoever minted it.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=TOKEN_PENDING)
    expire_at: Mapped[datetime]
    redirect_url: Mapped[str | None] = mapped_column(String(2048))
    created_by: Mapped[str | None] = mapped_column(String(40))  # a key id, an admin's user id
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()


class SecretKey(db.Model):
    __tablename__ = "secret_keys"

    id: Mapped[str] = id_column("key")
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so that people can tell their keys apart ("sk_AbCd…").
    hint: Mapped[str] = mapped_column(String(12))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
