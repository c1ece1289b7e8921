"""SMTP delivery keeps each thread's connection for its next message, and replaces one the
server dropped meanwhile, without a word to the caller."""

import email
import smtplib
import socketserver
import threading
import time
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import parseaddr

import pytest

from mfa_api.breaker import Breaker
from mfa_api.mailer import Email, MailDeliveryError, SmtpMailer, SmtpSettings
from mfa_api.services.notifications import code_email
from tests.smtp import SmtpSink


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def mailer_for(
    sink: SmtpSink, clock=None, sender="MFA <mfa@example.com>", timeout: float = 5
) -> SmtpMailer:
    settings = SmtpSettings(
        server="127.0.0.1",
        port=sink.port,
        use_ssl=False,
        use_tls=False,
        username=None,
        password=None,
        sender=sender,
        timeout=timeout,
    )
    return SmtpMailer(settings, Breaker("mail", 5), **({"clock": clock} if clock else {}))


def mail(n: int) -> Email:
    return Email(to=f"user{n}@example.com", subject=f"code {n}", text="text", html="<p>html</p>")


def test_messages_from_one_thread_share_one_connection(sink):
    mailer = mailer_for(sink)
    for n in range(3):
        mailer.send(mail(n))
    assert len(sink.inbox) == 3
    assert len(set(sink.sessions)) == 1


def test_each_thread_has_its_own_connection(sink):
    mailer = mailer_for(sink)

    def two_mails(n: int) -> None:
        mailer.send(mail(n))
        mailer.send(mail(n + 10))

    threads = [threading.Thread(target=two_mails, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sink.inbox) == 4 and len(set(sink.sessions)) == 2


def test_a_connection_the_server_dropped_is_replaced_silently():
    first = SmtpSink().start()
    mailer = mailer_for(first)
    mailer.send(mail(0))
    first.stop()  # every connection dropped; the server comes back on the same port
    restarted = SmtpSink(port=first.port).start()
    try:
        mailer.send(mail(1))
        assert len(restarted.inbox) == 1
        assert not mailer.breaker.is_open()
    finally:
        restarted.stop()


def test_a_connection_idle_too_long_is_not_reused(sink):
    clock = Clock()
    mailer = mailer_for(sink, clock)
    mailer.send(mail(0))
    clock.now += SmtpMailer.IDLE_SECONDS - 1
    mailer.send(mail(1))
    clock.now += SmtpMailer.IDLE_SECONDS + 1
    mailer.send(mail(2))
    first, second, third = sink.sessions
    assert first == second != third


def test_a_sender_name_beyond_ascii_is_encoded_and_its_address_kept(sink):
    mailer_for(sink, sender="Sécurité MFA <mfa@example.com>").send(mail(0))
    name, address = parseaddr(str(make_header(decode_header(sink.inbox[0]["From"]))))
    assert (name, address) == ("Sécurité MFA", "mfa@example.com")
    assert sink.text_of(sink.inbox[0]) == "text"


def test_a_message_reads_back_whole_under_the_standard_parser(sink):
    text = "Your code is 123456.\n.a line that starts with a dot\n" + "é" * 200
    html = "<p>Your code is <b>123456</b> — é</p>"
    subject = "Votre code de sécurité, valable cinq minutes, pour vous connecter à MFA API"
    mailer_for(sink).send(Email(to="ada@example.com", subject=subject, text=text, html=html))
    raw = sink.inbox[0].as_bytes()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Subject"] == subject
    assert message["To"] == "ada@example.com"
    assert message["From"] == "MFA <mfa@example.com>"
    assert message["MIME-Version"] == "1.0"
    assert message["Date"].datetime is not None
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    parts = [(part.get_content_type(), part.get_content()) for part in message.iter_parts()]
    assert parts == [("text/plain", text), ("text/html", html)]
    for part in message.iter_parts():
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_content_charset() == "utf-8"
    assert not message.defects and not any(part.defects for part in message.iter_parts())


def test_the_code_mail_as_sent_parses_back_with_its_headers_and_text(sink, writes):
    """The bytes after DATA, read by the standard parser: every header a mail client shows,
    and the text exactly as the service wrote it."""
    sent = code_email("ada@example.com", "123456", 600)
    mailer_for(sink).send(sent)
    data = next(w for w in writes if w.startswith(b"From: "))
    message = email.message_from_bytes(data, policy=policy.SMTP)
    assert [name for name, _ in message.items()] == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
    ]
    assert message["From"] == "MFA <mfa@example.com>" and message["To"] == "ada@example.com"
    assert message["Subject"] == "Your verification code: 123456 (valid for 10 min)"
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content() == sent.text and html.get_content() == sent.html
    assert data.endswith(b"--\r\n.\r\n") and b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize("header", ["Bcc: eve@example.com", "\r\nBcc: eve@example.com"])
def test_a_sender_with_a_line_break_sends_nothing(sink, header):
    """The configured sender is the one header value not checked before the message is built:
    the email package refuses its line break, where one written by hand would carry it."""
    with pytest.raises(MailDeliveryError):
        mailer_for(sink, sender=f"MFA\r\n{header} <mfa@example.com>").send(mail(0))
    assert sink.inbox == []


@pytest.mark.parametrize("subject", ["a\r\nBcc: x@y.z", "code\x1c\x1cBody", "code\x0bBcc: x@y.z"])
def test_a_subject_with_a_line_break_of_any_kind_sends_nothing(sink, subject):
    with pytest.raises(MailDeliveryError):
        mailer_for(sink).send(Email(to="ada@example.com", subject=subject, text="t", html="h"))
    assert sink.inbox == []


def test_a_local_part_beyond_ascii_sends_nothing(sink):
    with pytest.raises(MailDeliveryError):
        mailer_for(sink).send(Email(to="adé@example.com", subject="code", text="t", html="h"))
    assert sink.inbox == []


def test_an_internationalised_domain_is_sent_to_in_its_ascii_form(sink):
    mailer_for(sink).send(Email(to="ada@bücher.de", subject="code", text="t", html="h"))
    assert sink.inbox[0]["To"] == "ada@xn--bcher-kva.de"
    assert sink.text_of(sink.inbox[0]) == "t"


@pytest.fixture
def writes(monkeypatch):
    """Each write the client makes to an SMTP server."""
    made: list[bytes] = []
    real = smtplib.SMTP.send

    def recorded(smtp, data):
        made.append(data if isinstance(data, bytes) else data.encode())
        return real(smtp, data)

    monkeypatch.setattr(smtplib.SMTP, "send", recorded)
    return made


def test_with_pipelining_mail_rcpt_and_data_go_in_one_write(sink, writes):
    mailer = mailer_for(sink)
    mailer.send(mail(0))
    mailer.send(mail(1))
    together = [w for w in writes if w.startswith(b"MAIL FROM:")]
    assert together == [
        b"MAIL FROM:<mfa@example.com>\r\nRCPT TO:<user0@example.com>\r\nDATA\r\n",
        b"MAIL FROM:<mfa@example.com>\r\nRCPT TO:<user1@example.com>\r\nDATA\r\n",
    ]
    assert [m["To"] for m in sink.inbox] == ["user0@example.com", "user1@example.com"]
    assert [sink.text_of(m) for m in sink.inbox] == ["text", "text"]


def test_without_pipelining_each_command_waits_for_its_answer(writes):
    sink = SmtpSink(pipelining=False).start()
    try:
        mailer_for(sink).send(mail(0))
    finally:
        sink.stop()
    assert not any(b"RCPT" in w for w in writes if w.startswith(b"MAIL"))
    assert len(sink.inbox) == 1 and sink.text_of(sink.inbox[0]) == "text"


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_refused_recipient_sends_nothing_and_the_next_mail_goes(pipelining):
    sink = SmtpSink(pipelining=pipelining).start()
    sink.refused.add("user0@example.com")
    try:
        mailer = mailer_for(sink)
        with pytest.raises(MailDeliveryError):
            mailer.send(mail(0))
        mailer.send(mail(1))
    finally:
        sink.stop()
    assert [m["To"] for m in sink.inbox] == ["user1@example.com"]
    assert not mailer.breaker.is_open()  # the server answered: a refusal, not an outage


@pytest.mark.parametrize("to", ["ada@example.com> NOTIFY=SUCCESS", "ada@example.com ORCPT=x"])
def test_a_recipient_that_would_add_smtp_parameters_sends_nothing(sink, writes, to):
    with pytest.raises(MailDeliveryError):
        mailer_for(sink).send(Email(to=to, subject="code", text="t", html="h"))
    assert sink.inbox == [] and not any(b"RCPT" in w for w in writes)


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_kept_connection_the_server_closes_with_421_is_replaced(pipelining):
    sink = SmtpSink(pipelining=pipelining).start()
    try:
        mailer = mailer_for(sink)
        mailer.send(mail(0))
        sink.handler.closing = 1  # "idle too long": Postfix and Exim answer 421, then hang up
        mailer.send(mail(1))
    finally:
        sink.stop()
    assert [m["To"] for m in sink.inbox] == ["user0@example.com", "user1@example.com"]
    assert len(set(sink.sessions)) == 2


def test_a_server_that_takes_data_after_a_refusal_gets_an_empty_message():
    """RFC 2920, 3.1: a server may answer DATA 354 though it refused the recipient; the client
    then sends a lone dot rather than the message (or nothing, and wait for the deadline)."""
    heard: list[bytes] = []
    replies = {
        b"EHLO": b"250-fake\r\n250 PIPELINING\r\n",
        b"MAIL": b"250 OK\r\n",
        b"RCPT": b"550 No such user\r\n",
        b"DATA": b"354 Go ahead\r\n",
        b".": b"554 No valid recipients\r\n",
        b"QUIT": b"221 Bye\r\n",
    }

    class Lax(socketserver.StreamRequestHandler):
        def handle(self):
            self.wfile.write(b"220 fake ESMTP\r\n")
            for line in self.rfile:
                heard.append(line.strip())
                verb = line.split()[0].split(b":")[0].upper()
                self.wfile.write(replies.get(verb, b"500 ?\r\n"))
                if verb == b"QUIT":
                    return

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Lax) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        mailer = mailer_for(SmtpSink(port=server.server_address[1]))
        with pytest.raises(MailDeliveryError):
            mailer.send(mail(0))
        server.shutdown()
    assert heard[heard.index(b"DATA") + 1] == b"."
    assert b"MIME-Version: 1.0" not in heard


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_server_that_stops_answering_costs_one_deadline_not_two(pipelining):
    """smtplib reports a timeout as SMTPServerDisconnected: a kept connection that times out
    must not be taken for one dropped while idle and tried again on a new one."""
    sink = SmtpSink(pipelining=pipelining).start()
    try:
        mailer = mailer_for(sink, timeout=0.5)
        mailer.send(mail(0))  # a connection is kept
        sink.handler.stall = 3  # then the server accepts, greets and stalls
        started = time.monotonic()
        with pytest.raises(MailDeliveryError):
            mailer.send(mail(1))
        elapsed = time.monotonic() - started
    finally:
        sink.handler.stall = 0
        sink.stop()
    assert 0.5 <= elapsed < 0.75
    assert mailer.breaker.is_open()
