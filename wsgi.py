"""The WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

from mfa_api import create_app

app = create_app()
