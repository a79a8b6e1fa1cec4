"""A form post must come from this site's own pages: Sec-Fetch-Site, else Origin, says so.

This stands in for Flask-WTF's strict Referer check over HTTPS (WTF_CSRF_SSL_STRICT, off): the
pages whose URL holds a token send no Referer (Referrer-Policy: no-referrer), so that check
refused their own forms. Like it, this is a second line behind the CSRF token: it stops a
forged post that rides on a CSRF cookie an attacker managed to plant (say from a sibling
subdomain or over plain HTTP), whose token would otherwise pass.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask_wtf.csrf import CSRFError

# `none`: the user's own doing (a bookmark, the address bar), which no other site can cause.
_OWN_FETCH_SITES = {"same-origin", "none"}
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin_of(url: str) -> str:
    """scheme://host[:port], lower case, without the scheme's default port: as browsers send it."""
    parts = urlsplit(url.strip().lower())
    host = parts.netloc.rsplit("@", 1)[-1]
    if parts.port is not None and str(parts.port) == _DEFAULT_PORTS.get(parts.scheme):
        host = host.rsplit(":", 1)[0]
    return f"{parts.scheme}://{host}"


def is_own_origin(origin: str) -> bool:
    own = {origin_of(current_app.config["PUBLIC_URL"]), origin_of(request.host_url)}
    return origin_of(origin) in own


def came_from_elsewhere() -> bool:
    """Whether the browser says another site sent this request.

    Browsers since 2020-23 send Sec-Fetch-Site, which they compute themselves. Older ones
    send Origin, but as `null` from a page with Referrer-Policy: no-referrer (our token
    pages), so `null` tells nothing and counts as absent. With neither, the CSRF token decides.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in _OWN_FETCH_SITES
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return False
    return not is_own_origin(origin)


def refuse_posts_from_elsewhere() -> None:
    # Only what passed Flask-WTF's check (g.csrf_valid): the same unsafe methods, and not
    # /v1, which takes secret keys, not cookies, and is exempt.
    if g.get("csrf_valid") and came_from_elsewhere():
        # The answer of any other CSRF failure: the same page, and the same API error.
        raise CSRFError("The request was not sent from this site.")


def register(app: Flask) -> None:
    """Check after Flask-WTF's own before-request hook, so it must be registered first."""
    app.before_request(refuse_posts_from_elsewhere)
