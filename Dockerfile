# syntax=docker/dockerfile:1
# The image of every Uptick service, one build per service. Build context: the repository root.
#   docker build --build-arg SERVICE=auth -t uptick-auth .
# SERVICE is one of services/*: auth, monitors, poller, checker, ingest, notifier, operator, web.
# Runs as user 10001 with a read-only root filesystem. HTTP services (auth, monitors) serve on 8000
# (/api…, /healthz, /readyz, /metrics); workers serve /healthz, /readyz and /metrics on 9000; web serves
# the dashboard on 8000 and /healthz, /readyz, /metrics on 9000.
# Every image also holds uptick-migrate (the shared library's script); the chart's migration Job runs
# it from the monitors image.

# The dashboard's browser libraries, from services/web/package-lock.json, copied into web's package by
# vendor.mjs. Only web's wheel ships them; BuildKit keeps this stage cached for the other services.
FROM node:20-bookworm-slim AS web-assets
WORKDIR /web
COPY services/web/package.json services/web/package-lock.json services/web/vendor.mjs ./
RUN npm ci --omit=dev --no-audit --no-fund && node vendor.mjs


FROM python:3.11-slim-bookworm AS builder
ARG SERVICE
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
# Bytecode is compiled here because the running container cannot write it; uv copies out of its
# cache mount instead of hard-linking, and uses this image's Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=0 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

# Third-party dependencies of this service only, from the lock: reused until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    test -n "${SERVICE}" \
    && uv sync --frozen --no-dev --no-install-workspace --package "uptick-${SERVICE}"

# Then the code: the shared libraries and this service, installed as wheels (no editable links). The
# entrypoint is one fixed name, so that the final stage needs no build argument.
COPY libs libs
COPY services/${SERVICE} services/${SERVICE}
COPY --from=web-assets /web/src/uptick_web/static/vendor services/web/src/uptick_web/static/vendor
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-editable --package "uptick-${SERVICE}" \
    && ln -s "uptick-${SERVICE}" /app/.venv/bin/uptick-service


FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 uptick \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin uptick
# Nothing is written outside /tmp (an emptyDir in Kubernetes): no .pyc files, HOME in /tmp.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    PATH=/app/.venv/bin:$PATH
# Only the virtual environment: owned by root, so the service cannot change its own code.
COPY --from=builder /app/.venv /app/.venv
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9000
ENTRYPOINT ["/app/.venv/bin/uptick-service"]
