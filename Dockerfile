# Production image: one image for web (gunicorn), ws (daphne), worker and beat (the command picks the role;
# compose.yaml puts nginx with deploy/nginx.conf in front of web and ws).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 beacon

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=beacon:beacon . .
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost VAULT_MASTER_KEYS=build-only:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput

USER beacon
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"]
