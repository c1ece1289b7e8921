"""The mfa-php face: /register, /login and /verify, routed as mfa-php's index.php routed them."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..errors import EndpointNotFound, MethodNotAllowed, legacy_shape, use_error_shape
from ..extensions import limiter
from ..services.flows import login, registration
from ..state import state, value
from .common import context
from .contract import contract
from .legacy_replies import (
    LoginReply,
    RegisterReply,
    VerifiedLoginReply,
    VerifiedRegistrationReply,
)
from .legacy_schemas import LegacyLoginSchema, LegacyRegisterSchema, LegacyVerifySchema
from .limits import client_ip, ip_and_email, password_checks

bp = Blueprint("legacy", __name__)
use_error_shape(bp, legacy_shape)

_ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@contract(RegisterReply, body=LegacyRegisterSchema, errors=(409,))
def register(form):
    """POST /register: start a registration; answer with the TOTP secret and its QR code."""
    made = registration.register(
        names=form["names"],
        email=form["email"],
        phone=form["phone"],
        password=form["password"],
        ctx=context(),
    )
    data = {
        "email": form["email"],
        "secret": made.secret,
        "otpauth_uri": made.otpauth_uri,
        "qr_png_data_uri": made.qr_png_data_uri,
    }
    return {"message": "Registration successful", "data": data}


@contract(LoginReply, body=LegacyLoginSchema, errors=(401, 423))
def login_start(form):
    """POST /login: check the password and email a login code."""
    user = login.start_login(email=form["email"], password=form["password"], ctx=context())
    return {"message": "OTP generated", "data": {"email": user.email}}


@contract(
    {"registered": VerifiedRegistrationReply, "logged_in": VerifiedLoginReply},
    body=LegacyVerifySchema,
    errors=(401, 404, 423),
)
def verify(form):
    """POST /verify: finish a registration or a login with the emailed code and the TOTP."""
    email = form["email"]
    # mfa-php's wire names, as the domain calls them: the mailed code and the TOTP
    mailed, totp = form["email_otp"], form["auth_code"]
    if (form["type"] or _guess_type(email)) == "register":
        registration.verify_registration(
            email=email, email_code=mailed, totp_code=totp, ctx=context()
        )
        data = {"email": email}
        return "registered", {"message": "Registration verification successful", "data": data}
    token = login.verify_login(email=email, email_code=mailed, totp_code=totp, ctx=context())
    data = {"email": email, "token": token}
    return "logged_in", {"message": "Login verification successful", "data": data}


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
