"""This browser: its client cookie, and the Origin the domain is given for its requests."""

from dataclasses import replace

from flask import Flask, current_app, g, request

from app.auth.clients import ensure_client_id, find_client_id, new_client_secret
from app.auth.origin import Origin

CLIENT_COOKIE = "latchkey_client"
CLIENT_COOKIE_AGE = 400 * 24 * 3600  # the most browsers keep a cookie


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


def spender_origin() -> Origin:
    """This browser, for a POST that spends a token: its client row is made only if it does."""
    return replace(current_origin(), client_secret=client_secret())


def _read_client_cookie() -> None:
    secret = request.cookies.get(CLIENT_COOKIE, "")
    g.new_client = not (20 <= len(secret) <= 100)
    g.client_secret = new_client_secret() if g.new_client else secret


def _set_client_cookie(response):
    if g.get("new_client"):
        response.set_cookie(
            CLIENT_COOKIE,
            g.client_secret,
            max_age=CLIENT_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def register(app: Flask) -> None:
    app.before_request(_read_client_cookie)
    app.after_request(_set_client_cookie)
