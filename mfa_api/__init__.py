"""mfa-api: two-factor authentication as a service, and a drop-in replacement for mfa-php."""

from __future__ import annotations

import logging

from flask import Flask

from .config import load_config
from .cors import init_cors
from .db import init_db_layer
from .errors import init_errors
from .mailer import init_mailer
from .migrate import init_migrations


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
    init_mailer(app)
    init_migrations(app)

    from .api import legacy

    app.register_blueprint(legacy.bp, url_prefix=app.config["LEGACY_PREFIX"])
    return app
