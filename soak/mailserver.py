"""A real SMTP server (aiosmtpd) in the soak process: it keeps every message it accepts."""

import asyncio
import email
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import policy

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://[^\s\"'<>]+/verify\?token=([A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Received:
    at: float
    to: str
    message_id: str
    token: str | None  # the link's token, read from the text part


class Inbox:
    """Every message, by recipient; flows wait here for their link as a person waits for mail."""

    def __init__(self, latency: float = 0.0):
        self.latency = latency  # seconds to accept a message, as a remote relay takes
        self.messages: list[Received] = []
        self._by_recipient: dict[str, list[Received]] = {}
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.latency:
            await asyncio.sleep(self.latency)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(("plain",)).get_content()
        link = LINK.search(text)
        received = Received(
            time.monotonic(),
            str(message["To"]).lower(),
            str(message["Message-ID"]),
            link.group(1) if link else None,
        )
        with self._arrived:
            self.messages.append(received)
            self._by_recipient.setdefault(received.to, []).append(received)
            self._arrived.notify_all()
        return "250 OK"

    def wait_for_token(self, to: str, timeout: float, after: int = 0) -> str | None:
        """The link token of the (after+1)-th message to `to`, once it arrives, else None."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                mine = self._by_recipient.get(to, [])
                if len(mine) > after:
                    return mine[after].token
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._arrived.wait(left)

    def duplicates(self) -> int:
        """Messages beyond the first with the same Message-ID or the same link."""
        ids = Counter(m.message_id for m in self.messages)
        tokens = Counter(m.token for m in self.messages if m.token)
        return sum(n - 1 for n in ids.values()) + sum(n - 1 for n in tokens.values())

    def recipients(self) -> Counter:
        return Counter(m.to for m in self.messages)


class SmtpServer:
    """aiosmtpd on 127.0.0.1:port, started (and stopped) when a scenario says so."""

    def __init__(self, port: int, inbox: Inbox):
        self.controller = Controller(inbox, hostname="127.0.0.1", port=port)
        self.running = False

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False
