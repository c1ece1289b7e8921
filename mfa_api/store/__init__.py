"""Repositories: the only modules with SQL. They return dataclasses or None, never rows."""
