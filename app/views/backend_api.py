"""/v1: the backend API, guarded by secret keys, in the hosted service's wire format (SPEC §5).

Each view's signature is its contract (app/v1/routes.py): the models it reads and answers with."""

from flask import Blueprint, current_app, g, jsonify, request

from app import clock
from app.auth import accounts, email_addresses, sessions, sign_in_tokens, signing_keys
from app.auth.origin import Origin
from app.auth.secret_keys import authenticate_secret_key
from app.auth.session_tokens import mint_session_token
from app.auth.tokens import hash_token
from app.extensions import csrf, limiter
from app.v1.inputs import (
    EmailAddressChanges,
    MetadataChanges,
    NewEmailAddress,
    NewSessionToken,
    NewSignInToken,
    NewUser,
    SessionListing,
    UserChanges,
    UserFilters,
    UserListing,
)
from app.v1.links import EMAIL_ADDRESS_LINKS, SIGN_IN_TOKEN_LINKS, USER_LINKS
from app.v1.objects import (
    Deleted,
    EmailAddress,
    Jwks,
    Session,
    SessionList,
    SessionToken,
    SignInToken,
    TotalCount,
    User,
    UserList,
)
from app.v1.parsing import refuse_nul_in_query
from app.v1.routes import Routes
from app.views.errors import RequestError

bp = Blueprint("backend_api", __name__, url_prefix="/v1")
csrf.exempt(bp)  # bearer keys, not cookies: there is nothing for a forged request to ride on
routes = Routes(bp)
PUBLIC_ENDPOINTS = {"backend_api.openapi"}


class AuthorizationHeaderInvalid(RequestError):
    status = 401
    code = "authorization_header_format_invalid"
    message = "Send your secret key as Authorization: Bearer sk_…"


class SecretKeyInvalid(RequestError):
    status = 401
    code = "secret_key_invalid"
    message = "The secret key is unknown or has been revoked."


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


@routes.post("/sign_in_tokens", links=SIGN_IN_TOKEN_LINKS)
def create_sign_in_token(body: NewSignInToken) -> SignInToken:
    """Mint a one-time sign-in token"""
    row, token = sign_in_tokens.mint_sign_in_token(
        body.user_id,
        clock.now(),
        expires_in_seconds=body.expires_in_seconds,
        redirect_url=body.redirect_url,
        origin=origin(),
        created_by=actor(),
        allow_admin=current_app.config["API_SIGN_IN_TOKENS_FOR_ADMINS"],
    )
    return SignInToken.of(row, token)


@routes.get("/sign_in_tokens/<id:sign_in_token_id>")
def get_sign_in_token(sign_in_token_id: str) -> SignInToken:
    """Get a sign-in token"""
    return SignInToken.of(sign_in_tokens.get_sign_in_token(sign_in_token_id))


@routes.post("/sign_in_tokens/<id:sign_in_token_id>/revoke", links=SIGN_IN_TOKEN_LINKS)
def revoke_sign_in_token(sign_in_token_id: str) -> SignInToken:
    """Revoke a pending sign-in token"""
    now = clock.now()
    return SignInToken.of(
        sign_in_tokens.revoke_sign_in_token(sign_in_token_id, now, origin(), actor())
    )


# -- users -----------------------------------------------------------------------------------


@routes.post("/users", links=USER_LINKS)
def create_user(body: NewUser) -> User:
    """Create a user with verified email addresses"""
    user = accounts.create_user_with_addresses(
        body.email_address,
        clock.now(),
        first_name=body.first_name,
        last_name=body.last_name,
        public_metadata=body.public_metadata,
        origin=origin(),
        actor_id=actor(),
    )
    return User.of(user)


@routes.get("/users")
def list_users(query: UserListing) -> UserList:
    """List users"""
    users, total = accounts.list_users(query.to_query())
    return UserList(data=[User.of(user) for user in users], total_count=total)


@routes.get("/users/count")
def count_users(query: UserFilters) -> TotalCount:
    """Count users"""
    return TotalCount(total_count=accounts.count_users(query.to_query()))


@routes.get("/users/<id:user_id>", links=USER_LINKS)
def get_user(user_id: str) -> User:
    """Get a user"""
    return User.of(accounts.get_user(user_id))


@routes.patch("/users/<id:user_id>")
def update_user(user_id: str, body: UserChanges) -> User:
    """Update a user"""
    user = accounts.get_user(user_id)
    changes = body.model_dump(exclude_unset=True)
    return User.of(accounts.update_user(user, changes, origin(), actor()))


@routes.patch("/users/<id:user_id>/metadata")
def update_user_metadata(user_id: str, body: MetadataChanges) -> User:
    """Merge into a user's metadata (a null value removes a key)"""
    user = accounts.get_user(user_id)
    return User.of(accounts.merge_metadata(user, body.model_dump(), origin(), actor()))


@routes.delete("/users/<id:user_id>")
def delete_user(user_id: str) -> Deleted:
    """Delete a user"""
    accounts.delete_user(accounts.get_user(user_id), origin(), actor())
    return Deleted(object="user", id=user_id)


@routes.post("/users/<id:user_id>/ban", links=USER_LINKS)
def ban_user(user_id: str) -> User:
    """Ban a user and end their sessions"""
    user = accounts.set_banned(accounts.get_user(user_id), True, clock.now(), origin(), actor())
    return User.of(user)


@routes.post("/users/<id:user_id>/unban")
def unban_user(user_id: str) -> User:
    """Lift a ban"""
    user = accounts.set_banned(accounts.get_user(user_id), False, clock.now(), origin(), actor())
    return User.of(user)


# -- email addresses -------------------------------------------------------------------------


@routes.post("/email_addresses", links=EMAIL_ADDRESS_LINKS)
def create_email_address(body: NewEmailAddress) -> EmailAddress:
    """Add an email address to a user"""
    address = email_addresses.add_email_address(
        accounts.get_user(body.user_id),
        body.email_address,
        clock.now(),
        verified=bool(body.verified),
        primary=bool(body.primary),
        origin=origin(),
        actor_id=actor(),
    )
    return EmailAddress.of(address)


@routes.get("/email_addresses/<id:email_address_id>")
def get_email_address(email_address_id: str) -> EmailAddress:
    """Get an email address"""
    return EmailAddress.of(email_addresses.get_email_address(email_address_id))


@routes.patch("/email_addresses/<id:email_address_id>")
def update_email_address(email_address_id: str, body: EmailAddressChanges) -> EmailAddress:
    """Verify an address or make it primary"""
    address = email_addresses.get_email_address(email_address_id)
    if body.verified:
        email_addresses.mark_verified(address, clock.now(), origin(), actor())
    if body.primary:
        email_addresses.make_primary(address, origin(), actor())
    return EmailAddress.of(address)


@routes.delete("/email_addresses/<id:email_address_id>")
def delete_email_address(email_address_id: str) -> Deleted:
    """Remove an email address"""
    address = email_addresses.get_email_address(email_address_id)
    email_addresses.remove_email_address(address, origin(), actor())
    return Deleted(object="email_address", id=email_address_id)


# -- sessions --------------------------------------------------------------------------------


@routes.get("/sessions")
def list_sessions(query: SessionListing) -> SessionList:
    """List sessions"""
    found, total = sessions.list_sessions(
        user_id=query.user_id,
        client_id=query.client_id,
        status=query.status,
        limit=query.limit,
        offset=query.offset,
    )
    return SessionList(data=[Session.of(session) for session in found], total_count=total)


@routes.get("/sessions/<id:session_id>")
def get_session(session_id: str) -> Session:
    """Get a session"""
    return Session.of(sessions.get_session(session_id))


@routes.post("/sessions/<id:session_id>/revoke")
def revoke_session(session_id: str) -> Session:
    """Revoke a session"""
    session = sessions.get_session(session_id)
    return Session.of(sessions.revoke_session(session, clock.now(), origin(), actor()))


@routes.post("/sessions/<id:session_id>/tokens")
def create_session_token(session_id: str, body: NewSessionToken) -> SessionToken:
    """Mint a session token (a JWT the SDKs verify) for an active session"""
    session = sessions.get_session(session_id)
    jwt = mint_session_token(session, clock.now(), body.expires_in_seconds)
    return SessionToken(jwt=jwt)


# -- keys ------------------------------------------------------------------------------------


@routes.get("/jwks")
def get_jwks() -> Jwks:
    """The public keys that sign session tokens (JWKS)"""
    return Jwks.model_validate(
        {"keys": signing_keys.published_keys(clock.now(), signing_keys.SESSIONS)}
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(routes.document())
