"""Configuration: defaults, and the environment variables of SPEC §8 read in one place."""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from app.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r} (use true/false/1/0/yes/no)")


def parse_seconds(value: str | int) -> int:
    seconds = int(value)
    if seconds < 0:
        raise ValueError(f"a duration must be whole seconds >= 0, not {value!r}")
    return seconds


def parse_origins(value: str | list) -> list[str]:
    if isinstance(value, list):
        return value
    return [origin.strip().rstrip("/") for origin in value.replace(",", " ").split() if origin]


def database_url(url: str | None) -> str:
    """The SQLAlchemy URL: SQLite in instance/ by default; plain postgres URLs use psycopg 3."""
    if not url:
        return f"sqlite:///{INSTANCE / 'latchkey.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def dev_secret_key() -> str:
    """A development secret key, made once and kept in instance/ so sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# name -> (default, parser). Every setting an operator can change from the environment.
SETTINGS = {
    "PUBLIC_URL": (None, lambda v: v.rstrip("/")),
    "MAIL_SERVER": (None, str),
    "MAIL_PORT": (25, int),
    "MAIL_USE_TLS": (False, parse_bool),
    "MAIL_USE_SSL": (False, parse_bool),
    "MAIL_USERNAME": (None, str),
    "MAIL_PASSWORD": (None, str),
    # SPEC §11: the site's name on every page and email (and the default sender's name), the
    # address the emails' footer gives for questions, and the language when nothing else says.
    "APP_NAME": ("Latchkey", str),
    "SUPPORT_EMAIL": (None, str),
    "DEFAULT_LANGUAGE": ("en", str),
    "MAIL_DEFAULT_SENDER": (None, str),
    "MAIL_DELIVERY": (None, str),
    "EMAIL_LINK_TTL": (600, parse_seconds),
    "SIGN_IN_TOKEN_TTL": (2_592_000, parse_seconds),
    "SESSION_LIFETIME": (604_800, parse_seconds),
    "SESSION_INACTIVITY_TIMEOUT": (0, parse_seconds),
    "REQUIRE_SAME_CLIENT": (False, parse_bool),
    "ENUMERATION_PROTECTION": (False, parse_bool),
    "ALLOWED_REDIRECT_ORIGINS": ([], parse_origins),
    # SPEC §10: a 6-digit code in every email beside its link; a number to type on the device
    # that approves a sign-in requested in another browser.
    "EMAIL_CODE_ENABLED": (True, parse_bool),
    "CROSS_DEVICE_NUMBER_MATCH": (True, parse_bool),
    "RATELIMIT_STORAGE_URI": ("memory://", str),
    "RATELIMIT_ENABLED": (True, parse_bool),
    # Not in SPEC §8, but operators may tune them: seconds between resends, emails per
    # address per window, email-sending requests per IP and /v1 requests per secret key
    # (Flask-Limiter limit strings).
    "RESEND_COOLDOWN": (30, parse_seconds),
    "EMAILS_PER_ADDRESS": (5, int),
    # All requesters together, but for a browser the address's owner signed in with (rate_limits).
    "EMAILS_PER_ADDRESS_TOTAL": (20, int),
    "EMAILS_PER_ADDRESS_WINDOW": (600, parse_seconds),
    "EMAIL_REQUESTS_PER_IP": ("30 per minute", str),
    "API_REQUESTS_PER_KEY": ("1000 per minute", str),
    # Requests per IP to the token pages, /verify and /accept-token (GET and POST together).
    "TOKEN_REQUESTS_PER_IP": ("60 per minute", str),
    # Codes entered per IP (right or wrong, on the pages and /api together), and wrong codes
    # per address per day from all requesters: SECURITY.md works out the odds they leave.
    "CODE_REQUESTS_PER_IP": ("10 per minute", str),
    "WRONG_CODES_PER_ADDRESS": (10, int),
    # Requests per IP to /oauth/token, /userinfo, /revoke and /introspect, which apps call from
    # their servers: one app's server speaks for all its users, so the limit is generous.
    "OAUTH_REQUESTS_PER_IP": ("600 per minute", str),
    # Seconds cleanup keeps audit rows (0: for ever), and clients nothing refers to any more.
    "AUDIT_RETENTION": (365 * 86400, parse_seconds),
    "CLIENT_RETENTION": (30 * 86400, parse_seconds),
    # The OpenID provider's token lifetimes (SPEC §9), and the /v1 session tokens'.
    "OIDC_ID_TOKEN_TTL": (600, parse_seconds),
    "OIDC_ACCESS_TOKEN_TTL": (600, parse_seconds),
    "OIDC_REFRESH_TOKEN_TTL": (2_592_000, parse_seconds),
    "SESSION_TOKEN_TTL": (60, parse_seconds),
    "MAIL_SEND_INLINE": (False, parse_bool),
    # Whether a /v1 secret key may mint a sign-in token for an admin, i.e. become one.
    "API_SIGN_IN_TOKENS_FOR_ADMINS": (False, parse_bool),
    # How many reverse proxies in front set X-Forwarded-For/-Proto. 0: the headers are ignored,
    # so nobody can forge an IP to slip past the per-IP limits or into the audit log.
    "TRUSTED_PROXIES": (0, int),
    # Whether those proxies' X-Forwarded-Host is believed too. Off: many proxies pass on a
    # client's X-Forwarded-Host untouched, and the host decides what this site's own origin is.
    "TRUST_FORWARDED_HOST": (False, parse_bool),
    # Waiting tabs' long-polls a process holds at once, per requester network (IPv4 address or
    # IPv6 /64) and in all. Each sleeping poll holds a thread: keep LONG_POLLS_PER_PROCESS a few
    # below gunicorn's --threads so plain requests always find one. A poll over a cap is
    # answered at once and its tab asks again after Retry-After.
    "LONG_POLLS_PER_IP": (6, int),
    "LONG_POLLS_PER_PROCESS": (24, int),
    # Database connections each process keeps open: as many as its threads that may use the
    # database at once (gunicorn's --threads). Fewer, and busy moments open and close a new
    # connection per request.
    "DATABASE_POOL_SIZE": (16, int),
}


def defaults() -> dict:
    return {name: default for name, (default, _) in SETTINGS.items()}


def from_environment(environ=os.environ) -> dict:
    """The settings the environment sets, parsed; DATABASE_URL and SECRET_KEY among them."""
    config = {
        name: parser(environ[name]) for name, (_, parser) in SETTINGS.items() if name in environ
    }
    if environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        config["DATABASE_URL"] = environ["DATABASE_URL"]
    return config


def finish(config: dict) -> None:
    """Fill in the settings that follow from others once the app's config is complete."""
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config.get("DATABASE_URL"))
    if not config.get("PUBLIC_URL"):
        # Where `flask run` serves, so links in dev emails work out of the box.
        host = os.environ.get("FLASK_RUN_HOST", "127.0.0.1")
        config["PUBLIC_URL"] = f"http://{host}:{os.environ.get('FLASK_RUN_PORT', '5000')}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = dev_secret_key()
    config["MAIL_DELIVERY"] = mail_delivery(config)
    if not config.get("MAIL_DEFAULT_SENDER"):
        config["MAIL_DEFAULT_SENDER"] = (config["APP_NAME"], "no-reply@latchkey.localhost")
    if config["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ValueError("DEFAULT_LANGUAGE must be one of en, de, fr, es")
    # Any page or email is replaced by a file of the same name here (SPEC §11).
    config.setdefault("TEMPLATE_OVERRIDES", str(INSTANCE / "templates"))
    secure = not config.get("DEBUG")
    config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="latchkey_session",
        PERMANENT_SESSION_LIFETIME=config["SESSION_LIFETIME"],
        REMEMBER_COOKIE_SECURE=secure,
        # Retry-After is set by our 429 handlers: Flask-Limiter would overwrite a domain
        # limit's exact figure with its own window.
        RATELIMIT_HEADERS_ENABLED=False,
        WTF_CSRF_TIME_LIMIT=None,
        # Its Referer check refuses every form on a page that sends no Referer, as the token
        # pages do (over HTTPS only): app/views/same_origin.py checks Sec-Fetch-Site/Origin instead.
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=config.get("MAX_CONTENT_LENGTH") or 64 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(
            config["SQLALCHEMY_DATABASE_URI"], config["DATABASE_POOL_SIZE"]
        ),
    )


def mail_delivery(config: dict) -> str:
    """smtp or dev_mailbox: as set, else smtp when there is a MAIL_SERVER.

    Without either, only a development or test app falls back to the dev mailbox: it holds
    every live sign-in link, so a deployment that forgot MAIL_SERVER must not start serving it.
    """
    delivery = config.get("MAIL_DELIVERY") or ("smtp" if config.get("MAIL_SERVER") else None)
    if delivery is None:
        if not (config.get("DEBUG") or config.get("TESTING")):
            raise ValueError(
                "No mail configured: set MAIL_SERVER to send email over SMTP, or "
                "MAIL_DELIVERY=dev_mailbox to keep it in /dev/mailbox on this machine "
                "(development only: it holds every sign-in link)"
            )
        delivery = "dev_mailbox"
    if delivery not in ("smtp", "dev_mailbox"):
        raise ValueError("MAIL_DELIVERY must be smtp or dev_mailbox")
    return delivery


def engine_options(url: str, pool_size: int) -> dict:
    # A database error's message leaves out the statement's values: an outbox row holds a live
    # link, and an error logged with its parameters would put the token in the log.
    options = {"hide_parameters": True}
    parsed = make_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if not in_memory:  # which has one connection, and no pool to size
        # The most recently used connection first: a quiet moment reuses one connection (its
        # page cache warm, on SQLite) rather than cycling through all of them.
        options.update(pool_size=pool_size, pool_use_lifo=True)
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing with "database is locked".
        return {**options, "connect_args": {"timeout": 30}}
    return {**options, "pool_pre_ping": True}
