"""The services' messages name no URL of their own: the face hands its addresses in
(api/common.LINKS), and the words a user reads are the same as when the services held them."""

from __future__ import annotations

from mfa_api.api.common import LINKS
from mfa_api.services import notifications
from mfa_api.services.context import Context, Links
from mfa_api.services.factors.backup import low_warning
from mfa_api.services.flows import challenge

LOW = "Only 2 backup codes left: make a new set{} before you need one, or losing your authenticator may lock you out"  # noqa: E501


def test_the_low_warning_names_the_face_s_call():
    assert low_warning(2, LINKS) == LOW.format(" (POST /api/auth/2fa/backup-codes)")
    assert low_warning(2, Links()) == LOW.format("")
    assert low_warning(3, LINKS) is None


def test_no_verified_phone_names_where_to_add_one():
    ctx = Context(None, 0, None, None, None, links=LINKS)
    assert challenge._no_verified_phone(ctx) == (
        "No verified phone number on this account (add one with /api/auth/2fa/phone)"
    )
    bare = Context(None, 0, None, None, None)
    assert challenge._no_verified_phone(bare) == "No verified phone number on this account"


def test_the_lock_notice_names_the_unlock_call_without_unlock_url():
    mail = notifications.lock_email("a@example.com", "t0k", None, LINKS.unlock)
    assert 'To unlock it, send {"token": "t0k"} to POST /api/auth/unlock\n' in mail.text
    page = notifications.lock_email("a@example.com", "t0k", "https://x.test/u?t={token}", "")
    assert "To unlock it, open https://x.test/u?t=t0k\n" in page.text
    stop = notifications.signup_stop_email("a@example.com", "t0k", None, LINKS.unlock)
    assert 'send {"token": "t0k"} to POST /api/auth/unlock. The token' in stop.text
