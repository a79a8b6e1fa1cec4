"""Forged client IPs: X-Forwarded-For is believed only as far as TRUSTED_PROXIES says
(app/views/proxy_headers.py), in the IP limits, the audit log and the email."""

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.conftest import csrf_token
from tests.factory import work


def sign_ups_from(app, forwarded_for: list[str]) -> list[int]:
    """The statuses of refused sign-ups, one per X-Forwarded-For value, from one test client."""
    client = app.test_client()
    token = csrf_token(client, "/sign-up")
    return [
        client.post(
            "/sign-up",
            data={"csrf_token": token, "email_address": "bad"},
            headers={"X-Forwarded-For": hops},
        ).status_code
        for hops in forwarded_for
    ]


FORGED = [f"198.51.100.{n}" for n in range(3)]


def test_forged_x_forwarded_for_does_not_dodge_the_ip_limit(make_app):
    app = make_app(EMAIL_REQUESTS_PER_IP="2 per minute")
    assert sign_ups_from(app, FORGED) == [422, 422, 429]


def test_a_configured_proxy_supplies_the_client_ip(make_app):
    app = make_app(TRUSTED_PROXIES=1, EMAIL_REQUESTS_PER_IP="2 per minute")
    # three clients behind one proxy, one request each
    assert sign_ups_from(app, FORGED) == [422, 422, 422]


def test_a_forged_hop_before_the_proxys_own_does_not_dodge_the_ip_limit(make_app):
    """Behind one trusted proxy, the client may write anything into X-Forwarded-For; the
    proxy appends the address it saw, and only that last hop is believed."""
    app = make_app(TRUSTED_PROXIES=1, EMAIL_REQUESTS_PER_IP="2 per minute")
    hops = [f"{forged}, 203.0.113.7" for forged in FORGED]
    assert sign_ups_from(app, hops) == [422, 422, 429]


def test_a_forged_x_forwarded_for_never_reaches_the_audit_log_or_the_email(app, client, mailbox):
    """Without a configured proxy the header is ignored everywhere an IP is kept or shown."""
    forged = {"X-Forwarded-For": "203.0.113.66", "X-Real-IP": "203.0.113.66"}
    token = csrf_token(client, "/sign-up")
    client.post(
        "/sign-up",
        data={"csrf_token": token, "email_address": "grace@example.com"},
        headers=forged,
    )
    with work(app):
        ips = set(db.session.scalars(select(AuditEvent.ip)).all())
    assert ips == {"127.0.0.1"}
    assert "203.0.113.66" not in mailbox.last("grace@example.com").text_body
