"""Writes mfa-api.postman_collection.json and local.postman_environment.json (Postman v2.1).

The collection is generated so that its requests, tests and the one collection-level script
stay consistent; edit this file and run `python postman/build.py`, then commit both.

Placeholders the collection-level pre-request script fills before each request:
  {{totpA}}         the current TOTP of secretA (waits for the next 30 s step when the last
                    one was used already: the server accepts each step once)
  {{emailCodeA}}    the code in the newest message to emailA, read from GET /dev/outbox
  {{smsCodeA}}      the code in the newest text to phoneA
(the same with B for the second user).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEGACY = "{{baseUrl}}/mfa-php/api"
AUTH = "{{baseUrl}}/api/auth"

PRE_REQUEST = r"""
// Fills {{totpX}}, {{emailCodeX}} and {{smsCodeX}} used by this request (X: A or B).
(function () {
const CryptoJS = require('crypto-js');
const vars = pm.collectionVariables;
if (!vars.get('runId')) {
  vars.set('runId', Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36));
}
const run = vars.get('runId');
['A', 'B'].forEach(function (x) {
  if (!vars.get('email' + x)) { vars.set('email' + x, 'pm-' + x.toLowerCase() + '-' + run + '@example.com'); }
  if (!vars.get('phone' + x)) {
    vars.set('phone' + x, '2507' + String(Date.now() % 100000000).padStart(8, '0') + (x === 'A' ? '1' : '2'));
  }
});
const raw = JSON.stringify(pm.request.toJSON());

function base32ToHex(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  secret.replace(/=+$/, '').toUpperCase().split('').forEach(function (c) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  });
  let hex = '';
  for (let i = 0; i + 8 <= bits.length; i += 8) { hex += parseInt(bits.substr(i, 8), 2).toString(16).padStart(2, '0'); }
  return hex;
}
function totpAt(secret, step) {
  const counter = step.toString(16).padStart(16, '0');
  const hmac = CryptoJS.HmacSHA1(CryptoJS.enc.Hex.parse(counter), CryptoJS.enc.Hex.parse(base32ToHex(secret))).toString();
  const offset = parseInt(hmac.substr(-1), 16);
  const value = (parseInt(hmac.substr(offset * 2, 8), 16) & 0x7fffffff) % 1000000;
  return String(value).padStart(6, '0');
}
function fillTotp(x, done) {
  const secret = vars.get('secret' + x);
  const used = Number(vars.get('usedStep' + x) || 0);
  const step = Math.floor(Date.now() / 30000);
  if (step <= used) {  // this step was used: wait for the next one
    const wait = (used + 1) * 30000 - Date.now() + 1000;
    console.log('waiting ' + Math.round(wait / 1000) + ' s for a fresh TOTP step');
    setTimeout(function () { fillTotp(x, done); }, wait);
    return;
  }
  vars.set('totp' + x, totpAt(secret, step));
  vars.set('usedStep' + x, step);
  done();
}
function fillCode(kind, x, done) {
  const to = kind === 'email' ? vars.get('email' + x) : '+' + vars.get('phone' + x);
  pm.sendRequest(pm.variables.get('baseUrl') + '/dev/outbox?to=' + encodeURIComponent(to), function (err, res) {
    if (err || res.code !== 200) { throw new Error('the development outbox did not answer (is the server started with FLASK_DEBUG=1?)'); }
    const withCode = res.json().messages.filter(function (m) { return m.code; });
    vars.set(kind + 'Code' + x, withCode.length ? withCode[0].code : 'none');
    done();
  });
}
const jobs = [];
['A', 'B'].forEach(function (x) {
  if (raw.indexOf('{{totp' + x + '}}') >= 0) { jobs.push(function (done) { fillTotp(x, done); }); }
  if (raw.indexOf('{{emailCode' + x + '}}') >= 0) { jobs.push(function (done) { fillCode('email', x, done); }); }
  if (raw.indexOf('{{smsCode' + x + '}}') >= 0) { jobs.push(function (done) { fillCode('sms', x, done); }); }
});
(function next() { const job = jobs.shift(); if (job) { job(next); } })();
})();
"""

COMMON_TESTS = r"""
pm.test('answers JSON with no-store and a request id', function () {
  pm.expect(pm.response.headers.get('Content-Type')).to.include('application/json');
  pm.expect(pm.response.headers.get('Cache-Control')).to.eql('no-store');
  pm.expect(pm.response.headers.get('X-Request-Id')).to.match(/^[0-9a-f]{16}$/);
});
"""


def request(name, method, url, body=None, tests="", headers=None, json_checks=True):
    """One item: a request with its tests (status and body), JSON body if given."""
    header = [{"key": "Content-Type", "value": "application/json"}] if body is not None else []
    header += [{"key": k, "value": v} for k, v in (headers or {}).items()]
    item = {
        "name": name,
        "request": {"method": method, "header": header, "url": url},
        "event": [
            {
                "listen": "test",
                "script": {
                    "type": "text/javascript",
                    "exec": ["(function () {"]
                    + ((COMMON_TESTS if json_checks else "") + tests).strip().split("\n")
                    + ["})();"],
                },
            }
        ],
    }
    if body is not None:
        item["request"]["body"] = {
            "mode": "raw",
            "raw": json.dumps(body, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    return item


def bearer(var):
    return {"Authorization": "Bearer {{" + var + "}}"}


def with_auth(item, var):
    item["request"]["header"].append({"key": "Authorization", "value": "Bearer {{" + var + "}}"})
    return item


def status(code, extra=""):
    return (
        f"pm.test('status {code}', function () {{ pm.response.to.have.status({code}); }});\n"
        + extra
    )


def ok(extra=""):
    return status(
        200,
        "const body = pm.response.json();\n"
        "pm.test('success', function () { pm.expect(body.success).to.eql(true); });\n" + extra,
    )


def legacy_error(code, text):
    return status(
        code,
        "const body = pm.response.json();\n"
        "pm.test('mfa-php error body', function () { pm.expect(body.success).to.eql(false); "
        f"pm.expect(body.error).to.include({json.dumps(text)}); }});\n",
    )


def error(code, text):
    return status(
        code,
        "const body = pm.response.json();\n"
        "pm.test('error body', function () { pm.expect(body.success).to.eql(false); "
        f"pm.expect(body.message).to.include({json.dumps(text)}); }});\n",
    )


def saves_access(var="accessA"):
    return (
        "pm.test('an access token', function () { pm.expect(body.tokenType).to.eql('Bearer'); "
        "pm.expect(body.accessToken.split('.').length).to.eql(3); pm.expect(body.expiresIn).to.be.above(0); });\n"
        f"pm.collectionVariables.set('{var}', body.accessToken);\n"
    )


PASSWORD_A = "{{passwordA}}"


def challenge_login(name):
    """User A logs in on the 2FA face; the challenge token is kept as {{challengeA}}."""
    return request(
        name,
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A},
        ok("pm.collectionVariables.set('challengeA', body.challengeToken);\n"),
    )


def with_prerequest(item, lines):
    """item with a pre-request script of its own (run after the collection's)."""
    item["event"].insert(
        0, {"listen": "prerequest", "script": {"type": "text/javascript", "exec": lines}}
    )
    return item


mfa_php = [
    request(
        "register (a new user: TOTP secret and QR code)",
        "POST",
        f"{LEGACY}/register",
        {
            "names": "Postman A",
            "email": "{{emailA}}",
            "phone": "{{phoneA}}",
            "password": PASSWORD_A,
        },
        ok(
            "pm.test('secret, otpauth URI and QR code', function () {\n"
            "  pm.expect(body.message).to.eql('Registration successful');\n"
            "  pm.expect(body.data.email).to.eql(pm.collectionVariables.get('emailA'));\n"
            "  pm.expect(body.data.secret).to.match(/^[A-Z2-7]{32}$/);\n"
            "  pm.expect(body.data.imageUrl).to.match(/^otpauth:\\/\\/totp\\//);\n"
            "  pm.expect(body.data.qrCode).to.match(/^data:image\\/png;base64,/);\n"
            "});\n"
            "pm.collectionVariables.set('secretA', body.data.secret);\n"
        ),
    ),
    request(
        "register with a bad body (400)",
        "POST",
        f"{LEGACY}/register",
        {"names": "X", "email": "not-an-email", "phone": "1", "password": "short"},
        legacy_error(400, ""),
    ),
    request(
        "verify the sign-up (emailed code from the outbox + TOTP)",
        "POST",
        f"{LEGACY}/verify",
        {
            "email": "{{emailA}}",
            "email_otp": "{{emailCodeA}}",
            "auth_code": "{{totpA}}",
            "type": "register",
        },
        ok(
            "pm.test('verified', function () { pm.expect(body.message).to.eql('Registration verification successful'); "
            "pm.expect(body.data.email).to.eql(pm.collectionVariables.get('emailA')); });\n"
        ),
    ),
    request(
        "login with a wrong password (401)",
        "POST",
        f"{LEGACY}/login",
        {"email": "{{emailA}}", "password": "not-the-password"},
        legacy_error(401, ""),
    ),
    request(
        "login (a code is mailed)",
        "POST",
        f"{LEGACY}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A},
        ok(
            "pm.test('OTP generated', function () { pm.expect(body.message).to.eql('OTP generated'); });\n"
        ),
    ),
    request(
        "verify the login (an access token)",
        "POST",
        f"{LEGACY}/verify",
        {
            "email": "{{emailA}}",
            "email_otp": "{{emailCodeA}}",
            "auth_code": "{{totpA}}",
            "type": "login",
        },
        ok(
            "pm.test('a token', function () { pm.expect(body.message).to.eql('Login verification successful'); "
            "pm.expect(body.data.token.split('.').length).to.eql(3); });\n"
            "pm.collectionVariables.set('legacyTokenA', body.data.token);\n"
        ),
    ),
    request(
        "index.php with an unknown endpoint (mfa-php's own 404 body)",
        "POST",
        f"{LEGACY}/index.php?path=nothing",
        {},
        status(
            404,
            "pm.test('mfa-php body', function () { const b = pm.response.json(); "
            "pm.expect(b.status).to.eql('error'); pm.expect(b.message).to.include('Endpoint not found'); });\n",
        ),
    ),
    request("GET on a POST endpoint (405)", "GET", f"{LEGACY}/login", None, status(405)),
]

index_php = [
    request(
        "register through index.php?path=register",
        "POST",
        f"{LEGACY}/index.php?path=register",
        {
            "names": "Postman B",
            "email": "{{emailB}}",
            "phone": "{{phoneB}}",
            "password": "{{passwordB}}",
        },
        ok("pm.collectionVariables.set('secretB', body.data.secret);\n"),
    ),
    request(
        "verify through index.php?path=verify (type guessed: a pending sign-up)",
        "POST",
        f"{LEGACY}/index.php?path=verify",
        {"email": "{{emailB}}", "email_otp": "{{emailCodeB}}", "auth_code": "{{totpB}}"},
        ok(
            "pm.test('verified', function () { pm.expect(body.message).to.eql('Registration verification successful'); });\n"
        ),
    ),
    request(
        "login through index.php?path=login",
        "POST",
        f"{LEGACY}/index.php?path=login",
        {"email": "{{emailB}}", "password": "{{passwordB}}"},
        ok(),
    ),
]

second_step = [
    request(
        "login (2FA on: a challenge token)",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A},
        ok(
            "pm.test('a challenge', function () { pm.expect(body.requires2fa).to.eql(true); "
            "pm.expect(body.challengeToken.split('.').length).to.eql(3); });\n"
            "pm.collectionVariables.set('challengeA', body.challengeToken);\n"
        ),
    ),
    with_auth(
        request(
            "a wrong code (401)",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "000000"},
            error(401, "Invalid code"),
        ),
        "challengeA",
    ),
    with_auth(
        request(
            "resend the code by email",
            "POST",
            f"{AUTH}/2fa/resend-otp",
            {"channel": "email"},
            ok(
                "pm.test('sent', function () { pm.expect(body.message).to.eql('OTP sent via email'); });\n"
            ),
        ),
        "challengeA",
    ),
    with_auth(
        request(
            "answer the challenge with the emailed code, and remember this device",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "{{emailCodeA}}", "remember": True},
            ok(
                saves_access()
                + "pm.test('a device token', function () { pm.expect(body.deviceToken).to.be.a('string'); "
                "pm.expect(body.deviceExpiresIn).to.be.above(0); });\n"
                "pm.collectionVariables.set('deviceTokenA', body.deviceToken);\n"
            ),
        ),
        "challengeA",
    ),
    with_auth(
        request(
            "the challenge answers once (401)",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "{{emailCodeA}}"},
            error(401, ""),
        ),
        "challengeA",
    ),
    request(
        "log in from the remembered device: no second step",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A, "deviceToken": "{{deviceTokenA}}"},
        ok(
            "pm.test('no challenge', function () { pm.expect(body.requires2fa).to.eql(false); });\n"
            + saves_access()
        ),
    ),
    with_auth(
        request(
            "the remembered devices",
            "GET",
            f"{AUTH}/devices",
            None,
            ok(
                "pm.test('one device', function () { pm.expect(body.devices.length).to.eql(1); });\n"
                "pm.collectionVariables.set('deviceIdA', body.devices[0].id);\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "forget that device",
            "DELETE",
            f"{AUTH}/devices/{{{{deviceIdA}}}}",
            None,
            ok(
                "pm.test('forgotten', function () { pm.expect(body.message).to.eql('Device forgotten'); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "forget every device",
            "DELETE",
            f"{AUTH}/devices",
            None,
            ok(
                "pm.test('all forgotten', function () { pm.expect(body.message).to.eql('Every device forgotten'); });\n"
            ),
        ),
        "accessA",
    ),
    request(
        "the forgotten device gets a challenge again",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A, "deviceToken": "{{deviceTokenA}}"},
        ok(
            "pm.test('a challenge', function () { pm.expect(body.requires2fa).to.eql(true); });\n"
            "pm.collectionVariables.set('challengeA', body.challengeToken);\n"
        ),
    ),
    with_auth(
        request(
            "no passkey yet: no options to answer the challenge with (400)",
            "POST",
            f"{AUTH}/2fa/passkey/options",
            None,
            error(400, "No passkey on this account"),
        ),
        "challengeA",
    ),
    with_auth(
        request(
            "a made-up passkey answer (401)",
            "POST",
            f"{AUTH}/2fa/passkey",
            {"credential": {"id": "bm90LWEtcGFzc2tleQ", "type": "public-key"}},
            error(401, "Passkey not accepted"),
        ),
        "challengeA",
    ),
    request(
        "options to sign in with a passkey alone: any discoverable one",
        "POST",
        f"{AUTH}/passkey-login/options",
        None,
        ok(
            "pm.test('user verification required, no credential named', function () { "
            "pm.expect(body.publicKey.userVerification).to.eql('required'); "
            "pm.expect(body.publicKey.allowCredentials).to.eql([]); });\n"
        ),
    ),
    request(
        "options to sign in with a passkey alone, for an email without one: look-alike ids",
        "POST",
        f"{AUTH}/passkey-login/options",
        {"email": "{{emailA}}"},
        ok(
            "pm.test('credentials named all the same', function () { "
            "pm.expect(body.publicKey.allowCredentials.length).to.be.above(0); });\n"
        ),
    ),
    request(
        "a made-up passkey answer to sign in alone (401)",
        "POST",
        f"{AUTH}/passkey-login",
        {"credential": {"id": "bm90LWEtcGFzc2tleQ", "type": "public-key"}},
        error(401, "Passkey not accepted"),
    ),
    with_auth(
        request(
            "who is signed in",
            "GET",
            f"{AUTH}/me",
            None,
            ok(
                "pm.test('2FA on, no passkey', function () { pm.expect(body.twofaEnabled).to.eql(true); "
                "pm.expect(body.passkeys).to.eql(0); pm.expect(body.email).to.eql(pm.collectionVariables.get('emailA')); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "the passkeys (none yet)",
            "GET",
            f"{AUTH}/passkeys",
            None,
            ok("pm.test('none', function () { pm.expect(body.passkeys).to.eql([]); });\n"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "no passkey yet: no options to answer a step-up with (400)",
            "POST",
            f"{AUTH}/passkeys/step-up/options",
            None,
            error(400, "No passkey on this account"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "options to add a passkey need a step-up (401)",
            "POST",
            f"{AUTH}/passkeys/options",
            {"password": PASSWORD_A},
            error(401, "2FA code required"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "a passkey without options asked first (400)",
            "POST",
            f"{AUTH}/passkeys",
            {"credential": {}, "name": "Laptop"},
            error(400, "No passkey being added"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "rename a passkey the user does not have (404)",
            "PATCH",
            f"{AUTH}/passkeys/999999",
            {"name": "Laptop"},
            error(404, "Passkey not found"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "removing a passkey needs a step-up (401)",
            "DELETE",
            f"{AUTH}/passkeys/999999",
            {"password": PASSWORD_A},
            error(401, "2FA code required"),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "check a TOTP code with an access token",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "{{totpA}}"},
            ok(
                "pm.test('verified', function () { pm.expect(body.message).to.eql('Code verified successfully'); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "recent security events",
            "GET",
            f"{AUTH}/events?limit=20",
            None,
            ok(
                "pm.test('events, newest first', function () { pm.expect(body.events.length).to.be.above(0); "
                "pm.expect(body.events[0].at).to.match(/Z$/); });\n"
            ),
        ),
        "accessA",
    ),
    request(
        "the mfa-php token works on the 2FA face",
        "GET",
        f"{AUTH}/events",
        None,
        ok(),
        headers=bearer("legacyTokenA"),
    ),
    request("no token (401)", "GET", f"{AUTH}/events", None, error(401, "Missing bearer token")),
]

backup = [
    with_auth(
        request(
            "new backup codes (step-up: password + TOTP)",
            "POST",
            f"{AUTH}/2fa/backup-codes",
            {"password": PASSWORD_A, "otp": "{{totpA}}"},
            ok(
                "pm.test('ten codes', function () { pm.expect(body.backupCodes.length).to.eql(10); });\n"
                + saves_access()
                + "pm.collectionVariables.set('backupCodesA', JSON.stringify(body.backupCodes));\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "how many backup codes are left (never the codes again)",
            "GET",
            f"{AUTH}/2fa/backup-codes",
            None,
            ok(
                "pm.test('ten left', function () { pm.expect(body.remaining).to.eql(10); });\n"
                "pm.test('no codes', function () { pm.expect(body.backupCodes).to.eql(undefined); });\n"
            ),
        ),
        "accessA",
    ),
    challenge_login("login for recovery (a challenge)"),
    with_prerequest(
        with_auth(
            request(
                "recover with a backup code",
                "POST",
                f"{AUTH}/2fa/recover",
                {"backup_code": "{{backupCode1}}"},
                ok(
                    saves_access()
                    + "pm.test('nine left', function () { pm.expect(body.remainingBackupCodes).to.eql(9); });\n"
                ),
            ),
            "challengeA",
        ),
        [
            "const codes = JSON.parse(pm.collectionVariables.get('backupCodesA'));",
            "pm.collectionVariables.set('backupCode1', codes[0]);",
            "pm.collectionVariables.set('backupCode2', codes[1]);",
            "pm.collectionVariables.set('backupCode3', codes[2]);",
        ],
    ),
]

sms = [
    with_auth(
        request(
            "add a phone (step-up with a backup code; a code is texted)",
            "POST",
            f"{AUTH}/2fa/phone",
            {"phone": "+{{phoneA}}", "password": PASSWORD_A, "otp": "{{backupCode2}}"},
            ok(),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "prove the phone with the texted code",
            "POST",
            f"{AUTH}/2fa/phone/verify",
            {"code": "{{smsCodeA}}"},
            ok(
                "pm.test('verified', function () { pm.expect(body.phone).to.eql('+' + pm.collectionVariables.get('phoneA')); });\n"
            ),
        ),
        "accessA",
    ),
    challenge_login("login (a challenge)"),
    with_auth(
        request(
            "resend the code by SMS",
            "POST",
            f"{AUTH}/2fa/resend-otp",
            {"channel": "sms"},
            ok(
                "pm.test('sent', function () { pm.expect(body.message).to.eql('OTP sent via sms'); });\n"
            ),
        ),
        "challengeA",
    ),
    with_auth(
        request(
            "answer with the texted code",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "{{smsCodeA}}"},
            ok(saves_access()),
        ),
        "challengeA",
    ),
]

setup = [
    with_auth(
        request(
            "turn 2FA off (step-up with a backup code)",
            "POST",
            f"{AUTH}/2fa/disable",
            {"password": PASSWORD_A, "otp": "{{backupCode3}}"},
            ok(
                saves_access()
                + "pm.test('off', function () { pm.expect(body.message).to.eql('2FA has been disabled'); });\n"
            ),
        ),
        "accessA",
    ),
    request(
        "login with 2FA off (an access token at once)",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": PASSWORD_A},
        ok(
            "pm.test('no second step', function () { pm.expect(body.requires2fa).to.eql(false); });\n"
            + saves_access()
        ),
    ),
    with_auth(
        request(
            "a pending secret (2fa/generate)",
            "POST",
            f"{AUTH}/2fa/generate",
            None,
            ok(
                "pm.test('secret and QR', function () { pm.expect(body.secretKey).to.match(/^[A-Z2-7]+$/); "
                "pm.expect(body.qrCodeUrl).to.match(/^data:image\\/png;base64,/); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "a new pending secret (2fa/setup) replaces it",
            "POST",
            f"{AUTH}/2fa/setup",
            None,
            ok(
                "pm.test('otpauth URL', function () { pm.expect(body.otpauthUrl).to.match(/^otpauth:/); });\n"
                "pm.collectionVariables.set('secretA', body.secretKey);\n"
                "pm.collectionVariables.set('usedStepA', 0);\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "enable 2FA with the new secret's code",
            "POST",
            f"{AUTH}/2fa/enable",
            {"password": PASSWORD_A, "otp": "{{totpA}}"},
            ok(
                saves_access()
                + "pm.test('on', function () { pm.expect(body.message).to.eql('2FA has been enabled successfully'); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "backup codes again (the old alias generate-backup-codes)",
            "POST",
            f"{AUTH}/2fa/generate-backup-codes",
            {"password": PASSWORD_A, "otp": "{{totpA}}"},
            ok(
                saves_access()
                + "pm.collectionVariables.set('backupCodesA', JSON.stringify(body.backupCodes));\n"
            ),
        ),
        "accessA",
    ),
]

account = [
    with_prerequest(
        with_auth(
            request(
                "change the password (step-up)",
                "POST",
                f"{AUTH}/password",
                {
                    "current_password": PASSWORD_A,
                    "new_password": "{{newPasswordA}}",
                    "otp": "{{backupCodeNew}}",
                },
                ok(
                    saves_access()
                    + "pm.collectionVariables.set('passwordA', pm.collectionVariables.get('newPasswordA'));\n"
                ),
            ),
            "accessA",
        ),
        [
            "pm.collectionVariables.set('firstPasswordA', pm.collectionVariables.get('passwordA'));",
            "pm.collectionVariables.set('newPasswordA', 'Postman-new-' + pm.collectionVariables.get('runId'));",
            "pm.collectionVariables.set('backupCodeNew', JSON.parse(pm.collectionVariables.get('backupCodesA'))[0]);",
        ],
    ),
    request(
        "the old password no longer logs in (401)",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailA}}", "password": "{{firstPasswordA}}"},
        error(401, ""),
    ),
    with_auth(
        request(
            "log out",
            "POST",
            f"{AUTH}/logout",
            None,
            ok(
                "pm.test('logged out', function () { pm.expect(body.message).to.eql('Logged out'); });\n"
            ),
        ),
        "accessA",
    ),
    with_auth(
        request(
            "the logged-out token is refused (401)", "GET", f"{AUTH}/events", None, error(401, "")
        ),
        "accessA",
    ),
    request(
        "unlock with a made-up token (400)",
        "POST",
        f"{AUTH}/unlock",
        {"token": "not-a-real-unlock-token"},
        error(400, ""),
    ),
]

deletion = [
    request(
        "user B logs in on the 2FA face (a challenge)",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailB}}", "password": "{{passwordB}}"},
        ok("pm.collectionVariables.set('challengeB', body.challengeToken);\n"),
    ),
    with_auth(
        request(
            "answer with B's TOTP",
            "POST",
            f"{AUTH}/2fa/verify",
            {"otp": "{{totpB}}"},
            ok(saves_access("accessB")),
        ),
        "challengeB",
    ),
    with_auth(
        request(
            "delete the account (step-up)",
            "DELETE",
            f"{AUTH}/account",
            {"password": "{{passwordB}}", "otp": "{{totpB}}"},
            ok(
                "pm.test('deleted', function () { pm.expect(body.message).to.eql('Account deleted'); });\n"
            ),
        ),
        "accessB",
    ),
    request(
        "the deleted user cannot log in (401)",
        "POST",
        f"{AUTH}/login",
        {"email": "{{emailB}}", "password": "{{passwordB}}"},
        error(401, ""),
    ),
]

contract = [
    request(
        "GET /openapi.json (OpenAPI 3.1)",
        "GET",
        "{{baseUrl}}/openapi.json",
        None,
        "pm.test('OpenAPI 3.1 with both faces', function () { const d = pm.response.json(); "
        "pm.expect(d.openapi).to.eql('3.1.0'); pm.expect(d.paths).to.have.property('/api/auth/login'); "
        "pm.expect(d.paths).to.have.property('/mfa-php/api/register'); });\n",
        json_checks=False,
    ),
    request(
        "GET /docs (Swagger UI, development)",
        "GET",
        "{{baseUrl}}/docs",
        None,
        "pm.test('an HTML page', function () { pm.response.to.have.status(200); "
        "pm.expect(pm.response.text()).to.include('swagger-ui'); });\n",
        json_checks=False,
    ),
    request(
        "GET /dev/outbox without `to` (400)", "GET", "{{baseUrl}}/dev/outbox", None, error(400, "")
    ),
]

operations = [
    request(
        "GET /healthz (the process answers)",
        "GET",
        "{{baseUrl}}/healthz",
        None,
        ok("pm.test('a version', function () { pm.expect(body.version).to.be.a('string'); });\n"),
    ),
    request(
        "GET /readyz (database, schema and Redis answer)",
        "GET",
        "{{baseUrl}}/readyz",
        None,
        ok("pm.test('ready', function () { pm.expect(body.status).to.eql('ready'); });\n"),
    ),
]


ADMIN = "{{baseUrl}}/api/admin"
# Without {{adminKey}} (the CI run has none, and no key exists) the admin face is off: 404, or
# 401 where some other key exists. With one (`flask api-keys create ... --scopes
# users:read,users:write,events:read`), each request checks its real answer.
WITHOUT_ADMIN_KEY = r"""
if (!pm.variables.get('adminKey')) {
  pm.test('no adminKey: the admin face is off (404) or refuses (401)', function () {
    pm.expect(pm.response.code).to.be.oneOf([401, 404]);
    pm.expect(pm.response.json().success).to.eql(false);
  });
  return;
}
"""


def admin(name, method, path, tests):
    """A request to the admin face with {{adminKey}}; without one, it expects 404 or 401."""
    item = request(name, method, f"{ADMIN}/{path}", None, WITHOUT_ADMIN_KEY + tests)
    return with_auth(item, "adminKey")


admin_api = [
    admin(
        "an account: names, 2FA, factors counted",
        "GET",
        "users/{{emailA}}",
        ok(
            "pm.test('the account', function () { pm.expect(body.user.email).to.eql(pm.collectionVariables.get('emailA')); "
            "pm.expect(body.user.backupCodesLeft).to.be.a('number'); });\n"
        ),
    ),
    admin(
        "an account's events, newest first",
        "GET",
        "users/{{emailA}}/events?limit=5",
        ok("pm.test('events', function () { pm.expect(body.events.length).to.be.above(0); });\n"),
    ),
    admin(
        "every account's events, oldest first (keep nextCursor)",
        "GET",
        "events?since=2020-01-01T00:00:00Z&limit=10",
        ok(
            "pm.test('a page and a cursor', function () { pm.expect(body.events).to.be.an('array'); "
            "pm.expect(body.nextCursor).to.be.a('string'); });\n"
            "pm.collectionVariables.set('adminCursor', body.nextCursor);\n"
        ),
    ),
    admin(
        "the next page, from the cursor",
        "GET",
        "events?cursor={{adminCursor}}&limit=10",
        ok("pm.test('a cursor', function () { pm.expect(body.nextCursor).to.be.a('string'); });\n"),
    ),
    admin("unlock an account (the owner is mailed)", "POST", "users/{{emailA}}/unlock", ok()),
    admin("revoke every token of an account", "POST", "users/{{emailA}}/revoke-tokens", ok()),
    admin("turn 2FA off for an account", "POST", "users/{{emailA}}/reset-2fa", ok()),
    admin("delete an account", "DELETE", "users/{{emailA}}", ok()),
    admin(
        "the account is gone (404)",
        "GET",
        "users/{{emailA}}",
        error(404, "No user with the email"),
    ),
]


def folder(name, items, description):
    return {"name": name, "description": description, "item": items}


collection = {
    "info": {
        "_postman_id": str(uuid.UUID("6f1f7f0e-2b1c-4d55-9a53-6d6661617069")),
        "name": "mfa-api",
        "description": (
            "Both faces of mfa-api, every endpoint, with tests on each answer. Run it against a "
            "development server (`make run`: FLASK_DEBUG=1), whose /dev/outbox gives the emailed "
            "and texted codes; TOTP codes are computed by the collection's pre-request script. "
            "Each run signs up two new users (emails made from the run's id). Generated by "
            "postman/build.py."
        ),
        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
    },
    "event": [
        {
            "listen": "prerequest",
            "script": {"type": "text/javascript", "exec": PRE_REQUEST.strip().split("\n")},
        }
    ],
    "variable": [
        {"key": "runId", "value": ""},
        {"key": "emailA", "value": ""},
        {"key": "phoneA", "value": ""},
        {"key": "emailB", "value": ""},
        {"key": "phoneB", "value": ""},
        {"key": "passwordA", "value": "Postman-pass-A-correct-horse"},
        {"key": "passwordB", "value": "Postman-pass-B-battery-staple"},
    ],
    "item": [
        folder(
            "1. mfa-php face: sign-up and login",
            mfa_php,
            "The mfa-php JSON API, as its clients call it.",
        ),
        folder(
            "2. mfa-php face: index.php?path=",
            index_php,
            "mfa-php's own routing, for a second user (B).",
        ),
        folder(
            "3. 2FA face: login with a second step",
            second_step,
            "Challenge tokens, codes resent by email.",
        ),
        folder(
            "4. backup codes and recovery",
            backup,
            "Step-up, the list, and a login with a backup code.",
        ),
        folder(
            "5. phone and SMS", sms, "A phone proven by a texted code; a challenge answered by SMS."
        ),
        folder("6. TOTP setup: disable, set up again, enable", setup, "A new authenticator."),
        folder("7. account: password, logout, unlock", account, "Step-up and token revocation."),
        folder("8. deleting an account", deletion, "User B goes."),
        folder("9. the contract", contract, "/openapi.json, /docs and the outbox itself."),
        folder("10. operations", operations, "Liveness and readiness, for load balancers."),
        folder(
            "11. admin API",
            admin_api,
            "The admin face, with the key in the environment variable adminKey (flask api-keys "
            "create --scopes users:read,users:write,events:read); it ends by deleting user A. "
            "Without a key every request expects the face's 404 (no key exists) or 401.",
        ),
    ],
}
environment = {
    "id": "8d3c2a55-6d66-4170-8c6f-63616c000001",
    "name": "mfa-api local",
    "values": [
        {"key": "baseUrl", "value": "http://127.0.0.1:5000", "type": "default", "enabled": True},
        {"key": "adminKey", "value": "", "type": "secret", "enabled": True},
    ],
    "_postman_variable_scope": "environment",
}

if __name__ == "__main__":
    for name, data in (
        ("mfa-api.postman_collection.json", collection),
        ("local.postman_environment.json", environment),
    ):
        (HERE / name).write_text(json.dumps(data, indent=2) + "\n")
