# syntax=docker/dockerfile:1
# Tandem's production image: docker build -t tandem-desk .
# Runs `tandem serve` as a non-root user; see compose.yaml for PostgreSQL + Redis + migrate.

# --- browser libraries from the npm registry, and the draft editor's bundle ---------------
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
# npm ci runs package.json's postinstall (npm run build): esbuild bundles
# web/static/js/draft-src.js into web/static/build/draft.js.
COPY web/static/js web/static/js
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && test -s web/static/build/draft.js

# --- the desk and its dependencies, installed into a venv ---------------------------------
FROM python:3.11-slim AS python
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/tandem
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && /opt/tandem/bin/pip install -r requirements.txt
COPY . .
# A regular (not editable) install: server/, realtime/, channels/, web/ (templates, static,
# locale) and migrations/ land in the venv's site-packages.
RUN /opt/tandem/bin/pip install --no-deps . \
    && /opt/tandem/bin/tandem --help > /dev/null

# --- the image ------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PATH=/opt/tandem/bin:$PATH \
    VIRTUAL_ENV=/opt/tandem \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# An emoji font: customers write emoji, and whatever renders pages or text on this host (a
# headless browser for checks, a report) shows them instead of empty boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-color-emoji \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --user-group --uid 10001 --create-home --home-dir /var/lib/tandem \
        --shell /usr/sbin/nologin tandem
COPY --from=python /opt/tandem /opt/tandem
# web/assets.py serves node_modules from the folder above the installed `web` package, which
# for a regular install is site-packages itself: put the two libraries there.
ARG SITE=/opt/tandem/lib/python3.11/site-packages
COPY --from=assets /assets/node_modules/htmx.org/dist ${SITE}/node_modules/htmx.org/dist
COPY --from=assets /assets/node_modules/socket.io-client/dist ${SITE}/node_modules/socket.io-client/dist
COPY --from=assets /assets/web/static/build ${SITE}/web/static/build
# Fail the build, not the first page view, if that layout ever changes.
RUN python -c "from web.assets import NODE_MODULES, VENDOR; \
missing = [p for p in VENDOR.values() if not (NODE_MODULES / p).is_file()]; \
assert not missing, f'browser assets missing under {NODE_MODULES}: {missing}'"

USER tandem
# Relative paths (the default SQLite file var/tandem.db, an optional .env) resolve here.
WORKDIR /var/lib/tandem
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["tandem"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
