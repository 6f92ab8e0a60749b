# The focal-loss service as a container image (multi-stage).
#   build:   all dependencies, TypeScript compiled to dist/
#   runtime: production dependencies only + dist/, run as a non-root user (uid 1000)
# The base image is a build argument so a mirror or a pinned digest can be used:
#   docker build --build-arg BASE_IMAGE=node:24-bookworm-slim@sha256:... -t focal-loss .
# PID 1 is node itself: the server handles SIGTERM/SIGINT (drain, then exit 0), and it starts no
# child processes, so there are no zombies to reap. `docker run --init` / compose `init: true`
# (tini) is still recommended so that signals also reach a process that is stuck starting up.
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# Dependencies first: this layer is reused until package*.json change. The TypeScript client
# (clients/typescript, `focal-loss-client`) is an npm workspace the service imports: npm ci links
# it into node_modules from its package.json.
COPY package.json package-lock.json ./
COPY clients/typescript/package.json ./clients/typescript/
RUN npm ci --ignore-scripts --no-audit --no-fund --update-notifier=false
COPY tsconfig.json ./
COPY clients/typescript/tsconfig.json ./clients/typescript/
COPY clients/typescript/src ./clients/typescript/src
COPY src ./src
# The WebAssembly kernels (AssemblyScript source; `npm run build` compiles them into dist/kernels/).
COPY assembly ./assembly
# The `prepare` script is the build: the client package (-> clients/typescript/dist/), then the service (tsc -> dist/).
RUN npm run build

FROM ${BASE_IMAGE} AS runtime
# glibc.malloc.hugetlb=1: large buffers (request bodies, tensors, answers) are backed by
# transparent huge pages. On the VMs measured, first-touching fresh 4 KiB pages cost ~4 ms/MB,
# which made a 53 MB request spend more time faulting memory in than computing; see
# docs/benchmarks.md. glibc without the tunable (or musl) ignores it.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/typescript/package.json ./clients/typescript/
# Production dependencies only; no lifecycle scripts (prepare would need TypeScript). The client
# workspace is linked (node_modules/focal-loss-client -> clients/typescript), its build copied below.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --update-notifier=false --cache /tmp/npm-cache \
    && rm -rf /tmp/npm-cache
COPY --from=build /app/dist ./dist
# The merge and statistics rules the service and its workers import (focal-loss-client/merge).
COPY --from=build /app/clients/typescript/dist ./clients/typescript/dist
# The OpenAPI document's worked examples, read at run time from the package root (like package.json).
COPY openapi/examples.json ./openapi/examples.json
# Files stay owned by root and read-only to the service; it writes nothing to disk.
# A numeric user, so Kubernetes' runAsNonRoot can verify it without a runAsUser.
USER 1000:1000
EXPOSE 3000
# Liveness from inside the container with Node's own fetch (no curl in a slim image).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Never `npm start`: npm does not pass SIGTERM on to the server.
CMD ["node", "dist/server.js"]
