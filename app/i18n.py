"""Languages and time zones (SPEC §11): which one a request reads, and words that wait for it.

The domain's messages are lazy (`_l`): they become words in the reader's language when a page
prints them, and English where SPEC §11 says so (`/api` and `/v1` errors, `english()`).
"""

from datetime import datetime, timedelta

from babel import dates
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, get_timezone, gettext, ngettext
from flask_babel.speaklater import LazyString
from markupsafe import escape
from pytz import UnknownTimeZoneError, timezone

# code -> the language's own name, for the switcher.
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
LANGUAGE_COOKIE = "lang"
TIMEZONE_COOKIE = "tz"  # set by static/js/locale.js: the browser's IANA time zone


class Text(LazyString):
    """A lazy string that Jinja escapes: Flask-Babel's marks itself safe HTML, and a message
    may carry what a person typed."""

    def __html__(self):
        return str(escape(str(self)))


def N_(string: str) -> str:
    """Marks `string` for the catalog; whoever shows it translates it (`_l(string, ...)`)."""
    return string


def _l(string: str, **variables) -> Text:
    """`string` in the language of whoever reads it, formatted with `variables` then."""
    return Text(lambda: gettext(string, **variables))


def ngettext_l(singular: str, plural: str, num: int, **variables) -> Text:
    """The lazy `ngettext`: `%(num)d` and the plural form the reader's language wants."""
    return Text(lambda: ngettext(singular, plural, num, **variables))


def lazy(function, *args, **kwargs) -> Text:
    """Any function's answer, worked out when it is read (a duration in the reader's words)."""
    return Text(function, *args, **kwargs)


def english(text) -> str:
    """The text in English, whoever asked (SPEC §11: the JSON APIs' errors)."""
    with force_locale("en"):
        return str(text)


def select_language() -> str:
    """The switcher's cookie, else the signed-in user's saved choice, else Accept-Language,
    else DEFAULT_LANGUAGE."""
    default = current_app.config["DEFAULT_LANGUAGE"]
    if not has_request_context():
        return default
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    saved = _saved_language()
    if saved in LANGUAGES:
        return saved
    return request.accept_languages.best_match(LANGUAGES) or default


def _saved_language() -> str | None:
    # Asked only when a request prints words (the waiting tab's poll prints none).
    from flask_login import current_user

    return current_user.user.language if current_user.is_authenticated else None


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    name = request.cookies.get(TIMEZONE_COOKIE, "")[:64]
    try:
        return timezone(name).zone if name else None
    except UnknownTimeZoneError:
        return None


def when(moment: datetime) -> str:
    """A date and time in the reader's words and time zone, the zone named: "Dec 8, 2026,
    2:03 PM Europe/Berlin" (no brackets: sentences put it in theirs). Times are stored naive in
    UTC."""
    zone, locale = get_timezone(), get_locale()
    local = moment.replace(tzinfo=dates.UTC).astimezone(zone)
    day = dates.format_date(local, "medium", locale=locale)
    time = dates.format_time(local, "short", tzinfo=zone, locale=locale)
    pattern = dates.get_datetime_format("medium", locale=locale)
    return pattern.replace("{1}", day).replace("{0}", time) + f" {zone.zone}"


# Whole units a duration may be said in, largest first.
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(seconds: float) -> str:
    """ "10 minutes", "90 seconds", "2 hours": the true length, never rounded up into a longer
    one (a link that lives 5 seconds does not "expire in 1 minute")."""
    seconds = max(1, round(seconds))
    unit, size = next(
        (unit, size) for unit, size in _UNITS if seconds % size == 0 or seconds >= 2 * size
    )
    count = seconds // size
    return dates.format_timedelta(
        timedelta(seconds=count * size), granularity=unit, threshold=10**9, locale=get_locale()
    )


def ago(moment: datetime, now: datetime) -> str:
    """ "3 minutes ago": how long ago, in the largest whole unit."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return gettext("just now")
    for unit, size in _UNITS:
        if seconds >= size:
            delta = timedelta(seconds=-(seconds // size) * size)
            return dates.format_timedelta(
                delta, granularity=unit, threshold=10**9, add_direction=True, locale=get_locale()
            )
    raise AssertionError("unreachable")


babel = Babel()


def register(app) -> None:
    babel.init_app(
        app,
        locale_selector=select_language,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.add_template_filter(when)
    app.add_template_filter(duration)
    app.add_template_filter(ago)

    @app.after_request
    def vary_by_language(response):
        # A page in the reader's words must not be served from a shared cache to another reader.
        if getattr(g.get("_flask_babel"), "babel_locale", None) is not None:
            response.vary.update(("Accept-Language", "Cookie"))
        return response

    @app.context_processor
    def languages():
        return {
            "languages": LANGUAGES,
            "language": str(get_locale()),
            "site_name": app.config["APP_NAME"],
        }
