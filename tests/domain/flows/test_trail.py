"""The audit trail and the notices, over a journey through the account's flows: each action
records its events with the caller's address, agent and request id, and mails its one notice;
no secret, code, password or token reaches an event, and none a notice (only the code mail
carries a code, and the lock notice its unlock token)."""

from __future__ import annotations

import json

import pytest

from mfa_api.db import get_db
from mfa_api.errors import ServiceUnavailable
from mfa_api.mailer import MailDeliveryError
from mfa_api.security import otp
from mfa_api.services import audit, notifications, sessions
from mfa_api.services.flows import account, admin, enrolment, phone
from mfa_api.store import webhooks
from tests.domain.flows.conftest import CLIENT
from tests.helpers import PASSWORD

NEW = "a-brand-new-password"
NOTICE = "Security notice for your account"


def _journey(world) -> tuple[int, list[str], list[str]]:
    """Every action of an account's life in turn; (its id, the notices' first sentences it
    should have mailed, every secret it saw)."""
    ada = world.person()
    secrets = [ada.secret, PASSWORD, NEW, world.user(ada).password_hash]
    ctx = world.ctx
    secrets.append(
        account.change_password(world.user(ada), PASSWORD, NEW, world.code(ada), ctx()).token
    )
    secrets.append(world.user(ada).password_hash)
    first = enrolment.regenerate_backup_codes(world.user(ada), NEW, world.code(ada), ctx())
    second = enrolment.regenerate_backup_codes(world.user(ada), NEW, first.codes[0], ctx())
    secrets += first.codes + second.codes + [first.access.token, second.access.token]
    phone.start(world.user(ada), "250788999999", NEW, world.code(ada), ctx())
    texted = world.texts[-1].code
    phone.confirm(world.user(ada), texted, ctx())
    secrets += [texted, "250788999999"]
    enrolment.disable(world.user(ada), NEW, world.code(ada), ctx())
    setup = enrolment.start_setup(world.user(ada), ctx())
    world.later(30)
    enrolment.enable(world.user(ada), NEW, otp.totp_code(setup.secret, world.now), ctx())
    secrets += [setup.secret, world.user(ada).totp_secret]
    world.lock(ada.email)
    admin.unlock(ada.email, ctx())
    account.logout_everywhere(world.user(ada), ctx())
    secrets.append(sessions.access_token(world.user(ada), ctx()))
    notices = [
        notifications.PASSWORD_CHANGED,
        notifications.BACKUP_CODES_CREATED,
        notifications.BACKUP_CODE_USED,
        notifications.BACKUP_CODES_CREATED,
        notifications.PHONE_VERIFIED,
        notifications.TWOFA_DISABLED,
        notifications.TWOFA_ENABLED,
        notifications.UNLOCKED,
    ]
    return ada.id, notices, secrets


def test_each_action_mails_its_one_notice_and_no_secret(world):
    _, notices, secrets = _journey(world)
    mails = world.mailbox
    lock = [m for m in mails if m.subject != NOTICE]
    assert [m.subject for m in lock] == ["Your account's two-step sign-in is locked"]
    sent = [m.text for m in mails if m.subject == NOTICE]
    assert len(sent) == len(notices)
    for text, expected in zip(sent, notices, strict=True):
        assert text.startswith(expected), (text, expected)
    for mail in mails:
        assert mail.code is None  # only the code mail carries one
        for secret in secrets:
            assert secret not in mail.subject + mail.text + mail.html, secret


def test_every_event_is_the_callers_and_holds_no_secret(world):
    start = world.now
    user_id, _, secrets = _journey(world)
    rows = get_db().fetch_all("SELECT * FROM security_events ORDER BY id", ())
    assert {r["user_id"] for r in rows} == {user_id}
    for row in rows:
        assert (row["ip"], row["user_agent"], row["request_id"]) == (
            CLIENT.ip,
            CLIENT.user_agent,
            CLIENT.request_id,
        )
        assert start <= row["at"] <= world.now
        assert row["event"] in audit.EVENTS
    everything = str(rows)
    for secret in secrets:
        assert secret not in everything, secret
    events = [e for e, _ in world.events(user_id)]
    for expected in (
        audit.PASSWORD_CHANGED,
        audit.BACKUP_CODES_GENERATED,
        audit.BACKUP_CODE_USED,
        audit.PHONE_VERIFIED,
        audit.TWOFA_DISABLED,
        audit.TWOFA_ENABLED,
        audit.LOCKED,
        audit.UNLOCKED,
        audit.TOKENS_REVOKED,
    ):
        assert expected in events, expected


def test_no_webhook_payload_holds_a_secret(world):
    webhooks.add_endpoint("https://example.com/hook", "*", "sealed-secret", world.now)
    user_id, _, secrets = _journey(world)
    rows = get_db().fetch_all("SELECT event, payload FROM webhook_deliveries ORDER BY id", ())
    events = [event for event, _ in world.events(user_id)]
    assert [r["event"] for r in rows] == events  # one message for each event
    for row in rows:
        data = json.loads(row["payload"])["data"]
        assert (data["user_id"], data["email"], data["ip"]) == (
            user_id,
            "ada@example.com",
            CLIENT.ip,
        )
        for secret in secrets:
            assert secret not in row["payload"], (row["event"], secret)


def test_the_code_mail_alone_carries_its_code():
    mail = notifications.code_email("ada@example.com", "123456", 300)
    assert mail.code == "123456"
    assert "123456" in mail.subject and "123456" in mail.text and "5 minutes" in mail.text
    assert notifications.notice_email("ada@example.com", notifications.UNLOCKED).code is None


@pytest.mark.parametrize(
    ("unlock_url", "how"),
    [
        (None, 'send {"token": "tok-1"} to POST /api/auth/unlock'),
        ("https://example.com/unlock?t={token}", "open https://example.com/unlock?t=tok-1"),
    ],
)
def test_the_lock_and_signup_stop_notices_say_how_to_use_their_token(unlock_url, how):
    for made in (notifications.lock_email, notifications.signup_stop_email):
        mail = made("ada@example.com", "tok-1", unlock_url, "POST /api/auth/unlock")
        assert how in mail.text and mail.code is None


class _Down:
    def send(self, email):
        raise MailDeliveryError("down")


def test_a_notice_that_cannot_be_mailed_is_logged_but_a_code_mail_is_a_503(caplog):
    notifications.send_notice(_Down(), "ada@example.com", notifications.UNLOCKED)
    notifications.send_lock_notice(_Down(), "ada@example.com", "tok-1", None, "")
    assert "could not be mailed" in caplog.text
    with pytest.raises(ServiceUnavailable):
        notifications.send_code(_Down(), "ada@example.com", "123456", 300)


def test_a_users_recent_events_are_their_own_within_the_retention_newest_first(world):
    ada, bob = world.person(), world.person("bob@example.com", "250788000002")
    ctx = world.ctx()
    audit.record(ctx, ada.id, audit.LOGIN_FAILED)
    audit.record(ctx, bob.id, audit.LOGIN_FAILED)
    world.later(ctx.settings.events_retention_seconds)
    audit.record(world.ctx(), ada.id, audit.LOGIN_SUCCEEDED, factor="totp")
    world.later(1)
    audit.record(world.ctx(), ada.id, audit.TOKENS_REVOKED, reason="logout")
    listed = audit.recent(ada.id, 50, world.ctx())
    assert [(e.event, e.detail) for e in listed] == [
        (audit.TOKENS_REVOKED, {"reason": "logout"}),
        (audit.LOGIN_SUCCEEDED, {"factor": "totp"}),
    ]
    assert [e.event for e in audit.recent(ada.id, 0, world.ctx())] == [audit.TOKENS_REVOKED]
    audit.record(world.ctx(), None, audit.LOGIN_FAILED)  # an email with no account: counted only
    assert len(world.events(None)) == 0
