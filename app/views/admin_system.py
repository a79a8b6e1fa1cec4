"""/admin pages that are not about one user: secret keys, settings and the audit log."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app import clock
from app.auth import audit, secret_keys, settings
from app.auth.errors import FormParamInvalid
from app.views.admin import admin_id, admin_required
from app.views.client import current_origin
from app.views.errors import status_of
from app.views.headers import no_store
from app.views.paging import Page, requested_page, search_term

bp = Blueprint("admin_system", __name__, url_prefix="/admin")
EVENTS_PER_PAGE = 50


bp.after_request(no_store)


@bp.before_request
@admin_required
def guard():
    """Every /admin page is for admins only."""


def render_keys(*, secret: str | None = None):
    if secret is not None:
        # Shown this once and never stored: keep the page out of caches and referrers.
        g.token_page = True
    return render_template(
        "admin/secret_keys.html", keys=secret_keys.list_secret_keys(), secret=secret
    )


@bp.get("/secret-keys")
def keys():
    return render_keys()


@bp.post("/secret-keys")
def create_key():
    key, secret = secret_keys.create_secret_key(
        request.form.get("name", ""), clock.now(), current_origin(), admin_id()
    )
    flash(
        gettext(
            "Created the secret key “%(name)s”. Copy it now: it will not be shown again.",
            name=key.name,
        )
    )
    return render_keys(secret=secret)


@bp.post("/secret-keys/<id:key_id>/revoke")
def revoke_key(key_id: str):
    key = secret_keys.revoke_secret_key(key_id, clock.now(), current_origin(), admin_id())
    flash(
        gettext("Revoked the secret key “%(name)s”: requests with it are refused.", name=key.name),
        "success",
    )
    return redirect(url_for("admin_system.keys"))


@bp.route("/settings", methods=["GET", "POST"])
def settings_page():
    error = None
    if request.method == "POST":
        try:
            settings.save_settings(request.form.to_dict(), admin_id(), current_origin())
        except FormParamInvalid as refused:
            error = refused
        else:
            flash(gettext("Settings saved. They apply from the next request."), "success")
            return redirect(url_for("admin_system.settings_page"))
    page = render_template(
        "admin/settings.html",
        current=settings.current_settings(),
        defaults=settings.environment_defaults(),
        typed=request.form if error else None,
        error=error,
    )
    return page, status_of(error) if error else 200


@bp.get("/audit")
def audit_log():
    user, event = search_term("user", 320), search_term("event", 64)
    page = requested_page(EVENTS_PER_PAGE)
    events, total = audit.list_events(user=user, event=event, limit=page.size, offset=page.offset)
    return render_template(
        "admin/audit.html",
        events=events,
        page=Page(page.number, page.size, total),
        user=user,
        event=event,
        event_names=audit.list_event_names(),
        labels=audit.user_labels(events),
    )
