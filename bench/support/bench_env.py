"""The bench-only environment (``.venv-bench``): the peers, Locust and py-spy, never in ``.venv``.

Its lock, ``requirements-bench.txt`` (hashes), is resolved by ``make lock`` from
``requirements-bench.in``.
"""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

from bench.support.common import ROOT, note

BENCH_ENV = ROOT / ".venv-bench"
REQUIREMENTS = ROOT / "requirements-bench.txt"


def bench_python() -> Path:
    """The bench environment's interpreter, (re)built when requirements-bench.txt changed."""
    python, stamp = BENCH_ENV / "bin" / "python", BENCH_ENV / ".stamp"
    if stamp.exists() and stamp.stat().st_mtime >= REQUIREMENTS.stat().st_mtime:
        return python
    note(f"building {BENCH_ENV} from {REQUIREMENTS.name}")
    venv.create(BENCH_ENV, with_pip=True, clear=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--require-hashes", "-r", str(REQUIREMENTS)]
    subprocess.run(pip, check=True, timeout=600)
    stamp.touch()
    return python
