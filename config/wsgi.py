"""WSGI entry point: the HTTP pages and API under gunicorn in production (deploy/gunicorn.conf.py).

WebSocket (/ws/) is ASGI only (config/asgi.py, daphne); the reverse proxy sends each path to its server
(deploy/nginx.conf).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
