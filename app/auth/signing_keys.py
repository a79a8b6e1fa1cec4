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
# Each kind of token has keys of its own, published apart (/oauth/jwks, /v1/jwks): a verifier
# that trusts one set can never be handed a token of the other kind that it would take for its
# own (an app's ID token passed off as a session token to a backend, say).
OIDC, SESSIONS = "oidc", "session"
PURPOSES = (OIDC, SESSIONS)


def _current(purpose: str) -> SigningKey | None:
    statement = select(SigningKey).where(
        SigningKey.purpose == purpose, SigningKey.retired_at.is_(None)
    )
    return db.session.scalar(statement.order_by(SigningKey.created_at.desc()).limit(1))


def _make_key(now: datetime, purpose: str) -> SigningKey:
    kid = new_id("kid")
    parameters = {"kid": kid, "use": "sig", "alg": ALGORITHM}
    key = RSAKey.generate_key(2048, parameters=parameters, private=True)
    row = SigningKey(
        id=kid,
        purpose=purpose,
        private_pem=key.as_pem(private=True).decode("ascii"),
        public_jwk=key.as_dict(private=False),
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def current_key(now: datetime, purpose: str) -> SigningKey:
    """The key that signs now; the first one is made on first need (in the caller's work)."""
    return _current(purpose) or _make_key(now, purpose)


def rotate(now: datetime) -> dict[str, SigningKey]:
    """A new current key of each purpose; the ones before sign nothing more but stay
    published for a while."""
    for row in db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        row.retired_at = now
    return {purpose: _make_key(now, purpose) for purpose in PURPOSES}


def _longest_token_life(purpose: str) -> int:
    if purpose == OIDC:
        return max(setting("OIDC_ID_TOKEN_TTL"), setting("OIDC_ACCESS_TOKEN_TTL"))
    return max(setting("SESSION_TOKEN_TTL"), MAX_SESSION_TOKEN_TTL)


def published_keys(now: datetime, purpose: str) -> list[dict]:
    """The public JWKs of the current key and of retired keys whose tokens may still be alive.

    Never an empty set: a verifier may load it before the first token is signed, so the first
    key is made here if need be.
    """
    current_key(now, purpose)
    oldest = now - timedelta(seconds=_longest_token_life(purpose))
    statement = select(SigningKey.public_jwk).where(
        SigningKey.purpose == purpose,
        (SigningKey.retired_at.is_(None)) | (SigningKey.retired_at > oldest),
    )
    return list(db.session.scalars(statement.order_by(SigningKey.created_at.desc())))


def public_key_set(now: datetime, purpose: str) -> KeySet:
    return KeySet.import_key_set({"keys": published_keys(now, purpose)})


@lru_cache(maxsize=8)
def _private_key(kid: str, pem: str) -> RSAKey:
    # Parsing a PEM costs tens of milliseconds, the signature itself well under one.
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


def signing_key(now: datetime, purpose: str) -> RSAKey:
    """The current private key as a joserfc key (for Authlib, which signs with it)."""
    row = current_key(now, purpose)
    return _private_key(row.id, row.private_pem)


def sign(claims: dict, now: datetime, purpose: str, typ: str = "JWT") -> str:
    """A JWT over these claims, signed RS256 by the purpose's current key, `kid` in its header."""
    key = signing_key(now, purpose)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[ALGORITHM])


# kid -> (purpose, public key): a key's content never changes
_public_keys: dict[str, tuple[str, RSAKey]] = {}


def _public_key(kid: object, purpose: str) -> RSAKey:
    known = _public_keys.get(kid) if isinstance(kid, str) else None
    if known is None:
        row = db.session.get(SigningKey, kid) if is_id(kid, "kid") else None
        if row is None:
            raise BadSignatureError("No key of ours has that kid.")
        known = _public_keys.setdefault(kid, (row.purpose, RSAKey.import_key(row.public_jwk)))
    if known[0] != purpose:
        raise BadSignatureError("That key signs another kind of token.")
    return known[1]


def verify(token: str, purpose: str) -> jwt.Token:
    """The token's header and claims if one of our keys of this purpose signed it (claims
    unchecked: the caller checks `exp`, which bounds a token's life past its key's retirement).

    One primary-key read the first time a process meets a key, none after. Raises joserfc's
    errors (JoseError, ValueError) for anything else.
    """
    kid = jws.extract_compact(token.encode()).headers().get("kid")
    return jwt.decode(token, _public_key(kid, purpose), algorithms=[ALGORITHM])
