"""Redirect rules (SPEC §6): paths on this site, or origins an operator listed."""

from urllib.parse import urlsplit

from app.auth.errors import RedirectNotAllowed

MAX_URL_LENGTH = 2048  # also the column that keeps a sign-in's redirect_url


def check_redirect_url(url: str | None, allowed_origins: list[str]) -> str | None:
    """Return the URL if it may be followed, None if none was given; refuse anything else.

    Checked when the URL is given (form or API), so a refused one is never stored or followed.
    """
    if url is None or url == "":
        return None
    if len(url) > MAX_URL_LENGTH or any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in url):
        # Backslashes and control characters: browsers read "/\evil" as "//evil".
        raise RedirectNotAllowed()
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        if url.startswith("/") and not url.startswith("//"):
            return url
        raise RedirectNotAllowed()
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if parts.scheme in ("http", "https") and origin in {o.lower() for o in allowed_origins}:
        return url
    raise RedirectNotAllowed()
