"""Errors, mapped once: JSON in SPEC §5's format under /api and /v1, a page everywhere else."""

import math
import time

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.auth.errors import AuthError
from app.extensions import limiter

# HTTP status -> (code, message) for errors raised outside the domain.
HTTP_ERRORS = {
    400: ("malformed_request", "The request could not be understood."),
    401: ("authorization_header_format_invalid", "Authorization required."),
    403: ("forbidden", "You do not have access to this page."),
    404: ("resource_not_found", "That page or resource does not exist."),
    405: ("method_not_allowed", "That method is not allowed here."),
    413: ("request_body_too_large", "The request body is too large."),
    415: ("malformed_request", "The request's content type is not supported."),
    429: ("too_many_requests", "Too many requests."),
    500: ("internal_error", "Something went wrong on our side. Please try again."),
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/v1/"))


def json_error(status, code, message, *, long_message=None, param=None, headers=None):
    """The one JSON error shape (SPEC §5): all three strings always present."""
    body = {
        "errors": [
            {
                "code": code,
                "message": message,
                "long_message": long_message or message,
                "meta": {"param_name": param} if param else {},
            }
        ]
    }
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def error_page(status, message, *, title=None, headers=None):
    response = render_template("errors/error.html", status=status, message=message, title=title)
    return response, status, headers or {}


def answer(status, code, message, *, param=None, headers=None):
    if wants_json():
        return json_error(status, code, message, param=param, headers=headers)
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
    @app.errorhandler(AuthError)
    def auth_error(error: AuthError):
        headers = {}
        if getattr(error, "retry_after", None):
            headers["Retry-After"] = str(error.retry_after)
        return answer(error.status, error.code, error.message, param=error.param, headers=headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = "This form has expired or was not sent from this site. Reload and try again."
        return answer(400, "malformed_request", message)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        seconds = _retry_after_seconds()
        message = f"Too many requests from your network. Try again in {seconds} seconds."
        return answer(429, "too_many_requests", message, headers={"Retry-After": str(seconds)})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code, message = HTTP_ERRORS.get(error.code, ("malformed_request", error.description))
        allow = {k: v for k, v in error.get_headers() if k == "Allow"}  # 405 says what is
        return answer(error.code, code, message, headers=allow)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = HTTP_ERRORS[500]
        return answer(500, code, message)
