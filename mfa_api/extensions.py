"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_mail import Mail

mail = Mail()
