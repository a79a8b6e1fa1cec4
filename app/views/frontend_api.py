"""/api: the JSON the waiting pages' own script asks (SPEC §4), bound to the client cookie."""

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from app import clock, mail
from app.auth.attempt_views import (
    AttemptView,
    newest_email,
    reload_attempt,
    view_attempt,
    wait_for_change,
)
from app.auth.attempts import cancel_attempt, find_attempt, resend_link
from app.auth.email_codes import redeem_code
from app.auth.email_links import shown_match_number
from app.auth.email_verification import cancel_email_verification, find_verification
from app.auth.networks import requester_network
from app.auth.status_poll import find_attempt_with_email
from app.auth.watcher import Wait
from app.models.attempts import (
    ABANDONED,
    COMPLETE,
    DENIED,
    EMAIL_ADDRESS,
    PENDING,
    TOO_MANY_CODES,
    WRONG_NUMBER,
)
from app.unit_of_work import commit
from app.v1.parsing import json_object
from app.views.client import client_secret, current_origin, spender_origin
from app.views.limits import code_rate_limit, email_rate_limit
from app.views.login import sign_in_browser

bp = Blueprint("frontend_api", __name__, url_prefix="/api")

# kind -> (object name, status names for pending / complete / abandoned)
KINDS = {
    "sign_in": ("sign_in_attempt", ("needs_first_factor", COMPLETE, ABANDONED)),
    "sign_up": ("sign_up_attempt", ("missing_requirements", COMPLETE, ABANDONED)),
    # An address is only ever unverified or verified; the verification tells why it waits.
    EMAIL_ADDRESS: ("email_address", ("unverified", "verified", "unverified")),
}


@bp.before_request
def same_origin_only():
    # Browsers say where a request comes from; another site's page gets nothing here.
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403)


def attempt_json(view: AttemptView) -> dict:
    """SPEC §4's object, plus when the next email may be requested and how its delivery went."""
    attempt = view.attempt
    object_name, names = KINDS[attempt.kind]
    status = dict(zip((PENDING, COMPLETE, ABANDONED), names, strict=True))[view.status]
    return {
        "object": object_name,
        "id": attempt.email_address_id if attempt.kind == EMAIL_ADDRESS else attempt.id,
        "status": status,
        "identifier": attempt.email,
        "verification": {
            "status": view.verification,
            "strategy": "email_link",
            "expire_at": clock.to_ms(attempt.expire_at),
            "verified_from_same_client": attempt.verified_from_same_client,
        },
        "next_url": next_url(view),
        # SPEC §10: what a cross-device approval will ask for (null when it asks nothing).
        "match_number": shown_match_number(attempt),
        "resend_available_at": clock.to_ms(view.resend_at),
        "email_delivery": view.email_delivery,
        "version": view.version,
        # What the waiting page shows (waiting.html's data-show): the page and its script
        # take it from here, so the two cannot disagree.
        "page_state": page_state(view),
    }


def next_url(view: AttemptView) -> str | None:
    """Where the waiting tab goes: onward if this browser is signed in, else to finish here."""
    attempt = view.attempt
    if view.status != COMPLETE:
        return None
    if attempt.kind == EMAIL_ADDRESS:
        return url_for("profile.index")
    if attempt.verified_from_same_client:
        return attempt.redirect_url or url_for("profile.index")
    return url_for("waiting.finish", kind=attempt.kind, attempt_id=attempt.id)


# Why an attempt was stopped for safety -> the waiting page's state that says so (SPEC §10).
STOPPED_STATES = {
    TOO_MANY_CODES: "too-many-codes",
    WRONG_NUMBER: "wrong-number",
    DENIED: "denied",
}


def page_state(view: AttemptView) -> str:
    """The waiting page's state: waiting, expired, closed (or why it was stopped: see
    STOPPED_STATES), approved, same-client or verified."""
    if view.status == COMPLETE:
        if view.attempt.kind == EMAIL_ADDRESS:
            return "verified"
        return "same-client" if view.attempt.verified_from_same_client else "approved"
    if view.status == ABANDONED or view.verification == "failed":
        return STOPPED_STATES.get(view.attempt.closed_reason, "closed")
    return "expired" if view.verification == "expired" else "waiting"


MAX_WAIT = 25  # seconds: under the usual 30 s proxy timeouts
# Seconds a tab whose poll was not held (a cap reached, or a newer poll of its own took over)
# waits before asking again, so it does not spin; waiting.js honours it.
COME_BACK_AFTER = 5


def _attempt_response(attempt):
    def read_again():
        return reload_attempt(attempt), newest_email(attempt.id)

    return _attempt_response_with(attempt, newest_email(attempt.id), read_again)


def _requested_wait() -> float:
    """Seconds the poll asks to be held (?wait=N&seen=VERSION on a GET); 0: answer at once."""
    if not request.args.get("seen") or request.method != "GET":
        return 0
    try:
        return min(float(request.args.get("wait", 0)), MAX_WAIT)
    except ValueError:
        return 0


def deliver_if_overdue(last_email, now) -> bool:
    """Somebody is waiting for this very email: if its turn has come and no sender has it, send
    it now rather than at the next cron; True if it went. The request's own work is committed
    first: the sender commits as it goes (mail.deliver), and a request that got this far
    succeeded."""
    if last_email is None or not mail.overdue(last_email, now):
        return False
    commit()
    return mail.deliver(last_email.id, now)


def _attempt_response_with(attempt, last_email, read_again):
    """The attempt's JSON; with ?wait=N&seen=VERSION, held until it changes (a long-poll)."""
    outcome = Wait.SKIPPED
    wait = _requested_wait()
    if wait > 0:
        seen, network = request.args["seen"], requester_network(request.remote_addr)
        # The request's work ends before the wait (a session's touch, say), so none of it
        # waits with it, and the wait holds no connection.
        commit()
        outcome = wait_for_change(attempt, seen, wait, network)
        if outcome.read_again:
            attempt, last_email = read_again()  # both may have changed while we waited
    now = clock.now()
    if deliver_if_overdue(last_email, now):
        attempt, last_email = read_again()
    response = jsonify(attempt_json(view_attempt(attempt, now, last_email)))
    if outcome.come_back_later:
        response.headers["Retry-After"] = str(COME_BACK_AFTER)
    return response


def _attempt(kind: str, attempt_id: str):
    return find_attempt(kind, attempt_id, current_origin().client_id)


@bp.get("/<kinds:kind>/<attempt_id>")
def show(kind: str, attempt_id: str):
    # The waiting tab's poll: one read finds the attempt, checks the client and its email.
    def read():
        return find_attempt_with_email(kind, attempt_id, client_secret())

    return _attempt_response_with(*read(), read)


@bp.post("/<kinds:kind>/<attempt_id>/resend")
@email_rate_limit
def resend(kind: str, attempt_id: str):
    attempt = _attempt(kind, attempt_id)
    return _attempt_response(resend_link(attempt.kind, attempt.id, current_origin(), clock.now()))


def _code_response(attempt):
    """SPEC §10's code as JSON `{"code"}`: on success this browser is signed in (or the address
    verified) and the attempt's JSON says where to go next."""
    code = json_object().get("code")
    completion = redeem_code(attempt, code, spender_origin(), clock.now())
    if completion.session is not None:
        sign_in_browser(completion.session)
    return _attempt_response(completion.attempt)


@bp.post("/<kinds:kind>/<attempt_id>/code")
@code_rate_limit
def enter_code(kind: str, attempt_id: str):
    return _code_response(_attempt(kind, attempt_id))


@bp.post("/<kinds:kind>/<attempt_id>/cancel")
def cancel(kind: str, attempt_id: str):
    attempt = _attempt(kind, attempt_id)
    return _attempt_response(
        cancel_attempt(attempt.kind, attempt.id, current_origin(), clock.now())
    )


def own_verification(address_id: str):
    """The signed-in user's verification of one of their addresses, started in this browser."""
    if not current_user.is_authenticated:
        abort(404)
    return find_verification(address_id, current_user.user.id, current_origin().client_id)


@bp.get("/email-addresses/<address_id>")
def show_email_address(address_id: str):
    return _attempt_response(own_verification(address_id))


@bp.post("/email-addresses/<address_id>/resend")
@email_rate_limit
def resend_email_address(address_id: str):
    attempt = own_verification(address_id)
    return _attempt_response(resend_link(EMAIL_ADDRESS, attempt.id, current_origin(), clock.now()))


@bp.post("/email-addresses/<address_id>/code")
@code_rate_limit
def enter_email_address_code(address_id: str):
    return _code_response(own_verification(address_id))


@bp.post("/email-addresses/<address_id>/cancel")
def cancel_email_address(address_id: str):
    attempt = own_verification(address_id)
    cancel_email_verification(attempt, current_origin(), clock.now())
    return jsonify({"object": "email_address", "id": address_id, "deleted": True})
