"""The build backend (pyproject.toml, _build/backend.py): `pip install .` leaves no build/ or
egg-info behind in the source tree, and keeps what was there already."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def backend():
    """_build/backend.py, as pip loads it (backend-path)."""
    spec = importlib.util.spec_from_file_location("backend", ROOT / "_build" / "backend.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pyproject_builds_with_it():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'build-backend = "backend"' in text and 'backend-path = ["_build"]' in text
    assert "include _build/backend.py" in (ROOT / "MANIFEST.in").read_text()  # sdists too


def test_what_setuptools_leaves_in_the_tree_is_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def setuptools_hook(wheel_directory):  # as setuptools' build_wheel does
        (tmp_path / "build" / "lib").mkdir(parents=True)
        (tmp_path / "mfa_api.egg-info").mkdir()
        return "mfa_api-0-py3-none-any.whl"

    hook = backend()._tidied(setuptools_hook)
    assert hook("dist") == "mfa_api-0-py3-none-any.whl"
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_build_directory_that_was_there_already_stays(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "mine").write_text("kept")
    backend()._tidied(lambda: (tmp_path / "mfa_api.egg-info").mkdir())()
    assert [p.name for p in tmp_path.iterdir()] == ["build"]
    assert (tmp_path / "build" / "mine").read_text() == "kept"


def test_every_hook_pip_calls_is_there():
    module = backend()
    for hook in (
        "get_requires_for_build_wheel",
        "get_requires_for_build_sdist",
        "prepare_metadata_for_build_wheel",
        "build_wheel",
        "build_sdist",
        "build_editable",
    ):
        assert callable(getattr(module, hook)), hook
