"""Notifications reach a real SMTP server on loopback (aiosmtpd)."""
import socket
from email import message_from_bytes

import pytest
import time_machine
from aiosmtpd.controller import Controller

from app.services.infrastructure.notifications import deliver_pending

from tests.support import Driver, now, wib


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_the_receipt_mail_arrives_with_the_registration_number(app, smtp_server):
    port, inbox = smtp_server
    app.config.update(PPID_MAIL_BACKEND="smtp", PPID_SMTP_HOST="127.0.0.1", PPID_SMTP_PORT=port)
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        reg = Driver(traveller).start()
        sent, failed = deliver_pending(now())
    assert (sent, failed) == (1, 0)
    recipients, message = inbox.messages[0]
    assert recipients == ["pemohon@contoh.pasuruankab.go.id"]
    assert reg in message["Subject"]
    assert reg in message.get_payload(decode=True).decode()


def test_an_unreachable_server_is_retried_later(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    app.config.update(PPID_MAIL_BACKEND="smtp", PPID_SMTP_HOST="127.0.0.1", PPID_SMTP_PORT=port)
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        Driver(traveller).start()
        assert deliver_pending(now()) == (0, 1)
        assert deliver_pending(now()) == (0, 0)  # not before its next attempt time
        traveller.shift(600)
        assert deliver_pending(now()) == (0, 1)
