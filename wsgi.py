"""The WSGI entry point of a checkout: `gunicorn wsgi:application`, mod_wsgi's WSGIScriptAlias, or
`flask --app wsgi`. Settings come from the config.py beside this file (MFA_CONFIG_FILE names
another) and MFA_* variables, whatever the working directory."""

from pathlib import Path

from mfa_api import create_app_or_exit

application = app = create_app_or_exit(Path(__file__).resolve().with_name("config.py"))
