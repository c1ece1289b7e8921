"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

import sys

from mfa_api import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:  # one clear line, not a traceback
    sys.exit(f"mfa-api will not start: {exc}")
