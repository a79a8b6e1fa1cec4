"""Template filters: milliseconds for the page's script, "3 minutes ago", a browser's name."""

from flask import Flask

from app import clock
from app.auth.user_agents import describe


def ago(moment, now) -> str:
    """ "3 minutes ago": how long ago, in the largest whole unit."""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def register(app: Flask) -> None:
    app.add_template_filter(clock.to_ms, "ms")
    app.add_template_filter(ago)
    app.add_template_filter(describe, "browser")
