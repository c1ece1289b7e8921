"""The WSGI entry point of an installed package: `gunicorn mfa_api.wsgi:application`. Settings
come from MFA_CONFIG_FILE (else config.py in the working directory) and MFA_* variables."""

from . import create_app_or_exit

application = app = create_app_or_exit()
