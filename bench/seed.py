"""Bulk rows for the benchmarks: users, attempts with known link tokens, expired attempts."""

import os
import secrets
from datetime import UTC, timedelta

from sqlalchemy import insert, select, text

from app import clock
from app.auth import signing_keys
from app.auth.secret_keys import create_secret_key
from app.auth.tokens import hash_token
from app.extensions import db
from app.ids import new_id
from app.models import (
    Attempt,
    Client,
    EmailAddress,
    EmailLink,
    OAuthGrant,
    OAuthToken,
    Session,
    User,
)
from app.models.oauth import ACCESS, REFRESH
from app.oauth.applications import create_application

CHUNK = 10_000


def _chunked(model, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
    db.session.commit()


def client(secret: str) -> str:
    """A client row for the cookie secret the load generator sends."""
    client_id = new_id("client")
    _chunked(
        Client,
        [
            {
                "id": client_id,
                "secret_hash": hash_token(secret),
                "user_agent": "wrk",
                "created_at": clock.now(),
            }
        ],
    )
    return client_id


def users(count: int, start: int = 0) -> None:
    """`count` users with one verified, primary-less address each (user{n}@bench.example)."""
    now = clock.now()
    for first in range(start, start + count, CHUNK):
        numbers = range(first, min(first + CHUNK, start + count))
        user_ids = [new_id("user") for _ in numbers]
        _chunked(
            User,
            [
                {
                    "id": uid,
                    "created_at": now,
                    "updated_at": now,
                    "public_metadata": {},
                    "private_metadata": {},
                    "is_admin": False,
                    "banned": False,
                }
                for uid in user_ids
            ],
        )
        _chunked(
            EmailAddress,
            [
                {
                    "id": new_id("idn"),
                    "user_id": uid,
                    "email": f"user{n}@bench.example",
                    "normalized": f"user{n}@bench.example",
                    "verified_at": now,
                    "verification_strategy": "admin",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, uid in zip(numbers, user_ids, strict=True)
            ],
        )


def _attempt(client_id, email, now, expire_at, status="pending"):
    return {
        "id": new_id("sia"),
        "kind": "sign_in",
        "status": status,
        "client_id": client_id,
        "email": email,
        "normalized": email,
        "expire_at": expire_at,
        "last_sent_at": now,
        "abandon_at": now + timedelta(hours=24),
        "created_at": now,
        "updated_at": now,
        "verified_from_same_client": False,
        "requester_user_agent": "",
    }


def expired_attempts(count: int, client_id: str) -> None:
    """Old, expired, abandoned attempts with their spent links: what piles up over months."""
    old = clock.now() - timedelta(days=30)
    for first in range(0, count, CHUNK):
        rows = [
            _attempt(client_id, f"user{n}@bench.example", old, old, "abandoned")
            for n in range(first, min(first + CHUNK, count))
        ]
        _chunked(Attempt, rows)
        _chunked(
            EmailLink,
            [
                {
                    "id": new_id("eml"),
                    "attempt_id": row["id"],
                    "token_hash": secrets.token_hex(32),
                    "status": "replaced",
                    "expire_at": old,
                    "created_at": old,
                }
                for row in rows
            ],
        )


def live_links(count: int, client_id: str, email: str) -> tuple[list[str], str]:
    """`count` pending sign-in attempts of `email` on the client, with their link tokens;
    also returns one attempt id whose status the load generator asks for."""
    now = clock.now()
    rows = [_attempt(client_id, email, now, now + timedelta(hours=1)) for _ in range(count)]
    tokens = [secrets.token_urlsafe(32) for _ in rows]
    _chunked(Attempt, rows)
    _chunked(
        EmailLink,
        [
            {
                "id": new_id("eml"),
                "attempt_id": row["id"],
                "token_hash": hash_token(token),
                "status": "pending",
                "expire_at": row["expire_at"],
                "created_at": now,
            }
            for row, token in zip(rows, tokens, strict=True)
        ],
    )
    return tokens, rows[-1]["id"]


def session_token_setup(email: str) -> tuple[str, str]:
    """For the session-token figure: a secret key, an active session of `email`'s user on a
    client of its own (the consume figure ends every session of the load generator's), and the
    signing key made now, not by two workers racing for it. Returns (secret, session id)."""
    now = clock.now()
    _, secret = create_secret_key("bench", now)
    signing_keys.current_key(now, signing_keys.SESSIONS)
    owner = select(EmailAddress.user_id).where(EmailAddress.normalized == email)
    user_id = db.session.scalar(owner)
    session_id = new_id("sess")
    db.session.add(
        Session(
            id=session_id,
            user_id=user_id,
            client_id=client(secrets.token_urlsafe(32)),
            last_active_at=now,
            expire_at=now + timedelta(days=30),
            created_at=now,
            updated_at=now,
        )
    )
    db.session.commit()
    return secret, session_id


def oauth_setup(session_id: str, refresh_count: int, issuer: str) -> dict:
    """For the OpenID figures: a confidential app, a grant of the session, a live RFC 9068
    access token and `refresh_count` refresh tokens (each refresh spends one)."""
    now = clock.now()
    application, secret = create_application("bench", ["http://127.0.0.1:9/callback"])
    user_id = db.session.get(Session, session_id).user_id
    grant = OAuthGrant(
        code_id=new_id("code"),
        application_id=application.id,
        user_id=user_id,
        session_id=session_id,
        scope="openid email offline_access",
        auth_time=now,
        created_at=now,
    )
    db.session.add(grant)
    db.session.flush()
    day = now + timedelta(days=1)
    jti = new_id("tok")
    refresh = [secrets.token_urlsafe(32) for _ in range(refresh_count)]
    rows = [dict(id=jti, grant_id=grant.id, kind=ACCESS, expire_at=day, created_at=now)]
    rows += [
        dict(
            id=new_id("tok"),
            grant_id=grant.id,
            kind=REFRESH,
            token_hash=hash_token(token),
            expire_at=day,
            created_at=now,
        )
        for token in refresh
    ]
    _chunked(OAuthToken, rows)
    seconds = int(now.replace(tzinfo=UTC).timestamp())
    claims = {
        "iss": issuer,
        "sub": user_id,
        "aud": application.id,
        "client_id": application.id,
        "scope": grant.scope,
        "sid": session_id,
        "iat": seconds,
        "exp": seconds + 86_400,
        "jti": jti,
    }
    access = signing_keys.sign(claims, now, signing_keys.OIDC, typ="at+jwt")
    db.session.commit()
    return {"client_id": application.id, "secret": secret, "access": access, "refresh": refresh}


def settle() -> None:
    """What a database does by itself some time after a bulk load, done now so the figures
    measure the steady state: SQLite folds its write-ahead log back into the file, PostgreSQL
    gathers the statistics its planner chooses indexes by. Then the operating system writes the
    load's dirty pages out, rather than during the next figure's requests."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    os.sync()
