"""Template filters: milliseconds for the page's script, a browser's name, an audit reason in
words. (Dates, durations and "3 minutes ago" are app/i18n.py's.)"""

from flask import Flask

from app import clock
from app.auth.audit import describe_reason
from app.auth.user_agents import describe


def register(app: Flask) -> None:
    app.add_template_filter(clock.to_ms, "ms")
    app.add_template_filter(describe, "browser")
    app.add_template_filter(describe_reason, "reason")
