"""Signing keys: RSA-2048, made on first need, rotated by the CLI, published as a JWKS.

The private half is read from the database and used in this process only: never logged,
never shown, never in a JWKS (which is built from the stored public JWK, not the key).
"""

from datetime import datetime, timedelta
from functools import lru_cache

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select

from app.auth.settings import setting
from app.extensions import db
from app.ids import is_id, new_id
from app.models import SigningKey

ALGORITHM = "RS256"
# The longest a /v1 session token may be asked to live (`expires_in_seconds`).
MAX_SESSION_TOKEN_TTL = 86_400


def _current() -> SigningKey | None:
    statement = select(SigningKey).where(SigningKey.retired_at.is_(None))
    return db.session.scalar(statement.order_by(SigningKey.created_at.desc()).limit(1))


def _make_key(now: datetime) -> SigningKey:
    kid = new_id("kid")
    parameters = {"kid": kid, "use": "sig", "alg": ALGORITHM}
    key = RSAKey.generate_key(2048, parameters=parameters, private=True)
    row = SigningKey(
        id=kid,
        private_pem=key.as_pem(private=True).decode("ascii"),
        public_jwk=key.as_dict(private=False),
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def current_key(now: datetime) -> SigningKey:
    """The key that signs now; the first one is made on first need (in the caller's work)."""
    return _current() or _make_key(now)


def rotate(now: datetime) -> SigningKey:
    """A new current key; the one before signs nothing more but stays published for a while."""
    for row in db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        row.retired_at = now
    return _make_key(now)


def _longest_token_life() -> int:
    return max(
        setting("OIDC_ID_TOKEN_TTL"),
        setting("OIDC_ACCESS_TOKEN_TTL"),
        setting("SESSION_TOKEN_TTL"),
        MAX_SESSION_TOKEN_TTL,
    )


def published_keys(now: datetime) -> list[dict]:
    """The public JWKs of the current key and of retired keys whose tokens may still be alive.

    Never an empty set: a verifier may load it before the first token is signed, so the first
    key is made here if need be.
    """
    current_key(now)
    oldest = now - timedelta(seconds=_longest_token_life())
    statement = select(SigningKey.public_jwk).where(
        (SigningKey.retired_at.is_(None)) | (SigningKey.retired_at > oldest)
    )
    return list(db.session.scalars(statement.order_by(SigningKey.created_at.desc())))


def public_key_set(now: datetime) -> KeySet:
    return KeySet.import_key_set({"keys": published_keys(now)})


@lru_cache(maxsize=8)
def _private_key(kid: str, pem: str) -> RSAKey:
    # Parsing a PEM costs tens of milliseconds, the signature itself well under one.
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


def signing_key(now: datetime) -> RSAKey:
    """The current private key as a joserfc key (for Authlib, which signs with it)."""
    row = current_key(now)
    return _private_key(row.id, row.private_pem)


def sign(claims: dict, now: datetime, typ: str = "JWT") -> str:
    """A JWT over these claims, signed RS256 by the current key, `kid` in its header."""
    key = signing_key(now)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


_public_keys: dict[str, RSAKey] = {}  # kid -> public key: a key's content never changes


def _public_key(kid: object) -> RSAKey:
    key = _public_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        row = db.session.get(SigningKey, kid) if is_id(kid, "kid") else None
        if row is None:
            raise BadSignatureError("No key of ours has that kid.")
        key = _public_keys.setdefault(kid, RSAKey.import_key(row.public_jwk))
    return key


def verify(token: str) -> jwt.Token:
    """The token's header and claims if one of our keys signed it (claims unchecked: the
    caller checks `exp`, which bounds a token's life past its key's retirement too).

    One primary-key read the first time a process meets a key, none after. Raises joserfc's
    errors (JoseError, ValueError) for anything else.
    """
    kid = jws.extract_compact(token.encode()).headers().get("kid")
    return jwt.decode(token, _public_key(kid), algorithms=[ALGORITHM])
