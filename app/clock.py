"""The one clock: naive UTC datetimes, which tests may move forward with `travel`."""

from datetime import UTC, datetime, timedelta

_offset = timedelta()
# A "last used" time (a session's, a secret key's) is written at most this often: one write a
# minute, not one per request.
TOUCH_EVERY = timedelta(minutes=1)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None) + _offset


def travel(seconds: float) -> None:
    """Move the clock forward (tests only: links expire without anybody sleeping)."""
    global _offset
    _offset += timedelta(seconds=seconds)


def reset() -> None:
    global _offset
    _offset = timedelta()


def to_ms(moment: datetime | None) -> int | None:
    """Unix milliseconds, the time format of every JSON answer."""
    if moment is None:
        return None
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def due_for_touch(last_used: datetime | None, now: datetime) -> bool:
    return last_used is None or now - last_used >= TOUCH_EVERY
