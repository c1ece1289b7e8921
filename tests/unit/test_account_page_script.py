"""The account page's passkey autofill, run by node with a stubbed browser
(tests/js/autofill_backoff.js): options that cannot be had, or a browser that cannot parse
them, never make the page ask again in a loop (that spent the address's rate limit for
everyone behind it)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "js" / "autofill_backoff.js"
NODE = shutil.which("node")


def option_calls(mode: str) -> int:
    """POSTs to /passkey-login/options a signed-out page made in 200 ms, in this mode."""
    done = subprocess.run([NODE, str(SCRIPT), mode], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["optionCalls"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (newman needs it too)")
@pytest.mark.parametrize(("mode", "most"), [("429", 1), ("notype", 0), ("ok", 1)])
def test_autofill_asks_for_options_once_not_in_a_loop(mode, most):
    assert option_calls(mode) <= most
    assert mode == "notype" or option_calls(mode) == 1
