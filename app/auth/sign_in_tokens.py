"""Sign-in tokens (the ticket strategy): minted by a backend, spent once at /accept-token."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.auth.audit import record, record_refusal, record_rejection
from app.auth.clients import with_client
from app.auth.errors import (
    FormParamInvalid,
    NotFound,
    SignInTokenCannotBeRevoked,
    TokenAlreadyUsed,
    TokenError,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    TokenUserBanned,
)
from app.auth.origin import Origin
from app.auth.redirects import check_redirect_url
from app.auth.sessions import create_session
from app.auth.settings import MAX_LIFETIME, setting
from app.auth.tokens import hash_token, make_token, plausible_token
from app.extensions import db
from app.i18n import _l
from app.models import Session, SignInToken, User
from app.models.tokens import TOKEN_ACCEPTED, TOKEN_PENDING, TOKEN_REVOKED


@dataclass(frozen=True)
class Acceptance:
    token: SignInToken
    session: Session


def token_url(token: str) -> str:
    return f"{setting('PUBLIC_URL')}/accept-token?token={token}"


def mint_sign_in_token(
    user_id: str,
    now: datetime,
    *,
    expires_in_seconds: int | None = None,
    redirect_url: str | None = None,
    origin: Origin | None = None,
    created_by: str | None = None,
    allow_admin: bool = True,
) -> tuple[SignInToken, str]:
    """A one-time token that signs the user in; returns (row, token). Only its hash is kept.

    With allow_admin=False a token for an admin is refused (and the refusal audited): a backend
    key must not be a way to become an admin, who can make keys and change settings."""
    if expires_in_seconds is None:
        expires_in_seconds = setting("SIGN_IN_TOKEN_TTL")
    if not 1 <= expires_in_seconds <= MAX_LIFETIME:
        raise FormParamInvalid(
            _l("expires_in_seconds must be between 1 and %(max)d.", max=MAX_LIFETIME),
            param="expires_in_seconds",
        )
    redirect_url = check_redirect_url(redirect_url, setting("ALLOWED_REDIRECT_ORIGINS"))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user with that user_id.", param="user_id")
    if user.is_admin and not allow_admin:
        record_rejection(
            "sign_in_token.refused",
            origin,
            now,
            user_id=user_id,
            actor_id=created_by,
            reason="admin",
        )
        raise FormParamInvalid(
            "Sign-in tokens for admins can't be minted with a secret key "
            "(API_SIGN_IN_TOKENS_FOR_ADMINS is off).",
            param="user_id",
        )
    token = make_token()
    row = SignInToken(
        user_id=user_id,
        token_hash=hash_token(token),
        expire_at=now + timedelta(seconds=expires_in_seconds),
        redirect_url=redirect_url,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    db.session.add(row)
    db.session.flush()
    record("sign_in_token.minted", origin, user_id=user_id, subject_id=row.id, actor_id=created_by)
    return row, token


def get_sign_in_token(token_id: str, user_id: str | None = None) -> SignInToken:
    """The token; with user_id, only if it is that user's (others get NotFound)."""
    row = db.session.get(SignInToken, token_id)
    if row is None or (user_id is not None and row.user_id != user_id):
        raise NotFound(_l("No sign-in token with that id."))
    return row


def revoke_sign_in_token(
    token_id: str, now: datetime, origin: Origin | None = None, by: str | None = None
) -> SignInToken:
    """Stop a pending token from working; an accepted or revoked one cannot be revoked."""
    row = get_sign_in_token(token_id)
    revoked = db.session.execute(
        update(SignInToken)
        .where(SignInToken.id == token_id, SignInToken.status == TOKEN_PENDING)
        .values(status=TOKEN_REVOKED, revoked_at=now, updated_at=now)
    ).rowcount
    if revoked != 1:
        raise SignInTokenCannotBeRevoked()
    record("sign_in_token.revoked", origin, user_id=row.user_id, subject_id=row.id, actor_id=by)
    return row


def _check(token: str | None, now: datetime) -> SignInToken:
    if not plausible_token(token):
        raise TokenInvalid()
    row = db.session.scalar(select(SignInToken).where(SignInToken.token_hash == hash_token(token)))
    if row is None:
        raise TokenInvalid()
    error = None
    if row.status == TOKEN_ACCEPTED:
        error = TokenAlreadyUsed()
    elif row.status == TOKEN_REVOKED:
        error = TokenRevoked()
    elif row.expire_at <= now:
        error = TokenExpired()
    else:
        user = db.session.get(User, row.user_id)
        if user is None or user.banned:
            error = TokenUserBanned()
    if error is not None:
        error.token = row  # so the audit row says whose token it was
        raise error
    return row


def check_sign_in_token(token: str | None, origin: Origin, now: datetime) -> SignInToken:
    """What GET /accept-token shows: the token is looked at, never spent."""
    try:
        return _check(token, now)
    except TokenError as error:
        _record_rejection(error, origin, now)
        raise


def _record_rejection(error: TokenError, origin: Origin, now: datetime) -> None:
    row = getattr(error, "token", None)
    record_refusal("sign_in_token.rejected", row, origin, now, reason=error.reason)


def accept_sign_in_token(token: str | None, origin: Origin, now: datetime) -> Acceptance:
    """Spend the token and sign its user in on this client, ending any other session here.

    One conditional update: of several racing requests exactly one succeeds.
    """
    try:
        row = _check(token, now)
        won = db.session.execute(
            update(SignInToken)
            .where(
                SignInToken.id == row.id,
                SignInToken.status == TOKEN_PENDING,
                SignInToken.expire_at > now,
            )
            .values(status=TOKEN_ACCEPTED, accepted_at=now, updated_at=now)
        ).rowcount
        if won != 1:
            raise TokenAlreadyUsed()
    except TokenError as error:
        _record_rejection(error, origin, now)
        raise
    # The token is spent: only now does this browser get its client row (same transaction).
    origin = with_client(origin)
    session = create_session(db.session.get(User, row.user_id), origin, now)
    # The actor is who minted it (a secret key, an admin): a sign-in traceable to its source.
    record(
        "sign_in_token.accepted",
        origin,
        user_id=row.user_id,
        subject_id=row.id,
        actor_id=row.created_by,
    )
    db.session.flush()  # the caller reads the session as stored
    return Acceptance(row, session)


def list_sign_in_tokens(user_id: str, limit: int = 50) -> list[SignInToken]:
    """The user's newest tokens (their URLs cannot be shown again: only hashes are kept)."""
    return db.session.scalars(
        select(SignInToken)
        .where(SignInToken.user_id == user_id)
        .order_by(SignInToken.created_at.desc(), SignInToken.id.desc())
        .limit(limit)
    ).all()
