"""/dev/mailbox: the outbox as a mailbox, registered only with MAIL_DELIVERY=dev_mailbox."""

import ipaddress
import re

from flask import Blueprint, abort, current_app, g, render_template, request
from sqlalchemy import select

from app import mail
from app.extensions import db
from app.models import OutboxMessage
from app.views.proxy_headers import came_through_proxy

bp = Blueprint("dev", __name__, url_prefix="/dev")
_URL = re.compile(r"https?://[^\s<>\"']+")
# An email's HTML part, as a mail program shows it: its inline styles and any image on, all else
# off. Sandboxed (no script, no form, an origin of its own) even when opened on its own, and
# framed by its message's page only. That page's own policy would block the inline styles.
EMAIL_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; sandbox; "
    "frame-ancestors 'self'"
)


@bp.before_request
def local_only():
    # The mailbox holds live sign-in links: outside debug mode only this machine may read it.
    # A request a proxy passed on comes from a loopback address too when the proxy runs on this
    # machine, yet may come from anywhere: those are refused even in debug mode.
    if came_through_proxy(request.environ):
        abort(404)
    if (
        not current_app.debug
        and not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback
    ):
        abort(404)
    g.token_page = True


@bp.get("/mailbox")
def mailbox():
    messages = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(100)
    ).all()
    return render_template("dev/mailbox.html", messages=messages)


@bp.get("/mailbox/<message_id>")
def message(message_id: str):
    message = db.get_or_404(OutboxMessage, message_id)
    links = list(dict.fromkeys(_URL.findall(message.text_body)))
    return render_template("dev/message.html", message=message, links=links, sender=mail.sender())


@bp.get("/mailbox/<message_id>/html")
def message_html(message_id: str):
    message = db.get_or_404(OutboxMessage, message_id)
    response = current_app.response_class(message.html_body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
