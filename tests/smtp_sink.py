"""A real SMTP server on 127.0.0.1 (aiosmtpd) that misbehaves as a test scripts it.

It counts what it takes: a message is delivered the moment the server has it,
whatever then becomes of the connection. Used by tests/test_exactly_once.py
and bench/soak.py.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from contextlib import contextmanager
from typing import Iterator

from aiosmtpd.controller import Controller

DROP = "drop"  # a DATA "reply": take the message, then close the connection without answering
HOLD = "hold"  # a DATA "reply": take the message, then answer 250 only once ``release`` is set
STALL = "stall"  # a QUIT "reply": answer nothing until ``release`` is set


class Sink:
    """An aiosmtpd handler: what it took, and how it answers DATA and QUIT."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []  # every message taken
        self.quitted: list[bool] = []  # per message: whether its client said QUIT after the 250
        self.data_replies: list[str] = []  # per DATA, first to last; then "250 OK"
        self.quit_reply = "221 Bye"  # or STALL
        self.taken = threading.Event()  # a message was taken
        self.quit_seen = threading.Event()  # a QUIT arrived
        self.release = threading.Event()  # a held DATA or a stalled QUIT may answer

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = self.data_replies.pop(0) if self.data_replies else "250 OK"
        if reply not in ("250 OK", DROP, HOLD):
            return reply
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.quitted.append(False)
        session.taken = len(self.messages) - 1
        self.taken.set()
        if reply == DROP:
            server.transport.close()  # the 250 below goes nowhere
        await self._wait(reply == HOLD)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope) -> str:
        taken = getattr(session, "taken", None)
        if taken is not None:
            self.quitted[taken] = True
        self.quit_seen.set()
        await self._wait(self.quit_reply == STALL)
        return "221 Bye" if self.quit_reply == STALL else self.quit_reply

    async def _wait(self, held: bool) -> None:
        while held and not self.release.is_set():
            await asyncio.sleep(0.05)

    def periods(self) -> list[str]:
        """The digest period of each message taken, from its Message-ID (``<digest.2026-W47.…@host>``)."""
        return [str(m["Message-ID"]).split(".")[1] for m in self.messages]


def digest_config(port: int, *, send: bool = True, timeout: int = 5) -> str:
    """The tables of a site whose weekly digest (Monday 08:00) goes to this server on ``port``."""
    return f"""
[digest]
schedule = {{ weekday = "mon", time = "08:00" }}
send = {"true" if send else "false"}
unsubscribe_url = "https://example.com/unsubscribe"

[email]
from = "Tess Ter <tess@example.com>"
to = "list@example.com"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = {timeout}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(sink: Sink) -> Iterator[int]:
    """``sink`` serving on 127.0.0.1 for the ``with`` block; yields its port."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        sink.release.set()
        controller.stop()
