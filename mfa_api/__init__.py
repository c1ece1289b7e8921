"""mfa-api: two-factor authentication as a service, and a drop-in replacement for mfa-php."""

from __future__ import annotations

import gc
import logging
import os
import sys

from flask import Flask

from .breaker import init_breakers
from .config import (
    apply_process_wide,
    docs_enabled,
    instance_folder,
    load_config,
    typed,
    use_throwaway_secret_key,
)
from .config_check import ConfigError, checking_config, init_config_check, problems, refuse_if_fatal
from .cors import init_cors
from .db import init_db_layer
from .errors import init_errors
from .extensions import limiter
from .headers import init_headers
from .migrate import init_migrations
from .observe import init_observe
from .pages import register_pages
from .parts import init_parts
from .proxy import init_proxy
from .redis_client import init_redis
from .state import fill, state_of
from .version import __version__

__all__ = ["ConfigError", "__version__", "create_app", "create_app_or_exit"]


def create_app_or_exit(config_file: str | os.PathLike | None = None) -> Flask:
    """The app for a WSGI server; a refused configuration prints one line and exits 3.

    What loading made (modules, classes, the app: ~55,000 objects the collector tracks) lives
    as long as the process, so it is moved out of the garbage collector's sight (gc.freeze):
    each full collection under load walked all of it, 8-14 ms here in which the worker's
    threads stood still.
    """
    try:
        app = create_app(config_file=config_file)
    except ConfigError as exc:  # one clear line, not a traceback
        print(f"mfa-api will not start: {exc}", file=sys.stderr)
        # 3 is gunicorn's "worker failed to boot": its master stops too, instead of forking anew.
        sys.exit(3)
    gc.collect()  # nothing collectable left behind in the frozen generation
    gc.freeze()
    return app


def create_app(
    test_config: dict | None = None, config_file: str | os.PathLike | None = None
) -> Flask:
    """Build the app: configuration, extensions, database, error handling, blueprints.

    Settings come from config_file (see config.config_file_path) and MFA_* variables, or from
    test_config alone. Raises ConfigError when the configuration would make the service unsafe
    or cannot work.
    """
    app = Flask(
        __name__,
        instance_path=instance_folder(os.path.dirname(__file__), os.getcwd()),
        instance_relative_config=True,
        static_folder=None,
    )
    if not logging.getLogger().handlers:
        app.logger.setLevel(logging.INFO)
        logging.getLogger("mfa_api").setLevel(logging.INFO)
    unreadable = load_config(app, test_config, config_file)
    made = state_of(app)
    found = problems(
        app.config,
        development=made.development,
        unreadable=unreadable,
        exposed=made.development_exposed,
    )
    init_config_check(app, found)
    if any(problem.fatal for problem in found):
        if checking_config():  # just enough to say what is wrong, or to make a missing key
            from .api.cli_keys import gen_key

            app.cli.add_command(gen_key)
            return app
        refuse_if_fatal(found)
    log = logging.getLogger(__name__)
    if made.settings_from:
        log.info("Settings from %s", made.settings_from)
    for problem in found:
        log.warning("Configuration: %s", problem.message)
    use_throwaway_secret_key(app)
    values = fill(app, values=typed(app.config)).values
    apply_process_wide(values)
    init_errors(app)
    init_observe(app)
    init_cors(app)
    init_headers(app)
    init_breakers(app)
    init_db_layer(app)
    init_parts(app)
    init_redis(app)
    init_migrations(app)
    # flask-limiter merges each app's RATELIMIT_STORAGE_OPTIONS into what the one Limiter kept
    # from the apps before: a second app in the process (a test, check-config) would get a
    # Sentinel's options for a plain Redis, fail to make its storage and count in memory.
    limiter._storage_options = {}  # noqa: SLF001 - no public way to start afresh
    limiter.init_app(app)
    init_proxy(app)

    from .api import (
        account,
        admin,
        cli,
        cli_api_keys,
        cli_keys,
        cli_sweep,
        cli_webhooks,
        dev,
        docs,
        legacy,
        ops,
        passkey_login,
        passkeys,
        phone,
        twofa,
    )

    app.register_blueprint(legacy.bp, url_prefix=values.legacy_prefix)
    for face in (twofa, phone, account, passkeys, passkey_login):
        app.register_blueprint(face.bp, url_prefix="/api/auth")
    app.register_blueprint(admin.bp, url_prefix="/api/admin")
    if state_of(app).keeps_outbox:
        app.register_blueprint(dev.bp)
    docs.register_docs(app, page=docs_enabled(app))
    register_pages(app)
    ops.register_ops(app)
    app.cli.add_command(docs.print_openapi)
    app.cli.add_command(cli.users)
    app.cli.add_command(cli_api_keys.keys)
    app.cli.add_command(cli_keys.gen_key)
    app.cli.add_command(cli_keys.rotate_keys)
    app.cli.add_command(cli_sweep.sweep)
    app.cli.add_command(cli_webhooks.webhooks)
    return app
