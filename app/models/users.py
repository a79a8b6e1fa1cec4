"""Users and their email addresses."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_column, id_column, updated_column


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[str] = id_column("user")
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    primary_email_address_id: Mapped[str | None] = mapped_column(
        ForeignKey("email_addresses.id", use_alter=True, ondelete="SET NULL")
    )
    external_id: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(8))  # chosen with the switcher (SPEC §11)
    public_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    private_metadata: Mapped[dict] = mapped_column(JSON, default=dict)
    is_admin: Mapped[bool] = mapped_column(default=False)
    banned: Mapped[bool] = mapped_column(default=False)
    last_sign_in_at: Mapped[datetime | None]

    email_addresses: Mapped[list["EmailAddress"]] = relationship(
        back_populates="user",
        foreign_keys="EmailAddress.user_id",
        cascade="all, delete-orphan",
        order_by="EmailAddress.created_at",
    )
    primary_email_address: Mapped["EmailAddress | None"] = relationship(
        foreign_keys=[primary_email_address_id], post_update=True
    )

    @property
    def primary_email(self) -> str | None:
        address = self.primary_email_address
        return address.email if address else None


class EmailAddress(db.Model):
    __tablename__ = "email_addresses"
    __table_args__ = (
        # A verified address belongs to one user only (SPEC §1).
        Index(
            "uq_email_addresses_verified_normalized",
            "normalized",
            unique=True,
            sqlite_where=db.text("verified_at IS NOT NULL"),
            postgresql_where=db.text("verified_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column("idn")
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    normalized: Mapped[str] = mapped_column(String(320), index=True)
    verified_at: Mapped[datetime | None]
    verification_strategy: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    user: Mapped[User] = relationship(back_populates="email_addresses", foreign_keys=[user_id])

    @property
    def verified(self) -> bool:
        return self.verified_at is not None
