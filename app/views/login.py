"""Flask-Login wired to server-side sessions: the cookie names a session, not a user."""

from flask import Flask, redirect, request, url_for
from flask import session as cookie
from flask_login import UserMixin, login_user

from app import clock
from app.auth.sessions import load_session
from app.extensions import login_manager
from app.models import Session


class SignedIn(UserMixin):
    """Flask-Login's principal: a user *and* the session they are signed in with.

    Flask-Login keeps `get_id()` in the signed cookie, so the cookie names the session, not
    the user: revoking the session signs that browser out on its next request.
    """

    def __init__(self, session: Session):
        self.session = session
        self.user = session.user

    def get_id(self) -> str:
        return self.session.id

    @property
    def id(self) -> str:
        return self.user.id


def sign_in_browser(session: Session) -> None:
    """Rotate the cookie session and bind it to the new server-side session."""
    cookie.clear()
    cookie.permanent = True
    login_user(SignedIn(session))


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
