#!/usr/bin/env bash
# make run on a machine with a Docker engine: Redis 7 and the proxy image from the Dockerfile,
# configured from .env, in the foreground. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
set -a; . ./.env; set +a
echo "make run: docker compose: Redis (service redis), HTTP on localhost:${PROXY_PORT}, RESP on localhost:${RESP_PORT}"
exec "${compose[@]}" up --build redis proxy
