"""Delivery to a real SMTP server (aiosmtpd): the link works; a server down loses nothing."""

import re
import time

import pytest
from aiosmtpd.controller import Controller

from app.mail import DELIVERED_BODY
from tests.conftest import LINK, csrf_token, free_port, path_of
from tests.web.conftest import Inbox


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def start_smtp(smtp_port):
    controllers = []

    def start():
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_app(make_app, smtp_port):
    return make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_DELIVERY=None,  # SMTP, because MAIL_SERVER is set
        MAIL_SUPPRESS_SEND=False,
        MAIL_DEFAULT_SENDER="Latchkey <auth@latchkey.test>",
    )


def start_sign_up(client, address):
    token = csrf_token(client, "/sign-up")
    return client.post("/sign-up", data={"csrf_token": token, "email_address": address})


def test_the_email_arrives_over_smtp_and_its_link_works(smtp_app, start_smtp, mailbox):
    inbox = start_smtp()
    client = smtp_app.test_client()
    assert start_sign_up(client, "grace@example.com").status_code == 302
    assert mailbox.settled("grace@example.com").status == "sent"  # sent off the request
    [message] = inbox.messages
    assert message["To"] == "grace@example.com" and re.fullmatch(
        r"\d{6} is your Latchkey sign-up code", message["Subject"]
    )
    assert message["From"] == "Latchkey <auth@latchkey.test>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "expires in 10 minutes" in text and "Requested at" in text
    link = LINK.search(text).group(0)
    assert link in html.replace("&amp;", "&")
    # Once sent, the outbox keeps no live link.
    assert mailbox.last("grace@example.com").text_body == DELIVERED_BODY
    # Nor its code: the subject keeps the words only (SPEC §10).
    assert mailbox.last("grace@example.com").subject == "······ is your Latchkey sign-up code"
    path = path_of(link)
    client.get(path)
    done = client.post(
        "/verify", data={"csrf_token": csrf_token(client), "token": path.split("=", 1)[1]}
    )
    assert done.status_code == 302 and done.location == "/user"


def test_with_the_server_down_the_email_waits_and_is_delivered_exactly_once(
    smtp_app, start_smtp, mailbox
):
    client = smtp_app.test_client()
    location = start_sign_up(client, "grace@example.com").location
    queued = mailbox.settled("grace@example.com")
    assert queued.status == "queued" and "ConnectionRefused" in queued.last_error
    assert "could not send the email yet" in client.get(location).get_data(as_text=True)

    inbox = start_smtp()
    runner = smtp_app.test_cli_runner()
    assert "sent 1, still queued 0" in runner.invoke(args=["mail", "deliver"]).output
    assert "sent 0, still queued 0" in runner.invoke(args=["mail", "deliver"]).output
    time.sleep(0.2)  # aiosmtpd hands messages over on its own thread
    assert len(inbox.messages) == 1
    assert mailbox.last("grace@example.com").status == "sent"
    body = inbox.messages[0].get_body(("plain",)).get_content()
    assert re.search(r"/verify\?token=", body)


def test_the_waiting_tab_retries_a_failed_email_when_it_is_due(smtp_app, start_smtp, mailbox):
    from app import clock

    client = smtp_app.test_client()
    location = start_sign_up(client, "grace@example.com").location
    mailbox.settled("grace@example.com")
    inbox = start_smtp()
    status = location.replace("/sign-up/", "/api/sign-ups/")
    assert client.get(status).get_json()["email_delivery"] == "failed"  # not due yet
    clock.travel(16)
    assert client.get(status).get_json()["email_delivery"] == "sent"
    assert len(inbox.messages) == 1


class SlowInbox(Inbox):
    """A server that takes a second to accept each message."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(1)
        return await super().handle_DATA(server, session, envelope)


def test_the_request_only_enqueues_and_the_email_is_sent_after(smtp_app, smtp_port, mailbox):
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        client = smtp_app.test_client()
        assert start_sign_up(client, "grace@example.com").status_code == 302
        assert inbox.messages == []  # the answer did not wait for the SMTP server
        assert mailbox.settled("grace@example.com").status == "sent"
        assert len(inbox.messages) == 1
    finally:
        controller.stop()
