"""mfa-api: two-factor authentication as a service, and a drop-in replacement for mfa-php."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import load_config
from .cors import init_cors
from .db import init_db_layer
from .errors import init_errors
from .extensions import limiter
from .migrate import init_migrations
from .parts import init_parts
from .redis_client import init_redis


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, database, error handling, blueprints."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    if not logging.getLogger().handlers:
        app.logger.setLevel(logging.INFO)
        logging.getLogger("mfa_api").setLevel(logging.INFO)
    load_config(app, test_config)
    init_errors(app)
    init_cors(app)
    init_db_layer(app)
    init_parts(app)
    init_redis(app)
    init_migrations(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    if int(app.config["PROXY_COUNT"]) > 0:
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from .api import account, cli, legacy, phone, twofa

    app.register_blueprint(legacy.bp, url_prefix=app.config["LEGACY_PREFIX"])
    for face in (twofa, phone, account):
        app.register_blueprint(face.bp, url_prefix="/api/auth")
    app.cli.add_command(cli.users)
    return app
