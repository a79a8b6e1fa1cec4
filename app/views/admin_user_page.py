"""One user's /admin page, and how a change made from it answers: back to the page with a
message, or the page again with the refusal in the section it concerns."""

from collections.abc import Callable

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth import sessions, sign_in_tokens
from app.auth.errors import AuthError, NotFound
from app.models.sessions import ACTIVE
from app.views.errors import status_of


def render_user(user, *, errors: dict | None = None, status: int = 200, minted=None):
    """The user's page; `errors` puts a refused change's message in its section."""
    if minted is not None:
        # The one time this token's URL exists: keep it out of caches and referrers.
        g.token_page = True
    active, _ = sessions.list_sessions(user_id=user.id, status=ACTIVE, limit=100)
    page = render_template(
        "admin/user.html",
        user=user,
        tokens=sign_in_tokens.list_sign_in_tokens(user.id),
        sessions=active,
        this_session=current_user.session.id,
        errors=errors or {},
        form=request.form,
        minted=minted,
        now=clock.now(),
    )
    return page, status


def act(user, section: str, change: Callable[[], object], message: str):
    """Make one change: flash and go back to the user, or show the refusal in its section.

    Unknown ids are not caught: they are 404 pages, like any other missing page.
    """
    try:
        change()
    except NotFound:
        raise
    except AuthError as error:
        return render_user(user, errors={section: error}, status=status_of(error))
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=user.id))
