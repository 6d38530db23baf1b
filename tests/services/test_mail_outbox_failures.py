"""One bad outbox row never stops the mail behind it (issue 15 item 1, ASVS 4.0 V5.2.3).

A row written before addresses were checked strictly may hold a CR/LF in its address or subject; it used to
raise ValueError on every sweep, before any row behind it was sent. The rows behind it reach a real SMTP
server (aiosmtpd on loopback); the bad row keeps its attempts, error and back-off, and is given up in the end.
"""
import socket
from datetime import timedelta
from email import message_from_bytes

import pytest
import time_machine
from aiosmtpd.controller import Controller

from app.persistence.models import Outbox, db
from app.services.infrastructure.notifications import BACKOFF, MAX_ATTEMPTS, deliver_pending, retry_delay

from tests.support import Driver, now, wib

INJECTED = "penyerang@contoh.id\r\nBcc: korban@contoh.id"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(PPID_MAIL_BACKEND="smtp", PPID_SMTP_HOST="127.0.0.1", PPID_SMTP_PORT=port)
    yield inbox
    controller.stop()


def old_row(recipient: str, subject: str = "Konfirmasi e-mail") -> int:
    """A row as an old release wrote it, before addresses and headers were checked."""
    row = Outbox(instance_id=None, template="konfirmasi_email", recipient=recipient, subject=subject,
                 body="Halo.\n", created_at=now(), next_attempt_at=now())
    db.session.add(row)
    db.session.commit()
    return row.id


def row(row_id: int) -> Outbox:
    db.session.expire_all()
    return db.session.get(Outbox, row_id)


def test_a_row_with_a_line_break_does_not_stop_the_receipts_behind_it(app, smtp):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        bad_address = old_row(INJECTED)
        bad_subject = old_row("siti@contoh.id", "Halo\r\nBcc: korban@contoh.id")
        bad_control = old_row("budi@contoh.id\x0b")  # PostgreSQL stores no NUL; any control character fails alike
        reg = Driver(traveller).start()  # the receipt, queued after the bad rows
        assert deliver_pending(now()) == (1, 3)
        at = now()
    assert [rcpt for rcpt, _ in smtp.messages] == [["pemohon@contoh.pasuruankab.go.id"]]
    assert reg in smtp.messages[0][1]["Subject"]
    assert all("korban" not in str(message) for _, message in smtp.messages)
    for row_id in (bad_address, bad_subject, bad_control):
        failed = row(row_id)
        assert failed.sent_at is None and failed.failed_at is None and failed.attempts == 1
        assert failed.last_error and failed.last_attempt_at == at
        assert failed.next_attempt_at == at + timedelta(minutes=1)
    assert "Subject" in row(bad_subject).last_error and "penerima" in row(bad_address).last_error


def test_a_full_batch_of_bad_rows_does_not_starve_the_rows_behind_it(app, smtp):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        for n in range(3):
            old_row(f"orang{n}@contoh.id\nBcc: korban@contoh.id")
        Driver(traveller).start()
        assert deliver_pending(now(), limit=3) == (0, 3)  # this sweep only reached the bad rows
        assert deliver_pending(now(), limit=3) == (1, 0)  # the next one is not held up by them
    assert [rcpt for rcpt, _ in smtp.messages] == [["pemohon@contoh.pasuruankab.go.id"]]


def test_a_failing_row_backs_off_then_is_given_up(app, smtp):
    assert [retry_delay(n) for n in range(1, len(BACKOFF) + 1)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        bad = old_row(INJECTED)
        for attempt, delay in enumerate(BACKOFF, start=1):
            assert deliver_pending(now()) == (0, 1)
            assert row(bad).attempts == attempt and row(bad).next_attempt_at == now() + delay
            traveller.shift(delay - timedelta(seconds=1))
            assert deliver_pending(now()) == (0, 0)  # not before its next attempt
            traveller.shift(timedelta(seconds=1))
        assert deliver_pending(now()) == (0, 1)
        given_up = row(bad)
        assert given_up.attempts == MAX_ATTEMPTS and given_up.failed_at == now() and given_up.sent_at is None
        traveller.shift(timedelta(days=30))
        assert deliver_pending(now()) == (0, 0)
    assert smtp.messages == []


def test_a_server_that_comes_back_gets_the_mail_on_the_next_attempt(app, smtp):
    port = app.config["PPID_SMTP_PORT"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket closes
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        app.config.update(PPID_SMTP_PORT=closed)
        mail = old_row("siti@contoh.id")
        assert deliver_pending(now()) == (0, 1)
        assert "Error" in row(mail).last_error or "refused" in row(mail).last_error.lower()
        app.config.update(PPID_SMTP_PORT=port)
        traveller.shift(timedelta(minutes=1))
        assert deliver_pending(now()) == (1, 0)
        assert row(mail).sent_at == now() and row(mail).attempts == 1
    assert [rcpt for rcpt, _ in smtp.messages] == [["siti@contoh.id"]]
