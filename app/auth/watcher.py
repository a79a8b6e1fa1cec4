"""Waiting tabs' long-polls: one thread per process watches every waiting attempt at once.

A long-poll registers what its tab has seen and sleeps on an Event. Every tick the watcher reads
when each attempt somebody waits for was last written, all in ONE query, and wakes the tabs whose
attempt was written since (or whose link has just expired), so 300 waiting tabs cost one small
query per tick, not 300. The database stays the only truth:
a change made by any process or host is seen at the next tick, and nothing is lost when a
process dies (its tabs simply ask again).

A sleeping long-poll still holds one of the process's threads, so the watcher also decides who
may sleep at all: one long-poll per attempt and client, and at most LONG_POLLS_PER_IP per
requester network and LONG_POLLS_PER_PROCESS in all. Without these, one attempt polled many
times over held every thread and the server stopped answering anything else.
"""

import threading
import time
from collections import Counter
from datetime import datetime
from enum import Enum

from flask import Flask
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Attempt

TICK = 0.05  # seconds between checks: the most a change waits before its tab hears of it
CHUNK = 500  # ids per query, well under every database's limit on bound parameters


class Wait(Enum):
    """How a long-poll went: whether to read the attempt again, and whether to come back later."""

    SKIPPED = "skipped"  # not held: the tab's version is out of date, or nothing more can change
    ENDED = "ended"  # held until the attempt changed or the timeout passed
    RELEASED = "released"  # held, then let go: a newer poll of the same client took its place
    REFUSED = "refused"  # not held: this network or this process has as many as it may

    @property
    def read_again(self) -> bool:
        return self in (Wait.ENDED, Wait.RELEASED)

    @property
    def come_back_later(self) -> bool:
        """The poll was answered without waiting for a change: asking again at once would spin."""
        return self in (Wait.RELEASED, Wait.REFUSED)


class _Waiter:
    def __init__(self, attempt_id: str, network: str, updated_at: datetime, changes_at: datetime):
        self.attempt_id = attempt_id
        self.network = network
        self.updated_at = updated_at
        self.changes_at = changes_at
        self.changed = threading.Event()
        self.released = False


class Watcher:
    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        # (attempt id, client id) -> the one long-poll sleeping for it
        self.waiters: dict[tuple[str, str], _Waiter] = {}
        self.per_network: Counter[str] = Counter()
        self.thread: threading.Thread | None = None

    def wait(
        self,
        attempt_id: str,
        client_id: str,
        network: str,
        updated_at: datetime,
        changes_at: datetime,
        timeout: float,
    ) -> Wait:
        """Sleep until the attempt is written again (its `updated_at` moves), `changes_at` comes
        (when time alone changes what the tab shows: the link expiring), or `timeout` passes.

        A browser needs one long-poll per attempt: a newer one (a reload, a second tab, or a
        script asking over and over) releases the one already sleeping, so polling an attempt
        many times holds one thread, not many. Refused when `network` (the requester's IPv4
        address or IPv6 /64) or this process already has as many sleeping as the config allows."""
        key = (attempt_id, client_id)
        waiter = _Waiter(attempt_id, network, updated_at, changes_at)
        with self.lock:
            older = self.waiters.get(key)
            if older is not None:
                self._forget(key)
                older.released = True
                older.changed.set()
            if not self._room_for(network):
                return Wait.REFUSED
            self.waiters[key] = waiter
            self.per_network[network] += 1
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="watcher", daemon=True)
                self.thread.start()
        try:
            waiter.changed.wait(timeout)
        finally:
            with self.lock:
                if self.waiters.get(key) is waiter:  # not already replaced by a newer poll
                    self._forget(key)
        return Wait.RELEASED if waiter.released else Wait.ENDED

    def _room_for(self, network: str) -> bool:
        config = self.app.config
        return (
            len(self.waiters) < config["LONG_POLLS_PER_PROCESS"]
            and self.per_network[network] < config["LONG_POLLS_PER_IP"]
        )

    def _forget(self, key: tuple[str, str]) -> None:
        waiter = self.waiters.pop(key)
        self.per_network[waiter.network] -= 1
        if not self.per_network[waiter.network]:
            del self.per_network[waiter.network]

    def _run(self) -> None:
        while True:
            with self.lock:
                watched = list({waiter.attempt_id for waiter in self.waiters.values()})
                if not watched:  # nobody waits: stop; the next wait starts a new thread
                    self.thread = None
                    return
            try:
                self._check(watched)
            except Exception:  # the database is away: keep the tabs waiting, try next tick
                self.app.logger.warning("the attempt watcher could not read", exc_info=True)
            time.sleep(TICK)

    def _check(self, attempt_ids: list[str]) -> None:
        with self.app.app_context():
            try:
                updated = {
                    attempt_id: updated_at
                    for start in range(0, len(attempt_ids), CHUNK)
                    for attempt_id, updated_at in db.session.execute(
                        select(Attempt.id, Attempt.updated_at).where(
                            Attempt.id.in_(attempt_ids[start : start + CHUNK])
                        )
                    )
                }
            finally:
                db.session.remove()
        now = clock.now()
        read = set(attempt_ids)
        with self.lock:
            # Only the attempts just read: one registered since then is checked next tick.
            for waiter in self.waiters.values():
                if waiter.attempt_id not in read:
                    continue
                updated_at = updated.get(waiter.attempt_id)  # None: deleted, which is a change too
                if updated_at != waiter.updated_at or waiter.changes_at <= now:
                    waiter.changed.set()


def watcher_for(app: Flask) -> Watcher:
    """The app's watcher in this process, made on first use."""
    with _made:
        if "latchkey_watcher" not in app.extensions:
            app.extensions["latchkey_watcher"] = Watcher(app)
        return app.extensions["latchkey_watcher"]


_made = threading.Lock()
