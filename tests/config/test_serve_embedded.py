"""`manage.py serve` with no REDIS_URL: one process serves HTTP and runs a real worker and beat."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_embedded_answers_http_and_its_beat_and_worker_make_health_green(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'beacon.sqlite3'}", DJANGO_SETTINGS_MODULE="config.settings.local")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                time.sleep(0.5)
                continue
            health = (status, json.loads(body))
            if status == 200:
                break
            time.sleep(0.5)
        landing_status, landing = _get(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()

    assert health is not None, output
    assert health[0] == 200, (health, output)
    assert health[1]["checks"]["cache"]["broker"] == "memory"
    assert landing_status == 200 and b"Beacon" in landing
    assert "embedded Celery worker and beat started" in output
