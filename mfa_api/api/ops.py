"""For operators and their load balancers: /healthz (the process answers), /readyz (what it
needs answers too) and, with METRICS_ENABLED, /metrics in Prometheus' format."""

from __future__ import annotations

import logging
from contextlib import nullcontext

import click
from flask import Blueprint, Flask, Response, jsonify
from marshmallow import Schema, fields

from ..db import get_db
from ..health import unready_parts
from ..metrics import exposition
from ..state import state, state_of
from ..version import __version__
from .contract import contract
from .twofa_replies import TwoFaError

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


class HealthReply(Schema):
    """The process answers (nothing else was checked)."""

    success = fields.Constant(True, required=True)
    status = fields.Constant("ok", required=True)
    version = fields.String(required=True, metadata={"example": __version__})


class ReadyReply(Schema):
    """The database answers with an up-to-date schema, and Redis (when configured) answers."""

    success = fields.Constant(True, required=True)
    status = fields.Constant("ready", required=True)
    version = fields.String(required=True, metadata={"example": __version__})


class NotReadyError(TwoFaError):
    """An error; from /readyz, a 503 that names what is not ready."""

    failing = fields.List(
        fields.String(),
        metadata={"description": "On /readyz's 503: database, schema, clock and/or redis."},
    )


@bp.get("/healthz")
@contract(HealthReply)
def healthz():
    """Liveness: the process answers. No I/O: a database outage does not fail it."""
    return {"version": __version__}


@bp.get("/readyz")
@contract(ReadyReply)
def readyz():
    """Readiness: the database answers with the current schema, this host's clock agrees with
    the database's, and Redis answers when configured.

    Otherwise 503, with `failing` naming each part that is not ready.
    """
    made = state()
    found = unready_parts(
        lambda: nullcontext(get_db()),
        made.redis,
        clock=made.clock,
        max_skew=made.settings.clock_skew_max_seconds,
    )
    if not found:
        return {"version": __version__}
    for part in found:
        log.warning("Not ready: %s", part.detail)
    failing = [part.part for part in found]
    body = {"message": "Not ready: " + ", ".join(failing), "failing": failing}
    response = jsonify(NotReadyError().dump(body))  # not the reply: passed on as it is
    response.status_code = 503
    return response


def metrics() -> Response:
    """Every worker's metrics, in Prometheus' text format."""
    body, content_type = exposition()
    return Response(body, content_type=content_type)


@click.command("version")
def version_command() -> None:
    """Print the version of mfa-api."""
    click.echo(f"mfa-api {__version__}")


def register_ops(app: Flask) -> None:
    """Serve /healthz and /readyz, and /metrics when METRICS_ENABLED; add `flask version`."""
    app.register_blueprint(bp)
    app.cli.add_command(version_command)
    if state_of(app).values.metrics_enabled:
        app.add_url_rule("/metrics", "metrics", metrics)
