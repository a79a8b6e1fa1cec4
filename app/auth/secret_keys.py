"""Secret keys for the backend API: shown once, stored as SHA-256, revocable."""

from datetime import datetime

from sqlalchemy import select

from app import clock
from app.auth.audit import record
from app.auth.errors import NotFound
from app.auth.origin import Origin
from app.auth.tokens import hash_token, make_token
from app.extensions import db
from app.i18n import _l
from app.models import SecretKey
from app.unit_of_work import keep_change

PREFIX = "sk_"


def create_secret_key(name: str, now: datetime, origin: Origin | None = None, actor_id=None):
    """A new key; returns (row, secret). The secret is never stored and cannot be shown again."""
    secret = PREFIX + make_token()
    key = SecretKey(
        name=name.replace("\x00", "").strip()[:100] or "unnamed",  # PostgreSQL stores no NUL
        key_hash=hash_token(secret),
        hint=secret[:7],
        created_at=now,
        updated_at=now,
    )
    db.session.add(key)
    db.session.flush()
    record("secret_key.created", origin, actor_id=actor_id, subject_id=key.id, name=key.name)
    return key, secret


def authenticate_secret_key(secret: str, now: datetime) -> SecretKey | None:
    """The live key with this secret, or None (unknown and revoked keys look the same)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    key = db.session.scalar(select(SecretKey).where(SecretKey.key_hash == hash_token(secret)))
    if key is None or key.revoked_at is not None:
        return None
    if clock.due_for_touch(key.last_used_at, now):
        keep_change(key, last_used_at=now)  # used, whatever becomes of the request
    return key


def revoke_secret_key(key_id: str, now: datetime, origin: Origin | None = None, actor_id=None):
    key = db.session.get(SecretKey, key_id)
    if key is None:
        raise NotFound(_l("No such secret key."))
    if key.revoked_at is None:
        key.revoked_at = now
        record("secret_key.revoked", origin, actor_id=actor_id, subject_id=key.id)
    return key


def list_secret_keys() -> list[SecretKey]:
    """Every key, live ones first, newest first: only the hint of each secret is known."""
    return db.session.scalars(
        select(SecretKey).order_by(
            SecretKey.revoked_at.is_not(None), SecretKey.created_at.desc(), SecretKey.id.desc()
        )
    ).all()
