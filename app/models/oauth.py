"""The OpenID provider's records: applications, signing keys, codes, grants, tokens, consents."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_column, id_column, updated_column
from app.models.sessions import Session
from app.models.users import User


class OAuthApplication(db.Model):
    """A relying party; its id (`oa_…`) is the OAuth `client_id`."""

    __tablename__ = "oauth_applications"

    id: Mapped[str] = id_column("oa")
    name: Mapped[str] = mapped_column(String(100))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    # Only the SHA-256 of a confidential app's secret; None for a public app (PKCE, no secret).
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    public: Mapped[bool] = mapped_column(default=False)
    first_party: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()


class SigningKey(db.Model):
    """An RSA key that signs ID, access and session tokens; its id is the JWT `kid`."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = id_column("kid")
    purpose: Mapped[str] = mapped_column(String(10))  # oidc or session: what it signs
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # Set when a newer key becomes current: the key then signs nothing more, and its public
    # half stays published until every token it signed has expired.
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()


class OAuthCode(db.Model):
    """An authorization code: single use, short-lived, only its SHA-256 kept."""

    __tablename__ = "oauth_codes"

    id: Mapped[str] = id_column("code")
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scope: Mapped[str] = mapped_column(String(255))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[datetime]
    expire_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()

    user: Mapped[User] = relationship()
    application: Mapped[OAuthApplication] = relationship()


class OAuthGrant(db.Model):
    """What one code was redeemed for: the tokens issued from it, refreshed or not, live and
    die together, and with the Latchkey session they came from."""

    __tablename__ = "oauth_grants"
    __table_args__ = (Index("ix_oauth_grants_user_id_application_id", "user_id", "application_id"),)

    id: Mapped[str] = id_column("grant")
    code_id: Mapped[str] = mapped_column(String(40), unique=True)
    application_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(255))
    auth_time: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()

    user: Mapped[User] = relationship()
    session: Mapped[Session] = relationship()
    application: Mapped[OAuthApplication] = relationship()


ACCESS, REFRESH = "access", "refresh"


class OAuthToken(db.Model):
    """An issued access token (its `jti` is the id) or refresh token (only its SHA-256 kept)."""

    __tablename__ = "oauth_tokens"

    id: Mapped[str] = id_column("tok")
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_grants.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expire_at: Mapped[datetime]
    used_at: Mapped[datetime | None]  # a refresh token, rotated
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_column()

    grant: Mapped[OAuthGrant] = relationship()


class OAuthConsent(db.Model):
    """The scopes a person let a third-party app have: asked once per user and scope set."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("user_id", "application_id"),)

    id: Mapped[str] = id_column("cons")
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_applications.id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    application: Mapped[OAuthApplication] = relationship()
