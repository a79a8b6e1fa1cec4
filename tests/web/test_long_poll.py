"""The waiting tab's long-poll: held while nothing changes, answered as soon as something does."""

import json
import re
import threading
import time
import urllib.error
import urllib.parse

from app import clock
from tests.http import browser_opener, status_of


def long_poll(opener, url: str, seen: str, wait: float) -> tuple[dict, float]:
    started = time.monotonic()
    query = urllib.parse.urlencode({"wait": wait, "seen": seen})
    body = json.loads(opener.open(f"{url}?{query}").read())
    return body, time.monotonic() - started


def start(live_server):
    opener = browser_opener()
    page = opener.open(f"{live_server}/sign-up").read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "email_address": "grace@example.com"})
    try:
        opener.open(f"{live_server}/sign-up", form.encode())
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    url = live_server + location.replace("/sign-up/", "/api/sign-ups/")
    return opener, url, json.loads(opener.open(url).read())


def test_an_unchanged_attempt_is_held_until_the_wait_ends(live_server):
    opener, url, current = start(live_server)
    body, elapsed = long_poll(opener, url, current["version"], wait=0.5)
    assert body["version"] == current["version"] and body["status"] == "missing_requirements"
    assert elapsed >= 0.5  # the server held it: nothing changed


def test_a_stale_version_is_answered_at_once(live_server):
    opener, url, current = start(live_server)
    body, elapsed = long_poll(opener, url, "stale", wait=20)
    assert body["version"] == current["version"] and elapsed < 10


def test_approval_on_another_device_ends_the_wait(live_server, mailbox):
    opener, url, current = start(live_server)
    answers = []
    thread = threading.Thread(
        target=lambda: answers.append(long_poll(opener, url, current["version"], wait=20))
    )
    thread.start()
    time.sleep(0.3)  # let the poll start waiting (not a timing assertion)
    phone = browser_opener()
    link = mailbox.link("grace@example.com")
    page = phone.open(link).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = link.split("token=", 1)[1]
    body = urllib.parse.urlencode({"csrf_token": csrf, "token": token}).encode()
    assert status_of(phone, f"{live_server}/verify", body) == 200
    thread.join()
    [(answer, elapsed)] = answers
    assert answer["status"] == "complete" and answer["next_url"].endswith("/continue")
    assert elapsed < 10  # answered by the change, well before the 20 s wait


def test_expiry_ends_the_wait(live_server):
    opener, url, current = start(live_server)
    answers = []
    thread = threading.Thread(
        target=lambda: answers.append(long_poll(opener, url, current["version"], wait=20))
    )
    thread.start()
    time.sleep(0.3)
    clock.travel(601)
    thread.join()
    [(answer, elapsed)] = answers
    assert answer["verification"]["status"] == "expired" and elapsed < 10
