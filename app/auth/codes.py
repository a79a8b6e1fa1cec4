"""The 6-digit code beside every link (SPEC §10): made, keyed-hashed, and read as typed."""

import hashlib
import hmac
import secrets

from flask import current_app

from app.auth.errors import CodeMalformed

CODE_DIGITS = 6
# Spaces and dashes a person or a mail app puts between digits ("123 456", "123-456").
_SEPARATORS = str.maketrans("", "", " -\t\u00a0\u2009\u202f")
MAX_TYPED_LENGTH = 32  # a code with generous spacing; longer text is not worth reading


def make_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str, link_id: str) -> str:
    """An HMAC keyed with the app's SECRET_KEY and salted with the link: a million codes are
    quickly tried against a plain hash, so a copy of the database alone must not reveal the
    codes of live links."""
    return hmac.new(_key(), f"{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _key() -> bytes:
    # Derived, not the cookie-signing key itself: one key, one purpose.
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(secret, b"latchkey email codes", hashlib.sha256).digest()


def code_matches(code_hash: str | None, code: str, link_id: str) -> bool:
    return code_hash is not None and hmac.compare_digest(code_hash, hash_code(code, link_id))


def read_code(text) -> str:
    """The six digits of what was typed or pasted; CodeMalformed for anything else (which is
    never counted as a wrong code: it cannot be right)."""
    if not isinstance(text, str) or len(text) > MAX_TYPED_LENGTH:
        raise CodeMalformed()
    code = text.translate(_SEPARATORS)
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        raise CodeMalformed()
    return code
