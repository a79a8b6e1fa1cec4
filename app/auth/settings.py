"""Settings the flows read at run time: the app's config, overridden by what admins saved."""

import time
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from app.auth.audit import record
from app.auth.errors import FormParamInvalid
from app.auth.origin import Origin
from app.config import parse_bool, parse_origins, parse_seconds
from app.extensions import db
from app.i18n import _l
from app.models import Setting
from app.unit_of_work import after_commit

MAX_LIFETIME = 10 * 365 * 24 * 3600  # of links and tokens: ten years; anything longer is a mistake


def parse_redirect_origins(text: str) -> list[str]:
    """Origins as typed in /admin: each must be exactly scheme://host[:port], http or https.

    They end up in redirects and in the pages' Content-Security-Policy, so anything looser
    (a path, a wildcard, a stray ";") is refused rather than stored.
    """
    origins = parse_origins(text)
    for origin in origins:
        if not _is_origin(origin):
            raise ValueError(
                _l("“%(origin)s” is not an origin like https://shop.example.com.", origin=origin)
            )
    return origins


def _is_origin(text: str) -> bool:
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  (a port that is not a number raises)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and f"{parts.scheme}://{parts.netloc}" == text
        and text.isprintable()
        and not any(ch in text for ch in ";'\"*@")
    )


def parse_lifetime(text: str) -> int:
    """Seconds as typed in /admin, with a message a person can act on."""
    try:
        seconds = parse_seconds(text)
    except ValueError:
        raise ValueError(
            _l("“%(text)s” is not a whole number of seconds, like 600.", text=text)
        ) from None
    if seconds < 1:
        raise ValueError(_l("A lifetime is at least 1 second."))
    if seconds > MAX_LIFETIME:
        # Longer overflowed the date arithmetic: every sign-up answered 500, no token was minted.
        raise ValueError(
            _l(
                "“%(text)s” is longer than ten years (%(max)d seconds).",
                text=text,
                max=MAX_LIFETIME,
            )
        )
    return seconds


def parse_switch(text: str) -> bool:
    """On or off, as the admin form's choices send it."""
    try:
        return parse_bool(text)
    except ValueError:
        raise ValueError(_l("Choose on, off or the default.")) from None


# name -> parser of the admin form's text. Only these may be changed from /admin.
OVERRIDABLE = {
    "REQUIRE_SAME_CLIENT": parse_switch,
    "ENUMERATION_PROTECTION": parse_switch,
    "EMAIL_CODE_ENABLED": parse_switch,
    "CROSS_DEVICE_NUMBER_MATCH": parse_switch,
    "EMAIL_LINK_TTL": parse_lifetime,
    "SIGN_IN_TOKEN_TTL": parse_lifetime,
    "ALLOWED_REDIRECT_ORIGINS": parse_redirect_origins,
}


_SETTINGS = "latchkey_settings"
FRESH_FOR = 1.0  # seconds a process trusts its copy: an admin's change reaches all within this


def _overrides() -> dict:
    """The saved settings: one small query a second per process, the same for a whole unit of
    work (a request). A request with no database session yet (the status poll, which reads
    with a connection of its own) takes the process's copy and makes no session for it."""
    in_work = db.session.registry.has()
    if in_work and _SETTINGS in db.session.info:
        return db.session.info[_SETTINGS]
    read_at, values = current_app.extensions.get(_SETTINGS, (None, None))
    if read_at is None or time.monotonic() - read_at > FRESH_FOR:
        rows = db.session.execute(select(Setting.name, Setting.value)).tuples().all()
        values = dict(rows)
        current_app.extensions[_SETTINGS] = (time.monotonic(), values)
        in_work = True
    if in_work:
        db.session.info[_SETTINGS] = values
    return values


def setting(name: str):
    if name in OVERRIDABLE:
        overrides = _overrides()
        if name in overrides:
            return overrides[name]
    return current_app.config[name]


def current_settings() -> dict:
    """Each overridable setting: its value, and whether an admin changed it."""
    overrides = _overrides()
    return {name: (setting(name), name in overrides) for name in OVERRIDABLE}


def environment_defaults() -> dict:
    """What each overridable setting is when no admin has changed it."""
    return {name: current_app.config[name] for name in OVERRIDABLE}


def save_settings(form: dict, actor_id: str, origin: Origin | None = None) -> None:
    """Parse and store the admin's values; an empty text returns to the environment's default."""
    parsed = {}
    for name, parse in OVERRIDABLE.items():
        if name not in form:
            continue
        text = str(form[name]).strip()
        try:
            parsed[name] = None if text == "" else parse(text)
        except ValueError as error:
            raise FormParamInvalid(error.args[0], param=name) from None
    for name, value in parsed.items():
        row = db.session.get(Setting, name)
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Setting(name=name, value=value, updated_by=actor_id))
        else:
            row.value, row.updated_by = value, actor_id
    record("settings.changed", origin, actor_id=actor_id, changes={k: v for k, v in parsed.items()})
    db.session.info.pop(_SETTINGS, None)
    app = current_app._get_current_object()
    # Once stored, this process sees it at once; the others within FRESH_FOR.
    after_commit(lambda: app.extensions.pop(_SETTINGS, None))
