"""The contract, served: /openapi.json always; /docs (Swagger UI from the flask-swagger-ui
package's own assets, no CDN) in development, or in production with DOCS_ENABLED=true."""

from __future__ import annotations

import json
import os
import threading

import click
import flask_swagger_ui
from flask import Blueprint, Response, current_app, send_from_directory

from ..state import fill, state
from . import openapi

ASSETS = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>mfa-api: API documentation</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/start.js"></script>
</body>
</html>
"""
START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
});
"""
# Swagger UI sets inline styles and draws some icons as data: images; nothing leaves the origin.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)


_BUILDING = threading.Lock()  # one build, and no fill of the state lost to a race


def document() -> dict:
    """This app's OpenAPI document (built once, at the first request for it)."""
    built = state().openapi
    if built is None:
        with _BUILDING:
            built = state().openapi
            if built is None:
                built = fill(current_app, openapi=openapi.build(current_app)).openapi
    return built


def as_text(spec: dict) -> str:
    """The document as the committed docs/openapi.json holds it."""
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def openapi_json():
    """The OpenAPI 3.1 document of this service."""
    return Response(as_text(document()), mimetype="application/json")


def docs_page():
    """Swagger UI over /openapi.json."""
    return _with_page_policy(Response(PAGE, mimetype="text/html"))


def docs_start():
    """The page's own script (no inline script: the policy forbids them)."""
    return _with_page_policy(Response(START, mimetype="text/javascript"))


def docs_asset(name: str):
    """Swagger UI's files, from the package."""
    return _with_page_policy(send_from_directory(ASSETS, name, max_age=0))


def _with_page_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    return response


def register_docs(app, *, page: bool) -> None:
    """Serve /openapi.json, and the /docs page when page is True."""
    bp = Blueprint("docs", __name__)
    bp.add_url_rule("/openapi.json", view_func=openapi_json)
    if page:
        bp.add_url_rule("/docs", view_func=docs_page, strict_slashes=False)
        bp.add_url_rule("/docs/start.js", view_func=docs_start)
        bp.add_url_rule("/docs/<path:name>", view_func=docs_asset)
    app.register_blueprint(bp)


@click.command("openapi")
def print_openapi():
    """Print the OpenAPI document (make openapi writes it to docs/openapi.json)."""
    click.echo(as_text(document()), nl=False)
