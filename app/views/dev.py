"""/dev/mailbox: the outbox as a mailbox, registered only when mail is not sent over SMTP."""

import re

from flask import Blueprint, g, render_template
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage

bp = Blueprint("dev", __name__, url_prefix="/dev")
_URL = re.compile(r"https?://[^\s<>\"']+")


@bp.before_request
def token_page():
    g.token_page = True  # messages hold live links


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
    return render_template("dev/message.html", message=message, links=links)
