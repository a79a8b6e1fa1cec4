"""The OpenID provider's machine endpoints: discovery, JWKS, token, userinfo, revoke, introspect.

Apps call these from their servers with client credentials or bearer tokens, not cookies:
no CSRF token applies. Authlib answers each (RFC 6749 §5.2 errors, `Cache-Control: no-store`).
"""

from flask import Blueprint, current_app, jsonify, url_for

from app import clock
from app.auth.signing_keys import ALGORITHM, OIDC, published_keys
from app.extensions import csrf
from app.oauth.clients import SCOPES
from app.oauth.server import server
from app.views.limits import oauth_rate_limit

bp = Blueprint("oauth_api", __name__)
csrf.exempt(bp)


@bp.after_request
def readable_from_any_origin(response):
    """A browser app (a public client: PKCE, no secret) calls these from its own origin. They
    take no cookies, so any origin may read the answers; credentials are never allowed."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Max-Age"] = "600"
    return response


@bp.errorhandler(UnicodeDecodeError)
def undecodable(error):
    # Authlib decodes the query string itself: bytes that are not UTF-8 are the request's fault.
    return jsonify(error="invalid_request", error_description="The request is not UTF-8."), 400


def _url(endpoint: str) -> str:
    return current_app.config["PUBLIC_URL"] + url_for(endpoint)


@bp.get("/.well-known/openid-configuration")
def discovery():
    """OpenID Connect Discovery 1.0: what an app's library needs to know, from the issuer."""
    auth_methods = ["client_secret_basic", "client_secret_post", "none"]
    return jsonify(
        issuer=current_app.config["PUBLIC_URL"],
        authorization_endpoint=_url("oauth.authorize"),
        token_endpoint=_url("oauth_api.token"),
        userinfo_endpoint=_url("oauth_api.userinfo"),
        jwks_uri=_url("oauth_api.jwks"),
        revocation_endpoint=_url("oauth_api.revoke"),
        introspection_endpoint=_url("oauth_api.introspect"),
        end_session_endpoint=_url("oauth.end_session_request"),
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code", "refresh_token"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=[ALGORITHM],
        scopes_supported=SCOPES,
        claims_supported=[
            "iss",
            "sub",
            "aud",
            "azp",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "sid",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
        ],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=auth_methods,
        revocation_endpoint_auth_methods_supported=auth_methods,
        introspection_endpoint_auth_methods_supported=auth_methods[:2],
        prompt_values_supported=["none", "login", "consent"],
        claims_parameter_supported=False,
        request_parameter_supported=False,
        request_uri_parameter_supported=False,
    )


@bp.get("/oauth/jwks")
def jwks():
    # Built from the stored public JWKs: no private member can slip in.
    return jsonify(keys=published_keys(clock.now(), OIDC))


@bp.post("/oauth/token")
@oauth_rate_limit
def token():
    return server().create_token_response()


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@oauth_rate_limit
def userinfo():
    return server().create_endpoint_response("userinfo")


@bp.post("/oauth/revoke")
@oauth_rate_limit
def revoke():
    return server().create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
@oauth_rate_limit
def introspect():
    return server().create_endpoint_response("introspection")
