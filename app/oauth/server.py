"""Authlib's authorization server, wired to Latchkey's applications, sessions and keys.

Authlib does the protocol (RFC 6749 + 7636 PKCE, OIDC Core's code flow, RFC 7009, RFC 7662,
RFC 9068 access tokens, RP-initiated logout); this module answers its questions from the
database: which client, which code, which token, which key.
"""

from calendar import timegm
from datetime import datetime

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, TokenMixin, scope_to_list
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo, UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, current_app
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from app import clock
from app.auth import signing_keys
from app.auth.settings import setting
from app.auth.tokens import make_token
from app.extensions import db
from app.ids import new_id
from app.models import OAuthCode
from app.oauth import grants
from app.oauth.applications import check_secret, find_application

SCOPES = ["openid", "email", "profile", "offline_access"]
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def _seconds(moment: datetime) -> int:
    return timegm(moment.utctimetuple())


def issuer() -> str:
    return current_app.config["PUBLIC_URL"]


class RelyingParty(ClientMixin):
    """An OAuthApplication as Authlib sees a client."""

    def __init__(self, application):
        self.application = application
        self.client_id = application.id
        # RP-initiated logout may send the person back to any of the app's redirect URIs.
        self.client_metadata = {"post_logout_redirect_uris": application.redirect_uris}

    def get_client_id(self):
        return self.application.id

    def get_default_redirect_uri(self):
        return None  # OIDC: redirect_uri is required, and matched exactly

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope_to_list(scope) or [] if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.application.redirect_uris

    def check_client_secret(self, client_secret):
        return check_secret(self.application, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        if self.application.public:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


def query_client(client_id):
    application = find_application(client_id)
    return RelyingParty(application) if application else None


def save_token(token, request):
    grants.save_tokens(
        token,
        request.client.application,
        request.user,
        getattr(request, "authorization_code", None),
        clock.now(),
    )


class AccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 access tokens, signed by the current key; refresh tokens for offline_access."""

    @property
    def issuer(self):
        return issuer()  # the app's PUBLIC_URL, read when a token is made

    @issuer.setter
    def issuer(self, value):
        pass

    def get_jwks(self):
        return KeySet([signing_keys.signing_key(clock.now())])

    def get_jti(self, client, grant_type, user, scope):
        user.access_token_id = new_id("tok")  # recorded by save_token: revocable, checkable
        return user.access_token_id

    def get_auth_time(self, user):
        return _seconds(user.auth_time)

    def get_extra_claims(self, client, grant_type, user, scope):
        return {"sid": user.session_id}

    def generate(
        self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True
    ):
        # SPEC §9: a refresh token only with scope offline_access.
        offline = "offline_access" in (scope_to_list(scope) or [])
        return super().generate(
            grant_type, client, user, scope, expires_in, include_refresh_token and offline
        )


class RedeemedCode(AuthorizationCodeMixin):
    """A code just spent, as Authlib's grant and its PKCE and OIDC extensions read it."""

    def __init__(self, row):
        self.row = row
        self.id = row.id
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope

    def get_nonce(self):
        return self.row.nonce

    def get_auth_time(self):
        return _seconds(self.row.auth_time)

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        data = self.request.payload.data
        # PKCE is required of a public app (it has no secret), and only S256 is taken.
        if self.request.client.application.public and not data.get("code_challenge"):
            raise InvalidRequestError(
                "A public client must use PKCE (code_challenge).", redirect_uri=redirect_uri
            )
        return redirect_uri

    def save_authorization_code(self, code, request):
        grants.save_code(
            code,
            application=request.client.application,
            principal=request.user,
            request=request,
            now=clock.now(),
        )

    def query_authorization_code(self, code, client):
        row = grants.redeem_code(code, client.application, clock.now())
        return RedeemedCode(row) if row else None

    def delete_authorization_code(self, authorization_code):
        pass  # spent when it was redeemed (one conditional UPDATE)

    def authenticate_user(self, authorization_code):
        return grants.principal_of_code(authorization_code.row, clock.now())


class S256Only(CodeChallenge):
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


class IdTokens(OpenIDCode):
    def exists_nonce(self, nonce, request):
        # A nonce seen before for this app is a replayed authorization request.
        return (
            db.session.scalar(
                select(OAuthCode.id).where(
                    OAuthCode.application_id == request.payload.client_id,
                    OAuthCode.nonce == nonce,
                )
            )
            is not None
        )

    def resolve_client_private_key(self, client):
        return KeySet([signing_keys.signing_key(clock.now())])

    def get_client_claims(self, client):
        now = _seconds(clock.now())
        return {
            "iss": issuer(),
            "aud": client.get_client_id(),
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + setting("OIDC_ID_TOKEN_TTL"),
        }

    def generate_user_info(self, user, scope):
        return user_info(user, scope)


def user_info(principal: "grants.Principal", scope: str) -> UserInfo:
    """The claims a scope set lets an app see (OIDC Core §5.4), and the session's id."""
    user = principal.user
    scopes = scope_to_list(scope) or []
    claims = {"sub": user.id, "sid": principal.session_id}
    if "email" in scopes and user.primary_email:
        claims.update(email=user.primary_email, email_verified=True)
    if "profile" in scopes:
        names = [user.first_name, user.last_name]
        claims.update(
            {
                key: value
                for key, value in (
                    ("name", " ".join(n for n in names if n) or None),
                    ("given_name", user.first_name),
                    ("family_name", user.last_name),
                )
                if value
            }
        )
    return UserInfo(claims)


class IssuedToken(TokenMixin):
    """A live access or refresh token as Authlib's endpoints see one."""

    def __init__(self, row, scope: str, claims: dict | None = None):
        self.row, self.scope, self.claims = row, scope, claims or {}

    def check_client(self, client):
        return self.row.grant.application_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, _seconds(self.row.expire_at) - _seconds(clock.now()))

    def is_expired(self):
        return False  # found live, or not found at all

    def is_revoked(self):
        return False

    def get_user(self):
        grant = self.row.grant
        return grants.Principal(grant.session.user, grant.session_id, grant.auth_time, grant)

    def get_client(self):
        return RelyingParty(self.row.grant.application)


def read_access_token(text: str) -> dict | None:
    """The claims of one of our RFC 9068 access tokens, if its signature and times hold."""
    if not text or len(text) > 4096:
        return None
    try:
        token = signing_keys.verify(text, clock.now())
    except (JoseError, ValueError):
        return None
    claims = token.claims
    now = _seconds(clock.now())
    if token.header.get("typ") != "at+jwt" or claims.get("iss") != issuer():
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        return None
    return claims


def find_issued_token(text: str, hint: str | None = None) -> IssuedToken | None:
    """A live token by its text: an access token (a JWT) or a refresh token (opaque)."""
    now = clock.now()
    claims = read_access_token(text) if hint != "refresh_token" else None
    if claims is not None:
        row = grants.live_access_token(str(claims.get("jti")), now)
        return IssuedToken(row, claims.get("scope", ""), claims) if row else None
    if hint == "access_token":
        return None
    row = grants.find_refresh_token(text, now)
    return IssuedToken(row, row.grant.scope) if row else None


class Bearer(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return find_issued_token(token_string, "access_token")


class RefreshCredential(TokenMixin):
    """A refresh token just spent: the grant it renews, and who for."""

    def __init__(self, principal: grants.Principal):
        self.principal = principal

    def check_client(self, client):
        return self.principal.grant.application_id == client.get_client_id()

    def get_scope(self):
        return self.principal.grant.scope


class Refreshing(RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotated on every use

    def authenticate_refresh_token(self, refresh_token):
        application = self.request.client.application
        principal = grants.use_refresh_token(refresh_token, application, clock.now())
        return RefreshCredential(principal) if principal else None

    def authenticate_user(self, refresh_token):
        return refresh_token.principal

    def revoke_old_credential(self, refresh_token):
        pass  # spent when it was used (one conditional UPDATE)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        claims = read_access_token(token_string) if token_type_hint != "refresh_token" else None
        row = grants.find_token(token_string, claims.get("jti") if claims else None)
        return IssuedToken(row, "") if row else None

    def revoke_token(self, token, request):
        grants.revoke_token(token.row, request.client.application, clock.now())


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return find_issued_token(token_string, token_type_hint)

    def check_permission(self, token, client, request):
        return token.check_client(client)  # an app learns about its own tokens only

    def introspect_token(self, token):
        grant = token.row.grant
        return {
            "active": True,
            "client_id": grant.application_id,
            "token_type": "access_token" if token.claims else "refresh_token",
            "scope": token.scope,
            "sub": grant.user_id,
            "sid": grant.session_id,
            "aud": grant.application_id,
            "iss": issuer(),
            "exp": _seconds(token.row.expire_at),
            "iat": _seconds(token.row.created_at),
        }


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: Authlib checks the id_token_hint and the redirect; the view signs
    the browser out (it knows the cookie)."""

    def get_server_jwks(self):
        return signing_keys.public_key_set(clock.now())

    def get_algorithms(self):
        return [signing_keys.ALGORITHM]

    def end_session(self, end_session_request):
        pass


class UserInfoAnswers(UserInfoEndpoint):
    def generate_user_info(self, user, scope):
        return user_info(user, scope)

    def get_issuer(self):
        return issuer()


def server() -> AuthorizationServer:
    return current_app.extensions["latchkey_oauth"]


def register(app: Flask) -> None:
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    app.extensions["latchkey_oauth"] = server
    server.scopes_supported = SCOPES
    server.register_token_generator(
        "default",
        AccessTokens(
            issuer=None,
            refresh_token_generator=lambda **_: make_token(),
            expires_generator=lambda client, grant_type: setting("OIDC_ACCESS_TOKEN_TTL"),
        ),
    )
    server.register_grant(CodeGrant, [S256Only(required=True), IdTokens(require_nonce=False)])
    server.register_grant(Refreshing)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(EndSession)
    protector = ResourceProtector()
    protector.register_token_validator(Bearer())
    server.register_endpoint(UserInfoAnswers(resource_protector=protector))
