# One image for every role of the fleet. The container's command picks the role:
#   db migrate   (one-shot, before the others)     producer     consumer     dashboard
# and any other CLI command (`backfill enqueue`, `backfill status`, …).
# The Node.js release of .node-version (test/deploy/nodeVersion.test.ts checks they agree): the LTS line, 24.
ARG NODE_VERSION=24.22.3
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY test ./test
RUN npm run build && npm prune --omit=dev

# The runtime stage: production dependencies and the compiled code only (no compiler, no tests, no sources).
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# pg_dump / pg_restore for `db backup`, `db restore` and the backup `db migrate` / `db rollback` take first.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# Owned by root, run as `node`: the process cannot change its own code.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
COPY package.json ./
# Backups go to a directory of `node`'s (the process cannot write under /app): `db migrate` and `db rollback`
# take one before every change. A volume, so a dump outlives the container that wrote it; mount one there.
ENV BACKUP_DIR=/var/lib/tracktion-migrate/backups
RUN mkdir -p "$BACKUP_DIR" && chown -R node:node /var/lib/tracktion-migrate && chmod 700 "$BACKUP_DIR"
VOLUME /var/lib/tracktion-migrate/backups
USER node
# METRICS_PORT (producer, consumer: /metrics, /healthz, /readyz) and DASHBOARD_PORT, as the deployments set them.
EXPOSE 9464 8080
# Exec form, node itself as the entry (not npm, not a shell): SIGTERM reaches the process, which drains.
# Compose adds `init: true` so a zombie pg_dump child is reaped; Kubernetes needs nothing more.
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/src/cli/main.js"]
CMD ["--help"]
