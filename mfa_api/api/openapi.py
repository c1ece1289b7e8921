"""The OpenAPI 3.1 document, generated with apispec from the views' contracts (api/contract.py),
their token and rate-limit stamps, and the marshmallow schemas they load and dump with.

It describes the code as it is: a view without a contract is not in it (the tests check that
every route of both faces has one).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields

from ..config import DEFAULTS
from ..security import addresses
from ..security.passwords import MAX_PASSWORD_BYTES
from ..state import state_of
from ..version import __version__
from . import inputs
from .contract import Contract
from .legacy_replies import EndpointNotFoundError, LegacyError
from .ops import NotReadyError
from .twofa_replies import TwoFaError

TOKEN_SCHEMES = {
    "access": (
        "accessToken",
        "An access token: from a full login (either face), 2FA enable/disable, backup codes.",
    ),
    "challenge": (
        "challengeToken",
        "A challenge token: from /api/auth/login when 2FA is on; good only for the second step.",
    ),
}
ADMIN_SCHEME = (
    "adminKey",
    "An admin API key (`mfa_ak_<id>_<secret>`, from `flask api-keys create`), as a bearer "
    "token; each route needs one scope of the key's.",
)
ERROR_DESCRIPTIONS = {
    400: "The body (or query) is not what the operation takes (`errors` names the fields), or the "
    "account's state forbids it (2FA already on, or not on; no pending setup).",
    401: "Wrong credentials or code, or a missing, expired or revoked token.",
    403: "The admin API key lacks the scope the route needs.",
    404: "No such user (or pending sign-up); on /api/admin, also: no API key was ever created.",
    409: "Conflicts with another account or sign-up (email or proven phone taken).",
    413: "The body is larger than `MAX_CONTENT_LENGTH` (64 KiB by default).",
    423: "The second factor is locked after too many failures; unlock by mail or an admin.",
    429: "Too many requests or attempts; `Retry-After` says when to try again.",
    503: "A dependency (database, cache, mail, SMS) is unavailable; nothing was changed.",
}
FACES = {
    "legacy": ("mfa-php", LegacyError),
    "twofa": ("2FA", TwoFaError),
    "phone": ("2FA", TwoFaError),
    "account": ("account", TwoFaError),
    "dev": ("development", TwoFaError),
    "ops": ("operations", NotReadyError),
    "admin": ("admin", TwoFaError),
}
INFO = """Two-factor authentication as a service, and a drop-in replacement for mfa-php.

Two faces share the same users and tokens: the **mfa-php face** (`/register`, `/login`,
`/verify` under `LEGACY_PREFIX`, also reachable as `index.php?path=`) and the **2FA face**
under `/api/auth`. The **admin face**, under `/api/admin`, answers an application's back office
with a scoped API key (`adminKey`); it is off (404) until `flask api-keys create` has run. Every
response carries `X-Request-Id` and `Cache-Control: no-store`.
Docs: `docs/api.md` in the repository."""


def build(app: Flask) -> dict:
    """The OpenAPI document of app's routes, as a dict."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="mfa-api",
        version=__version__,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={"description": INFO, "license": {"name": "MIT", "identifier": "MIT"}},
    )
    _describe_fields(plugin)
    for scheme, description in TOKEN_SCHEMES.values():
        spec.components.security_scheme(
            scheme,
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": description},
        )
    spec.components.security_scheme(
        ADMIN_SCHEME[0], {"type": "http", "scheme": "bearer", "description": ADMIN_SCHEME[1]}
    )
    _add_headers(spec)
    seen: set[str] = set()
    for path, method, blueprint, view, extra in sorted(_operations(app), key=lambda o: o[:2]):
        operation = _operation(view, blueprint, extra)
        if operation["operationId"] in seen:  # a second path for one view (an alias)
            operation["operationId"] += "." + path.rsplit("/", 1)[1]
        seen.add(operation["operationId"])
        spec.path(path=path, operations={method: operation})
    return spec.to_dict()


def _operations(app: Flask):
    """(path, method, blueprint, view, extra parameters) of every documented route."""
    prefix = state_of(app).values.legacy_prefix.rstrip("/")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.partition(".")[0]
        routes_to = getattr(view, "routes_to", None)
        if routes_to is not None and rule.rule.endswith("/<path:path>"):
            yield from _legacy_operations(prefix, blueprint, view, routes_to)
            continue
        if getattr(view, "contract", None) is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield _openapi_path(rule.rule), method.lower(), blueprint, view, _path_params(rule.rule)


def _path_params(rule: str) -> list[dict]:
    """The rule's <int:name> and <name> parts as OpenAPI path parameters."""
    found = []
    for segment in rule.split("/"):
        if segment.startswith("<") and segment.endswith(">"):
            converter, _, name = segment[1:-1].rpartition(":")
            kind = "integer" if converter == "int" else "string"
            found.append({"in": "path", "name": name, "required": True, "schema": {"type": kind}})
    return found


def _legacy_operations(prefix: str, blueprint: str, dispatch: Callable, routes_to: dict):
    """mfa-php's index.php routed by the path's first segment, and by ?path= (one operation
    taking any of the endpoints' bodies)."""
    for name, view in routes_to.items():
        yield f"{prefix}/{name}", "post", blueprint, _stand_in(view, dispatch, (name,)), []
    names = tuple(routes_to)
    choose = {
        "in": "query",
        "name": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(names)},
        "description": "The endpoint, as mfa-php's index.php read it: " + ", ".join(names) + ".",
    }
    contracts = [view.contract for view in routes_to.values()]
    index = Contract(
        replies=tuple(r for c in contracts for r in c.replies),
        body=tuple(c.body for c in contracts),
        errors=tuple(sorted({e for c in contracts for e in c.errors})),
    )
    summary = "index.php?path=: any of " + ", ".join(f"/{n}" for n in names) + " (same bodies)"
    view = _stand_in(dispatch, dispatch, names, contract=index, doc=summary)
    yield f"{prefix}/index.php", "post", blueprint, view, [choose]


def _stand_in(
    view: Callable,
    dispatch: Callable,
    names: tuple,
    contract: Contract | None = None,
    doc: str | None = None,
) -> Callable:
    """A stand-in for view, carrying the rate limits the dispatcher applies to names."""

    def stand_in():  # pragma: no cover - never called, only read
        return None

    stand_in.__doc__ = doc or view.__doc__
    stand_in.__name__ = view.__name__
    stand_in.contract = contract or view.contract
    limits = [dispatch.limits[name] for name in names if name in dispatch.limits]
    stand_in.rate_limits = tuple(
        (key, "client IP" if key == "RATELIMIT_REGISTER" else "client IP and email")
        for key in dict.fromkeys(limits)
    )
    return stand_in


def _openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: <name> and <type:name> become {name}."""
    parts = []
    for segment in rule.split("/"):
        if segment.startswith("<") and segment.endswith(">"):
            segment = "{" + segment[1:-1].rpartition(":")[2] + "}"
        parts.append(segment)
    return "/".join(parts)


def _operation(view: Callable, blueprint: str, extra: list[dict]) -> dict:
    contract: Contract = view.contract
    tag, error_schema = FACES.get(blueprint, FACES["twofa"])
    summary, _, details = (inspect.getdoc(view) or "").partition("\n")
    limits = getattr(view, "rate_limits", ())
    description = " ".join(details.split())
    if limits:
        description += "\n\nRate limits: " + "; ".join(
            f"`{key}` (default {DEFAULTS[key]}) per {per}" for key, per in limits
        )
    operation = {
        "operationId": f"{blueprint}.{view.__name__}",
        "summary": summary.strip(),
        "tags": [tag],
        "parameters": list(extra),
        "responses": _responses(contract, view, error_schema),
    }
    if description.strip():
        operation["description"] = description.strip()
    kinds = getattr(view, "token_kinds", ())
    operation["security"] = [{TOKEN_SCHEMES[kind][0]: []} for kind in kinds]
    scopes = getattr(view, "admin_scopes", ())
    if scopes:
        operation["security"] = [{ADMIN_SCHEME[0]: list(scopes)}]
        scope_line = "Scope: " + ", ".join(f"`{s}`" for s in scopes) + "."
        operation["description"] = (scope_line + "\n\n" + operation.get("description", "")).strip()
    if contract.body is not None:
        body = contract.body
        schema = {"oneOf": list(body)} if isinstance(body, tuple) else body
        operation["requestBody"] = {
            "required": not contract.body_optional,
            "content": {"application/json": {"schema": schema}},
        }
    if contract.query is not None:
        operation["parameters"].append({"in": "query", "schema": contract.query})
    for name, text in contract.headers.items():
        header = {"in": "header", "name": name, "schema": {"type": "string"}}
        operation["parameters"].append({**header, "description": text})
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _responses(contract: Contract, view: Callable, error_schema: type[Schema]) -> dict:
    replies = [*contract.replies]
    body = replies[0] if len(replies) == 1 else {"oneOf": replies}
    first_lines = [(inspect.getdoc(r) or "OK").split("\n")[0] for r in replies]
    ok = {
        "description": " Or: ".join(first_lines),
        "content": {"application/json": {"schema": body}},
        "headers": _headers(view),
    }
    statuses = set(contract.errors) | {503}
    if contract.body is not None or contract.query is not None:
        statuses |= {400}
    if contract.body is not None:
        statuses |= {413}
    if getattr(view, "token_kinds", ()):
        statuses |= {401, 404}
    if getattr(view, "admin_scopes", ()):
        statuses |= {401, 403, 404}
    if getattr(view, "rate_limits", ()) or 423 in statuses:
        statuses |= {429}
    if error_schema is LegacyError:
        statuses |= {404}
    responses = {"200": ok}
    for status in sorted(statuses):
        responses[str(status)] = _error(ERROR_DESCRIPTIONS[status], error_schema, view, status)
    if error_schema is LegacyError:  # index.php's unknown endpoint keeps mfa-php's own body
        either = {"oneOf": [LegacyError, EndpointNotFoundError]}
        responses["404"]["content"]["application/json"]["schema"] = either
        responses["404"]["description"] += " Or an unknown endpoint (mfa-php's own body)."
    responses["default"] = _error("Any other error.", error_schema, view, 0)
    return responses


def _error(description: str, schema: type[Schema], view: Callable, status: int) -> dict:
    headers = _headers(view)
    if status == 429:
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        "headers": headers,
    }


def _headers(view: Callable) -> dict:
    found = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    if getattr(view, "rate_limits", ()):
        for name in RATE_LIMIT_HEADERS:
            found[name] = {"$ref": f"#/components/headers/{name}"}
    return found


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the current window.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "When the window resets (Unix seconds).",
}


def _add_headers(spec: APISpec) -> None:
    integer = {"type": "integer"}
    spec.components.header(
        "X-Request-Id",
        {"description": "This request's id, as the log writes it.", "schema": {"type": "string"}},
    )
    spec.components.header(
        "Retry-After", {"description": "Seconds to wait before trying again.", "schema": integer}
    )
    for name, description in RATE_LIMIT_HEADERS.items():
        spec.components.header(name, {"description": description, "schema": integer})


def _describe_fields(plugin: MarshmallowPlugin) -> None:
    """Teach apispec the types of the service's own fields."""
    plugin.map_to_openapi_type(inputs.Text, "string", None)
    plugin.map_to_openapi_type(inputs.Password, "string", None)
    plugin.map_to_openapi_type(inputs.SecondFactorCode, "string", None)
    plugin.converter.add_attribute_function(_own_field_properties)


def _own_field_properties(self, field: fields.Field, ret: dict, **_) -> dict:
    """Constants, the fields that take a string or a JSON number, and null for 'not given'."""
    if ret.get("default", 0) is None:  # null is taken as absent: no default to show
        del ret["default"]
    found = _own_field_type(field)
    if isinstance(field, inputs.SERVICE_FIELDS) and not field.required:
        kinds = found.get("type", ret.get("type", "string"))
        kinds = kinds if isinstance(kinds, list) else [kinds]
        found["type"] = [*dict.fromkeys([*kinds, "null"])]
    return found


def _own_field_type(field: fields.Field) -> dict:
    if isinstance(field, fields.Constant):
        value = field.constant
        kind = "boolean" if isinstance(value, bool) else "string"
        return {"type": kind, "const": value}
    if isinstance(field, inputs.EmailAddress) and field.strict:
        return {
            "type": "string",
            "format": "email",
            "maxLength": addresses.MAX_ADDRESS,
            "description": "A new address, as mfa-php took it (PHP's FILTER_VALIDATE_EMAIL) but "
            "for quoting and IP literals: an ASCII dot-atom of at most 64 characters, @, a "
            "domain name with a dot; at most 254 characters. Special-use names (.local, .test) "
            "are taken unless REJECT_SPECIAL_USE_DOMAINS.",
        }
    if isinstance(field, inputs.EmailAddress):
        return {"type": "string", "format": "email", "maxLength": inputs.MAX_EMAIL_LENGTH}
    if isinstance(field, inputs.Code):
        return {
            "type": ["string", "integer"],
            "pattern": r"^\s*([0-9]\s*){6}$",
            "minimum": 0,
            "maximum": 999_999,
            "description": "6 digits; spaces are ignored, a JSON number gets its leading zeros.",
            "examples": ["123456"],
        }
    if isinstance(field, inputs.Phone):
        return {"type": ["string", "integer"], "description": "6 to 20 digits."}
    if isinstance(field, inputs.Password) and field.new:
        return {
            "minLength": inputs.MIN_PASSWORD_LENGTH,
            "maxLength": MAX_PASSWORD_BYTES,
            "description": "As typed (never trimmed); at most 72 bytes in UTF-8; not a common "
            "password (REJECT_COMMON_PASSWORDS), not only spaces.",
        }
    if isinstance(field, inputs.Password):
        return {"maxLength": MAX_PASSWORD_BYTES, "description": "As typed (never trimmed)."}
    return {}
