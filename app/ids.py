"""Object ids: a prefix and 27 base62 characters (a KSUID), sortable by creation time."""

import re
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_EPOCH = 1_400_000_000  # KSUID's epoch: four bytes of seconds last until 2150.
_SHAPE = re.compile(r"[a-z]{2,8}_[0-9A-Za-z]{27}")


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def new_id(prefix: str) -> str:
    stamp = int(time.time()) - _EPOCH
    payload = stamp.to_bytes(4, "big") + secrets.token_bytes(16)
    return f"{prefix}_{_base62(int.from_bytes(payload, 'big'), 27)}"


def is_id(text: object, prefix: str) -> bool:
    """Whether `text` has the shape of an id with this prefix (no database needed to refuse it)."""
    return isinstance(text, str) and bool(_SHAPE.fullmatch(text)) and text.startswith(f"{prefix}_")
