# The Knooppunt image (API, CLI, scheduled jobs) for docker compose: slim, non-root, installed
# from uv.lock (with hashes), front-end assets built from frontend/package-lock.json.
# Images are pinned by version; pin them by digest too as docs/deployment.md describes.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Front-end assets (Swagger UI, ReDoc) from npm with the lock file, copied into api/static/.
FROM ${NODE_IMAGE} AS assets
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json frontend/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM ${PYTHON_IMAGE} AS build
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/knooppunt \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
RUN pip install --no-cache-dir --root-user-action=ignore "uv==0.13.9"
WORKDIR /src
# Dependencies first (a layer that changes only with the lock), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --no-editable --python /usr/local/bin/python3
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
COPY knooppunt ./knooppunt
COPY --from=assets /src/api/static ./api/static
RUN uv sync --locked --no-editable --python /usr/local/bin/python3

FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/knooppunt/bin:$PATH \
    KNOOPPUNT_HOME=/var/lib/knooppunt \
    KNOOPPUNT_MODE=production
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/knooppunt --create-home knooppunt
COPY --from=build /opt/knooppunt /opt/knooppunt
USER knooppunt
WORKDIR /var/lib/knooppunt
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
CMD ["knooppunt", "serve", "--host", "0.0.0.0", "--port", "8000"]
