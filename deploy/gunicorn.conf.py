"""gunicorn's settings for Beacon's HTTP (pages and API; WebSocket is daphne's, see deploy/nginx.conf).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

gthread workers: each process serves `GUNICORN_THREADS` requests at once on threads, so one waiting
on Redis or PostgreSQL does not hold up the others, and keeps its connections to nginx alive between
requests. In bench/bench_api.py on a busy 2-core host (load average 14-20) it served the API about as
fast as sync workers (which close every connection after one request and serve one request at a time)
when the host was steady, and kept going when the host was at its busiest, where sync workers fell to
a third of the requests per second.
Two threads a process and twice as many processes as cores, by default: a request is mostly waits on
Redis (the key, the rate limit, the cached page: three round trips) and each thread back from one waits
for its process's GIL while another thread runs. bench/soak_api.py (270 requests a second from 50 keys,
2 cores): 2 processes x 4 threads answered allowed requests at p95 23 to 121 ms (four of nine runs over
50 ms), 4 x 2 at 18 and 20 ms, 4 x 1 at 16 ms; bench/bench_api.py at 16 clients: 4 x 2 1,070
requests/s, p95 39 ms, 2 x 4 871/s, 47 ms.
Each worker keeps a pool of PostgreSQL connections (DATABASE_POOL_MAX_SIZE, shared by its threads):
workers times that must stay under the server's max_connections.

The application is loaded once, before the workers are forked (`preload_app`), and what it allocated
(Django, the URL conf, the apps: about 200,000 objects) is then moved out of the garbage collector's
sight (`when_ready`: `gc.freeze`, as config/asgi.py does for daphne): without it each worker's full
collection scanned all of it, 160 to 255 ms during which none of its threads answered (bench/soak_api.py
at 270 requests a second: two or three such pauses a worker a minute, its p99 of allowed requests
176 ms).
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# WEB_CONCURRENCY: the usual name (Heroku, Render, Dokku) for the processes: twice the machine's cores.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 2))
keepalive = 30  # seconds an idle connection from nginx stays open (nginx keeps up to 32 per worker)
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30
# The master imports Beacon once and forks its workers from it: a worker starts in milliseconds, not after
# a second or two of imports that take the CPU from the other workers' requests (on every max_requests
# recycle too). Nothing is connected at import (database, Redis and Sentry connect on first use, per process).
preload_app = True
max_requests = 10_000  # recycle a worker now and then, so a slow leak cannot grow for ever
max_requests_jitter = 1_000
accesslog = None  # the proxy logs each request
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def when_ready(server):
    """In the master, once the preloaded application is built and before any worker is forked."""
    gc.collect()
    gc.freeze()
