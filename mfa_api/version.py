"""The package's version: what /healthz and `flask version` tell, and what the wheel is built as.

A module of its own so that anything (the views, the OpenAPI builder) can read it without
importing the package's factory above them.
"""

__version__ = "0.11.0"
