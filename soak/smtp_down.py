"""Fault: the SMTP server is down for the first half of the run.

Sign-ins keep starting throughout. Nothing fakes the retries: the app's own mechanisms deliver
what failed (its sender pool for new email; the waiting tab's status request retries a failed
email once its backoff is due, as app/auth/attempts.py `view_attempt` does). Every email must
arrive after the server is back, exactly once, and every sign-in complete."""

import threading
import time
from pathlib import Path

from soak import checks
from soak.browser import Recorder
from soak.flows import SignIn, failures, new_browser, spawn_sign_in, stop_all
from soak.report import figure
from soak.server import end_state, prepare_database, serve

NAME = "smtp down"
RATE = 2  # sign-ins per second
DURATION = 40  # seconds of sign-ins; SMTP is down for the first half
DELIVERY_DEADLINE = 60  # seconds after SMTP is back by which everything must have arrived


def run(cluster, tmp: Path) -> None:
    count = int(RATE * DURATION)
    url, app = prepare_database(cluster, "soak_smtp", count)
    # The SMTP server is made but not started: nothing listens on its port yet.
    server, smtp, inbox = serve(url, tmp / "smtp-gunicorn.log", smtp_up=False)
    recorder = Recorder()
    stopping = threading.Event()
    flows, threads = [], []
    try:
        began = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, began + n / RATE - time.monotonic()))
            if not smtp.running and time.monotonic() - began >= DURATION / 2:
                smtp.start()
                up_at = time.monotonic()
                print(f"  {NAME}: SMTP server up after {up_at - began:.1f} s", flush=True)
            sign_in = SignIn(
                f"user{n}@bench.example",
                new_browser(server.url, recorder, n),
                cross_device=n % 2 == 1,
            )
            flows.append(sign_in)
            spawn_sign_in(
                sign_in, inbox, stopping, threads, mail_timeout=DURATION + DELIVERY_DEADLINE
            )
        for sign_in in flows:
            sign_in.done.wait(max(0.0, up_at + DELIVERY_DEADLINE - time.monotonic()))
    finally:
        stop_all(stopping, recorder, threads)
        server.stop()
        smtp.stop()
    outcomes, outbox = end_state(app, flows)

    down = [s for s in flows if s.started_at < up_at]
    errors = recorder.errors()
    delivered, duplicates = len(inbox.messages), inbox.duplicates()
    late = [m.at - up_at for m in inbox.messages]
    told = sum(s.saw_delivery_failed for s in down)
    signed_in = sum(s.signed_in for s in flows)
    figure(NAME, "sign-ins started (while SMTP down)", f"{len(flows)} ({len(down)})")
    figure(NAME, "errors (unexpected status or no answer)", len(errors), "= 0", not errors)
    if errors:
        figure(NAME, "error sample", recorder.sample())
    figure(NAME, "waiting tabs told the email failed", f"{told} of {len(down)}")
    figure(
        NAME,
        "emails delivered over SMTP / queued by the app",
        f"{delivered} / {sum(outbox.values())}",
        f"= {len(flows)} started",
        delivered == outbox["sent"] == sum(outbox.values()) == len(flows),
    )
    if set(outbox) != {"sent"}:
        figure(NAME, "outbox at the end", checks.describe(outbox), "all sent", False)
    figure(NAME, "emails duplicated", duplicates, "= 0", duplicates == 0)
    figure(
        NAME,
        "last email, s after SMTP was back",
        round(max(late, default=0.0), 1),
        f"<= {DELIVERY_DEADLINE}",
        max(late, default=0) <= DELIVERY_DEADLINE,
    )
    figure(
        NAME,
        "sign-ins completed",
        signed_in,
        f"= {len(flows)}",
        signed_in == len(flows) == outcomes["complete"],
    )
    if signed_in < len(flows):
        figure(NAME, "why the others did not", failures(flows))
    figure(
        NAME,
        "completions doubled or lost in the database",
        outcomes["doubled"] + outcomes["lost"],
        "= 0",
        outcomes["doubled"] + outcomes["lost"] == 0,
    )
