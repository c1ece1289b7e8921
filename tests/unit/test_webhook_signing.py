"""Standard Webhooks signatures and the addresses a webhook may go to (pure functions)."""

import base64

import pytest

from mfa_api.security import webhook_signing
from mfa_api.webhook_http import address_problem, url_problem


def test_the_signature_matches_the_schemes_published_example():
    """The example of the scheme's reference libraries (secret, id, time, body → signature)."""
    assert (
        webhook_signing.signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_secrets_and_message_ids_are_new_each_time():
    secret = webhook_signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret != webhook_signing.new_secret()
    assert webhook_signing.new_message_id().startswith("msg_")
    headers = webhook_signing.headers(secret, "msg_1", 5, b"{}")
    assert set(headers) == {
        "Content-Type",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not a public"),
    ],
)
def test_non_public_addresses_are_refused(address, kind):
    assert kind in address_problem(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_taken(address):
    assert address_problem(address) is None


def test_only_plain_http_and_https_urls():
    assert url_problem("https://hooks.example.com/mfa?x=1") is None
    assert url_problem("http://hooks.example.com:8080/") is None
    assert "http://" in url_problem("gopher://x/")
    assert "http://" in url_problem("https:///no-host")
    assert "user or password" in url_problem("https://u:p@hooks.example.com/")
    assert "fragment" in url_problem("https://hooks.example.com/#x")
    assert url_problem("https://hooks.example.com:99999/") == "is not a URL"
