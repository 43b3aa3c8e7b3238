# Minflow: the tracking server in a container.
#
#   docker build -t minflow .                                   # with the official MLflow UI
#   docker build -t minflow --build-arg WITH_MLFLOW_UI=false .  # API only
#   docker run -p 5000:5000 -v "$PWD/mlruns:/mlruns" minflow     # flags after the image go to `minflow server`
#
# test/e2e/dockerfile.test.ts checks this file and test/e2e/docker-image.test.ts carries out its build
# without a Docker engine; its RUN commands therefore use paths relative to WORKDIR only (the apt-get
# line aside).

# true: copy the official UI build out of the mlflow wheel (the version Minflow is tested against,
# test/compat/requirements.txt); false: no UI, `/` explains how to get one.
ARG WITH_MLFLOW_UI=true
ARG MLFLOW_VERSION=3.17.2

# --- build: compile better-sqlite3 and the TypeScript, then drop the dev dependencies ---------------
FROM node:20-bookworm-slim AS build
# node-gyp's toolchain, for better-sqlite3 when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json cli.ts ./
COPY server/ server/
COPY client/ client/
COPY trainer/ trainer/
COPY serving/ serving/
COPY scripts/ scripts/
COPY migrations/ migrations/
# `npm ci` runs `prepare` (tsc → dist/) once the dependencies are in.
RUN npm ci --no-audit --no-fund
# mlruns: the empty data directory the runtime stage copies to /mlruns (owned by the server's user).
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir mlruns

# --- mlflow-ui: the official UI build from the mlflow wheel; the wheel itself is thrown away ------------
FROM python:3.11-slim-bookworm AS mlflow-ui
ARG WITH_MLFLOW_UI
ARG MLFLOW_VERSION
WORKDIR /out
# The wheel carries the prebuilt React app (mlflow/server/js/build); none of its dependencies is needed.
RUN case "$WITH_MLFLOW_UI" in \
      true) python3 -m pip install --disable-pip-version-check --root-user-action=ignore -q --no-deps \
              --target wheel "mlflow==$MLFLOW_VERSION" \
            && mv wheel/mlflow/server/js/build ui \
            && rm -rf wheel ;; \
      false) mkdir ui ;; \
      *) echo "WITH_MLFLOW_UI must be true or false, not '$WITH_MLFLOW_UI'" >&2; exit 1 ;; \
    esac

# --- runtime ------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
# Container defaults, as environment so that both `-e MLFLOW_...` and flags after the image override them.
# MLFLOW_PORT is also what the health check probes.
ENV NODE_ENV=production \
    MLFLOW_HOST=0.0.0.0 \
    MLFLOW_PORT=5000 \
    MLFLOW_BACKEND_STORE_URI=sqlite:////mlruns/mlflow.db \
    MLFLOW_ARTIFACTS_DESTINATION=/mlruns/artifacts \
    MINFLOW_AUTH_USERS_FILE=/mlruns/minflow-users \
    MINFLOW_UI_DIR=/opt/mlflow-ui
WORKDIR /app
# Owned by root: the server's user can read its code but not change it.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/migrations/ migrations/
COPY --from=build /app/dist/ dist/
COPY --from=mlflow-ui /out/ui/ /opt/mlflow-ui/
# The one writable place; a new named volume starts with this owner (a bind mount keeps the host's).
COPY --from=build --chown=node:node /app/mlruns/ /mlruns/
# `node` (uid 1000) comes with the base image.
USER node
VOLUME /mlruns
EXPOSE 5000
# No curl in slim images: node's fetch. /health stays open under --auth basic.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MLFLOW_PORT || 5000) + (process.env.MLFLOW_STATIC_PREFIX || '') + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js", "server"]
CMD []
