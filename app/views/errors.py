"""Errors, mapped once: JSON in SPEC §5's format under /api and /v1, a page everywhere else."""

import math
import time

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth.email_verification import TooManyPending
from app.auth.errors import (
    AccountNotFound,
    AttemptClosed,
    AttemptFailed,
    AuthError,
    ClientMismatch,
    CodeAlreadyUsed,
    CodeExpired,
    CodeIncorrect,
    CodeMalformed,
    CodeReplaced,
    EmailTaken,
    FormParamFormat,
    FormParamInvalid,
    FormParamMissing,
    InvalidEmail,
    LinkAddressTaken,
    LinkAlreadyUsed,
    LinkCancelled,
    LinkExpired,
    LinkReplaced,
    LinkUserBanned,
    NoCode,
    NotFound,
    NumberMissing,
    OwnAccount,
    RateLimited,
    RedirectNotAllowed,
    SessionNotActive,
    SignInTokenCannotBeRevoked,
    TokenAlreadyUsed,
    TokenExpired,
    TokenRevoked,
    TokenUserBanned,
    UserBanned,
)
from app.extensions import limiter
from app.i18n import _l, duration, english, lazy
from app.oauth.applications import RedirectUriInvalid
from app.refusals import Refusal


class RequestError(Refusal):
    """A request refused before the domain sees it (its shape, its credentials): a views' error,
    so it says its own status and SPEC §5 code."""

    status = 400
    code = "malformed_request"
    message = "The request could not be understood."


# Each domain error -> (HTTP status, SPEC §5 code); one not listed is answered as its nearest
# listed ancestor. The one place a domain error becomes a status, a page's and an API's.
ANSWERS = {
    AuthError: (400, "form_param_value_invalid"),
    InvalidEmail: (422, "form_param_format_invalid"),
    AccountNotFound: (422, "form_identifier_not_found"),
    EmailTaken: (422, "form_identifier_exists"),
    RedirectNotAllowed: (422, "form_param_value_invalid"),
    UserBanned: (403, "user_banned"),
    RateLimited: (429, "too_many_requests"),
    NotFound: (404, "resource_not_found"),
    AttemptClosed: (409, "attempt_closed"),
    LinkAlreadyUsed: (410, "form_param_value_invalid"),
    LinkReplaced: (410, "form_param_value_invalid"),
    LinkCancelled: (410, "form_param_value_invalid"),
    LinkExpired: (410, "form_param_value_invalid"),
    ClientMismatch: (403, "form_param_value_invalid"),
    LinkUserBanned: (403, "form_param_value_invalid"),
    LinkAddressTaken: (409, "form_param_value_invalid"),
    OwnAccount: (409, "action_not_allowed"),
    # SPEC §10. The codes a Clerk frontend knows for the same refusals.
    AttemptFailed: (410, "verification_failed"),
    NumberMissing: (422, "form_param_missing"),
    CodeMalformed: (422, "form_param_format_invalid"),
    CodeIncorrect: (422, "form_code_incorrect"),
    CodeReplaced: (422, "form_code_incorrect"),
    NoCode: (422, "form_code_incorrect"),
    CodeExpired: (410, "verification_expired"),
    CodeAlreadyUsed: (410, "verification_already_verified"),
    TooManyPending: (422, "form_param_value_invalid"),
    FormParamMissing: (422, "form_param_missing"),
    FormParamInvalid: (422, "form_param_value_invalid"),
    FormParamFormat: (422, "form_param_format_invalid"),
    SignInTokenCannotBeRevoked: (400, "sign_in_token_cannot_be_revoked"),
    # SPEC §9 asks for a §5 code, and §5 has none for a session's state: a 400 with the one it
    # uses for any state an action does not allow (a last verified address, deleted).
    SessionNotActive: (400, "form_param_value_invalid"),
    TokenExpired: (410, "form_param_value_invalid"),
    TokenRevoked: (410, "form_param_value_invalid"),
    TokenAlreadyUsed: (410, "form_param_value_invalid"),
    TokenUserBanned: (403, "form_param_value_invalid"),
    RedirectUriInvalid: (422, "form_param_value_invalid"),
}


def _answer_of(error: Refusal) -> tuple[int, str]:
    if isinstance(error, RequestError):
        return error.status, error.code
    return next(ANSWERS[kind] for kind in type(error).__mro__ if kind in ANSWERS)


def status_of(error: Refusal) -> int:
    return _answer_of(error)[0]


def retry_headers(error: Refusal) -> dict:
    """Retry-After for a refusal that says when to come back (RateLimited)."""
    seconds = getattr(error, "retry_after", None)
    return {"Retry-After": str(seconds)} if seconds else {}


# HTTP status -> (code, message) for errors raised outside the domain.
HTTP_ERRORS = {
    400: ("malformed_request", _l("The request could not be understood.")),
    401: ("authorization_header_format_invalid", _l("Authorization required.")),
    403: ("forbidden", _l("You do not have access to this page.")),
    404: ("resource_not_found", _l("That page or resource does not exist.")),
    405: ("method_not_allowed", _l("That method is not allowed here.")),
    413: ("request_body_too_large", _l("The request body is too large.")),
    415: ("malformed_request", _l("The request's content type is not supported.")),
    429: ("too_many_requests", _l("Too many requests.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again.")),
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/v1/"))


def json_error(status, code, message, *, long_message=None, param=None, headers=None, meta=None):
    """The one JSON error shape (SPEC §5): all three strings always present."""
    message, long_message = english(message), english(long_message or message)
    body = {
        "errors": [
            {
                "code": code,
                "message": message,
                "long_message": long_message,
                "meta": ({"param_name": param} if param else {}) | (meta or {}),
            }
        ]
    }
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def error_page(status, message, *, title=None, headers=None, detail=None):
    """The error page; `detail` is for a developer (a library's English words), shown apart."""
    response = render_template(
        "errors/error.html", status=status, message=message, title=title, detail=detail
    )
    return response, status, headers or {}


def error_response(status, code, message, *, param=None, headers=None, meta=None):
    if wants_json():
        return json_error(status, code, message, param=param, headers=headers, meta=meta)
    return error_page(status, message, headers=headers)


def refuse_oversized_body() -> None:
    """413 before anything else runs when the body is over MAX_CONTENT_LENGTH, on every route.

    Werkzeug checks a declared Content-Length only when something parses the body (a route
    that ignores its body would do its work and answer 2xx), and it cuts a chunked body at the
    limit without a word (a form or JSON document cut short could read as a smaller valid one).
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None:
        if request.content_length > limit:
            abort(413)
    elif "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # Werkzeug's stream stops at the limit; one more byte from the server's says it was cut.
        if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
            abort(413)


def _retry_after_seconds() -> int:
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def register(app: Flask) -> None:
    @app.errorhandler(Refusal)
    def refused(error: Refusal):
        status, code = _answer_of(error)
        return error_response(
            status,
            code,
            error.message,
            param=error.param,
            headers=retry_headers(error),
            meta=getattr(error, "meta", None),  # CodeIncorrect: the tries left
        )

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _l("This form has expired or was not sent from this site. Reload and try again.")
        return error_response(400, "malformed_request", message)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        seconds = _retry_after_seconds()
        message = _l(
            "Too many requests from your network. Try again in %(wait)s.",
            wait=lazy(duration, seconds),
        )
        return error_response(
            429, "too_many_requests", message, headers={"Retry-After": str(seconds)}
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Werkzeug's description of a status not in the table is English: a page says ours.
        code, message = HTTP_ERRORS.get(error.code, HTTP_ERRORS[400])
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}  # 405 says what is
        return error_response(error.code, code, message, headers=allow)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = HTTP_ERRORS[500]
        return error_response(500, code, message)
