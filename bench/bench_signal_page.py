"""The signal page with 500 bars in a real browser: navigation start to the chart painted, median of
SIGNAL_PAGE_RUNS loads (15 here), against the same loads' DOMContentLoaded (the baseline: the document
without the chart). Target: under 1 s.

It runs the browser test that holds the measurement (tests/e2e/test_signal_page_speed.py: Debian's
Chromium at /usr/bin/chromium driving the real ASGI application on a test database), so the bench
and the test measure the same thing. Needs what the test suite needs (DATABASE_URL for PostgreSQL,
else SQLite). Data: 520 synthetic daily bars (labelled so in tests/signals/website.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = {**os.environ, "SIGNAL_PAGE_RUNS": os.environ.get("SIGNAL_PAGE_RUNS", "15")}
    env.pop("CI", None)  # without a browser the test is skipped with its reason, not failed
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly", "--no-cov",
         "tests/e2e/test_signal_page_speed.py"], cwd=ROOT, env=env, capture_output=True, text=True)
    figures = [line for line in result.stdout.splitlines() if line.startswith("signal page,")]
    print("\n".join(figures) or result.stdout[-2000:])
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
