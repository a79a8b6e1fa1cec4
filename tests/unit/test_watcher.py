"""The long-poll watcher: many waiting tabs share one query per tick, and a change wakes its own;
who may hold a thread at all: one poll per attempt and client, none on a closed attempt, capped
per network and per process."""

import threading

import pytest
from sqlalchemy import event

from app import clock
from app.auth.attempt_views import attempt_version, reload_attempt, wait_for_change
from app.auth.attempts import cancel_attempt
from app.auth.errors import NotFound
from app.auth.sign_up import start_sign_up
from app.auth.watcher import Wait
from app.extensions import db
from app.models import Attempt
from app.models.attempts import COMPLETE
from app.unit_of_work import unit_of_work
from tests.waiting import until_waiting

TABS = 40
NETWORK = "203.0.113.7"


def start(laptop, now, n):
    with unit_of_work():  # committed: the tabs and the watcher read it from other threads
        return start_sign_up(f"user{n}@example.com", laptop, now)


def waiting_tabs(app, attempts, versions, timeout, networks=None):
    """A thread per attempt, long-polling it as the status endpoint does (from NETWORK, or from
    the network given for each); returns the threads and, once they end, their results."""
    results = {}
    networks = networks or [NETWORK] * len(attempts)

    def tab(attempt_id, seen, network):
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            try:
                results[attempt_id] = wait_for_change(attempt, seen, timeout, network)
                reload_attempt(attempt)
            except NotFound:
                results[attempt_id] = "gone"
            db.session.remove()

    threads = [
        threading.Thread(target=tab, args=(a.id, versions[a.id], network))
        for a, network in zip(attempts, networks, strict=True)
    ]
    return threads, results


def write(attempt):
    """Write the attempt, as any change does: its updated_at moves."""
    db.session.execute(
        db.update(Attempt)
        .where(Attempt.id == attempt.id)
        .values(updated_at=attempt.updated_at.replace(year=attempt.updated_at.year + 1))
    )
    db.session.commit()


def count_watcher_reads(engine):
    """The watcher's queries: the versions of several attempts at once."""
    reads = []

    def seen(conn, cursor, statement, *args):
        if "FROM attempts" in statement and "attempts.id IN" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    return reads, lambda: event.remove(engine, "before_cursor_execute", seen)


def test_many_waiting_tabs_share_one_query_per_tick_and_hold_no_connection(app, laptop, now):
    app.config["LONG_POLLS_PER_PROCESS"] = TABS  # tabs from TABS networks: none refused
    attempts = [start(laptop, now, n) for n in range(TABS)]
    versions = {a.id: attempt_version(a, now) for a in attempts}
    db.session.remove()  # this thread's own connection back to the pool
    networks = [f"198.51.100.{n}" for n in range(TABS)]
    threads, results = waiting_tabs(app, attempts, versions, timeout=1, networks=networks)
    reads, stop = count_watcher_reads(db.engine)
    for thread in threads:
        thread.start()
    until_waiting(app, TABS)
    held = db.engine.pool.checkedout()
    for thread in threads:
        thread.join()
    stop()
    assert list(results.values()) == [Wait.ENDED] * TABS
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
    write(changed)
    threads[0].join(timeout=10)
    assert not threads[0].is_alive()  # woken by its change, long before its 20 s wait
    assert threads[1].is_alive()  # still waiting: nothing of its own changed
    db.session.execute(db.delete(Attempt).where(Attempt.id == unchanged.id))
    db.session.commit()
    threads[1].join(timeout=10)
    assert not threads[1].is_alive()  # a deleted attempt is a change too
    assert results == {changed.id: Wait.ENDED, unchanged.id: "gone"}


def test_a_newer_poll_of_the_same_client_releases_the_older(app, laptop, now):
    attempt = start(laptop, now, 1)
    version = attempt_version(attempt, now)
    older, older_result = waiting_tabs(app, [attempt], {attempt.id: version}, timeout=20)
    older[0].start()
    until_waiting(app, 1)
    newer, newer_result = waiting_tabs(app, [attempt], {attempt.id: version}, timeout=20)
    newer[0].start()
    older[0].join(timeout=10)
    assert not older[0].is_alive()  # let go long before its 20 s: the newer poll holds the place
    assert older_result == {attempt.id: Wait.RELEASED}
    assert newer[0].is_alive()
    until_waiting(app, 1)  # one sleeping poll for the attempt, not two
    write(attempt)
    newer[0].join(timeout=10)
    assert newer_result == {attempt.id: Wait.ENDED}


def cancel(attempt, laptop):
    with unit_of_work():
        cancel_attempt(attempt.kind, attempt.id, laptop, clock.now())


def complete(attempt, laptop):
    attempt.status = COMPLETE
    db.session.commit()


def let_link_expire(attempt, laptop):
    clock.travel(601)


@pytest.mark.parametrize("close", [cancel, complete, let_link_expire])
def test_a_closed_attempt_is_not_waited_on(app, laptop, now, close):
    attempt = start(laptop, now, 1)
    close(attempt, laptop)
    reload_attempt(attempt)
    seen = attempt_version(attempt, clock.now())  # the tab is up to date: nothing to answer
    assert wait_for_change(attempt, seen, 20, NETWORK) == Wait.SKIPPED
    assert "latchkey_watcher" not in app.extensions  # it never registered with the watcher


def test_long_polls_over_the_per_network_cap_are_refused(app, laptop, now):
    app.config["LONG_POLLS_PER_IP"] = 2
    attempts = [start(laptop, now, n) for n in range(4)]
    versions = {a.id: attempt_version(a, now) for a in attempts}
    held, results = waiting_tabs(app, attempts[:2], versions, timeout=20)
    for thread in held:
        thread.start()
    until_waiting(app, 2)
    third, fourth = attempts[2:]
    assert wait_for_change(third, versions[third.id], 20, NETWORK) == Wait.REFUSED
    # Another network still has room.
    other, _ = waiting_tabs(app, [fourth], versions, timeout=20, networks=["2001:db8::/64"])
    other[0].start()
    until_waiting(app, 3)
    for attempt in (*attempts[:2], fourth):
        write(attempt)
    for thread in (*held, *other):
        thread.join(timeout=10)
    assert results == {a.id: Wait.ENDED for a in attempts[:2]}


def test_long_polls_over_the_per_process_cap_are_refused(app, laptop, now):
    app.config["LONG_POLLS_PER_PROCESS"] = 2
    attempts = [start(laptop, now, n) for n in range(3)]
    versions = {a.id: attempt_version(a, now) for a in attempts}
    networks = ["192.0.2.1", "192.0.2.2"]
    held, results = waiting_tabs(app, attempts[:2], versions, timeout=20, networks=networks)
    for thread in held:
        thread.start()
    until_waiting(app, 2)
    third = attempts[2]
    assert wait_for_change(third, versions[third.id], 20, "192.0.2.3") == Wait.REFUSED
    for attempt in attempts[:2]:
        write(attempt)
    for thread in held:
        thread.join(timeout=10)
    assert results == {a.id: Wait.ENDED for a in attempts[:2]}
