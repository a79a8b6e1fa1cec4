"""The long-poll watcher: many waiting tabs share one query per tick, and a change wakes its own."""

import threading
import time

from sqlalchemy import event

from app.auth.attempts import attempt_version, reload_attempt, wait_for_change
from app.auth.errors import NotFound
from app.auth.sign_up import start_sign_up
from app.extensions import db
from app.models import Attempt
from app.unit_of_work import unit_of_work

TABS = 40


def start(laptop, now, n):
    with unit_of_work():  # committed: the tabs and the watcher read it from other threads
        return start_sign_up(f"user{n}@example.com", laptop, now)


def waiting_tabs(app, attempts, versions, timeout):
    """A thread per attempt, long-polling it as the status endpoint does; returns their results."""
    results = {}

    def tab(attempt_id, seen):
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            try:
                results[attempt_id] = wait_for_change(attempt, seen, timeout)
                reload_attempt(attempt)
            except NotFound:
                results[attempt_id] = "gone"
            db.session.remove()

    threads = [threading.Thread(target=tab, args=(a.id, versions[a.id])) for a in attempts]
    return threads, results


def until_waiting(app, count):
    """Block until `count` attempts have tabs registered with the watcher."""
    for _ in range(200):
        watcher = app.extensions.get("latchkey_watcher")
        if watcher and len(watcher.waiters) == count:
            return
        time.sleep(0.02)
    raise AssertionError("the tabs never started waiting")


def count_watcher_reads(engine):
    """The watcher's queries: the versions of several attempts at once."""
    reads = []

    def seen(conn, cursor, statement, *args):
        if "FROM attempts" in statement and "attempts.id IN" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    return reads, lambda: event.remove(engine, "before_cursor_execute", seen)


def test_many_waiting_tabs_share_one_query_per_tick_and_hold_no_connection(app, laptop, now):
    attempts = [start(laptop, now, n) for n in range(TABS)]
    versions = {a.id: attempt_version(a, now) for a in attempts}
    db.session.remove()  # this thread's own connection back to the pool
    threads, results = waiting_tabs(app, attempts, versions, timeout=1)
    reads, stop = count_watcher_reads(db.engine)
    for thread in threads:
        thread.start()
    until_waiting(app, TABS)
    held = db.engine.pool.checkedout()
    for thread in threads:
        thread.join()
    stop()
    assert len(results) == TABS
    # Sleeping tabs hold no pooled connection (the watcher may hold one for its tick).
    assert held <= 1, held
    # 1 s is about 20 ticks, and each tick reads every waiting attempt in one query;
    # a read per tab per tick (as before the watcher) would be about 800.
    assert 1 <= len(reads) < TABS, len(reads)


def test_a_change_wakes_its_own_tab_and_not_the_others(app, laptop, now):
    changed, unchanged = start(laptop, now, 1), start(laptop, now, 2)
    versions = {a.id: attempt_version(a, now) for a in (changed, unchanged)}
    threads, results = waiting_tabs(app, [changed, unchanged], versions, timeout=20)
    for thread in threads:
        thread.start()
    until_waiting(app, 2)
    db.session.execute(
        db.update(Attempt)
        .where(Attempt.id == changed.id)
        .values(updated_at=changed.updated_at.replace(year=changed.updated_at.year + 1))
    )
    db.session.commit()
    threads[0].join(timeout=10)
    assert not threads[0].is_alive()  # woken by its change, long before its 20 s wait
    assert threads[1].is_alive()  # still waiting: nothing of its own changed
    db.session.execute(db.delete(Attempt).where(Attempt.id == unchanged.id))
    db.session.commit()
    threads[1].join(timeout=10)
    assert not threads[1].is_alive()  # a deleted attempt is a change too
    assert results == {changed.id: True, unchanged.id: "gone"}
