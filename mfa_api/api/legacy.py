"""The mfa-php face: /register, /login and /verify, routed as mfa-php's index.php routed them."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..errors import EndpointNotFound, MethodNotAllowed, legacy_shape, use_error_shape
from ..extensions import limiter
from ..schemas import LegacyLoginSchema, LegacyRegisterSchema, LegacyVerifySchema, load
from ..services.flows import login, registration
from ..state import state, value
from .common import context, json_body
from .contract import documented
from .legacy_replies import (
    LoginReply,
    RegisterReply,
    VerifiedLoginReply,
    VerifiedRegistrationReply,
)
from .limits import client_ip, ip_and_email, password_checks
from .replies import reply

bp = Blueprint("legacy", __name__)
use_error_shape(bp, legacy_shape)

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@documented(RegisterReply, body=LegacyRegisterSchema, errors=(409,))
def register():
    """POST /register: start a registration; answer with the TOTP secret and its QR code."""
    form = load(LegacyRegisterSchema, json_body())
    made = registration.register(**form, ctx=context())
    data = {
        "email": form["email"],
        "secret": made.secret,
        "otpauth_uri": made.otpauth_uri,
        "qr_png_data_uri": made.qr_png_data_uri,
    }
    return reply(RegisterReply, {"message": "Registration successful", "data": data})


@documented(LoginReply, body=LegacyLoginSchema, errors=(401, 423))
def login_start():
    """POST /login: check the password and email a login code."""
    form = load(LegacyLoginSchema, json_body())
    user = login.start_login(**form, ctx=context())
    return reply(LoginReply, {"message": "OTP generated", "data": {"email": user.email}})


@documented(
    VerifiedRegistrationReply, VerifiedLoginReply, body=LegacyVerifySchema, errors=(401, 404, 423)
)
def verify():
    """POST /verify: finish a registration or a login with the emailed code and the TOTP."""
    form = load(LegacyVerifySchema, json_body())
    kind = form.pop("type") or _guess_type(form["email"])
    if kind == "register":
        registration.verify_registration(**form, ctx=context())
        message = "Registration verification successful"
        return reply(VerifiedRegistrationReply, {"message": message, "data": form})
    token = login.verify_login(**form, ctx=context())
    message = "Login verification successful"
    return reply(VerifiedLoginReply, {"message": message, "data": {**form, "token": token}})


def _guess_type(email: str) -> str:
    """mfa-php required `type` but its README left it out: a pending sign-up means register."""
    return "register" if registration.is_pending(email) else "login"


ENDPOINTS = {"register": register, "login": login_start, "verify": verify}
LIMITS = {
    "register": "RATELIMIT_REGISTER",
    "login": "RATELIMIT_LOGIN",
    "verify": "RATELIMIT_VERIFY",
}


def requested_endpoint() -> str:
    """The endpoint asked for, as index.php read it: the path's first segment, or ?path=."""
    segments = [s for s in (request.view_args or {}).get("path", "").split("/") if s]
    if segments and segments[0] == "index.php":
        segments = segments[1:]
    if not segments:
        segments = [s for s in request.args.get("path", "").split("/") if s]
    return segments[0] if segments else ""


@bp.before_request
def _name_the_route() -> None:
    """The log's and metrics' route: the endpoint asked for when it is one (set before the rate
    limit, so that a 429 is counted under it too)."""
    endpoint = requested_endpoint()
    if endpoint in ENDPOINTS:
        g.route = f"{state().values.legacy_prefix}/{endpoint}"


def _limit() -> str:
    return value(LIMITS.get(requested_endpoint(), "RATELIMIT_VERIFY"))


def _limit_key() -> str:
    endpoint = requested_endpoint()
    return f"{endpoint}|" + (client_ip() if endpoint == "register" else ip_and_email())


def _not_limited() -> bool:
    return request.method != "POST" or requested_endpoint() not in LIMITS


def _no_password_checked() -> bool:
    return request.method != "POST" or requested_endpoint() != "login"


@bp.route("", defaults={"path": ""}, methods=_ANY_METHOD, strict_slashes=False)
@bp.route("/<path:path>", methods=_ANY_METHOD)
@limiter.limit(_limit, key_func=_limit_key, exempt_when=_not_limited)
@password_checks(exempt_when=_no_password_checked)
def dispatch(path: str):
    """Route like index.php; /register 5 per 15 minutes per IP, /login and /verify 10 per
    5 minutes per IP and email (each a setting); /login's password checks also count toward
    RATELIMIT_PASSWORD_CHECKS per IP."""
    endpoint = requested_endpoint()
    view = ENDPOINTS.get(endpoint)
    if view is None:
        raise EndpointNotFound(endpoint)
    if request.method != "POST":
        raise MethodNotAllowed()
    return view()


dispatch.routes_to = ENDPOINTS  # for the OpenAPI document
dispatch.limits = LIMITS
