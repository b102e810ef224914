"""Server tests are skipped with a reason locally, and fail in CI when the server is missing."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import pytest

@pytest.mark.redis
def test_needs_redis():
    pass
'''


def _run_probe(tmp_path, env_extra):
    probe = tmp_path / "test_probe_marker.py"
    probe.write_text(PROBE)
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test", **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), str(probe)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_redis_test_is_skipped_with_a_reason_without_redis_url(tmp_path):
    result = _run_probe(tmp_path, {})

    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_redis_test_fails_in_ci_without_redis_url(tmp_path):
    result = _run_probe(tmp_path, {"CI": "true"})

    assert result.returncode == 1
    assert "CI must run every server test" in result.stdout
