"""Codes, grants and tokens: what an app was given, tied to the Latchkey session it came from.

A code is redeemed for a grant; the grant's tokens (access tokens, rotated refresh tokens) live
and die together, and only while the session that authorized them is live: signing out or a
revoked session ends them at once, because every use asks the session (`still_active`).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.auth.audit import record, record_rejection
from app.auth.sessions import still_active
from app.auth.settings import setting
from app.auth.tokens import hash_token, plausible_token
from app.extensions import db
from app.models import OAuthApplication, OAuthCode, OAuthGrant, OAuthToken, Session, User
from app.models.oauth import ACCESS, REFRESH
from app.unit_of_work import keep

CODE_TTL = 60  # SPEC §9: a code lives at most a minute


@dataclass
class Principal:
    """Who a token speaks for: the user, the session that signed them in, when they did."""

    user: User
    session_id: str
    auth_time: datetime
    grant: OAuthGrant | None = None
    access_token_id: str | None = field(default=None)  # the jti of the token being made

    def get_user_id(self) -> str:  # what Authlib asks a user for
        return self.user.id


def save_code(code: str, *, application, principal: Principal, request, now) -> OAuthCode:
    """Keep a newly issued code (its hash) with everything the token request will need."""
    data = request.payload.data
    row = OAuthCode(
        code_hash=hash_token(code),
        application_id=application.id,
        user_id=principal.user.id,
        session_id=principal.session_id,
        redirect_uri=request.payload.redirect_uri,
        scope=request.scope,
        nonce=data.get("nonce"),
        code_challenge=data.get("code_challenge"),
        code_challenge_method=data.get("code_challenge_method"),
        auth_time=principal.auth_time,
        expire_at=now + timedelta(seconds=CODE_TTL),
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    record(
        "oauth.code_issued",
        user_id=row.user_id,
        subject_id=application.id,
        session_id=row.session_id,
        scope=row.scope,
    )
    return row


def revoke_grants(*conditions, now: datetime) -> None:
    """End the grants matching `conditions`, whether or not the current work commits."""
    keep(
        update(OAuthGrant)
        .where(*conditions, OAuthGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def redeem_code(code: str, application: OAuthApplication, now: datetime) -> OAuthCode | None:
    """The code's row, spent now; None for a code that is unknown, expired or spent.

    One conditional UPDATE spends it, so two racing redemptions cannot both succeed. A code
    presented again revokes every token issued from it (RFC 6749 §4.1.2): whoever sends a
    spent code may have stolen it.
    """
    if not plausible_token(code):
        return None
    code_hash = hash_token(code)
    spent = db.session.execute(
        update(OAuthCode)
        .where(
            OAuthCode.code_hash == code_hash,
            OAuthCode.application_id == application.id,
            OAuthCode.used_at.is_(None),
            OAuthCode.expire_at > now,
        )
        .values(used_at=now)
    )
    row = db.session.scalar(
        select(OAuthCode).where(
            OAuthCode.code_hash == code_hash, OAuthCode.application_id == application.id
        )
    )
    if spent.rowcount == 1:
        record("oauth.code_redeemed", user_id=row.user_id, subject_id=row.id)
        return row
    if row is not None and row.used_at is not None:
        revoke_grants(OAuthGrant.code_id == row.id, now=now)
        record_rejection("oauth.code_reused", None, now, user_id=row.user_id, subject_id=row.id)
    return None


def principal_of_code(row: OAuthCode, now: datetime) -> Principal | None:
    """Who the code speaks for, if the session that authorized it is still live."""
    session = db.session.get(Session, row.session_id)
    if not still_active(session, now):
        return None
    return Principal(user=row.user, session_id=row.session_id, auth_time=row.auth_time)


def save_tokens(token: dict, application, principal: Principal, code: OAuthCode | None, now):
    """Record what was just issued: a new grant for a redeemed code, the same grant on refresh."""
    grant = principal.grant
    if grant is None:
        grant = OAuthGrant(
            code_id=code.id,
            application_id=application.id,
            user_id=principal.user.id,
            session_id=principal.session_id,
            scope=token.get("scope", ""),
            auth_time=principal.auth_time,
            created_at=now,
        )
        db.session.add(grant)
        db.session.flush()
        record(
            "oauth.token_issued",
            user_id=grant.user_id,
            subject_id=grant.id,
            application_id=application.id,
            scope=grant.scope,
        )
    else:
        record("oauth.token_refreshed", user_id=grant.user_id, subject_id=grant.id)
    ttl = setting("OIDC_ACCESS_TOKEN_TTL")
    rows = [
        OAuthToken(
            id=principal.access_token_id,
            grant_id=grant.id,
            kind=ACCESS,
            expire_at=now + timedelta(seconds=ttl),
            created_at=now,
        )
    ]
    if token.get("refresh_token"):
        ttl = setting("OIDC_REFRESH_TOKEN_TTL")
        rows.append(
            OAuthToken(
                grant_id=grant.id,
                kind=REFRESH,
                token_hash=hash_token(token["refresh_token"]),
                expire_at=now + timedelta(seconds=ttl),
                created_at=now,
            )
        )
    db.session.add_all(rows)


def _live(token: OAuthToken | None, now: datetime) -> bool:
    return (
        token is not None
        and token.revoked_at is None
        and token.expire_at > now
        and token.grant.revoked_at is None
        and still_active(token.grant.session, now)
    )


def _token_query():
    return select(OAuthToken).options(
        joinedload(OAuthToken.grant).joinedload(OAuthGrant.session).joinedload(Session.user)
    )


def use_refresh_token(text: str, application, now: datetime) -> Principal | None:
    """Spend a refresh token (it is rotated: each works once); None if it cannot be used.

    A refresh token used twice is stolen or leaked: the whole grant is revoked (RFC 9700
    §4.14.2), so neither the thief nor the app keeps any token of it.
    """
    if not plausible_token(text):
        return None
    token = db.session.scalar(
        _token_query().where(OAuthToken.token_hash == hash_token(text), OAuthToken.kind == REFRESH)
    )
    if token is None or token.grant.application_id != application.id:
        return None
    spent = db.session.execute(
        update(OAuthToken)
        .where(OAuthToken.id == token.id, OAuthToken.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        revoke_grants(OAuthGrant.id == token.grant_id, now=now)
        record_rejection(
            "oauth.refresh_token_reused",
            None,
            now,
            user_id=token.grant.user_id,
            subject_id=token.grant_id,
        )
        return None
    if not _live(token, now):
        return None
    grant = token.grant
    return Principal(
        user=grant.session.user,
        session_id=grant.session_id,
        auth_time=grant.auth_time,
        grant=grant,
    )


def live_access_token(jti: str, now: datetime) -> OAuthToken | None:
    """The access token with this id if it may still be used: not revoked, its grant and its
    session live. The JWT's signature and expiry are checked before this."""
    if not plausible_token(jti):
        return None
    token = db.session.scalar(_token_query().where(OAuthToken.id == jti, OAuthToken.kind == ACCESS))
    return token if _live(token, now) else None


def find_refresh_token(text: str, now: datetime) -> OAuthToken | None:
    """The refresh token with this text if it may still be used (introspection)."""
    if not plausible_token(text):
        return None
    token = db.session.scalar(
        _token_query().where(OAuthToken.token_hash == hash_token(text), OAuthToken.kind == REFRESH)
    )
    return token if _live(token, now) and token.used_at is None else None


def revoke_token(token: OAuthToken, application, now: datetime) -> None:
    """RFC 7009: a refresh token ends its whole grant; an access token, itself alone."""
    if token.grant.application_id != application.id:
        return  # another app's token: RFC 7009 §2.1 answers 200 and leaves it be
    if token.kind == REFRESH:
        token.grant.revoked_at = token.grant.revoked_at or now
    else:
        token.revoked_at = token.revoked_at or now
    record(
        "oauth.token_revoked",
        user_id=token.grant.user_id,
        subject_id=token.grant_id,
        kind=token.kind,
    )


def find_token(text: str, jti: str | None) -> OAuthToken | None:
    """The row of a token given to revoke: by jti for an access token, by hash for a refresh."""
    statement = _token_query()
    if jti is not None:
        return db.session.scalar(statement.where(OAuthToken.id == jti))
    if not plausible_token(text):
        return None
    return db.session.scalar(statement.where(OAuthToken.token_hash == hash_token(text)))
