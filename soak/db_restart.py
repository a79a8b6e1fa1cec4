"""Fault: PostgreSQL restarted mid-run (`pg_ctl restart -m fast`: every connection is cut).

Sign-ins keep coming, and their people retry a failed page a second later. Requests during
the outage may fail; once the database is back the app must recover by itself (the pool's
pre-ping replaces dead connections): no server error after a short grace, and every sign-in
started after the restart completes exactly once."""

import threading
import time
from pathlib import Path

from soak import checks
from soak.browser import Recorder
from soak.flows import SignIn, failures, new_browser, spawn_sign_in, stop_all
from soak.report import figure
from soak.server import end_state, prepare_database, serve

NAME = "postgres restart"
RATE = 6  # sign-ins per second
DURATION = 30
RESTART_AT = 10  # seconds into the run
# A remote relay takes a moment to accept a message: some email is always being sent, so the
# restart also lands between a claim and its "sent" (what the outbox must survive).
SMTP_LATENCY = 0.3
GRACE = 2.0  # seconds after the first success post-restart in which failures may still show


def run(cluster, tmp: Path) -> None:
    count = int(RATE * DURATION)
    url, app = prepare_database(cluster, "soak_restart", count)
    server, smtp, inbox = serve(url, tmp / "restart-gunicorn.log", smtp_latency=SMTP_LATENCY)
    recorder = Recorder()
    stopping = threading.Event()
    flows, threads = [], []
    timings = {}

    def restart() -> None:
        timings["down"] = time.monotonic()
        cluster.restart()
        timings["up"] = time.monotonic()

    try:
        began = time.monotonic()
        restarter = threading.Timer(RESTART_AT, restart)
        restarter.start()
        for n in range(count):
            time.sleep(max(0.0, began + n / RATE - time.monotonic()))
            browser = new_browser(server.url, recorder, n)
            browser.retry_for = 20
            sign_in = SignIn(f"user{n}@bench.example", browser, cross_device=n % 2 == 1)
            flows.append(sign_in)
            spawn_sign_in(sign_in, inbox, stopping, threads)
        restarter.join()
        for sign_in in flows:
            sign_in.done.wait(max(0.0, began + DURATION + 20 - time.monotonic()))
    finally:
        stop_all(stopping, recorder, threads)
        server.stop()
        smtp.stop()
    outcomes, outbox = end_state(app, flows)
    report(recorder, inbox, flows, timings, outcomes, outbox)


def report(recorder, inbox, flows, timings, outcomes, outbox):
    down, up = timings["down"], timings["up"]
    outcomes_by_start = sorted(recorder.outcomes, key=lambda o: o.started)
    first_success = next((o for o in outcomes_by_start if o.started >= up and not o.failed), None)
    recovered = first_success.ended if first_success else float("inf")
    during = [o for o in recorder.outcomes if o.failed and o.started < recovered + GRACE]
    after = [o for o in recorder.outcomes if o.failed and o.started >= recovered + GRACE]
    later = [s for s in flows if s.started_at >= recovered + GRACE]
    figure(NAME, "pg_ctl restart took (s)", round(up - down, 1))
    figure(NAME, "requests", len(recorder.outcomes))
    figure(NAME, "failed requests until recovered + grace", len(during))
    figure(
        NAME,
        "first success after restart (s after it was up)",
        round(recovered - up, 2),
        "<= 5",
        recovered - up <= 5,
    )
    figure(NAME, f"5xx or no answer after recovery + {GRACE:g} s", len(after), "= 0", not after)
    if after:
        figure(NAME, "failure sample", ", ".join(f"{o.route} {o.error}" for o in after[:5]))
    wrong = [o for o in recorder.errors() if not o.failed]
    figure(NAME, "wrong answers (4xx, wrong redirect)", len(wrong), "= 0", not wrong)
    if wrong:
        figure(NAME, "wrong answer sample", ", ".join(f"{o.route} {o.error}" for o in wrong[:5]))
    done_later = sum(s.signed_in for s in later)
    figure(
        NAME,
        "sign-ins started after recovery completed",
        f"{done_later} of {len(later)}",
        f"= {len(later)}",
        done_later == len(later),
    )
    signed_in = sum(s.signed_in for s in flows)
    figure(NAME, "all sign-ins completed", f"{signed_in} of {len(flows)}")
    if signed_in < len(flows):
        figure(NAME, "why the others did not", failures(flows))
    figure(
        NAME,
        "completions doubled in the database",
        outcomes["doubled"],
        "= 0",
        outcomes["doubled"] == 0,
    )
    queued, delivered, duplicates = sum(outbox.values()), len(inbox.messages), inbox.duplicates()
    figure(
        NAME,
        "emails queued / delivered / duplicated",
        f"{queued} / {delivered} / {duplicates}",
        "all, once",
        delivered == queued and duplicates == 0,
    )
    # "sending": claimed, then the write saying how the sending went was lost with the database;
    # it waits for the claim to time out (5 min) and is sent again, a second time if the first
    # got through. "queued, untried": its first try failed before the claim; the waiting tab
    # retries only failed email, so only `flask mail deliver` (cron) sends it.
    unsent = queued - outbox["sent"]
    figure(NAME, "outbox at the end", checks.describe(outbox), "all sent", unsent == 0)
