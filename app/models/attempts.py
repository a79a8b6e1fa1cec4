"""Email-link attempts (sign-in, sign-up, email address verification) and their links."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_column, id_column, updated_column

SIGN_IN, SIGN_UP, EMAIL_ADDRESS = "sign_in", "sign_up", "email_address"
ID_PREFIXES = {SIGN_IN: "sia", SIGN_UP: "sua", EMAIL_ADDRESS: "eva"}

PENDING, COMPLETE, ABANDONED = "pending", "complete", "abandoned"
# Why an attempt failed (all are ABANDONED): no reason means cancelled in its own tab.
TOO_MANY_CODES, WRONG_NUMBER, DENIED = "too_many_codes", "wrong_number", "denied"


class Attempt(db.Model):
    """One person's try at a flow, bound to the client (browser) that started it."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_status_created_at", "status", "created_at"),
        Index("ix_attempts_abandon_at", "abandon_at"),  # cleanup
        # The wrong codes entered for one address in a day (email_codes).
        Index("ix_attempts_normalized_last_code_at", "normalized", "last_code_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    normalized: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email_address_id: Mapped[str | None] = mapped_column(
        ForeignKey("email_addresses.id", ondelete="CASCADE"), index=True
    )
    redirect_url: Mapped[str | None] = mapped_column(String(2048))
    requester_ip: Mapped[str | None] = mapped_column(String(64))
    requester_user_agent: Mapped[str] = mapped_column(String(512), default="")
    # The live link's expiry: one link per attempt is live at a time.
    expire_at: Mapped[datetime]
    last_sent_at: Mapped[datetime]
    abandon_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    verified_from_same_client: Mapped[bool] = mapped_column(default=False)
    # The admin who sent an address verification on the user's behalf: its link is for the
    # address's owner, wherever they open it, even with REQUIRE_SAME_CLIENT (email_links).
    sent_by: Mapped[str | None] = mapped_column(String(40))
    # Set once a session has been made on the requesting client (same tab or waiting tab).
    activated_at: Mapped[datetime | None]
    # Wrong codes entered so far (SPEC §10), and when the last was: the fifth fails the attempt.
    code_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_code_at: Mapped[datetime | None]
    # The two-digit number the waiting tab shows and a cross-device approval must type (§10).
    match_number: Mapped[str | None] = mapped_column(String(2))
    # Why a closed attempt failed, for the waiting tab to say: TOO_MANY_CODES, WRONG_NUMBER, DENIED.
    closed_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    email_address: Mapped["EmailAddress | None"] = relationship()  # noqa: F821
    links: Mapped[list["EmailLink"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", passive_deletes=True
    )


LINK_PENDING, LINK_CONSUMED, LINK_REPLACED, LINK_CANCELLED = (
    "pending",
    "consumed",
    "replaced",
    "cancelled",
)


class EmailLink(db.Model):
    """A one-time link; the token itself is never stored, only its SHA-256."""

    __tablename__ = "email_links"

    id: Mapped[str] = id_column("eml")
    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The code beside the link (SPEC §10), keyed: see codes.hash_code. One credential:
    # spending either spends the row.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=LINK_PENDING)
    expire_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()

    attempt: Mapped[Attempt] = relationship(back_populates="links")
