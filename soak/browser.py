"""Simulated browsers: cookies, one keep-alive connection per tab, every request recorded."""

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

# gunicorn closes a connection idle for 2 s (its keep-alive): reconnect before that, as
# browsers do, so that a request is never sent into a connection the server is closing.
IDLE_RECONNECT = 1.0
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
_IDS = re.compile(r"\b(sia|sua|sit|sess|user|idn)_[A-Za-z0-9]+")


def _shorten(match: re.Match) -> str:
    return f"{match.group(1)}_…"


@dataclass(frozen=True)
class Outcome:
    """One request: when it was sent and answered, and what came back (a status or an error)."""

    started: float
    ended: float
    route: str
    status: int | None
    error: str | None  # an unexpected status or an exception; None when the answer was expected

    @property
    def failed(self) -> bool:
        """No answer, or a server error: what a user would see as the service being broken."""
        return self.status is None or self.status >= 500


class Recorder:
    """Every request of a scenario, in the order they ended (list.append is atomic)."""

    def __init__(self):
        self.outcomes: list[Outcome] = []
        self.began = time.monotonic()
        self.closed = False

    def add(self, outcome: Outcome) -> None:
        if not self.closed:
            self.outcomes.append(outcome)

    def close(self) -> None:
        """The scenario is over: what is cut off by stopping the server does not count."""
        self.closed = True

    def errors(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.error]

    def slowest(self, count: int = 3, skip: str = "GET /api/") -> str:
        """The routes with the highest p95 latency (answered requests only; long-polls, which
        wait by design, skipped)."""
        by_route: dict[str, list[float]] = {}
        for outcome in self.outcomes:
            if outcome.status is not None and not outcome.route.startswith(skip):
                by_route.setdefault(outcome.route, []).append(outcome.ended - outcome.started)
        p95 = {
            route: sorted(times)[int(0.95 * (len(times) - 1))] for route, times in by_route.items()
        }
        slowest = sorted(p95.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{route} {seconds * 1000:,.0f}" for route, seconds in slowest)

    def sample(self, limit: int = 3) -> str:
        """A few distinct errors (how many, and when the first was sent), for the report."""
        seen: dict[tuple[str, str], list] = {}
        for outcome in self.errors():
            key = (outcome.route, outcome.error)
            seen.setdefault(key, [0, outcome.started - self.began])[0] += 1
        return "; ".join(
            f"{route} {error} x{n} (from {at:.0f} s)"
            for (route, error), (n, at) in list(seen.items())[:limit]
        )


class Unexpected(Exception):
    """The server answered something the real page would not expect, or did not answer."""

    def __init__(self, message: str, failed: bool = False):
        super().__init__(message)
        self.failed = failed  # a server error or no answer, rather than a wrong answer


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def json(self) -> dict:
        return json.loads(self.text)

    def csrf_token(self) -> str:
        found = _CSRF_FIELD.search(self.text) or _CSRF_META.search(self.text)
        if not found:
            raise Unexpected("no CSRF token on the page")
        return found.group(1)


class Browser:
    """One browser profile (one `latchkey_client`): its tabs share the cookies.

    Secure cookies are sent to http://127.0.0.1, as browsers do for loopback."""

    def __init__(self, base_url: str, recorder: Recorder, user_agent: str):
        self.base_url = base_url
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.recorder = recorder
        self.user_agent = user_agent
        self.cookies: dict[str, str] = {}
        # A person who meets an error page or a dead connection tries again a second later, for
        # this long (0: never; the load scenario counts every error).
        self.retry_for = 0.0
        self._lock = threading.Lock()

    def tab(self) -> "Tab":
        return Tab(self)

    def cookie_header(self) -> str:
        with self._lock:
            return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep_cookies(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value, *attributes = rest.split(";")
            gone = any(a.strip().lower() == "max-age=0" for a in attributes) or not value
            with self._lock:
                if gone:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value


class Tab:
    def __init__(self, browser: Browser):
        self.browser = browser
        self.connection: http.client.HTTPConnection | None = None
        self.last_used = 0.0
        self.tries = 0  # how many times the last request was sent

    def get(self, path: str, expect=(200,), **options) -> Answer:
        return self.request("GET", path, expect=expect, **options)

    def post(self, path: str, form: dict | None = None, expect=(302,), **options) -> Answer:
        return self.request("POST", path, form=form, expect=expect, **options)

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        headers: dict | None = None,
        expect=(200,),
        json_body: dict | None = None,
        timeout: float = 10,
        retry_for: float | None = None,
    ) -> Answer:
        """Send one request; raise Unexpected (after recording it) unless its status is in
        `expect`. Redirects are not followed: the flows check where they lead. A server error
        or no answer is retried a second later for `retry_for` seconds (the browser's)."""
        retry_for = self.browser.retry_for if retry_for is None else retry_for
        deadline = time.monotonic() + retry_for
        self.tries = 0
        while True:
            self.tries += 1
            try:
                return self._send(method, path, form, headers, expect, json_body, timeout)
            except Unexpected as error:
                if not error.failed or time.monotonic() + 1 > deadline:
                    raise
                time.sleep(1)

    def _send(self, method, path, form, headers, expect, json_body, timeout) -> Answer:
        browser = self.browser
        route = f"{method} {_IDS.sub(_shorten, path.split('?')[0])}"
        all_headers = {"User-Agent": browser.user_agent, **(headers or {})}
        cookie = browser.cookie_header()
        if cookie:
            all_headers["Cookie"] = cookie
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            all_headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.connection is None or started - self.last_used > IDLE_RECONNECT:
                self.close()
                self.connection = http.client.HTTPConnection(browser.host, browser.port)
            self.connection.timeout = timeout
            if self.connection.sock is not None:
                self.connection.sock.settimeout(timeout)
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            ended = time.monotonic()
            name = type(error).__name__
            browser.recorder.add(Outcome(started, ended, route, None, name))
            raise Unexpected(f"{route}: {name}", failed=True) from error
        ended = self.last_used = time.monotonic()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        browser.keep_cookies(response.headers)
        error = None if response.status in expect else f"status {response.status}"
        browser.recorder.add(Outcome(started, ended, route, response.status, error))
        if error:
            raise Unexpected(f"{route}: {error}", failed=response.status >= 500)
        return Answer(response.status, response.headers, text)

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
