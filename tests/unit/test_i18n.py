"""Words that wait for their reader: durations, dates and messages in the reader's language."""

from datetime import datetime, timedelta

import pytest
from markupsafe import escape

from app.auth.errors import CodeIncorrect, RateLimited
from app.i18n import _l, ago, duration, english, when

NOON = datetime(2026, 12, 8, 12, 0)


@pytest.fixture
def reader(app):
    def read(language="en", zone=None):
        cookies = f"lang={language}" + (f"; tz={zone}" if zone else "")
        return app.test_request_context(headers={"Cookie": cookies})

    return read


@pytest.mark.parametrize(
    "seconds, said",
    [
        (5, "5 seconds"),
        (1, "1 second"),
        (60, "1 minute"),
        (90, "90 seconds"),  # not "2 minutes": never longer than it is
        (150, "2 minutes"),
        (519, "8 minutes"),
        (600, "10 minutes"),
        (7200, "2 hours"),
        (86400, "1 day"),
    ],
)
def test_a_duration_is_said_in_whole_units_never_longer_than_it_is(reader, seconds, said):
    with reader():
        assert duration(seconds) == said


def test_durations_and_ago_in_the_reader_s_language(reader):
    with reader("de"):
        assert duration(600) == "10 Minuten"
        assert ago(NOON - timedelta(minutes=3), NOON) == "vor 3 Minuten"
    with reader("fr"):
        assert duration(1) == "1\N{NO-BREAK SPACE}seconde"


def test_a_date_is_written_in_the_reader_s_time_zone_and_names_it(reader):
    with reader("en", "Europe/Berlin"):
        assert when(NOON) == "Dec 8, 2026, 1:00\N{NARROW NO-BREAK SPACE}PM Europe/Berlin"
    with reader("de", "America/New_York"):
        assert when(NOON) == "08.12.2026, 07:00 America/New_York"


@pytest.mark.parametrize("zone", [None, "Mars/Olympus", "../../etc/passwd", "x" * 500])
def test_without_a_known_time_zone_a_date_is_in_utc_and_says_so(reader, zone):
    with reader("en", zone):
        assert when(NOON) == "Dec 8, 2026, 12:00\N{NARROW NO-BREAK SPACE}PM UTC"


def test_a_message_speaks_its_reader_s_language_and_english_on_demand(reader):
    error = CodeIncorrect(tries_left=1)
    with reader("en"):
        assert error.message == "That code isn't right. 1 try left."
    with reader("de"):
        assert "1" in str(error.message) and "try" not in str(error.message)
        assert english(error.message) == "That code isn't right. 1 try left."
        assert english(RateLimited(519).message) == "Too many emails. Try again in 8 minutes."


def test_a_message_carrying_what_someone_typed_is_escaped_in_a_page(reader):
    with reader():
        assert str(escape(_l("Hello %(name)s", name="<script>"))) == "Hello &lt;script&gt;"
