"""Waiting for long-polls to be asleep in a process's watcher, so a test acts on held polls."""

import time


def until_waiting(app, count: int) -> None:
    """Block until `count` long-polls are registered with the app's watcher."""
    for _ in range(200):
        watcher = app.extensions.get("latchkey_watcher")
        if watcher and len(watcher.waiters) == count:
            return
        time.sleep(0.02)
    raise AssertionError("the tabs never started waiting")
