"""/admin: users, their addresses, tokens and sessions; secret keys; settings; the audit log."""

from functools import wraps

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    """Signed-out visitors go to sign-in (and come back); signed-in non-admins get a 403 page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from app.extensions import login_manager

            return login_manager.unauthorized()
        if not current_user.user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.before_request
@admin_required
def guard():
    """Every /admin page is for admins only."""


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users():
    return "users"
