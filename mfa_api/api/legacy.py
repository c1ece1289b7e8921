"""The mfa-php face: /register, /login and /verify, routed as mfa-php's index.php routed them."""

from __future__ import annotations

from flask import Blueprint, request

from ..errors import EndpointNotFound, MethodNotAllowed, legacy_shape, use_error_shape
from ..schemas import LegacyLoginSchema, LegacyRegisterSchema, LegacyVerifySchema, load
from ..services import login, registration
from ..store import pending
from .common import json_body, mailer, now, settings

bp = Blueprint("legacy", __name__)
use_error_shape(bp, legacy_shape)

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def register():
    """POST /register: start a registration; answer with the TOTP secret and its QR code."""
    form = load(LegacyRegisterSchema(), json_body())
    result = registration.register(**form, settings=settings(), now=now(), mailer=mailer())
    return {
        "success": True,
        "message": "Registration successful",
        "data": {
            "email": result.email,
            "secret": result.secret,
            "imageUrl": result.otpauth_uri,
            "qrCode": result.qr_png_data_uri,
        },
    }


def login_start():
    """POST /login: check the password and email a login code."""
    form = load(LegacyLoginSchema(), json_body())
    user = login.start_login(**form, settings=settings(), now=now(), mailer=mailer())
    return {"success": True, "message": "OTP generated", "data": {"email": user.email}}


def verify():
    """POST /verify: finish a registration or a login with the emailed code and the TOTP."""
    form = load(LegacyVerifySchema(), json_body())
    kind = form.pop("type") or _guess_type(form["email"])
    if kind == "register":
        registration.verify_registration(**form, settings=settings(), now=now())
        return {
            "success": True,
            "message": "Registration verification successful",
            "data": {"email": form["email"]},
        }
    token = login.verify_login(**form, settings=settings(), now=now())
    return {
        "success": True,
        "message": "Login verification successful",
        "data": {"token": token, "email": form["email"]},
    }


def _guess_type(email: str) -> str:
    """mfa-php required `type` but its README left it out: a pending sign-up means register."""
    return "register" if pending.find_by_email(email) else "login"


ENDPOINTS = {"register": register, "login": login_start, "verify": verify}


@bp.route("", defaults={"path": ""}, methods=_ANY_METHOD, strict_slashes=False)
@bp.route("/<path:path>", methods=_ANY_METHOD)
def dispatch(path: str):
    """Route like index.php: the endpoint is the path's first segment, or ?path= on index.php."""
    segments = [s for s in path.split("/") if s]
    if segments and segments[0] == "index.php":
        segments = segments[1:]
    if not segments:
        segments = [s for s in request.args.get("path", "").split("/") if s]
    endpoint = segments[0] if segments else ""
    view = ENDPOINTS.get(endpoint)
    if view is None:
        raise EndpointNotFound(endpoint)
    if request.method != "POST":
        raise MethodNotAllowed()
    return view()
