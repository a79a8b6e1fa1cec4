"""The waiting tab's long-poll: held while nothing changes, answered as soon as something does;
and never held where it would only tie up a thread: a poll replaced by a newer one of its
browser, a closed attempt, a network over its cap."""

import re
import threading
import time
import urllib.parse

from app import clock
from tests.conftest import match_number
from tests.http import browser_opener, status_of
from tests.waiting import until_waiting


def long_poll(tab, seen: str, wait: float) -> tuple[dict, float]:
    started = time.monotonic()
    body, _ = tab.poll(seen, wait)
    return body, time.monotonic() - started


def in_background(poll) -> tuple[threading.Thread, list]:
    """Run a poll in a thread of its own; its answer lands in the list."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(poll()), daemon=True)
    thread.start()
    return thread, answers


def test_an_unchanged_attempt_is_held_until_the_wait_ends(live_server, waiting_tab):
    tab = waiting_tab(live_server, "grace@example.com")
    body, elapsed = long_poll(tab, tab.current["version"], wait=0.5)
    assert body["version"] == tab.current["version"] and body["status"] == "missing_requirements"
    assert elapsed >= 0.5  # the server held it: nothing changed


def test_a_stale_version_is_answered_at_once(live_server, waiting_tab):
    tab = waiting_tab(live_server, "grace@example.com")
    body, elapsed = long_poll(tab, "stale", wait=20)
    assert body["version"] == tab.current["version"] and elapsed < 10


def test_approval_on_another_device_ends_the_wait(live_app, live_server, waiting_tab, mailbox):
    tab = waiting_tab(live_server, "grace@example.com")
    thread, answers = in_background(lambda: long_poll(tab, tab.current["version"], wait=20))
    until_waiting(live_app, 1)
    phone = browser_opener()
    link = mailbox.link("grace@example.com")
    page = phone.open(link).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = link.split("token=", 1)[1]
    number = match_number(live_app, token)  # what the waiting tab shows
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": token, "number": number}).encode()
    assert status_of(phone, f"{live_server}/verify", body) == 200
    thread.join()
    [(answer, elapsed)] = answers
    assert answer["status"] == "complete" and answer["next_url"].endswith("/continue")
    assert elapsed < 10  # answered by the change, well before the 20 s wait


def test_expiry_ends_the_wait(live_app, live_server, waiting_tab):
    tab = waiting_tab(live_server, "grace@example.com")
    thread, answers = in_background(lambda: long_poll(tab, tab.current["version"], wait=20))
    until_waiting(live_app, 1)
    clock.travel(601)
    thread.join()
    [(answer, elapsed)] = answers
    assert answer["verification"]["status"] == "expired" and elapsed < 10


def test_a_newer_poll_releases_the_older(live_app, live_server, waiting_tab):
    tab = waiting_tab(live_server, "grace@example.com")
    version = tab.current["version"]
    older, older_answers = in_background(lambda: tab.poll(version, wait=20))
    until_waiting(live_app, 1)
    newer, newer_answers = in_background(lambda: tab.poll(version, wait=20))
    older.join(timeout=10)
    assert not older.is_alive()  # let go long before its 20 s: one poll per browser is enough
    [(body, headers)] = older_answers
    assert body["version"] == version and headers["Retry-After"] == "5"
    assert newer.is_alive()  # the newer poll is the one held
    tab.cancel()
    newer.join(timeout=10)
    [(body, headers)] = newer_answers
    assert body["status"] == "abandoned" and "Retry-After" not in headers


def test_a_closed_attempt_is_answered_at_once(live_server, waiting_tab):
    tab = waiting_tab(live_server, "grace@example.com")
    cancelled = tab.cancel()
    # Up to date, but nothing more can happen to it: held, it would only tie up a thread.
    body, headers = tab.poll(cancelled["version"], wait=20, timeout=10)
    assert body["status"] == "abandoned" and body["verification"]["status"] == "failed"
    assert "Retry-After" not in headers  # a closed attempt's tab stops asking


def test_a_network_over_its_long_poll_cap_is_answered_at_once(live_app, live_server, waiting_tab):
    live_app.config["LONG_POLLS_PER_IP"] = 2
    tabs = [waiting_tab(live_server, f"user{n}@example.com") for n in range(3)]
    held = [in_background(lambda t=tab: t.poll(t.current["version"], wait=20)) for tab in tabs[:2]]
    until_waiting(live_app, 2)
    third = tabs[2]
    body, headers = third.poll(third.current["version"], wait=20, timeout=10)
    assert body["version"] == third.current["version"] and headers["Retry-After"] == "5"
    for tab in tabs[:2]:
        tab.cancel()
    for thread, answers in held:
        thread.join(timeout=10)
        [(body, headers)] = answers
        assert body["status"] == "abandoned"  # they were held until the change
