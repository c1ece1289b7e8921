"""services/flows/admin.py called directly: what an administrator sees of an account and does
to it, the mail each action sends (or not) and the audit event it writes."""

from __future__ import annotations

import pytest

from mfa_api.db import get_db
from mfa_api.errors import NotFound
from mfa_api.services import audit, notifications, sessions
from mfa_api.services.defence import lockout
from mfa_api.services.flows import admin, enrolment
from mfa_api.store import attempts, backup_codes, users
from mfa_api.store.attempts import SECOND_FACTOR


def test_show_gives_the_state_and_counters_but_no_secret(world):
    ada = world.person()
    world.backup_codes(ada)
    world.lock(ada.email)
    summary = admin.show("ADA@example.com", world.ctx())
    assert (summary.id, summary.email, summary.phone) == (ada.id, ada.email, "•••••••••001")
    assert summary.twofa_enabled and summary.second_factor_locked
    assert summary.backup_codes_left == 10
    counted = [(c.scope, c.failures) for c in summary.counters]
    assert (SECOND_FACTOR, world.ctx().settings.lock_after) in counted
    assert ada.secret not in repr(summary) and world.user(ada).password_hash not in repr(summary)
    assert world.events(ada.id)[-1] == (audit.ADMIN_VIEWED, {"what": "summary"})


def test_an_unknown_email_is_not_found(world):
    for action in (admin.show, admin.reset_2fa, admin.revoke_tokens, admin.delete):
        with pytest.raises(NotFound, match="No user with the email 'nobody@example.com'"):
            action("nobody@example.com", world.ctx())


def test_unlock_lifts_a_lock_and_mails_the_owner(world):
    ada = world.person()
    world.lock(ada.email)
    [lock_notice] = world.mails_to(ada.email)
    assert "locked" in lock_notice.subject
    admin.unlock("Ada@Example.com", world.ctx())
    lockout.ensure_not_locked(world.ctx(), ada.email)  # no 423 any more
    assert attempts.for_subject(ada.email) == []
    assert world.events(ada.id)[-1] == (audit.UNLOCKED, {"by": "admin"})
    notice = world.mails_to(ada.email)[-1]
    assert notice.subject == "Security notice for your account"
    assert notice.text.startswith(notifications.UNLOCKED)


def test_unlock_clears_the_counters_of_an_email_with_no_account_yet(world):
    get_db().execute(
        "INSERT INTO attempt_counters (scope, subject, failures, next_attempt_at, updated_at) "
        "VALUES ('signup', 'pending@example.com', 40, 9999999999, 0)"
    )
    admin.unlock("Pending@Example.com", world.ctx())
    assert attempts.for_subject("pending@example.com") == []
    assert world.events(None) == []  # no account to write it to


def test_reset_2fa_turns_it_off_and_ends_every_token_without_a_mail(world):
    ada = world.person()
    world.backup_codes(ada)
    token = sessions.access_token(world.user(ada), world.ctx())
    mailed = len(world.mailbox)
    admin.reset_2fa(ada.email, world.ctx())
    user = world.user(ada)
    assert (user.twofa_enabled, user.totp_secret) == (False, "")
    assert backup_codes.count_unused(ada.id) == 0
    assert not world.holds(token)
    assert world.events(ada.id)[-2:] == [
        (audit.TWOFA_DISABLED, {"by": "admin"}),
        (audit.TOKENS_REVOKED, {"reason": "admin"}),
    ]
    assert len(world.mailbox) == mailed  # as tests/api/test_admin_api_actions.py has it: no notice
    enrolment.start_setup(user, world.ctx())  # the user sets it up again


def test_revoke_tokens_ends_every_token_and_keeps_2fa(world):
    ada = world.person()
    token = sessions.access_token(world.user(ada), world.ctx())
    admin.revoke_tokens(ada.email, world.ctx())
    assert not world.holds(token)
    assert world.user(ada).twofa_enabled
    assert world.events(ada.id) == [(audit.TOKENS_REVOKED, {"reason": "admin"})]


def test_delete_removes_the_account_and_its_trail_and_records_who(world):
    ada = world.person()
    world.lock(ada.email)
    admin.delete(ada.email, world.ctx())
    assert users.find_by_id(ada.id) is None
    assert attempts.for_subject(ada.email) == []
    assert world.events(ada.id) == []
    assert world.events(None) == [(audit.ACCOUNT_DELETED, {"user_id": ada.id, "by": "admin"})]
    assert len(world.mailbox) == 1  # the lock's notice; the deletion mails nobody


def test_events_lists_the_trail_newest_first_and_is_itself_recorded(world):
    ada = world.person()
    admin.revoke_tokens(ada.email, world.ctx())
    world.later(5)
    admin.show(ada.email, world.ctx())
    world.later(5)
    listed = admin.events(ada.email, 10, world.ctx())
    assert [e.event for e in listed] == [audit.ADMIN_VIEWED, audit.TOKENS_REVOKED]
    assert (listed[0].ip, listed[0].user_agent, listed[0].request_id) == (
        "192.0.2.7",
        "Domain test",
        "req-domain",
    )
    assert world.events(ada.id)[-1] == (audit.ADMIN_VIEWED, {"what": "events"})
