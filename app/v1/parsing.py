"""Reading /v1 requests into their models: raw-input guards first, then pydantic, whose refusals
become SPEC §5 errors."""

import json
from typing import TypeVar, get_origin

from flask import request
from pydantic import BaseModel, ValidationError

from app.auth.errors import AuthError, FormParamFormat, FormParamInvalid, FormParamMissing
from app.views.errors import RequestError

M = TypeVar("M", bound=BaseModel)


class MalformedRequest(RequestError):
    message = "The request body must be a JSON object sent as application/json."


# A value of the wrong JSON type is form_param_format_invalid; everything else a model refuses
# (out of range, too long, not one of the choices, and a number that is not a whole one) is
# form_param_value_invalid, as the hosted service answers it.
FORMAT_ERRORS = {"string_type", "bool_type", "dict_type", "list_type"}
EMPTY = (None, "", [])


def refused(error: ValidationError, model: type[BaseModel]) -> AuthError:
    """The first thing `model` refused, as the SPEC §5 error that names the parameter."""
    first = error.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    field = model.model_fields.get(name)
    # A required parameter sent null or empty is as good as missing (not so an item of a list).
    empty = len(first["loc"]) == 1 and first["input"] in EMPTY
    if first["type"] == "missing" or (field and field.is_required() and empty):
        return FormParamMissing(name)
    kind = FormParamFormat if first["type"] in FORMAT_ERRORS else FormParamInvalid
    return kind(f"{name}: {first['msg']}", param=name)


def validated(model: type[M], values: dict) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise refused(error, model) from None


def parse_body(model: type[M]) -> M:
    return validated(model, json_object())


def parse_query(model: type[M]) -> M:
    """The model's fields from the query string; a list field takes every repeated value."""
    values = {
        name: request.args.getlist(name) if get_origin(field.annotation) is list else value
        for name, field in model.model_fields.items()
        if (value := request.args.get(name)) is not None
    }
    return validated(model, values)


def json_object() -> dict:
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
