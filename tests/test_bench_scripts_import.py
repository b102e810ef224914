"""The scripts under bench/ are not type-checked and run by hand, so a renamed helper they import
would only show when someone runs them: each is imported here, in an interpreter of its own (they set
the production environment when imported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_bench_script_imports():
    scripts = sorted(path.stem for path in (ROOT / "bench").glob("*.py"))
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module('bench.' + name)\n"

    done = subprocess.run([sys.executable, "-c", code, *scripts], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "soak_api" in scripts and "bench_feed" in scripts
