"""The self-service page, /account: a server-rendered page whose JavaScript calls the JSON API
(sign-up, login with the second step, managing 2FA, passkeys, devices), under a strict
Content-Security-Policy and with no third-party asset."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template

from ..state import state

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/account/static",
)

# Scripts and styles from this origin only (no inline ones), images from it or data: (the QR
# codes), requests to it only; never framed.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


@bp.get("/account")
def account() -> Response:
    """The self-service page."""
    values = state().values
    page = render_template(
        "account.html", issuer=values.totp_issuer, legacy_prefix=values.legacy_prefix.rstrip("/")
    )
    return Response(page, mimetype="text/html")


@bp.after_request
def _policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


def register_pages(app: Flask) -> None:
    """Serve /account and its static files."""
    app.register_blueprint(bp)
