"""`make bench`: Latchkey's figures as ratios against a baseline measured in the same run.

The baseline is a bare Flask JSON endpoint (bench/baseline.py) served by the same gunicorn
configuration; load comes from wrk on loopback. Set BENCH_DATABASE_URL for PostgreSQL
(default: SQLite in a temporary folder) and BENCH_SCALE for the large-table figure.
"""

import base64
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import OutboxMessage
from bench import seed

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "16"]
DURATION = os.environ.get("BENCH_DURATION", "8")
SCALE = int(os.environ.get("BENCH_SCALE", "1000000"))
SMALL = 10_000
EMAIL = "user0@bench.example"
TMP = Path(tempfile.mkdtemp(prefix="latchkey-bench-"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{TMP / 'bench.sqlite3'}"
rows = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(spec: str, env: dict, port: int, ready: str = "/healthz") -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [*GUNICORN, "-b", f"127.0.0.1:{port}", spec],
        cwd=ROOT,
        env={**os.environ, **env},
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + ready, timeout=1)
            return process, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{spec} did not start")


def wrk(url: str, script: str | None = None, cookie: str = "") -> float:
    command = ["wrk", "-t2", "-c50", f"-d{DURATION}s", "--latency", url]
    if script:
        path = TMP / f"script-{secrets.token_hex(4)}.lua"
        path.write_text(script)
        command[1:1] = ["-s", str(path)]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def report(figure, value, baseline, target, passed, unit=""):
    ratio = value / baseline if baseline else None
    rows.append(
        (
            figure,
            f"{value:,.1f}{unit}",
            f"{baseline:,.1f}{unit}" if baseline else "-",
            f"{ratio:.2f}" if ratio is not None else "-",
            target,
            "-" if passed is None else "pass" if passed else "FAIL",
        )
    )
    print(f"  {figure}: {rows[-1][1:]}", flush=True)


def session_cookie(url: str, client_secret: str) -> tuple[str, str]:
    """A Flask session with a CSRF token, for the client the seeds belong to."""
    request = urllib.request.Request(
        f"{url}/sign-in", headers={"Cookie": f"latchkey_client={client_secret}"}
    )
    with urllib.request.urlopen(request) as response:
        page = response.read().decode()
        session = re.search(r"latchkey_session=([^;]+)", response.headers["Set-Cookie"]).group(1)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return f"latchkey_client={client_secret}; latchkey_session={session}", csrf


def form_script(path: str, body: str, cookie: str) -> str:
    return (
        f'wrk.method = "POST"\nwrk.path = "{path}"\nwrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "{cookie}"\n'
    )


def mint_script(session_id: str, api_secret: str) -> str:
    return (
        f'wrk.method = "POST"\nwrk.path = "/v1/sessions/{session_id}/tokens"\n'
        f'wrk.headers["Authorization"] = "Bearer {api_secret}"\n'
    )


def spend_once_script(tokens_file: Path, path: str, headers: dict, body: str) -> str:
    """POST `body` followed by a token from the file: each wrk thread takes every other token,
    so no token is spent twice."""
    lua_headers = ", ".join(f'["{name}"] = "{value}"' for name, value in headers.items())
    return f"""
local threads = {{}}
function setup(thread) thread:set("id", #threads) table.insert(threads, thread) end
function init(args)
  tokens = {{}}
  for line in io.lines("{tokens_file}") do table.insert(tokens, line) end
  n = id + 1
end
function request()
  local token = tokens[n]
  n = n + 2
  return wrk.format("POST", "{path}", {{{lua_headers}}}, "{body}" .. token)
end
"""


def consume_script(tokens_file: Path, csrf: str, cookie: str) -> str:
    return spend_once_script(
        tokens_file,
        "/verify",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        f"csrf_token={csrf}&token=",
    )


def oauth_scripts(oauth: dict, tokens_file: Path) -> dict[str, str]:
    """wrk scripts for userinfo, introspection and refresh, as an app's server sends them."""
    basic = base64.b64encode(f"{oauth['client_id']}:{oauth['secret']}".encode()).decode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"}
    return {
        "userinfo": (
            'wrk.path = "/oauth/userinfo"\n'
            f'wrk.headers["Authorization"] = "Bearer {oauth["access"]}"\n'
        ),
        "introspection": (
            'wrk.method = "POST"\nwrk.path = "/oauth/introspect"\n'
            f'wrk.body = "token={oauth["access"]}"\n'
            + "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in form.items())
        ),
        "refresh": spend_once_script(
            tokens_file, "/oauth/token", form, "grant_type=refresh_token&refresh_token="
        ),
    }


class Timer:
    """Sequential requests on one keep-alive connection: per-request latency in ms."""

    def __init__(self, url: str, cookie: str):
        self.host, self.port = url.removeprefix("http://").split(":")
        self.cookie = cookie

    def median(self, method: str, path: str, bodies: list[str | None]) -> float:
        # A new connection each series: gunicorn closes idle keep-alive ones (seeding is long).
        self.connection = http.client.HTTPConnection(self.host, int(self.port))
        times = []
        for body in bodies:
            headers = {"Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}
            started = time.perf_counter()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status in (200, 302), (path, response.status)
        return statistics.median(times)


def latencies(timer: Timer, tokens: list[str], csrf: str, attempt_id: str) -> dict:
    return {
        "start": timer.median(
            "POST", "/sign-in", [f"csrf_token={csrf}&email_address={EMAIL}"] * 200
        ),
        "status": timer.median("GET", f"/api/sign-ins/{attempt_id}", [None] * 200),
        "consume": timer.median(
            "POST", "/verify", [f"csrf_token={csrf}&token={t}" for t in tokens[:200]]
        ),
    }


def worker_rss_kb(master: subprocess.Popen) -> int:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    total = 0
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def click_to_navigate(url: str, app, runs: int = 20) -> list[float]:
    """Device B approves with device A's number; how long from the click until device A's
    waiting tab has navigated (ms)."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM, LINK

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        for n in range(runs):
            email = f"user{n + 1}@bench.example"
            a, b = browser.new_context(base_url=url), browser.new_context(base_url=url)
            waiting = a.new_page()
            waiting.goto("/sign-in")
            waiting.fill("#email_address", email)
            waiting.click("button[type=submit]")
            waiting.wait_for_url(re.compile(r"/sign-in/sia_"))
            with app.app_context():
                body = db.session.scalars(
                    db.select(OutboxMessage.text_body)
                    .where(OutboxMessage.to_normalized == email)
                    .order_by(OutboxMessage.created_at.desc())
                ).first()
            phone = b.new_page()
            phone.goto(LINK.search(body).group(0))
            # The person types the number the waiting tab shows (SPEC §10) before the timed
            # click: the figure is click -> navigation, not their typing.
            phone.fill("#number", waiting.locator("#match-number").inner_text())
            button = phone.get_by_role("button", name="Approve", exact=True)
            button.wait_for()
            time.sleep(0.3)  # let the waiting tab's long-poll settle into its wait
            # Both instants come from the browser's own clock: the approving POST leaving
            # device B, and device A's waiting tab starting its navigation (to /continue).
            with phone.expect_request("**/verify") as approval:
                with waiting.expect_request("**/continue", timeout=10_000) as navigation:
                    button.click()
            waiting.wait_for_url(re.compile(r"/user$"), timeout=10_000)
            started = approval.value.timing["startTime"]
            samples.append(navigation.value.timing["startTime"] - started)
            a.close()
            b.close()
        browser.close()
    return samples


def main() -> None:
    print(f"database: {DATABASE_URL.split('@')[-1]}; scale: {SCALE:,}", flush=True)
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    app = create_app(
        {"DATABASE_URL": DATABASE_URL, "SECRET_KEY": "bench", "MAIL_DELIVERY": "dev_mailbox"}
    )
    secret = secrets.token_urlsafe(32)
    with app.app_context():
        upgrade()
        seed.users(SMALL)
        client_id = seed.client(secret)
        tokens, attempt_id = seed.live_links(20_000, client_id, EMAIL)
        api_secret, session_id = seed.session_token_setup(EMAIL)
        oauth = seed.oauth_setup(session_id, 50_000, public_url)
        seed.settle()
    tokens_file = TMP / "tokens.txt"
    env = {
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "false",
        "MAIL_DELIVERY": "dev_mailbox",
    }
    baseline, base_url = serve("bench.baseline:app", {}, free_port(), ready="/")
    floor, floor_url = serve("bench.floor:app", env, free_port())
    server, url = serve("wsgi:app", {**env, "PUBLIC_URL": public_url}, port)
    try:
        cookie, csrf = session_cookie(url, secret)
        base = wrk(f"{base_url}/")
        report("baseline: bare Flask JSON (req/s)", base, base, "-", True)
        inside = wrk(f"{floor_url}/bench/floor", cookie=cookie)
        report("the same JSON from inside Latchkey (req/s)", inside, base, "(floor)", None)
        status = wrk(f"{url}/api/sign-ins/{attempt_id}", cookie=cookie)
        report("status endpoint (req/s)", status, base, ">= 0.70", status >= 0.7 * base)
        start = wrk(
            url, form_script("/sign-in", f"csrf_token={csrf}&email_address={EMAIL}", cookie)
        )
        report("sign-in start (req/s)", start, base, ">= 0.40", start >= 0.4 * base)
        tokens_file.write_text("\n".join(tokens[1000:]) + "\n")
        consume = wrk(url, consume_script(tokens_file, csrf, cookie))
        report("link consume (req/s)", consume, base, ">= 0.40", consume >= 0.4 * base)
        mint = wrk(url, mint_script(session_id, api_secret))
        report("session-token mint (req/s)", mint, base, "-", None)
        refresh_file = TMP / "refresh.txt"
        refresh_file.write_text("\n".join(oauth["refresh"]) + "\n")
        for figure, script in oauth_scripts(oauth, refresh_file).items():
            report(f"OpenID {figure} (req/s)", wrk(url, script), base, "-", None)

        samples = click_to_navigate(url, app)
        p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[18]
        report(
            f"click -> waiting tab navigates, p50 of {len(samples)} (ms)",
            p50,
            0,
            "<= 250 ms",
            p50 <= 250,
        )
        report(
            f"click -> waiting tab navigates, p95 of {len(samples)} (ms)",
            p95,
            0,
            "<= 500 ms",
            p95 <= 500,
        )

        timer = Timer(url, cookie)
        timer.median("GET", f"/api/sign-ins/{attempt_id}", [None] * 100)
        after_100 = worker_rss_kb(server)
        timer.median("GET", f"/api/sign-ins/{attempt_id}", [None] * 10_000)
        after_10k = worker_rss_kb(server)
        report(
            "worker RSS after 10,000 requests (kB)",
            after_10k,
            after_100,
            "<= 1.20",
            after_10k <= 1.2 * after_100,
        )

        small = latencies(timer, tokens[:1000], csrf, attempt_id)
        with app.app_context():
            seed.users(SCALE - SMALL, start=SMALL)
            seed.expired_attempts(SCALE, client_id)
            seed.settle()
        big = latencies(timer, tokens[200:1000], csrf, attempt_id)
        for name in ("start", "status", "consume"):
            report(
                f"{name} latency at {SCALE:,} users (ms)",
                big[name],
                small[name],
                "<= 1.20",
                big[name] <= 1.2 * small[name],
            )
    finally:
        for process in (server, floor, baseline):
            process.send_signal(signal.SIGTERM)
            process.wait()
    print_table()


def print_table() -> None:
    header = ("figure", "value", "baseline", "ratio", "target", "result")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(6)]
    lines = [
        " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    table = "\n".join(lines)
    print("\n" + table)
    (TMP / "results.txt").write_text(table + "\n")
    print(f"\n(also in {TMP / 'results.txt'})")


if __name__ == "__main__":
    main()
