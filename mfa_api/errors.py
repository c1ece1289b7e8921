"""The API's exceptions, and the one place that turns every error into a JSON response."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .state import fill, state, state_of

log = logging.getLogger(__name__)

ErrorShape = Callable[[str, dict | None], dict]

HTTP_MESSAGES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    414: "Request URI too long",  # as the proxies in deploy/ say it, before a limit of theirs
    431: "Request headers too large",
    423: "Locked",
    429: "Too many requests",
}


class ApiError(Exception):
    """An error the client should see: a status and a message, and field errors if any."""

    status = 500
    message = "Internal server error"
    headers: dict[str, str] = {}

    def __init__(self, message: str | None = None, *, errors: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.errors = errors
        self.extra: dict = {}  # fields a view adds to the body (see api/step_up.py)

    def body(self, shape: ErrorShape) -> dict:
        """The JSON body for this error in a face's error shape."""
        return {**shape(self.message, self.errors), **self.extra}


class InvalidInput(ApiError):
    status = 400
    message = "Invalid input"


class Unauthorized(ApiError):
    status = 401
    message = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    message = "Forbidden"


class NotFound(ApiError):
    status = 404
    message = "Not found"


class MethodNotAllowed(ApiError):
    status = 405
    message = "Method not allowed"
    headers = {"Allow": "POST, OPTIONS"}


class Conflict(ApiError):
    status = 409
    message = "Conflict"


class TooManyAttempts(ApiError):
    status = 429
    message = "Too many attempts"

    def __init__(self, message: str | None = None, *, retry_after: int | None = None):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)} if retry_after else {}


class Locked(ApiError):
    status = 423
    message = "Locked"


class ServiceUnavailable(ApiError):
    status = 503
    message = "Service unavailable"


class EndpointNotFound(NotFound):
    """mfa-php's index.php answer to an unknown endpoint, body and all."""

    def __init__(self, endpoint: str):
        super().__init__(f"Endpoint not found: '{endpoint[:100]}'")

    def body(self, shape: ErrorShape) -> dict:
        """mfa-php sent this one in its own shape, whatever the face's usual one."""
        return {"status": "error", "message": self.message}


def default_shape(message: str, errors: dict | None) -> dict:
    """The 2FA face's error body (and the body outside any blueprint)."""
    body = {"success": False, "message": message}
    if errors:
        body["errors"] = errors
    return body


def legacy_shape(message: str, errors: dict | None) -> dict:
    """The mfa-php face's error body: `error` as mfa-php sent it, plus `success`."""
    body = {"success": False, "error": message}
    if errors:
        body["errors"] = errors
    return body


def use_error_shape(blueprint: Blueprint, shape: ErrorShape) -> None:
    """Make every error inside blueprint answer in shape."""

    def record(setup) -> None:
        shapes = {**state_of(setup.app).error_shapes, blueprint.name: shape}
        fill(setup.app, error_shapes=shapes)  # the state changes only through fill

    blueprint.record_once(record)


def _current_shape() -> ErrorShape:
    return state().error_shapes.get(request.blueprint or "", default_shape)


def _respond(status: int, body: dict, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _handle_api_error(exc: ApiError):
    if exc.status >= 500:
        log.error("%s (request %s): %r", exc.message, g.get("request_id", "-"), exc.__cause__)
    if "Retry-After" in exc.headers:
        g.own_retry_after = exc.headers["Retry-After"]
    return _respond(exc.status, exc.body(_current_shape()), exc.headers)


def _keep_own_retry_after(response):
    """flask-limiter sets Retry-After on every response to its window's reset; a back-off's
    own refusal knows better when the next attempt is allowed."""
    if "own_retry_after" in g:
        response.headers["Retry-After"] = g.own_retry_after
    return response


def _handle_validation_error(exc: ValidationError):
    errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return _respond(400, _current_shape()("Invalid input", errors))


def too_large_message(limit: int) -> str:
    """The 413's message for a body limit of `limit` bytes (MAX_CONTENT_LENGTH)."""
    size = f"{limit // 1024} KiB" if limit % 1024 == 0 else f"{limit} bytes"
    return f"Request body too large ({size} at most)"


def _handle_http_exception(exc: HTTPException):
    status = exc.code or 500
    if status == 413:
        message = too_large_message(state().values.max_content_length)
    else:
        message = HTTP_MESSAGES.get(status) or exc.name
    headers = {k: v for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")}
    return _respond(status, _current_shape()(message, None), headers)


def _handle_unexpected(exc: Exception):
    log.exception("Unhandled error (request %s)", g.get("request_id", "-"))
    body = _current_shape()("Internal server error", None)
    body["requestId"] = g.get("request_id")
    return _respond(500, body)


def init_errors(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(ApiError, _handle_api_error)
    app.register_error_handler(ValidationError, _handle_validation_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)

    # Registered before the limiter's (create_app binds it later), so it runs after it.
    app.after_request(_keep_own_retry_after)
