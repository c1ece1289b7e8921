"""/account is served with a strict Content-Security-Policy and no third-party asset; GET
/api/auth/me tells the page who is signed in."""

import re

from tests.helpers import PASSWORD


def test_the_page_and_its_assets_are_served_with_a_strict_policy(twofa):
    client = twofa.client
    page = client.get("/account")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    html = page.get_data(as_text=True)
    assert "<script>" not in html
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing from elsewhere
    for asset in re.findall(r"(?:src|href)=\"(/account/static/[^\"]+)\"", html):
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["Content-Security-Policy"] == policy
    labels = set(re.findall(r"<label for=\"([\w-]+)\"", html))
    inputs = set(re.findall(r"<input id=\"([\w-]+)\"(?![^>]*type=\"checkbox\")", html))
    assert inputs <= labels  # every field has its label


def test_me_says_who_is_signed_in(twofa):
    secret = twofa.user()
    me = twofa.call("GET", "me", twofa.access(secret)).json
    assert me == {
        "success": True,
        "email": "alice@example.com",
        "names": "Alice",
        "twofaEnabled": True,
        "passkeys": 0,
    }
    off = twofa.without_2fa(secret)
    assert twofa.call("GET", "me", off).json["twofaEnabled"] is False
    assert twofa.call("GET", "me").status_code == 401
    assert PASSWORD not in str(me)
