# The Knooppunt API (and CLI) for docker compose: slim, non-root, installed with pip.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
COPY api ./api
RUN pip install --no-cache-dir --root-user-action=ignore --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KNOOPPUNT_HOME=/var/lib/knooppunt
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/knooppunt --create-home knooppunt
COPY --from=build /install /usr/local
USER knooppunt
WORKDIR /var/lib/knooppunt
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
CMD ["knooppunt", "serve", "--host", "0.0.0.0", "--port", "8000"]
