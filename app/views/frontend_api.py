"""/api: the JSON the waiting pages' own script asks (SPEC §4), bound to the client cookie."""

from flask import Blueprint, abort, jsonify, request, url_for

from app import clock
from app.auth.attempts import AttemptView, cancel_attempt, find_attempt, resend_link, view_attempt
from app.models.attempts import ABANDONED, COMPLETE, PENDING
from app.views.context import current_origin, email_rate_limit

bp = Blueprint("frontend_api", __name__, url_prefix="/api")


@bp.before_request
def same_origin_only():
    # Browsers say where a request comes from; another site's page gets nothing here.
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403)


COLLECTION = '<any("sign-ins", "sign-ups"):collection>'
# collection -> (kind, object name, status names for pending/complete/abandoned)
COLLECTIONS = {
    "sign-ins": ("sign_in", "sign_in_attempt", "needs_first_factor"),
    "sign-ups": ("sign_up", "sign_up_attempt", "missing_requirements"),
}


def attempt_json(view: AttemptView) -> dict:
    """SPEC §4's attempt object, plus when the next email may be requested and its delivery."""
    attempt = view.attempt
    kind, object_name, pending_name = COLLECTIONS[collection_of(attempt.kind)]
    status = {PENDING: pending_name, COMPLETE: COMPLETE, ABANDONED: ABANDONED}[view.status]
    return {
        "object": object_name,
        "id": attempt.id,
        "status": status,
        "identifier": attempt.email,
        "verification": {
            "status": view.verification,
            "strategy": "email_link",
            "expire_at": clock.to_ms(attempt.expire_at),
            "verified_from_same_client": attempt.verified_from_same_client,
        },
        "next_url": next_url(view),
        "resend_available_at": clock.to_ms(view.resend_at),
        "email_delivery": view.email_delivery,
    }


def collection_of(kind: str) -> str:
    return {"sign_in": "sign-ins", "sign_up": "sign-ups"}[kind]


def next_url(view: AttemptView) -> str | None:
    """Where the waiting tab goes: onward if this browser is signed in, else to finish here."""
    attempt = view.attempt
    if view.status != COMPLETE:
        return None
    flow = attempt.kind.replace("_", "-")
    if attempt.verified_from_same_client:
        return attempt.redirect_url or url_for("profile.index")
    return url_for("waiting.finish", flow=flow, attempt_id=attempt.id)


def _view(collection: str, attempt_id: str):
    kind = COLLECTIONS[collection][0]
    attempt = find_attempt(kind, attempt_id, current_origin().client_id)
    return jsonify(attempt_json(view_attempt(attempt, clock.now())))


@bp.get(f"/{COLLECTION}/<attempt_id>")
def show(collection: str, attempt_id: str):
    return _view(collection, attempt_id)


@bp.post(f"/{COLLECTION}/<attempt_id>/resend")
@email_rate_limit
def resend(collection: str, attempt_id: str):
    resend_link(COLLECTIONS[collection][0], attempt_id, current_origin(), clock.now())
    return _view(collection, attempt_id)


@bp.post(f"/{COLLECTION}/<attempt_id>/cancel")
def cancel(collection: str, attempt_id: str):
    cancel_attempt(COLLECTIONS[collection][0], attempt_id, current_origin(), clock.now())
    return _view(collection, attempt_id)
