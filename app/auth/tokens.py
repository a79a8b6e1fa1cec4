"""One-time tokens: 256 random bits for the person, only a SHA-256 for the database."""

import hashlib
import secrets

MAX_TOKEN_LENGTH = 100  # ours are 43 characters; longer text is not worth a lookup


def plausible_token(token: str | None) -> bool:
    """Whether the text could be one of our tokens, before any database work on it."""
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH


def make_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
