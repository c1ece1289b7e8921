"""Each view states its contract once (api/contract.py): exactly one @contract on every JSON
route, and no view loads, dumps or names a schema of its contract by hand. And the
decorator's rules, on a small app of its own."""

from __future__ import annotations

import inspect
import types

import pytest
from flask import Flask, Response
from marshmallow import Schema, fields

from mfa_api import create_app
from mfa_api.api.contract import Contract, contract
from mfa_api.api.inputs import BodySchema, Text
from mfa_api.errors import init_errors
from mfa_api.state import fill

# Not JSON views: Swagger UI and the document, the /account page, Prometheus' text.
NOT_JSON = ("docs.", "pages.", "metrics")
BY_HAND = {"load", "json_body", "reply", "instance_of"}
ANSWERED = contract(Schema)(lambda: None).__code__  # the code of @contract's wrapper


@pytest.fixture(scope="module")
def routes_app(tmp_path_factory, monkeypatch_module):
    """Every route there is: development (/dev/outbox) and /metrics included."""
    monkeypatch_module.setenv("FLASK_DEBUG", "1")
    database = tmp_path_factory.mktemp("contracts") / "db.sqlite3"
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "p5iAC9XH4UBnR_YixjP4YFS-kLj1n13uZJJz8vZaJNc",
            "DATABASE_URL": f"sqlite:///{database}",
            "METRICS_ENABLED": True,
        }
    )


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _views(app: Flask):
    """(name, view) of every JSON view: each route's, and each the mfa-php index routes to."""
    for endpoint, view in app.view_functions.items():
        routes_to = getattr(view, "routes_to", None)
        if routes_to is not None:
            yield from ((f"{endpoint}:{name}", v) for name, v in routes_to.items())
        elif not endpoint.startswith(NOT_JSON):
            yield endpoint, view


def _layers(view):
    """The view and every function it wraps, outermost first."""
    while view is not None:
        yield view
        view = getattr(view, "__wrapped__", None)


def _names(code: types.CodeType) -> set[str]:
    """The global and attribute names code uses, its nested functions' included."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _names(const)
    return found


def test_every_json_view_has_exactly_one_contract(routes_app):
    views = dict(_views(routes_app))
    assert "twofa.login" in views and "legacy.dispatch:verify" in views
    for name, view in views.items():
        contracts = [f for f in _layers(view) if getattr(f, "__code__", None) is ANSWERED]
        assert len(contracts) == 1, f"{name}: {len(contracts)} @contract"
        assert isinstance(view.contract, Contract), name


def test_no_view_states_its_contract_a_second_time(routes_app):
    for name, view in _views(routes_app):
        own = inspect.unwrap(view)
        terms = view.contract
        schemas = {*terms.replies, terms.body, terms.query} - {None}
        names = _names(own.__code__)
        by_hand = names & BY_HAND
        assert not by_hand, f"{name} loads or dumps by hand: {sorted(by_hand)}"
        named = {n for n in names if any(own.__globals__.get(n) is s for s in schemas)}
        assert not named, f"{name} names a schema of its contract again: {sorted(named)}"


class Body(BodySchema):
    required_message = "word is required"
    word = Text(required=True)


class Optional(BodySchema):
    loud = fields.Boolean(load_default=False)


class Said(Schema):
    said = fields.String(required=True)


class Shouted(Schema):
    shouted = fields.String(required=True)


@pytest.fixture
def small():
    """A tiny app with one view per rule of the decorator."""
    app = Flask(__name__)
    fill(app)  # an empty application state: the error handlers read their shapes there
    init_errors(app)

    @app.post("/say/<int:times>")
    @contract(Said, body=Body, errors=(409,))
    def say(form, times: int):
        return {"said": form["word"] * times}

    @app.post("/either")
    @contract({"said": Said, "shouted": Shouted}, body=Optional)
    def either(form):
        return ("shouted", {"shouted": "HI"}) if form["loud"] else ("said", {"said": "hi"})

    @app.get("/raw")
    @contract(Said)
    def raw():
        return Response("as it is", status=503)

    return app.test_client()


def test_the_body_is_loaded_and_the_answer_dumped(small):
    answer = small.post("/say/2", json={"word": "ab", "extra": 1})
    assert (answer.status_code, answer.json) == (200, {"said": "abab"})
    refused = small.post("/say/2", json={})
    assert refused.status_code == 400 and refused.json["message"] == "word is required"
    assert small.post("/say/2", data="[").json["message"] == "Invalid JSON data"


def test_an_empty_body_is_empty_when_nothing_is_required(small):
    assert small.post("/either").json == {"said": "hi"}
    assert small.post("/either", json={"loud": True}).json == {"shouted": "HI"}
    assert small.post("/say/1").json["message"] == "Invalid JSON data"


def test_a_response_passes_untouched(small):
    answer = small.get("/raw")
    assert (answer.status_code, answer.get_data(as_text=True)) == (503, "as it is")


def test_named_replies_are_documented_in_their_order():
    @contract({"a": Said, "b": Shouted}, body=Body, errors=(423,), body_optional=True)
    def view(form):
        return "a", {}

    assert view.contract == Contract((Said, Shouted), Body, None, (423,), {}, True)
