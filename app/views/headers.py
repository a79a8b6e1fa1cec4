"""Security headers on every answer: the content security policy, framing, referrers, caching."""

from urllib.parse import urlsplit

from flask import Flask, g

from app.auth.settings import setting


def no_store(response):
    """For pages about a signed-in person (their addresses, sessions; the admin's users and
    keys): a shared or back-button cache must not show them to the next person at the screen."""
    response.headers["Cache-Control"] = "no-store"
    return response


def content_security_policy(allowed_origins: list[str]) -> str:
    # No inline script anywhere; form-action also covers redirects after a form post.
    targets = " ".join(["'self'", *allowed_origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action {targets}"
    )


def form_may_lead_to(uri: str | None) -> dict:
    """The policy with `uri`'s origin in form-action too, for a page whose form may be
    redirected on to an OAuth app's registered redirect URI: form-action also covers where a
    form's POST is redirected, so a browser would block Allow, Deny, a confirmed sign-out or a
    same-browser link on their way back to the app."""
    origins = list(setting("ALLOWED_REDIRECT_ORIGINS"))
    if uri:
        parts = urlsplit(uri)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return {"Content-Security-Policy": content_security_policy(origins)}


def _set_security_headers(response):
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


def register(app: Flask) -> None:
    app.after_request(_set_security_headers)
