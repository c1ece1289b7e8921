"""TOTP (RFC 6238), replay protection, email codes and otpauth URIs."""

import base64
import re

import pytest

from mfa_api.security import otp

RFC_SEED = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
        (20000000000, "353130"),
    ],
)
def test_totp_reproduces_rfc6238_appendix_b_sha1_vectors(at, expected):
    assert otp.totp_code(RFC_SEED, at) == expected
    assert otp.matching_totp_step(RFC_SEED, expected, at, None) == at // 30


def test_totp_accepts_one_step_either_side_and_no_further():
    now = 1_700_000_000
    for offset, accepted in [(-60, False), (-30, True), (0, True), (30, True), (60, False)]:
        code = otp.totp_code(RFC_SEED, now + offset)
        found = otp.matching_totp_step(RFC_SEED, code, now, None)
        assert (found is not None) is accepted, offset


def test_a_used_time_step_is_never_accepted_again():
    now = 1_700_000_000
    code = otp.totp_code(RFC_SEED, now)
    step = otp.matching_totp_step(RFC_SEED, code, now, None)
    assert otp.matching_totp_step(RFC_SEED, code, now, last_step=step) is None
    assert otp.matching_totp_step(RFC_SEED, code, now + 29, last_step=step) is None
    earlier = otp.totp_code(RFC_SEED, now - 30)
    assert otp.matching_totp_step(RFC_SEED, earlier, now, last_step=step) is None
    later = otp.totp_code(RFC_SEED, now + 30)
    assert otp.matching_totp_step(RFC_SEED, later, now, last_step=step) == step + 1


def test_mfa_php_80_bit_secrets_still_verify():
    secret = "JBSWY3DPEHPK3PXP"  # 16 base32 characters, as mfa-php's Google2FA made them
    assert otp.matching_totp_step(secret, otp.totp_code(secret, 1000), 1000, None) == 33


def test_a_malformed_stored_secret_matches_nothing_instead_of_failing():
    assert otp.matching_totp_step("not base32!", "123456", 1000, None) is None
    assert otp.matching_totp_step("AAAA", "123456", 1000, None) is None  # 20 bits


def test_new_secrets_are_160_bit_base32_and_random():
    secrets_made = {otp.new_totp_secret() for _ in range(50)}
    assert len(secrets_made) == 50
    for secret in secrets_made:
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert len(base64.b32decode(secret)) == 20


def test_email_codes_are_six_digits_with_leading_zeros_possible():
    codes = [otp.new_email_code() for _ in range(2000)]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert any(c.startswith("0") for c in codes)
    assert len(set(codes)) > 1900


def test_provisioning_uri_is_encoded_as_mfa_php_getqrcodeurl_wrote_it():
    uri = otp.provisioning_uri("JBSWY3DPEHPK3PXP", "a.b+c@example.test", "MFA API")
    assert uri == (
        "otpauth://totp/MFA%20API:a.b%2Bc%40example.test?secret=JBSWY3DPEHPK3PXP"
        "&issuer=MFA%20API&algorithm=SHA1&digits=6&period=30"
    )


def test_one_pass_finds_every_matching_step_nearest_first_as_the_two_checks_do():
    now = 1_700_000_000
    step = now // otp.TOTP_PERIOD
    code_at = {offset: otp._TOTP(RFC_SEED).generate_otp(step + offset) for offset in range(-12, 13)}
    for offset in (0, -1, 1, -7, 10):
        offsets = otp.totp_offsets(RFC_SEED, code_at[offset], now)
        assert offsets[0] == offset
        window = [step + o for o in sorted(offsets) if abs(o) <= otp.TOTP_WINDOW]
        found = otp.matching_totp_step(RFC_SEED, code_at[offset], now, None)
        assert (window[0] if window else None) == found
    assert otp.totp_offsets("not base32!", code_at[0], now) == []
