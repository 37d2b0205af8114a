# Production image: gunicorn serving wsgi:app on PostgreSQL.
# Build: docker build -t data-marketplace .
# Run:   docker run -e DATABASE_URL=postgresql+psycopg://… -e SECRET_KEY=… -e BASE_URL=https://… \
#          -e OIDC_ISSUER=https://oidc.account.gov.uk/ -e OIDC_CLIENT_ID=… -e OIDC_PRIVATE_KEY=… \
#          -e PROXY_HOPS=1 -p 8000:8000 data-marketplace
# Behind a TLS-terminating proxy, PROXY_HOPS says how many proxies' X-Forwarded-* headers to
# believe (ProxyFix); with none in front, leave it 0, or clients choose their own address.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MARKETPLACE_ENV=production \
    WEB_CONCURRENCY=2 \
    PORT=8000

WORKDIR /app
RUN groupadd --system --gid 10001 marketplace \
 && useradd --system --uid 10001 --gid marketplace --home-dir /app marketplace

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml requirements.lock README.md ./
COPY marketplace/__init__.py marketplace/__init__.py
RUN pip install -c requirements.lock -e . && rm -rf marketplace

COPY --chown=marketplace:marketplace . .
RUN mkdir -p /app/instance && chown marketplace:marketplace /app/instance
USER 10001

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Migrations run first under a PostgreSQL advisory lock (migrations/env.py), so several
# containers can start at once; then gunicorn serves the same wsgi:app the tests exercise, with
# gunicorn.conf.py's settings (WEB_CONCURRENCY workers of GUNICORN_THREADS threads on PORT; the
# app writes its own JSON access lines to stdout; /metrics sums every worker's counts).
# The search index is built (or caught up) in the background while gunicorn already serves: until
# it is there, lists come from the database and /readyz says "degraded".
CMD ["sh", "-c", "flask --app marketplace db upgrade && { flask --app marketplace search sync & } && exec gunicorn -c gunicorn.conf.py wsgi:app"]
