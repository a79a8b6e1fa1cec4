"""/v1: the backend API, guarded by secret keys, in the hosted service's wire format (SPEC §5)."""

from flask import Blueprint, current_app, g, jsonify, request

from app import clock
from app.auth import accounts, email_addresses, sessions, sign_in_tokens
from app.auth.audit import Origin
from app.auth.errors import FormParamFormat, FormParamInvalid, FormParamMissing
from app.auth.secret_keys import authenticate_secret_key
from app.auth.tokens import hash_token
from app.extensions import csrf, limiter
from app.models.sessions import ACTIVE, ENDED, EXPIRED, REVOKED
from app.views.api_input import (
    AuthorizationHeaderInvalid,
    SecretKeyInvalid,
    body,
    listing,
    query_int,
    refuse_nul_in_query,
    required,
    typed,
)
from app.views.api_objects import (
    deleted_json,
    email_address_json,
    session_json,
    sign_in_token_json,
    user_json,
)
from app.views.openapi import openapi_document

bp = Blueprint("backend_api", __name__, url_prefix="/v1")
csrf.exempt(bp)  # bearer keys, not cookies: there is nothing for a forged request to ride on
PUBLIC_ENDPOINTS = {"backend_api.openapi"}


def _bearer() -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme == "Bearer" else ""


def _key_bucket() -> str:
    # Rate-limit per key without keeping the key itself in the limiter's storage.
    return "key:" + hash_token(_bearer())[:32]


limiter.limit(
    lambda: current_app.config["API_REQUESTS_PER_KEY"], key_func=_key_bucket, scope="api-key"
)(bp)


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    refuse_nul_in_query()
    secret = _bearer()
    if not secret:
        raise AuthorizationHeaderInvalid()
    key = authenticate_secret_key(secret, clock.now())
    if key is None:
        raise SecretKeyInvalid()
    g.api_key = key


def origin() -> Origin:
    return Origin(ip=request.remote_addr, user_agent=request.headers.get("User-Agent", "")[:512])


def actor() -> str:
    return g.api_key.id


# -- sign-in tokens --------------------------------------------------------------------------


@bp.post("/sign_in_tokens")
def create_sign_in_token():
    data = body()
    row, token = sign_in_tokens.mint_sign_in_token(
        required(data, "user_id"),
        clock.now(),
        expires_in_seconds=typed(data, "expires_in_seconds", int),
        redirect_url=typed(data, "redirect_url", str),
        origin=origin(),
        created_by=actor(),
        allow_admin=current_app.config["API_SIGN_IN_TOKENS_FOR_ADMINS"],
    )
    return jsonify(sign_in_token_json(row, token))


@bp.get("/sign_in_tokens/<id:token_id>")
def get_sign_in_token(token_id: str):
    return jsonify(sign_in_token_json(sign_in_tokens.get_sign_in_token(token_id)))


@bp.post("/sign_in_tokens/<id:token_id>/revoke")
def revoke_sign_in_token(token_id: str):
    row = sign_in_tokens.revoke_sign_in_token(token_id, clock.now(), origin(), actor())
    return jsonify(sign_in_token_json(row))


# -- users -----------------------------------------------------------------------------------


@bp.post("/users")
def create_user():
    data = body()
    emails = data.get("email_address")
    if not emails:
        raise FormParamMissing("email_address")
    if isinstance(emails, str):
        emails = [emails]
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise FormParamFormat("email_address must be a list of strings.", param="email_address")
    user = accounts.create_user_with_addresses(
        emails,
        clock.now(),
        first_name=typed(data, "first_name", str, NAME_LENGTH),
        last_name=typed(data, "last_name", str, NAME_LENGTH),
        public_metadata=typed(data, "public_metadata", dict),
        origin=origin(),
        actor_id=actor(),
    )
    return jsonify(user_json(user))


def user_query() -> accounts.UserQuery:
    return accounts.UserQuery(
        email_addresses=tuple(request.args.getlist("email_address")),
        user_ids=tuple(request.args.getlist("user_id")),
        query=request.args.get("query", ""),
        limit=query_int("limit", 10),
        offset=query_int("offset", 0),
        order_by=request.args.get("order_by", "-created_at"),
    )


@bp.get("/users")
def list_users():
    users, total = accounts.list_users(user_query())
    return listing([user_json(user) for user in users], total)


@bp.get("/users/count")
def count_users():
    return jsonify(object="total_count", total_count=accounts.count_users(user_query()))


@bp.get("/users/<id:user_id>")
def get_user(user_id: str):
    return jsonify(user_json(accounts.get_user(user_id)))


NAME_LENGTH = 255  # the columns' width
USER_FIELDS = {
    "first_name": str,
    "last_name": str,
    "external_id": str,
    "public_metadata": dict,
    "private_metadata": dict,
    "primary_email_address_id": str,
}


@bp.patch("/users/<id:user_id>")
def update_user(user_id: str):
    user = accounts.get_user(user_id)
    data = body()
    changes = {
        name: typed(data, name, kind, NAME_LENGTH)
        for name, kind in USER_FIELDS.items()
        if name in data
    }
    return jsonify(user_json(accounts.update_user(user, changes, origin(), actor())))


@bp.patch("/users/<id:user_id>/metadata")
def update_user_metadata(user_id: str):
    user = accounts.get_user(user_id)
    data = body()
    changes = {name: typed(data, name, dict) for name in ("public_metadata", "private_metadata")}
    return jsonify(user_json(accounts.merge_metadata(user, changes, origin(), actor())))


@bp.delete("/users/<id:user_id>")
def delete_user(user_id: str):
    accounts.delete_user(accounts.get_user(user_id), origin(), actor())
    return jsonify(deleted_json("user", user_id))


@bp.post("/users/<id:user_id>/ban")
def ban_user(user_id: str):
    user = accounts.set_banned(accounts.get_user(user_id), True, clock.now(), origin(), actor())
    return jsonify(user_json(user))


@bp.post("/users/<id:user_id>/unban")
def unban_user(user_id: str):
    user = accounts.set_banned(accounts.get_user(user_id), False, clock.now(), origin(), actor())
    return jsonify(user_json(user))


# -- email addresses -------------------------------------------------------------------------


@bp.post("/email_addresses")
def create_email_address():
    data = body()
    user = accounts.get_user(required(data, "user_id"))
    address = email_addresses.add_email_address(
        user,
        required(data, "email_address"),
        clock.now(),
        verified=bool(typed(data, "verified", bool)),
        primary=bool(typed(data, "primary", bool)),
        origin=origin(),
        actor_id=actor(),
    )
    return jsonify(email_address_json(address))


@bp.get("/email_addresses/<id:address_id>")
def get_email_address(address_id: str):
    return jsonify(email_address_json(email_addresses.get_email_address(address_id)))


@bp.patch("/email_addresses/<id:address_id>")
def update_email_address(address_id: str):
    address = email_addresses.get_email_address(address_id)
    data = body()
    if typed(data, "verified", bool):
        email_addresses.mark_verified(address, clock.now(), origin(), actor())
    if typed(data, "primary", bool):
        email_addresses.make_primary(address, origin(), actor())
    return jsonify(email_address_json(address))


@bp.delete("/email_addresses/<id:address_id>")
def delete_email_address(address_id: str):
    address = email_addresses.get_email_address(address_id)
    email_addresses.remove_email_address(address, origin(), actor())
    return jsonify(deleted_json("email_address", address_id))


# -- sessions --------------------------------------------------------------------------------

# Every status the SDKs may ask for; Latchkey never has the last four, so those lists are empty.
SESSION_STATUSES = {ACTIVE, REVOKED, ENDED, EXPIRED, "removed", "abandoned", "replaced", "pending"}


@bp.get("/sessions")
def list_sessions():
    status = request.args.get("status")
    if status and status not in SESSION_STATUSES:
        raise FormParamInvalid("Unknown session status.", param="status")
    limit, offset = query_int("limit", 500), query_int("offset", 0)
    if not (1 <= limit <= 500) or offset < 0:
        raise FormParamInvalid("limit must be 1 to 500, offset 0 or more.", param="limit")
    found, total = sessions.list_sessions(
        user_id=request.args.get("user_id"),
        client_id=request.args.get("client_id"),
        status=status,
        limit=limit,
        offset=offset,
    )
    return listing([session_json(s) for s in found], total)


@bp.get("/sessions/<id:session_id>")
def get_session(session_id: str):
    return jsonify(session_json(sessions.get_session(session_id)))


@bp.post("/sessions/<id:session_id>/revoke")
def revoke_session(session_id: str):
    session = sessions.revoke_session(
        sessions.get_session(session_id), clock.now(), origin(), actor()
    )
    return jsonify(session_json(session))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
