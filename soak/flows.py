"""What a person's browser does, request by request, as the pages and their scripts do it."""

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from soak.browser import Browser, Recorder, Tab, Unexpected
from soak.mailserver import Inbox

_ATTEMPT = re.compile(r"^/sign-in/(sia_[A-Za-z0-9]+)$")
_VERSION = re.compile(r'data-version="([^"]+)"')
_NUMBER = re.compile(r'id="match-number">\s*([0-9]+)\s*<')  # SPEC §10: shown by the waiting tab
_AGENTS = [  # a desktop and a phone, so the approval pages have something to describe
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile Safari/604.1",
]


def new_browser(base_url: str, recorder: Recorder, n: int = 0) -> Browser:
    return Browser(base_url, recorder, _AGENTS[n % len(_AGENTS)])


@dataclass
class SignIn:
    """One person signing in: their browser, its attempt, and what its waiting tab saw."""

    email: str
    browser: Browser
    cross_device: bool = False
    attempt_id: str | None = None
    version: str | None = None
    match_number: str | None = None  # what the waiting page shows, typed on the other device
    consumed_at: float | None = None  # when the link's POST /verify was sent
    seen_complete_at: float | None = None  # when the waiting tab's status said complete
    signed_in: bool = False
    saw_delivery_failed: bool = False
    started_at: float | None = None
    start_tries: int = 0  # POST /sign-in sent more than once: the person may get two emails
    finished_at: float | None = None  # signed in, as the waiting tab saw it
    failure: str | None = None  # why it did not finish, for the report
    link_used: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


def start_sign_in(sign_in: SignIn, tab: Tab) -> None:
    """The sign-in form, submitted; then the waiting page it redirects to."""
    form = tab.get("/sign-in")
    answer = tab.post("/sign-in", {"csrf_token": form.csrf_token(), "email_address": sign_in.email})
    found = _ATTEMPT.match(answer.location or "")
    if not found:
        raise Unexpected(f"POST /sign-in went to {answer.location}")
    sign_in.attempt_id = found.group(1)
    page = tab.get(answer.location)
    sign_in.version = _VERSION.search(page.text).group(1)
    number = _NUMBER.search(page.text)
    sign_in.match_number = number.group(1) if number else None


def wait_in_tab(sign_in: SignIn, tab: Tab, stop: Callable[[], bool]) -> dict | None:
    """waiting.js: long-poll the status until the attempt changes state; back off on errors
    (1 s doubling to 15 s). Returns the JSON that said `complete`, or None when stopped."""
    delay = 1.0
    status_url = f"/api/sign-ins/{sign_in.attempt_id}"
    while not stop():
        url = f"{status_url}?wait=25&seen={quote(sign_in.version)}"
        try:
            answer = tab.get(url, headers={"Accept": "application/json"}, timeout=40, retry_for=0)
            data = answer.json()
        except Unexpected:
            delay = min(delay * 2, 15)
            _sleep(delay, stop)
            continue
        delay = 1.0
        sign_in.version = data["version"]
        if data.get("email_delivery") == "failed":
            sign_in.saw_delivery_failed = True
        if data["status"] == "complete":
            sign_in.seen_complete_at = time.monotonic()
            return data
        if data["status"] == "abandoned" or data["verification"]["status"] == "failed":
            raise Unexpected(f"{sign_in.attempt_id} closed: {data['verification']['status']}")
    return None


def finish_in_tab(sign_in: SignIn, tab: Tab, data: dict) -> None:
    """The waiting tab finishes: a cross-device approval makes its session via next_url; a
    same-browser link already signed this browser in (the tab links onward)."""
    if sign_in.cross_device:
        answer = tab.get(data["next_url"], expect=(302,))
        if answer.location != "/user":
            raise Unexpected(f"continue went to {answer.location}")
    elif not sign_in.link_used.wait(10):
        # The person clicks "continue" once the other tab has finished signing this browser in.
        raise Unexpected("the link's tab did not finish")
    tab.get("/user")  # 200 only when signed in (else a redirect to /sign-in)
    sign_in.signed_in = True


def open_link(sign_in: SignIn, token: str) -> None:
    """The emailed link: another tab of the same browser spends it by itself (autosubmit.js);
    another device shows the approval page and the person approves."""
    if sign_in.cross_device:
        browser = sign_in.browser
        device = new_browser(browser.base_url, browser.recorder, 1)
        device.retry_for = browser.retry_for  # the same person, as patient on either device
        tab = device.tab()
    else:
        tab = sign_in.browser.tab()
    page = tab.get(f"/verify?token={token}")
    expect = (200,) if sign_in.cross_device else (302,)
    sign_in.consumed_at = time.monotonic()  # the click (or the autosubmit) sends the POST
    form = {"csrf_token": page.csrf_token(), "token": token}
    if sign_in.cross_device and sign_in.match_number:
        form["number"] = sign_in.match_number  # the person types the waiting tab's number
    answer = tab.post("/verify", form, expect=expect)
    if not sign_in.cross_device and answer.location != "/user":
        raise Unexpected(f"POST /verify went to {answer.location}")
    sign_in.link_used.set()
    tab.close()


def run_sign_in(
    sign_in: SignIn,
    inbox: Inbox,
    stop: Callable[[], bool],
    mail_timeout: float = 30,
) -> None:
    """The whole loop: start, wait in the tab while the email arrives and its link is opened,
    finish. Errors are in the recorder; a flow that fails just ends (it is counted as lost)."""
    sign_in.started_at = time.monotonic()
    tab = sign_in.browser.tab()
    try:
        start_sign_in(sign_in, tab)
    except Unexpected as error:
        sign_in.failure = f"start: {error}"
        sign_in.done.set()
        return
    completed: list[dict | None] = []
    waiting = threading.Thread(
        target=lambda: completed.append(_wait_quietly(sign_in, tab, stop)), daemon=True
    )
    waiting.start()
    token = inbox.wait_for_token(sign_in.email, mail_timeout)
    if token is not None and sign_in.start_tries > 1:
        # A start that failed may have been recorded all the same: the person opens the
        # newest email, so give a second one a moment to arrive.
        token = inbox.wait_for_token(sign_in.email, 5, after=1) or token
    if token is None:
        sign_in.failure = f"no email within {mail_timeout:g} s"
    else:
        try:
            open_link(sign_in, token)
        except Unexpected as error:
            # The tab keeps waiting, as a real one would, until the scenario ends.
            sign_in.failure = f"link: {error}"
    waiting.join()
    if completed and completed[0]:
        try:
            finish_in_tab(sign_in, tab, completed[0])
            sign_in.finished_at = time.monotonic()
            sign_in.failure = None
        except Unexpected as error:
            sign_in.failure = f"finish: {error}"
    elif sign_in.failure is None:
        sign_in.failure = "the waiting tab never saw it complete"
    tab.close()
    sign_in.done.set()


def _wait_quietly(sign_in: SignIn, tab: Tab, stop: Callable[[], bool]) -> dict | None:
    try:
        return wait_in_tab(sign_in, tab, stop)
    except Unexpected:
        return None


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not stop():
        time.sleep(0.1)


def spawn_sign_in(
    sign_in: SignIn, inbox: Inbox, stopping: threading.Event, threads: list, **options
) -> None:
    """run_sign_in on a thread of its own (one person), added to `threads`."""
    thread = threading.Thread(
        target=run_sign_in, args=(sign_in, inbox, stopping.is_set), kwargs=options, daemon=True
    )
    thread.start()
    threads.append(thread)


def stop_all(stopping: threading.Event, recorder: Recorder, threads, seconds: float = 5) -> None:
    """End the scenario: tabs stop asking, and what is still in flight stops counting."""
    stopping.set()
    recorder.close()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def failures(sign_ins: list[SignIn], limit: int = 3) -> str:
    """Why sign-ins did not finish: the most common reasons, counted."""
    reasons = Counter(s.failure for s in sign_ins if s.failure and not s.signed_in)
    return "; ".join(f"{reason} x{n}" for reason, n in reasons.most_common(limit))
