"""Load: 300 waiting tabs held for 60 s while 20 sign-ins per second start and complete."""

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from soak import checks
from soak.browser import Recorder, Unexpected
from soak.flows import (
    SignIn,
    failures,
    finish_in_tab,
    new_browser,
    open_link,
    spawn_sign_in,
    start_sign_in,
    stop_all,
    wait_in_tab,
)
from soak.report import figure, p50_p95
from soak.server import CpuMeter, end_state, prepare_database, serve

NAME = "load"
TABS = int(os.environ.get("SOAK_TABS", "300"))
RATE = float(os.environ.get("SOAK_RATE", "20"))  # sign-ins started per second
DURATION = float(os.environ.get("SOAK_DURATION", "60"))
DRAIN = 30  # seconds after the window for the last sign-ins to finish


def hold_tab(sign_in: SignIn, stop, started: threading.Semaphore) -> None:
    """A tab that starts a sign-in and waits, long-polling, until its link is opened."""
    tab = sign_in.browser.tab()
    try:
        with started:
            start_sign_in(sign_in, tab)
        data = wait_in_tab(sign_in, tab, stop)
        if data:
            finish_in_tab(sign_in, tab, data)
        elif sign_in.failure is None:
            sign_in.failure = "the waiting tab never saw it complete"
    except Unexpected as error:
        sign_in.failure = str(error)
    finally:
        tab.close()
        sign_in.done.set()


def run(cluster, tmp: Path) -> None:
    window = int(RATE * DURATION)
    url, app = prepare_database(cluster, "soak_load", TABS + window + 10)
    server, smtp, inbox = serve(url, tmp / "load-gunicorn.log")
    recorder = Recorder()
    stopping = threading.Event()
    addresses = iter(f"user{n}@bench.example" for n in range(TABS + window))
    threads = []

    def spawn(target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        threads.append(thread)

    try:
        # The 300 tabs: started 20 at a time, then each holds a long-poll for the whole run.
        tabs = [
            SignIn(next(addresses), new_browser(server.url, recorder, n), cross_device=n % 2 == 1)
            for n in range(TABS)
        ]
        gate = threading.Semaphore(20)
        for sign_in in tabs:
            spawn(hold_tab, sign_in, stopping.is_set, gate)
        deadline = time.monotonic() + 60
        while any(s.version is None and not s.done.is_set() for s in tabs):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        waiting = sum(s.version is not None and not s.done.is_set() for s in tabs)
        print(
            f"  {NAME}: {waiting} tabs waiting; {RATE:g} sign-ins/s for {DURATION:g} s", flush=True
        )

        # The window: a sign-in every 1/RATE s, each in its own browser (half cross-device).
        flows = []
        meter = CpuMeter(server, cluster)
        meter.start()
        began = time.monotonic()
        for n in range(window):
            time.sleep(max(0.0, began + n / RATE - time.monotonic()))
            sign_in = SignIn(
                next(addresses), new_browser(server.url, recorder, n), cross_device=n % 2 == 1
            )
            flows.append(sign_in)
            spawn_sign_in(sign_in, inbox, stopping, threads)
        still_waiting = sum(not s.done.is_set() for s in tabs)
        drain_until = time.monotonic() + DRAIN
        for sign_in in flows:
            sign_in.done.wait(max(0.0, drain_until - time.monotonic()))
        elapsed, cpu = meter.stop()

        # Now the 300 tabs' links are opened: each tab must see it and finish by itself.
        def open_tab_link(sign_in: SignIn) -> None:
            token = inbox.wait_for_token(sign_in.email, 10)
            if token is None:
                sign_in.failure = "no email within 10 s"
                return
            try:
                open_link(sign_in, token)
            except Unexpected as error:
                sign_in.failure = f"link: {error}"

        with ThreadPoolExecutor(20) as pool:
            list(pool.map(open_tab_link, tabs))
        for sign_in in tabs:
            sign_in.done.wait(max(0.0, drain_until + 30 - time.monotonic()))
    finally:
        stop_all(stopping, recorder, threads)
        server.stop()
        smtp.stop()

    outcomes, outbox = end_state(app, tabs + flows)
    report(recorder, inbox, tabs, flows, still_waiting, elapsed, outcomes, outbox, window)
    report_cpu(elapsed, cpu, sum(s.signed_in for s in flows))


def report_cpu(elapsed: float, cpu: dict[str, float], completed: int) -> None:
    """Where the machine's time went: tells a slow app from a busy machine."""
    shares = " / ".join(f"{cpu[name] / elapsed:.2f}" for name in cpu)
    figure(NAME, f"cores busy with {' / '.join(cpu)}", f"{shares} of {os.cpu_count()}")
    if completed:
        per = " / ".join(
            f"{cpu[name] / completed * 1000:,.0f}" for name in ("gunicorn", "postgres")
        )
        figure(NAME, "CPU per completed sign-in, gunicorn / postgres (ms)", per)


def report(recorder, inbox, tabs, flows, still_waiting, elapsed, outcomes, outbox, window):
    started = sum(s.attempt_id is not None for s in flows + tabs)
    in_window = sum(s.attempt_id is not None for s in flows)
    signed_in = sum(s.signed_in for s in flows)
    errors = recorder.errors()
    lost = sum(not s.signed_in for s in flows + tabs)
    delivered, duplicates = len(inbox.messages), inbox.duplicates()
    figure(
        NAME,
        "waiting tabs held through the window",
        still_waiting,
        f"= {TABS}",
        still_waiting == TABS,
    )
    figure(NAME, "sign-ins started in the window", in_window, f"= {window}", in_window == window)
    figure(
        NAME,
        "sign-ins completed per second",
        round(signed_in / DURATION, 1),
        f">= {RATE:g}",
        signed_in == window,
    )
    figure(NAME, "window + drain (s)", round(elapsed, 1))
    figure(NAME, "requests", len(recorder.outcomes))
    figure(NAME, "errors (unexpected status or no answer)", len(errors), "= 0", not errors)
    if errors:
        figure(NAME, "error sample", recorder.sample())
    figure(NAME, "completions lost (tab never signed in)", lost, "= 0", lost == 0)
    if lost:
        figure(NAME, "why they were lost", failures(flows + tabs))
    figure(
        NAME,
        "completions in the database",
        outcomes["complete"],
        f"= {started}",
        outcomes["complete"] == started and outcomes["lost"] == 0,
    )
    figure(
        NAME,
        "completions doubled (sessions > 1)",
        outcomes["doubled"],
        "= 0",
        outcomes["doubled"] == 0,
    )
    figure(
        NAME, "sessions made", outcomes["sessions"], f"= {started}", outcomes["sessions"] == started
    )
    figure(
        NAME,
        "emails delivered over SMTP / queued by the app",
        f"{delivered} / {sum(outbox.values())}",
        f"= {started} started",
        delivered == outbox["sent"] == sum(outbox.values()) == started,
    )
    if set(outbox) != {"sent"}:
        figure(NAME, "outbox at the end", checks.describe(outbox), "all sent", False)
    figure(NAME, "emails duplicated", duplicates, "= 0", duplicates == 0)
    durations = [s.finished_at - s.started_at for s in flows if s.finished_at]
    figure(NAME, "sign-in form to signed in, p50 / p95 (ms)", p50_p95(durations))
    seen = [
        s.seen_complete_at - s.consumed_at
        for s in flows + tabs
        if s.seen_complete_at and s.consumed_at
    ]
    figure(NAME, "link spent -> tab sees it, p50 / p95 (ms)", p50_p95(seen))
    figure(NAME, "slowest routes, p95 (ms)", recorder.slowest(4))
