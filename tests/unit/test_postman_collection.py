"""The committed Postman files are what postman/build.py writes, and cover every operation."""

import json
import re
import runpy
from pathlib import Path

POSTMAN = Path(__file__).resolve().parents[2] / "postman"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def built() -> dict:
    return runpy.run_path(str(POSTMAN / "build.py"), run_name="not_main")


def test_the_committed_files_are_generated_by_build_py():
    made = built()
    committed = json.loads((POSTMAN / "mfa-api.postman_collection.json").read_text())
    assert committed == made["collection"], "run python postman/build.py"
    environment = json.loads((POSTMAN / "local.postman_environment.json").read_text())
    assert environment == made["environment"]


def any_parameter(path: str) -> str:
    """A path with each parameter ({{postmanVariable}}, a number, or OpenAPI's {name}) made
    alike."""
    return re.sub(r"\{\{?\w+\}?\}|(?<=/)\d+(?=/|$)", "{}", path)


def test_every_operation_of_the_openapi_document_has_a_request():
    requests = set()
    for folder in built()["collection"]["item"]:
        for item in folder["item"]:
            method, url = item["request"]["method"], item["request"]["url"]
            path = re.sub(r"^\{\{baseUrl\}\}", "", url).split("?")[0]
            requests.add((method.lower(), any_parameter(path)))
    operations = json.loads(OPENAPI.read_text())["paths"]
    documented = {(m, any_parameter(p)) for p, item in operations.items() for m in item}
    assert documented - requests == set()
