"""Apps as Authlib sees its clients, and the claims a scope set lets an app see."""

from calendar import timegm
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, scope_to_list
from authlib.oidc.core import UserInfo
from flask import current_app

from app.oauth import grants
from app.oauth.applications import check_secret, find_application

SCOPES = ["openid", "email", "profile", "offline_access"]
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def epoch_seconds(moment: datetime) -> int:
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
        return " ".join(dict.fromkeys(s for s in scope_to_list(scope) or [] if s in SCOPES))

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
