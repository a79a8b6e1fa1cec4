"""Issued tokens as Authlib's endpoints see them: userinfo, introspection, revocation and
RP-initiated logout read a token by its text and ask whether it still lives."""

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc.errors import JoseError

from app import clock
from app.auth import signing_keys
from app.oauth import grants
from app.oauth.clients import CLIENT_AUTH_METHODS, RelyingParty, epoch_seconds, issuer, user_info


class IssuedToken(TokenMixin):
    """A live access or refresh token as Authlib's endpoints see one."""

    def __init__(self, row, scope: str, claims: dict | None = None):
        self.row, self.scope, self.claims = row, scope, claims or {}

    def check_client(self, client):
        return self.row.grant.application_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, epoch_seconds(self.row.expire_at) - epoch_seconds(clock.now()))

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
        token = signing_keys.verify(text, signing_keys.OIDC)
    except (JoseError, ValueError):
        return None
    claims = token.claims
    now = epoch_seconds(clock.now())
    if token.header.get("typ") != "at+jwt" or claims.get("iss") != issuer():
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        return None
    return claims


def find_issued_token(text: str, access_only: bool = False) -> IssuedToken | None:
    """A live token by its text: an access token (a JWT) or a refresh token (opaque).

    A client's token_type_hint is not needed, and not trusted: RFC 7009 §2.1 and RFC 7662 §2.1
    ask a server to look further when the hint is wrong, and both kinds are one lookup each.
    """
    now = clock.now()
    claims = read_access_token(text)
    if claims is not None:
        row = grants.live_access_token(str(claims.get("jti")), now)
        return IssuedToken(row, claims.get("scope", ""), claims) if row else None
    if access_only:
        return None
    row = grants.find_refresh_token(text, now)
    return IssuedToken(row, row.grant.scope) if row else None


class Bearer(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return find_issued_token(token_string, access_only=True)


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        claims = read_access_token(token_string)  # whatever the hint says (RFC 7009 §2.1)
        row = grants.find_token(token_string, claims.get("jti") if claims else None)
        return IssuedToken(row, "") if row else None

    def revoke_token(self, token, request):
        grants.revoke_token(token.row, request.client.application, clock.now())


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        return find_issued_token(token_string)

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
            "exp": epoch_seconds(token.row.expire_at),
            "iat": epoch_seconds(token.row.created_at),
        }


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: Authlib checks the id_token_hint and the redirect; the view signs
    the browser out (it knows the cookie)."""

    def get_server_jwks(self):
        return signing_keys.public_key_set(clock.now(), signing_keys.OIDC)

    def get_algorithms(self):
        return [signing_keys.ALGORITHM]

    def end_session(self, end_session_request):
        pass


class UserInfoAnswers(UserInfoEndpoint):
    def generate_user_info(self, user, scope):
        return user_info(user, scope)

    def get_issuer(self):
        return issuer()
