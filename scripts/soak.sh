#!/usr/bin/env bash
# make soak: a bounded soak run on this machine. Starts a redis-server and the proxy jar (with a
# capped heap) on free loopback ports, seeds Redis, then runs scripts/Soak.java: closed-loop HTTP
# and RESP clients over mixed hits, misses and absent keys while a writer changes Redis. Every
# SOAK_INTERVAL seconds it prints requests served, errors, p50/p99/max latency, the hit ratio,
# cached keys, and the proxy's heap in use after a full GC (jcmd GC.run, then /metrics): once the
# cache is full that figure should stay flat. Stops everything it started when done or interrupted.
#
# Knobs (environment): SOAK_SECONDS (default 600), SOAK_INTERVAL (30), SOAK_CLIENTS (32),
# SOAK_KEYS (50000 keys in Redis), SOAK_HOT (5000 keys get 85% of reads), SOAK_HEAP (proxy -Xmx,
# 256m); the proxy's own variables pass through (defaults here: CACHE_MAXSIZE=10000,
# CACHE_TTL=60s, MAX_PARALLEL=2).
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_INTERVAL=${SOAK_INTERVAL:-30}
SOAK_CLIENTS=${SOAK_CLIENTS:-32}
SOAK_KEYS=${SOAK_KEYS:-50000}
SOAK_HOT=${SOAK_HOT:-5000}
SOAK_HEAP=${SOAK_HEAP:-256m}
JAR=target/redis-proxy.jar
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
WORK=$(mktemp -d /tmp/redis-proxy-soak.XXXXXX)
REDIS_PID=
PROXY_PID=

log() { echo "soak: $*" >&2; }

cleanup() {
  # Only the processes this script started, by their own ids.
  for pid in "$PROXY_PID" "$REDIS_PID"; do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  log "logs in $WORK"
}
trap cleanup EXIT

[[ -f $JAR ]] || { log "$JAR is missing: run 'make build' first"; exit 1; }
command -v redis-server >/dev/null || { log "redis-server is not on PATH (Debian package redis-server)"; exit 1; }
(( SOAK_SECONDS >= SOAK_INTERVAL )) || { log "SOAK_SECONDS must be at least SOAK_INTERVAL"; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

await_port() {
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"; exit 1
}

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
  >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
await_port "$REDIS_PORT"

PROXY_PORT=$(free_port)
RESP_PORT=$(free_port)
REDIS_HOST=127.0.0.1 REDIS_PORT=$REDIS_PORT PROXY_PORT=$PROXY_PORT RESP_PORT=$RESP_PORT \
  CACHE_MAXSIZE=${CACHE_MAXSIZE:-10000} CACHE_TTL=${CACHE_TTL:-60s} MAX_PARALLEL=${MAX_PARALLEL:-2} \
  "$JAVA" "-Xmx$SOAK_HEAP" -jar "$JAR" >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
await_port "$PROXY_PORT"
await_port "$RESP_PORT"
log "redis-server pid $REDIS_PID on $REDIS_PORT; proxy pid $PROXY_PID (-Xmx$SOAK_HEAP) on HTTP $PROXY_PORT, RESP $RESP_PORT"

"$JAVA" scripts/Soak.java http="$PROXY_PORT" resp="$RESP_PORT" redis="$REDIS_PORT" pid="$PROXY_PID" \
  seconds="$SOAK_SECONDS" interval="$SOAK_INTERVAL" clients="$SOAK_CLIENTS" keys="$SOAK_KEYS" hot="$SOAK_HOT"

kill -0 "$PROXY_PID" 2>/dev/null || { log "the proxy died during the run"; exit 1; }
