"""Email over real SMTP (aiosmtpd on loopback), the development sink and mailbox."""

import socket

import pytest

from pledge.devsmtp import list_messages, start_sink
from pledge.services.mail import MailError, send_email


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sink(tmp_path):
    port = free_port()
    controller = start_sink(tmp_path / "mail", "127.0.0.1", port)
    yield port, tmp_path / "mail"
    controller.stop()


def test_mail_reaches_the_sink_as_an_eml_file(app, sink):
    port, folder = sink
    config = {**app.config, "MAIL_PORT": port}
    with app.test_request_context():
        send_email(config, to="trustee@example.org", subject="Your part in the ceremony",
                   template="test_message", name="Ada")
    stored = list_messages(folder)
    assert len(stored) == 1
    assert stored[0].to == "trustee@example.org"
    assert stored[0].subject == "Your part in the ceremony"
    assert "Hello Ada," in stored[0].body
    assert stored[0].sender == "Pledge <no-reply@pledge.invalid>"
    assert list(folder.glob("*.eml"))


def test_header_injection_is_refused(app, sink):
    port, folder = sink
    with app.test_request_context(), pytest.raises(MailError):
        send_email({**app.config, "MAIL_PORT": port}, to="a@example.org\r\nBcc: spy@example.org",
                   subject="x", template="test_message", name="A")
    assert list_messages(folder) == []


def test_an_unreachable_server_raises_without_quoting_the_recipient(app):
    with app.test_request_context(), pytest.raises(MailError) as caught:
        send_email({**app.config, "MAIL_PORT": free_port()}, to="secret.person@example.org", subject="x",
                   template="test_message", name="A")
    assert "secret.person" not in str(caught.value)


def test_dev_mailbox_lists_and_shows_messages_in_development_only(app_factory, sink, tmp_path):
    port, folder = sink
    dev = app_factory(PLEDGE_ENV="development", MAIL_DIR=str(folder), MAIL_PORT=port)
    client = dev.test_client()
    assert "No messages yet" in client.get("/dev/mail").get_data(as_text=True)
    with dev.test_request_context():
        send_email(dev.config, to="x@example.org", subject="Your code", template="test_message", name="Bo")
    listing = client.get("/dev/mail").get_data(as_text=True)
    assert "Your code" in listing
    name = list_messages(folder)[0].name
    message = client.get(f"/dev/mail/{name}")
    assert message.status_code == 200 and "Hello Bo," in message.get_data(as_text=True)
    assert client.get("/dev/mail/..%2Fsecrets.json").status_code == 404
    assert client.get("/dev/mail/20260101T000000000000Z-00000000.eml").status_code == 404

    production = app_factory(PLEDGE_ENV="production", MAIL_DIR=str(folder))
    assert production.test_client().get("/dev/mail").status_code == 404
