# syntax=docker/dockerfile:1
# Lazarus (worker + HTTP API in one process, `npm start`'s entry point compiled) for docker-compose.yml or any
# container platform. Multi-stage: `build` compiles the TypeScript with the dev dependencies; `runtime` installs the
# production dependencies only (npm ci --omit=dev; the C++ toolchain better-sqlite3 may need is removed in the same
# layer) and runs the compiled JavaScript as the unprivileged `node` user.
#
#   docker build -t lazarus .
#   docker run --rm lazarus node dist/bin/lazarus.js --help      # the CLI, also on PATH as `lazarus`
#
# Configuration: /etc/lazarus/lazarus.yaml (LAZARUS_CONFIG; mount it read-only), secrets in LAZARUS_SECRETS_FILE,
# state (SQLite inventory unless LAZARUS_DATABASE_URL) under /var/lib/lazarus (LAZARUS_HOME; a volume).
# TEMPORAL_ADDRESS must name the Temporal Service. Without it the container would run the compiled development server
# (dist/bin/temporal-dev, built for `npm start` from dist/) on its volume: for trying the image, never for production.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY activities activities
COPY api api
COPY bin bin
COPY cli cli
COPY deploy/copy-build-assets.mjs deploy/copy-build-assets.mjs
COPY devserver devserver
COPY domain domain
COPY simulators simulators
COPY workers workers
COPY workflows workflows
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LAZARUS_HOME=/var/lib/lazarus \
    LAZARUS_CONFIG=/etc/lazarus/lazarus.yaml \
    LAZARUS_API_LISTEN=0.0.0.0:8740 \
    LAZARUS_LOG_LEVEL=WARN
WORKDIR /app
COPY package.json package-lock.json ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && apt-get purge -y --auto-remove python3 make g++ \
 && rm -rf /var/lib/apt/lists/* /root/.cache /tmp/*
COPY --from=build /src/dist dist
COPY deploy/healthcheck.mjs deploy/healthcheck.mjs
COPY LICENSE README.md ./
RUN chmod 0755 dist/bin/lazarus.js \
 && ln -s /app/dist/bin/lazarus.js /usr/local/bin/lazarus \
 && mkdir -p /var/lib/lazarus /etc/lazarus \
 && chown node:node /var/lib/lazarus
USER node
VOLUME ["/var/lib/lazarus"]
EXPOSE 8740
# Healthy when the API answers /v1/healthz with 200: Temporal reachable and the inventory store answering.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=4 CMD ["node", "deploy/healthcheck.mjs"]
# SIGTERM (docker stop) drains the workers and closes the API (bin/lazarus-start.ts); compose adds an init process.
STOPSIGNAL SIGTERM
CMD ["node", "dist/bin/lazarus-start.js"]
