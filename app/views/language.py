"""The language switcher on every page (SPEC §11): a cookie, and the signed-in user's choice."""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user

from app.auth.errors import RedirectNotAllowed
from app.auth.redirects import check_redirect_url
from app.auth.users import save_language
from app.i18n import LANGUAGE_COOKIE, LANGUAGES

bp = Blueprint("language", __name__)
COOKIE_AGE = 365 * 86400


def _back_to(path: str | None) -> str:
    # Only a path on this site, by the rule every redirect follows (no "//evil", "/\\evil",
    # nor a tab or line break that a browser would drop from "/\t/evil").
    try:
        return check_redirect_url(path, []) or url_for("pages.home")
    except RedirectNotAllowed:
        return url_for("pages.home")


@bp.post("/language")
def choose():
    language = request.form.get("language", "")
    response = redirect(_back_to(request.form.get("next")), 303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated:
            save_language(current_user.user.id, language)
    return response
