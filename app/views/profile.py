"""/user: the signed-in person's email addresses and sessions."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

bp = Blueprint("profile", __name__, url_prefix="/user")


@bp.before_request
@login_required
def guard():
    """Every /user page needs a signed-in browser."""


@bp.get("")
def index():
    return render_template("profile/index.html", user=current_user.user)
