# syntax=docker/dockerfile:1
# ensemble: `ensemble serve` (the coordinator) and `ensemble worker` from one image; see compose.yaml.

# --- build: compile TypeScript and the dashboard, then keep only production dependencies ---
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches this Node and libc.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are here; the two native packages are built next.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts \
    && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY bench ./bench
COPY web ./web
COPY agents ./agents
COPY bin ./bin
RUN npm run build \
    && npm prune --omit=dev

# --- runtime ---
FROM node:20-bookworm-slim AS runtime
# git: agents work on repositories (diffs as evidence, worktrees, branches). ca-certificates: provider APIs over TLS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system safe.directory '*' \
    && mkdir -p /data /workspace \
    && chown node:node /data /workspace
ENV NODE_ENV=production \
    ENSEMBLE_HOME=/data
WORKDIR /app
# package.json marks the package root, where the built-in agents (agents/) and the dashboard (dist/web/) are found.
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/agents ./agents
# The image's own `node` user (uid 1000): agents run commands, never as root.
USER node
VOLUME ["/data"]
EXPOSE 8000
# /healthz needs no token; node's fetch, since the slim image has no curl. Workers serve no HTTP: compose disables this for them.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:8000/healthz').then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/ensemble.js"]
# Beyond loopback the server refuses to start without ENSEMBLE_TOKEN (16+ characters); every /api call and /metrics then need it.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
