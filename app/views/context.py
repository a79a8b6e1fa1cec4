"""Per-request plumbing: the client cookie, the request's Origin, security headers, sign-in."""

import re

from flask import Flask, current_app, g, redirect, request, url_for
from flask import session as cookie
from flask_login import login_user

from app import clock
from app.auth.audit import Origin
from app.auth.clients import ensure_client_id, find_client_id, new_client_secret
from app.auth.sessions import SignedIn, load_session
from app.auth.settings import setting
from app.auth.user_agents import describe
from app.extensions import limiter, login_manager
from app.models import Session

CLIENT_COOKIE = "latchkey_client"
CLIENT_COOKIE_AGE = 400 * 24 * 3600  # the most browsers keep a cookie
_TOKEN_IN_TEXT = re.compile(r"(token=)[^&\s\"']+")

# SPEC §6: 30 email-sending requests per IP per minute, across all the routes that send.
email_rate_limit = limiter.shared_limit(
    lambda: current_app.config["EMAIL_REQUESTS_PER_IP"], scope="email-ip", methods=["POST"]
)
# /verify and /accept-token, GET and POST: each bogus token costs a lookup and an audit write.
token_rate_limit = limiter.shared_limit(
    lambda: current_app.config["TOKEN_REQUESTS_PER_IP"], scope="token-ip"
)


def redact(text: str) -> str:
    return _TOKEN_IN_TEXT.sub(r"\1[redacted]", text)


def no_store(response):
    """For pages about a signed-in person (their addresses, sessions; the admin's users and
    keys): a shared or back-button cache must not show them to the next person at the screen."""
    response.headers["Cache-Control"] = "no-store"
    return response


def client_secret() -> str:
    return g.client_secret


def current_origin(create_client: bool = False) -> Origin:
    """The request's client, IP and user agent; the client row is made only when asked."""
    user_agent = request.headers.get("User-Agent", "").replace("\x00", "")[:512]
    if create_client:
        client_id = ensure_client_id(client_secret(), user_agent)
    else:
        client_id = find_client_id(client_secret())
    return Origin(client_id=client_id, ip=request.remote_addr, user_agent=user_agent)


def sign_in_browser(session: Session) -> None:
    """Rotate the cookie session and bind it to the new server-side session."""
    cookie.clear()
    cookie.permanent = True
    login_user(SignedIn(session))


def _read_client_cookie() -> None:
    secret = request.cookies.get(CLIENT_COOKIE, "")
    g.new_client = not (20 <= len(secret) <= 100)
    g.client_secret = new_client_secret() if g.new_client else secret


def _set_headers(response):
    if g.get("new_client"):
        response.set_cookie(
            CLIENT_COOKIE,
            g.client_secret,
            max_age=CLIENT_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    headers = response.headers
    if response.mimetype == "text/html":
        # Admins may change the allowed origins, so the policy is built per page.
        headers.setdefault(
            "Content-Security-Policy", content_security_policy(setting("ALLOWED_REDIRECT_ORIGINS"))
        )
    else:
        headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if g.get("token_page"):
        # The URL holds a token: never send it onward, never keep the page (SPEC §6).
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
    return response


def content_security_policy(allowed_origins: list[str]) -> str:
    # No inline script anywhere; form-action also covers redirects after a form post.
    targets = " ".join(["'self'", *allowed_origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {targets}"
    )


def ago(moment, now) -> str:
    """ "3 minutes ago": how long ago, in the largest whole unit."""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def _skip_remember_cookie_check_unless_session_read(app: Flask) -> None:
    # Flask-Login's after-request hook looks for a remember-cookie order in the session, which
    # would decode the session of every request (see cookie_session). Such an order is only ever
    # written and popped within one request, so a request that never read the session has none.
    hooks = app.after_request_funcs[None]
    update = login_manager._update_remember_cookie

    def update_remember_cookie(response):
        return update(response) if getattr(cookie, "loaded", True) else response

    hooks[hooks.index(update)] = update_remember_cookie


def register(app: Flask) -> None:
    app.add_template_filter(clock.to_ms, "ms")
    app.add_template_filter(ago)
    app.add_template_filter(describe, "browser")

    app.before_request(_read_client_cookie)

    app.after_request(_set_headers)
    _skip_remember_cookie_check_unless_session_read(app)

    login_manager.session_protection = None  # the server-side session is the authority
    login_manager.login_view = "pages.sign_in"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_id: str):
        session = load_session(session_id, clock.now())
        return SignedIn(session) if session else None

    @login_manager.unauthorized_handler
    def unauthorized():
        return redirect(url_for("pages.sign_in", redirect_url=request.full_path.rstrip("?")))
