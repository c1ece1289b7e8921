"""setuptools' build backend, leaving nothing behind in the source tree.

Since pip 21.3 `pip install .` builds in place, and setuptools keeps what it made there
(build/, mfa_api.egg-info/: setuptools issue 3236). Each hook here runs setuptools' own and
then removes those of them that were not there before it ran.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from setuptools import build_meta as _setuptools

LEFT_BEHIND = ("build", "mfa_api.egg-info")


@contextmanager
def _tidy() -> Iterator[None]:
    made = [Path(name) for name in LEFT_BEHIND if not Path(name).exists()]
    try:
        yield
    finally:
        for path in made:
            shutil.rmtree(path, ignore_errors=True)


def _tidied(hook: Callable) -> Callable:
    def run(*args, **kwargs):
        with _tidy():
            return hook(*args, **kwargs)

    run.__doc__ = hook.__doc__
    return run


get_requires_for_build_wheel = _tidied(_setuptools.get_requires_for_build_wheel)
get_requires_for_build_sdist = _tidied(_setuptools.get_requires_for_build_sdist)
get_requires_for_build_editable = _tidied(_setuptools.get_requires_for_build_editable)
build_wheel = _tidied(_setuptools.build_wheel)
build_sdist = _tidied(_setuptools.build_sdist)
build_editable = _tidied(_setuptools.build_editable)
prepare_metadata_for_build_wheel = _tidied(_setuptools.prepare_metadata_for_build_wheel)
prepare_metadata_for_build_editable = _tidied(_setuptools.prepare_metadata_for_build_editable)
