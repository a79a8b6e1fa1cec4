"""OAuth applications: who may ask Latchkey to sign people in, and where the answer may go."""

import ipaddress
import secrets
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import delete, select

from app.auth.audit import record
from app.auth.errors import AuthError, FormParamInvalid, NotFound
from app.auth.tokens import hash_token
from app.extensions import db
from app.i18n import _l
from app.ids import is_id
from app.models import OAuthApplication, OAuthCode, OAuthConsent, OAuthGrant

MAX_REDIRECT_URIS = 10


class RedirectUriInvalid(AuthError):
    param = "redirect_uri"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: str) -> str:
    """An absolute https URI (http on loopback only), no fragment, no credentials: RFC 6749
    §3.1.2 and OAuth 2.0 Security BCP. Compared by exact string from then on."""
    uri = (uri or "").strip()
    if not uri or len(uri) > 2048 or any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in uri):
        raise RedirectUriInvalid(_l("Not a redirect URI: %(uri)s.", uri=repr(uri[:80])))
    try:
        parts = urlsplit(uri)
        # Reading .port raises ValueError for a port that is not one (":99999", ":x").
        host, _port = parts.hostname or "", parts.port
    except ValueError as error:
        raise RedirectUriInvalid(_l("Not a redirect URI: %(uri)s.", uri=repr(uri[:80]))) from error
    if parts.scheme not in ("https", "http") or not host:
        raise RedirectUriInvalid(_l("A redirect URI must be an absolute https:// URL."))
    if parts.scheme == "http" and not _loopback(host):
        raise RedirectUriInvalid(_l("Only a loopback redirect URI (localhost) may use http://."))
    if parts.fragment or "#" in uri or parts.username or parts.password:
        raise RedirectUriInvalid(_l("A redirect URI has no fragment and no user name or password."))
    return uri


def _checked_uris(uris: list[str]) -> list[str]:
    checked = list(dict.fromkeys(check_redirect_uri(uri) for uri in uris))
    if not checked:
        raise RedirectUriInvalid(_l("Give at least one redirect URI."))
    if len(checked) > MAX_REDIRECT_URIS:
        raise RedirectUriInvalid(_l("At most %(max)d redirect URIs.", max=MAX_REDIRECT_URIS))
    return checked


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise FormParamInvalid(
            _l("Give the application a name of 1 to 100 characters."), param="name"
        )
    return name


def _new_secret(application: OAuthApplication) -> str:
    secret = secrets.token_urlsafe(32)
    application.secret_hash = hash_token(secret)
    return secret


def create_application(
    name: str, redirect_uris: list[str], *, public=False, first_party=False, actor_id=None
) -> tuple[OAuthApplication, str | None]:
    """A new application and, for a confidential one, its secret: shown once, kept hashed."""
    application = OAuthApplication(
        name=_checked_name(name),
        redirect_uris=_checked_uris(redirect_uris),
        public=public,
        first_party=first_party,
    )
    secret = None if public else _new_secret(application)
    db.session.add(application)
    db.session.flush()
    record("oauth_application.created", subject_id=application.id, actor_id=actor_id)
    return application, secret


def find_application(application_id: str | None) -> OAuthApplication | None:
    if not is_id(application_id, "oa"):
        return None
    return db.session.get(OAuthApplication, application_id)


def get_application(application_id: str) -> OAuthApplication:
    application = find_application(application_id)
    if application is None:
        raise NotFound(_l("No OAuth application with that id."))
    return application


def list_applications() -> list[OAuthApplication]:
    statement = select(OAuthApplication).order_by(OAuthApplication.created_at)
    return list(db.session.scalars(statement))


def update_application(
    application: OAuthApplication, *, name=None, redirect_uris=None, actor_id=None
):
    """A new name or set of redirect URIs; codes already sent to a removed URI stop working."""
    # Both checked before either is set: a refused change leaves the row as it was.
    name = None if name is None else _checked_name(name)
    redirect_uris = None if redirect_uris is None else _checked_uris(redirect_uris)
    if name is not None:
        application.name = name
    if redirect_uris is not None:
        application.redirect_uris = redirect_uris
        db.session.execute(
            delete(OAuthCode).where(
                OAuthCode.application_id == application.id,
                OAuthCode.redirect_uri.not_in(application.redirect_uris),
            )
        )
    record("oauth_application.updated", subject_id=application.id, actor_id=actor_id)
    return application


def rotate_secret(application: OAuthApplication, actor_id=None) -> str:
    """A new secret for a confidential app; the old one stops working at once."""
    if application.public:
        raise AuthError(_l("A public application has no secret."))
    secret = _new_secret(application)
    record("oauth_application.secret_rotated", subject_id=application.id, actor_id=actor_id)
    return secret


def delete_application(application: OAuthApplication, actor_id=None) -> None:
    """The app, its consents and every token it holds are gone."""
    for model in (OAuthGrant, OAuthCode, OAuthConsent):
        db.session.execute(delete(model).where(model.application_id == application.id))
    db.session.delete(application)
    record("oauth_application.deleted", subject_id=application.id, actor_id=actor_id)


def check_secret(application: OAuthApplication, secret: str | None) -> bool:
    if application.secret_hash is None or not secret or len(secret) > 200:
        return False
    return secrets.compare_digest(application.secret_hash, hash_token(secret))


def describe(application: OAuthApplication) -> dict:
    """The app as the CLI and admin pages show it: never its secret or the secret's hash."""
    return {
        "client_id": application.id,
        "name": application.name,
        "redirect_uris": application.redirect_uris,
        "type": "public" if application.public else "confidential",
        "first_party": application.first_party,
    }


def _authorize_request(redirect_url: str | None) -> tuple[OAuthApplication | None, dict]:
    """The app and the parameters of a sign-in's redirect_url that goes on to /oauth/authorize."""
    parts = urlsplit(redirect_url or "")
    if not redirect_url or parts.scheme or parts.netloc or parts.path != "/oauth/authorize":
        return None, {}
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return find_application(params.get("client_id")), params


def asking_app_name(redirect_url: str | None) -> str | None:
    """The name of the app a sign-in is for, when it goes on to /oauth/authorize: the email
    and the waiting page name it."""
    application, _ = _authorize_request(redirect_url)
    return application.name if application else None


def asking_app_redirect_uri(redirect_url: str | None) -> str | None:
    """Where a sign-in for an app ends: the registered redirect URI its authorize request names."""
    application, params = _authorize_request(redirect_url)
    uri = params.get("redirect_uri")
    return uri if application and uri in application.redirect_uris else None
