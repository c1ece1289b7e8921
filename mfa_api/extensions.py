"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Settings come from RATELIMIT_* config keys; each route names its own limit and key.
limiter = Limiter(key_func=get_remote_address)
