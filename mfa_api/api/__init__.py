"""Blueprints: read the request, call a service, answer."""
