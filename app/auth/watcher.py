"""Waiting tabs' long-polls: one thread per process watches every waiting attempt at once.

A long-poll registers what its tab has seen and sleeps on an Event. Every tick the watcher reads
when each attempt somebody waits for was last written, all in ONE query, and wakes the tabs whose
attempt was written since (or whose link has just expired), so 300 waiting tabs cost one small
query per tick, not 300. The database stays the only truth:
a change made by any process or host is seen at the next tick, and nothing is lost when a
process dies (its tabs simply ask again).
"""

import threading
import time
from collections import defaultdict
from datetime import datetime

from flask import Flask
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Attempt

TICK = 0.05  # seconds between checks: the most a change waits before its tab hears of it
CHUNK = 500  # ids per query, well under every database's limit on bound parameters


class _Waiter:
    def __init__(self, updated_at: datetime, changes_at: datetime | None):
        self.updated_at = updated_at
        self.changes_at = changes_at
        self.changed = threading.Event()


class Watcher:
    def __init__(self, app: Flask):
        self.app = app
        self.lock = threading.Lock()
        self.waiters: dict[str, set[_Waiter]] = defaultdict(set)
        self.thread: threading.Thread | None = None

    def wait(
        self, attempt_id: str, updated_at: datetime, changes_at: datetime | None, timeout: float
    ) -> None:
        """Sleep until the attempt is written again (its `updated_at` moves), `changes_at` comes
        (when time alone changes what the tab shows: the link expiring), or `timeout` passes."""
        waiter = _Waiter(updated_at, changes_at)
        with self.lock:
            self.waiters[attempt_id].add(waiter)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="watcher", daemon=True)
                self.thread.start()
        try:
            waiter.changed.wait(timeout)
        finally:
            with self.lock:
                self.waiters[attempt_id].discard(waiter)
                if not self.waiters[attempt_id]:
                    del self.waiters[attempt_id]

    def _run(self) -> None:
        while True:
            with self.lock:
                watched = list(self.waiters)
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
        with self.lock:
            # Only the attempts just read: one registered since then is checked next tick.
            for attempt_id in attempt_ids:
                updated_at = updated.get(attempt_id)  # None: deleted, which is a change too
                for waiter in self.waiters.get(attempt_id, ()):
                    if updated_at != waiter.updated_at or (
                        waiter.changes_at is not None and waiter.changes_at <= now
                    ):
                        waiter.changed.set()


def watcher_for(app: Flask) -> Watcher:
    """The app's watcher in this process, made on first use."""
    with _made:
        if "latchkey_watcher" not in app.extensions:
            app.extensions["latchkey_watcher"] = Watcher(app)
        return app.extensions["latchkey_watcher"]


_made = threading.Lock()
