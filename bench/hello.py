"""A bare Flask "hello" for bench/verify_rate.py: the floor of any request on this gunicorn."""

from flask import Flask

application = Flask(__name__)


@application.post("/")
def hello():
    """Answer a tiny JSON body."""
    return {"hello": "world"}
