"""Reading backend API requests: JSON bodies, typed parameters, list answers, auth errors."""

import json

from flask import jsonify, request
from werkzeug.routing import BaseConverter

from app.auth.errors import AuthError, FormParamFormat, FormParamInvalid, FormParamMissing


class AuthorizationHeaderInvalid(AuthError):
    status = 401
    code = "authorization_header_format_invalid"
    message = "Send your secret key as Authorization: Bearer sk_…"


class SecretKeyInvalid(AuthError):
    status = 401
    code = "secret_key_invalid"
    message = "The secret key is unknown or has been revoked."


class MalformedRequest(AuthError):
    status = 400
    code = "malformed_request"
    message = "The request body must be a JSON object sent as application/json."


def body() -> dict:
    """The JSON object in the body; an empty body counts as {}."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype != "application/json":
        raise MalformedRequest("Content-Type must be application/json.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nesting deeper than Python's
        raise MalformedRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    if "\\u0000" in raw.decode("utf-8", "replace").lower():
        raise MalformedRequest("Strings may not contain NUL characters.")
    try:
        # JSON may escape half a surrogate pair (\ud800); no database takes it as text.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedRequest("Strings may not contain lone surrogates such as \\ud800.") from None
    return data


def refuse_nul_in_query() -> None:
    # PostgreSQL refuses NUL in text, so it must be a 4xx here, never a 500 there.
    for name, value in request.args.items(multi=True):
        if "\x00" in value:
            raise FormParamInvalid(f"{name} may not contain NUL characters.", param=name)


def required(data: dict, name: str, kind=str):
    if data.get(name) is None or data.get(name) == "":
        raise FormParamMissing(name)
    return typed(data, name, kind)


def typed(data: dict, name: str, kind, max_length: int = 2048):
    value = data.get(name)
    if value is None:
        return None
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormParamInvalid(f"{name} must be a whole number.", param=name)
        return value
    if not isinstance(value, kind):
        raise FormParamFormat(f"{name} must be of type {kind.__name__}.", param=name)
    if kind is str and len(value) > max_length:
        raise FormParamInvalid(f"{name} is too long.", param=name)
    return value


MAX_QUERY_INT = 10**9


def query_int(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise FormParamInvalid(f"{name} must be a whole number.", param=name) from None
    if abs(number) > MAX_QUERY_INT:  # past what a database integer holds
        raise FormParamInvalid(f"{name} is out of range.", param=name)
    return number


def listing(items: list[dict], total: int):
    paginated = request.args.get("paginated", "false").lower()
    if paginated not in ("true", "false"):
        raise FormParamInvalid("paginated must be true or false.", param="paginated")
    if paginated == "true":
        return jsonify(data=items, total_count=total)
    return jsonify(items)


class ObjectIdConverter(BaseConverter):
    """`prefix_random` ids only: `/users/count` is never read as the user "count"."""

    regex = r"[a-z]+_[0-9A-Za-z]+"
