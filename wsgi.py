"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

import sys

from mfa_api import ConfigError, create_app

try:
    app = create_app()
except ConfigError as exc:  # one clear line, not a traceback
    print(f"mfa-api will not start: {exc}", file=sys.stderr)
    # 3 is gunicorn's "worker failed to boot": its master stops too, instead of forking anew.
    sys.exit(3)
