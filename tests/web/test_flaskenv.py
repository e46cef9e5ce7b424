"""``flask …`` in the project folder finds the app by ``.flaskenv``, with no ``--app``."""

from __future__ import annotations

import os
import subprocess  # nosec B404: runs our own CLI
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_flask_cli_finds_the_app_without_app_option() -> None:
    env = {k: v for k, v in os.environ.items() if k != "FLASK_APP"}
    flask = Path(sys.executable).with_name("flask")
    out = subprocess.run(  # nosec B603
        [str(flask), "users", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "create" in out.stdout
