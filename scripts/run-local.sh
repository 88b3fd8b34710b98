#!/usr/bin/env bash
# Runs the proxy in the foreground with `java -jar target/redis-proxy.jar`, against the Redis at
# REDIS_HOST:REDIS_PORT (default localhost:6379). If that address is local and nothing listens
# there, starts a redis-server for the session (installing Debian's package when missing and
# running as root) and stops it when the proxy exits. Configuration is the usual environment
# variables (see README.md); arguments go to the proxy, e.g. `scripts/run-local.sh -conf my.json`.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=target/redis-proxy.jar
REDIS_HOST=${REDIS_HOST:-localhost}
REDIS_PORT=${REDIS_PORT:-6379}
PROXY_PORT=${PROXY_PORT:-8080}
RESP_PORT=${RESP_PORT:-6380}
export REDIS_HOST REDIS_PORT PROXY_PORT RESP_PORT

log() { echo "run-local: $*" >&2; }
die() { log "$*"; exit 1; }

listening() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

ensure_redis_server() {
  command -v redis-server >/dev/null && return
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "redis-server is not on PATH; installing Debian's redis-server package"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server
    return
  fi
  die "redis-server is not on PATH. Install it (Debian/Ubuntu: sudo apt-get install redis-server)," \
      "or start a Redis yourself and point REDIS_HOST/REDIS_PORT at it."
}

REDIS_PID=
PROXY_PID=
cleanup() {
  if [[ -n $PROXY_PID ]] && kill -0 "$PROXY_PID" 2>/dev/null; then
    kill -TERM "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
  fi
  if [[ -n $REDIS_PID ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    log "stopping the redis-server started for this run (pid $REDIS_PID)"
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

[[ -f $JAR ]] || die "$JAR is missing: run 'make build' first"

case $REDIS_HOST in
  localhost|127.0.0.1) local_redis=true ;;
  *) local_redis=false ;;
esac
if [[ -n ${REDIS_URL:-} ]]; then
  local_redis=false # the proxy reads REDIS_URL instead of REDIS_HOST/REDIS_PORT
fi

redis_note="already running"
if $local_redis && ! listening 127.0.0.1 "$REDIS_PORT"; then
  ensure_redis_server
  # The package may have started its own service on the default port.
  if ! listening 127.0.0.1 "$REDIS_PORT"; then
    mkdir -p target/run
    # In a session of its own, so that Ctrl-C reaches only the proxy; the trap stops Redis after it.
    setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$PWD/target/run" --logfile "$PWD/target/run/redis.log" &
    REDIS_PID=$!
    for _ in $(seq 100); do
      listening 127.0.0.1 "$REDIS_PORT" && break
      kill -0 "$REDIS_PID" 2>/dev/null || die "redis-server exited; see target/run/redis.log"
      sleep 0.1
    done
    listening 127.0.0.1 "$REDIS_PORT" || die "redis-server did not listen on $REDIS_PORT; see target/run/redis.log"
    redis_note="started for this run, pid $REDIS_PID, log target/run/redis.log"
  fi
elif ! $local_redis; then
  redis_note="not managed here"
fi

if [[ -n ${REDIS_URL:-} ]]; then
  echo "Redis: REDIS_URL (not managed here)"
else
  echo "Redis: redis://$REDIS_HOST:$REDIS_PORT ($redis_note)"
fi
echo "HTTP:  http://localhost:$PROXY_PORT/get/<key>"
if [[ $RESP_PORT == 0 ]]; then
  echo "RESP:  off (RESP_PORT=0)"
else
  echo "RESP:  localhost:$RESP_PORT (redis-cli -p $RESP_PORT)"
fi
echo "Stop with Ctrl-C."

# In the background so that Ctrl-C and SIGTERM reach this script, which forwards SIGTERM: the
# proxy drains and exits, then the trap stops the Redis started above. Out of memory ends the JVM
# (status 3) rather than leaving it up and failing; JAVA_OPTS adds JVM options (-Xmx512m, say).
# shellcheck disable=SC2086
java -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:-} -jar "$JAR" "$@" &
PROXY_PID=$!
trap 'kill -TERM "$PROXY_PID" 2>/dev/null || true' INT TERM
status=0
wait "$PROXY_PID" || status=$?
while kill -0 "$PROXY_PID" 2>/dev/null; do
  status=0
  wait "$PROXY_PID" || status=$?
done
PROXY_PID=
exit "$status"
