"""gunicorn's settings for Beacon's HTTP (pages and API; WebSocket is daphne's, see deploy/nginx.conf).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

Sync workers: each process serves one request at a time, which suits a request that is a few
milliseconds of CPU and a few round trips to Redis and PostgreSQL behind a proxy (nginx) that
buffers slow clients and keeps its own connections to them. Measured in bench/bench_api.py.
Each worker keeps a pool of PostgreSQL connections (DATABASE_POOL_MAX_SIZE): workers times that
must stay under the server's max_connections.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# WEB_CONCURRENCY: the usual name (Heroku, Render, Dokku); about twice the cores of the machine.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2))
worker_class = "sync"
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30
max_requests = 10_000  # recycle a worker now and then, so a slow leak cannot grow for ever
max_requests_jitter = 1_000
accesslog = None  # the proxy logs each request
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
