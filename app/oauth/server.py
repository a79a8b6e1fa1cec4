"""Authlib's authorization server, wired to Latchkey's applications, sessions and keys.

Authlib does the protocol (RFC 6749 + 7636 PKCE, OIDC Core's code flow, RFC 7009, RFC 7662,
RFC 9068 access tokens, RP-initiated logout); this module answers its questions from the
database: which client, which code, which token, which key.
"""

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, TokenMixin, scope_to_list
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode
from flask import Flask, current_app
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
from app.oauth.clients import (
    CLIENT_AUTH_METHODS,
    SCOPES,
    epoch_seconds,
    issuer,
    query_client,
    user_info,
)
from app.oauth.issued import Bearer, EndSession, Introspection, Revocation, UserInfoAnswers


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
        return KeySet([signing_keys.signing_key(clock.now(), signing_keys.OIDC)])

    def get_jti(self, client, grant_type, user, scope):
        user.access_token_id = new_id("tok")  # recorded by save_token: revocable, checkable
        return user.access_token_id

    def get_auth_time(self, user):
        return epoch_seconds(user.auth_time)

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
        return epoch_seconds(self.row.auth_time)

    def get_acr(self):
        return None

    def get_amr(self):
        return None


MAX_NONCE_LENGTH = 255  # it is kept with the code, and comes back in the ID token


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
        if len(data.get("nonce") or "") > MAX_NONCE_LENGTH:
            raise InvalidRequestError("The nonce is too long.", redirect_uri=redirect_uri)
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
        return KeySet([signing_keys.signing_key(clock.now(), signing_keys.OIDC)])

    def get_client_claims(self, client):
        now = epoch_seconds(clock.now())
        return {
            "iss": issuer(),
            "aud": client.get_client_id(),
            "azp": client.get_client_id(),
            "iat": now,
            "exp": now + setting("OIDC_ID_TOKEN_TTL"),
        }

    def generate_user_info(self, user, scope):
        return user_info(user, scope)


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
