"""The embedded mode (`make run`: no REDIS_URL, SQLite, worker and beat in the web process) serves the feed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.servers import free_port, port_wait

ROOT = Path(__file__).resolve().parents[3]
CREATE_KEY = """
import django; django.setup()
from accounts.models import Tenant
from accounts.services import api_key_create
tenant = Tenant.objects.create(name="Embedded", slug="embedded")
print(api_key_create(tenant=tenant, name="feed", scope="read", created_by=None)[1])
"""


async def _follow(url: str, key: str) -> list[dict]:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json({"action": "auth", "key": key})
        await ws.send_json({"action": "subscribe", "streams": ["signals", "engine"]})
        messages: list[dict] = []
        while len(messages) < 3:
            message = json.loads((await ws.receive(timeout=10)).data)
            if message["type"] != "heartbeat":  # a socket's first heartbeat may follow any of its first 64 frames
                messages.append(message)
        return messages


def test_serve_embedded_answers_the_feed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'beacon.sqlite3'}", DJANGO_SETTINGS_MODULE="config.settings.local",
               MARKET_DEMO_REPLAY="false")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    key = subprocess.run([sys.executable, "-c", CREATE_KEY], cwd=ROOT, env=env, check=True, timeout=60,
                         capture_output=True, text=True).stdout.strip()
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        port_wait(port, seconds=60, what="serve")
        messages = asyncio.run(_follow(f"ws://127.0.0.1:{port}/ws/v1/feed/", key))
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()

    assert [m["type"] for m in messages] == ["auth.ok", "subscribed", "engine.status"], output
    assert messages[0]["data"]["plan"] == "free"
    assert messages[1]["data"]["streams"] == ["engine", "signals"]
