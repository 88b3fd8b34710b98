#!/usr/bin/env bash
# make bench: the proxy side by side with what a user would compare it to, in one run on this
# machine, every figure with its ratio to its comparison. Bounded: a few minutes in all.
#
#   RESP: redis-benchmark -t get against the proxy (all keys cached), redis-server directly, and a
#         bare Vert.x RESP server answering a fixed bulk reply of the same size (the ceiling),
#         without pipelining and with -P 16.
#   HTTP: wrk against GET /get/<key> over cached keys, Webdis in front of the same Redis, and a
#         bare Vert.x HTTP server with a fixed body of the same size; then a run of misses.
#   Both RESP sections also run the same build at MAX_PARALLEL one higher, beside twemproxy.
#   RESP misses: the same, over a key space 100 times the cache (nearly every read misses), beside
#         twemproxy (Debian's nutcracker, a plain proxy in C that forwards every GET), redis-server, and
#         a bare vertx-redis-client forwarder on one event loop (BareForwarder: the library's ceiling).
#   RESP3: the proxy's hits and misses after HELLO 3 (redis-benchmark -3) beside RESP2.
#   Hot keys: hits with hot-key counting on (the default) beside a proxy with HOTKEYS=false.
#   Large values: the largest value the default byte budget caches; hits of 256 KiB and 1 MiB values
#         beside redis-server direct.
#   Memory: heap per cached entry (1,000,000 entries, 16-byte keys, 64-byte values).
#   Cache structure: JMH, LruTtlCache beside a bare access-ordered LinkedHashMap.
#   Freshness: CACHE_INVALIDATION=tracking and broadcast, each beside none: freshness, hits, misses, and
#         Redis memory per key read.
#
# Each load figure is the median of BENCH_ROUNDS runs in which the servers compared take turns, so
# a slow stretch of the shared machine does not fall on one server's only run.
#
# Knobs (environment): BENCH_SECONDS (per load run, default 4), BENCH_ROUNDS (default 3),
# BENCH_CLIENTS (default 50), BENCH_KEYS (cached key set, default 1000), BENCH_INSTANCES
# (MAX_PARALLEL, default 1 as the proxy's own: one event loop, where the load generator has the other core), BENCH_BASELINE (the path of another build's redis-proxy.jar: it runs
# beside this build in the same rounds, and a last table gives this build's ratio to it),
# BENCH_FRESH_TRIALS (freshness trials per mode, default 2000), BENCH_MEMORY_KEYS (keys read to measure
# Redis memory per key, default 100000).
#
# Two more sections, with a table of their own, their load from scripts/bench/GetLoad.java (RESP GETs
# from closed-loop clients; the skewed section's first row is its ceiling beside redis-benchmark):
#   Skewed: 85 % of reads on a tenth of BENCH_SKEW_KEYS (default 100000) keys, a cache of a tenth, through
#         the proxy (warmed up), twemproxy and straight to Redis: req/s, p50/p99, the proxy's hit ratio and
#         Redis CPU seconds per million client reads (INFO cpu), straight beside through the proxy.
#   Remote: Redis behind scripts/bench/DelayRelay.java (BENCH_RELAY_US each way, default 500): p50/p99 of
#         GETs through the relay straight and through the proxy, hits and misses, at 1 and BENCH_CLIENTS
#         clients; the relay's added delay and its cost without delay beside redis-server direct.
# BENCH_ONLY=skewed, =remote, =main (everything before them) or a list (skewed,remote) runs only those,
# BENCH_ONLY=freshness only the tracking and broadcast rows; unset, all of them. BENCH_SKEW_PIPELINE (default 1): GETs per batch in the skewed runs.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-4}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_CLIENTS:-50}
KEYS=${BENCH_KEYS:-1000}
MISS_KEYS=$((KEYS * 100))
INSTANCES=${BENCH_INSTANCES:-1}
FRESH_TRIALS=${BENCH_FRESH_TRIALS:-2000}
MEMORY_KEYS=${BENCH_MEMORY_KEYS:-100000}
VALUE_BYTES=64
WORK=$(mktemp -d /tmp/redis-proxy-bench.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

need() {
  local missing=()
  for tool in redis-server redis-cli redis-benchmark wrk webdis nutcracker; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    echo "bench: installing ${missing[*]} (Debian packages redis-server redis-tools wrk webdis nutcracker)" >&2
    if [ "$(id -u)" -ne 0 ]; then echo "bench: run as root or install them yourself" >&2; exit 1; fi
    apt-get update -qq && apt-get install -y -qq redis-server redis-tools wrk webdis nutcracker >/dev/null
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

await_port() {
  for _ in $(seq 1 600); do  # 30 s: a JVM starts slowly on a loaded machine
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench: nothing listens on $1" >&2; exit 1
}

# redis-benchmark's key names (key:%012d), so its -r keyspace and our seeded keys match.
seed() { # port count
  awk -v n="$2" -v size="$VALUE_BYTES" 'BEGIN {
    v = sprintf("%" size "s", ""); gsub(/ /, "x", v);
    for (i = 0; i < n; i++) { k = sprintf("key:%012d", i);
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' \
    | redis-cli -p "$1" --pipe >/dev/null
}

rb() { # port extra-args... ; prints requests per second (key space RB_KEYS, default KEYS)
  redis-benchmark -p "$1" -t get -r "${RB_KEYS:-$KEYS}" -c "$CLIENTS" -n "$2" "${@:3}" --csv 2>/dev/null \
    | awk -F'","' '/^"GET/ { gsub(/"/, "", $2); print $2 }'
}

rb_timed() { # port extra-args... ; a run of about SECONDS_PER_RUN, sized from a short probe
  local probe n
  probe=$(rb "$1" 20000 "${@:2}")
  n=$(awk -v r="$probe" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%d", r * s }')
  rb "$1" "$n" "${@:2}"
}

wrk_rps() { # url keys
  cat >"$WORK/keys.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format("$3%012d$4", math.random(0, $2 - 1)))
end
LUA
  wrk -t2 -c"$CLIENTS" -d"${SECONDS_PER_RUN}s" -s "$WORK/keys.lua" "$1" 2>/dev/null \
    | awk '/Requests\/sec/ { print $2 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# rounds NAME CMD... : runs each "label=command" argument once per round, in turn; sets NAME_label to the median
# and prints every round's figures to stderr.
rounds() {
  local name=$1; shift
  local -A got=()
  local spec label
  for _ in $(seq 1 "$ROUNDS"); do
    for spec in "$@"; do
      label=${spec%%=*}
      got[$label]+="$(eval "${spec#*=}") "
    done
  done
  for spec in "$@"; do
    label=${spec%%=*}
    echo "bench: $name $label rounds: ${got[$label]}" >&2
    # shellcheck disable=SC2086
    printf -v "${name}_${label}" '%s' "$(median ${got[$label]})"
  done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

ROWS=()
row() { ROWS+=("$(printf '| %s | %s | %s | %s | %s |' "$@")"); }

# --- CACHE_INVALIDATION=tracking and broadcast (FreshnessBenchmark): for each mode, the time from a SET
# acknowledged by Redis to the new value through the proxy, hit/miss throughput beside a proxy alike but
# for invalidation (rounds alternate), and Redis's memory per key read (INFO used_memory before and after
# reading BENCH_MEMORY_KEYS keys through it). Its rows follow the main table, as more of its rows.
bench_freshness() {
  echo "bench: freshness (CACHE_INVALIDATION=tracking and broadcast)" >&2
  local -A port=()
  local mode http resp
  for mode in none tracking broadcast; do
    http=$(free_port); resp=$(free_port)
    REDIS_PORT=$REDIS_PORT PROXY_PORT=$http RESP_PORT=$resp CACHE_MAXSIZE=2000 CACHE_INVALIDATION=$mode \
      MAX_PARALLEL=$INSTANCES MAX_CONNECTIONS=10000 java -jar target/redis-proxy.jar >"$WORK/proxy-$mode.log" 2>&1 & PIDS+=($!)
    await_port "$resp"; port[$mode]=$resp
  done
  for mode in tracking broadcast; do
    fresh=$(java -cp "$CP" dev.redisproxy.bench.FreshnessBenchmark "$REDIS_PORT" "${port[none]}" "${port[$mode]}" \
      "$FRESH_TRIALS" "$SECONDS_PER_RUN" 8 "$mode" "$MEMORY_KEYS")
    row "freshness with $mode: SET acknowledged → new value via RESP GET, p50 / p99 / max ($(fig freshness trials) trials)" \
      "$(fig freshness p50_us) / $(fig freshness p99_us) / $(fig freshness max_us) µs" "without invalidation: up to CACHE_TTL" \
      "$(ratio "$(fig freshness p99_us)" 5000) (p99 / 5 ms)" "p99 < 5 ms"
    row "RESP GET hits, 8 clients, -P 16: $mode (vs none)" "$(fig hits on)" "none $(fig hits off)" "$(fig hits ratio)" "≥ 0.9"
    row "RESP GET mostly misses (100,000 keys, cache 2000): $mode (vs none)" "$(fig misses on)" "none $(fig misses off)" \
      "$(fig misses ratio)" "—"
    row "Redis memory per key read through the proxy, $mode ($(fig redis_memory keys) keys, $(fig redis_memory tracked_keys) tracked)" \
      "$(fig redis_memory bytes_per_key) B" "—" "—" "—"
  done
}
fig() { awk -v line="$1" -v key="$2" '$1 == line { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] } }' <<<"$fresh"; }

need
echo "bench: building" >&2
mvn -B -q -Pbench package test-compile -DskipTests >/dev/null
mvn -B -q -Pbench dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >/dev/null
CP="target/classes:$(cat "$WORK/cp.txt"):target/test-classes"

REDIS_PORT=$(free_port); redis-server --port "$REDIS_PORT" --save "" --appendonly no --daemonize no >"$WORK/redis.log" & PIDS+=($!)
await_port "$REDIS_PORT"
seed "$REDIS_PORT" "$MISS_KEYS"

if [ "${BENCH_ONLY:-}" = freshness ]; then
  bench_freshness
  echo
  echo "| measure | proxy | comparison | ratio | target |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  exit 0
fi

PROXY_HTTP=$(free_port); PROXY_RESP=$(free_port)
REDIS_PORT=$REDIS_PORT PROXY_PORT=$PROXY_HTTP RESP_PORT=$PROXY_RESP CACHE_MAXSIZE=$((KEYS * 2)) \
  MAX_PARALLEL=$INSTANCES MAX_CONNECTIONS=10000 java -jar target/redis-proxy.jar >"$WORK/proxy.log" 2>&1 & PIDS+=($!)
BARE_RESP=$(free_port); BARE_HTTP=$(free_port)
java -cp "$CP" dev.redisproxy.bench.BareServers "$BARE_RESP" "$BARE_HTTP" "$VALUE_BYTES" "$INSTANCES" >"$WORK/bare.log" 2>&1 & PIDS+=($!)
# The library's own miss ceiling: GETs forwarded over one held vertx-redis-client connection, on one
# event loop as the cache verticle's, no cache, no event bus, no TTL read (BareForwarder).
LIBFWD_PORT=$(free_port)
java -cp "$CP" dev.redisproxy.bench.BareForwarder "$LIBFWD_PORT" "$REDIS_PORT" 1 >"$WORK/libfwd.log" 2>&1 & PIDS+=($!)
WEBDIS_PORT=$(free_port)
cat >"$WORK/webdis.json" <<JSON
{ "redis_host": "127.0.0.1", "redis_port": $REDIS_PORT, "http_host": "127.0.0.1", "http_port": $WEBDIS_PORT,
  "threads": 2, "pool_size": 20, "daemonize": false, "database": 0, "verbosity": 0, "logfile": "$WORK/webdis.log" }
JSON
webdis "$WORK/webdis.json" & PIDS+=($!)
TWEM_PORT=$(free_port)
cat >"$WORK/twemproxy.yml" <<YML
bench:
  listen: 127.0.0.1:$TWEM_PORT
  redis: true
  servers:
    - 127.0.0.1:$REDIS_PORT:1
YML
nutcracker -c "$WORK/twemproxy.yml" -s "$(free_port)" -o "$WORK/twemproxy.log" -p "$WORK/twemproxy.pid" & PIDS+=($!)
# The same build at one more event loop per core than the main one (MAX_PARALLEL=INSTANCES+1): its RESP rows
# beside the main proxy's show what the setting trades (fewer wake-ups unpipelined, more cores pipelined).
WIDE=$((INSTANCES + 1)); WIDE_HTTP=$(free_port); WIDE_RESP=$(free_port)
REDIS_PORT=$REDIS_PORT PROXY_PORT=$WIDE_HTTP RESP_PORT=$WIDE_RESP CACHE_MAXSIZE=$((KEYS * 2)) \
  MAX_PARALLEL=$WIDE MAX_CONNECTIONS=10000 java -jar target/redis-proxy.jar >"$WORK/proxy-wide.log" 2>&1 & PIDS+=($!)
PORTS=("$PROXY_HTTP" "$PROXY_RESP" "$BARE_RESP" "$BARE_HTTP" "$WEBDIS_PORT" "$TWEM_PORT" "$LIBFWD_PORT" "$WIDE_HTTP" "$WIDE_RESP")
# BENCH_BASELINE: another build's jar, configured alike, a contestant in the same rounds ("base").
BASE=()
if [ -n "${BENCH_BASELINE:-}" ]; then
  BASE_HTTP=$(free_port); BASE_RESP=$(free_port)
  # Its own empty config file: this tree's conf/config.json may name settings an older build lacks.
  echo '{}' >"$WORK/baseline.json"
  REDIS_PORT=$REDIS_PORT PROXY_PORT=$BASE_HTTP RESP_PORT=$BASE_RESP CACHE_MAXSIZE=$((KEYS * 2)) \
    MAX_PARALLEL=$INSTANCES MAX_CONNECTIONS=10000 java -jar "$BENCH_BASELINE" -conf "$WORK/baseline.json" \
    >"$WORK/baseline.log" 2>&1 & PIDS+=($!)
  PORTS+=("$BASE_HTTP" "$BASE_RESP")
fi
for p in "${PORTS[@]}"; do await_port "$p"; done
# base SPEC: BASE_SPEC holds the baseline's contestant for the next rounds call, or nothing.
base() { BASE_SPEC=(); if [ -n "${BENCH_BASELINE:-}" ]; then BASE_SPEC=("base=$1"); fi; }
BASE_ROWS=()
base_row() { # measure this-build baseline
  [ -n "${BENCH_BASELINE:-}" ] && BASE_ROWS+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$(ratio "$2" "$3")")")
  return 0
}

# BENCH_ONLY=skewed,remote,...: only the sections named ("main" is everything above the skewed section).
only() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
if only main; then

echo "bench: warming up the JVM servers" >&2
for port in "$PROXY_RESP" "$WIDE_RESP" "$BARE_RESP" ${BASE_RESP:-}; do rb "$port" 200000 >/dev/null; rb "$port" 200000 -P 16 >/dev/null; done
SECONDS_PER_RUN_SAVED=$SECONDS_PER_RUN; SECONDS_PER_RUN=3
wrk_rps "http://127.0.0.1:$PROXY_HTTP" "$KEYS" "/get/key:" "" >/dev/null
wrk_rps "http://127.0.0.1:$BARE_HTTP" "$KEYS" "/get/key:" "" >/dev/null
if [ -n "${BASE_HTTP:-}" ]; then wrk_rps "http://127.0.0.1:$BASE_HTTP" "$KEYS" "/get/key:" "" >/dev/null; fi
SECONDS_PER_RUN=$SECONDS_PER_RUN_SAVED

echo "bench: RESP" >&2
for pipeline in 1 16; do
  base "rb_timed ${BASE_RESP:-} -P $pipeline"
  rounds resp "proxy=rb_timed $PROXY_RESP -P $pipeline" "redis=rb_timed $REDIS_PORT -P $pipeline" \
    "bare=rb_timed $BARE_RESP -P $pipeline" "twem=rb_timed $TWEM_PORT -P $pipeline" \
    "wide=rb_timed $WIDE_RESP -P $pipeline" "${BASE_SPEC[@]}"
  p=$resp_proxy; r=$resp_redis; b=$resp_bare; t=$resp_twem; w=$resp_wide
  row "RESP GET hits, $CLIENTS clients, -P $pipeline" "$p" "redis-server $r / bare Vert.x $b" \
    "$(ratio "$p" "$r") / $(ratio "$p" "$b")" "$([ "$pipeline" = 1 ] && echo '≥ 0.85 / ≥ 0.9' || echo '— / ≥ 0.7')"
  row "RESP GET hits, $CLIENTS clients, -P $pipeline, vs twemproxy" "$p" "twemproxy $t" "$(ratio "$p" "$t")" \
    "$([ "$pipeline" = 1 ] && echo '≥ 1.1' || echo '≥ 1.5')"
  row "RESP GET hits, $CLIENTS clients, -P $pipeline, vs twemproxy, at MAX_PARALLEL=$WIDE" "$w" "twemproxy $t" "$(ratio "$w" "$t")" "—"
  base_row "RESP GET hits, -P $pipeline" "$p" "${resp_base:-}"
done

echo "bench: HTTP" >&2
base "wrk_rps http://127.0.0.1:${BASE_HTTP:-} $KEYS /get/key: ''"
rounds hits "proxy=wrk_rps http://127.0.0.1:$PROXY_HTTP $KEYS /get/key: ''" \
  "webdis=wrk_rps http://127.0.0.1:$WEBDIS_PORT $KEYS /GET/key: .txt" "bare=wrk_rps http://127.0.0.1:$BARE_HTTP $KEYS /get/key: ''" \
  "${BASE_SPEC[@]}"
p=$hits_proxy; w=$hits_webdis; b=$hits_bare
row "HTTP GET hits, $CLIENTS connections" "$p" "Webdis $w / bare Vert.x $b" "$(ratio "$p" "$w") / $(ratio "$p" "$b")" "≥ 1.5 / ≥ 0.85"
base_row "HTTP GET hits" "$p" "${hits_base:-}"
# The miss path (reads of Redis, inserts with eviction) is warmed up too; after the hit runs, since
# it fills the cache with other keys.
SECONDS_PER_RUN=3 wrk_rps "http://127.0.0.1:$PROXY_HTTP" "$MISS_KEYS" "/get/key:" "" >/dev/null
if [ -n "${BASE_HTTP:-}" ]; then SECONDS_PER_RUN=3 wrk_rps "http://127.0.0.1:$BASE_HTTP" "$MISS_KEYS" "/get/key:" "" >/dev/null; fi
base "wrk_rps http://127.0.0.1:${BASE_HTTP:-} $MISS_KEYS /get/key: ''"
rounds misses "proxy=wrk_rps http://127.0.0.1:$PROXY_HTTP $MISS_KEYS /get/key: ''" \
  "webdis=wrk_rps http://127.0.0.1:$WEBDIS_PORT $MISS_KEYS /GET/key: .txt" \
  "${BASE_SPEC[@]}"
p=$misses_proxy; w=$misses_webdis
row "HTTP GET mostly misses ($MISS_KEYS keys, cache $((KEYS * 2)))" "$p" "Webdis $w" "$(ratio "$p" "$w")" "≥ 1.5"
base_row "HTTP GET mostly misses" "$p" "${misses_base:-}"

echo "bench: RESP misses" >&2
RB_KEYS=$MISS_KEYS rb "$WIDE_RESP" 200000 -P 16 >/dev/null  # the other proxies' miss paths are warm from HTTP
for pipeline in 1 16; do
  base "rb_timed ${BASE_RESP:-} -P $pipeline"
  RB_KEYS=$MISS_KEYS rounds rmiss "proxy=rb_timed $PROXY_RESP -P $pipeline" "twem=rb_timed $TWEM_PORT -P $pipeline" \
    "redis=rb_timed $REDIS_PORT -P $pipeline" "lib=rb_timed $LIBFWD_PORT -P $pipeline" \
    "wide=rb_timed $WIDE_RESP -P $pipeline" "${BASE_SPEC[@]}"
  p=$rmiss_proxy; t=$rmiss_twem; r=$rmiss_redis; l=$rmiss_lib; w=$rmiss_wide
  row "RESP GET mostly misses ($MISS_KEYS keys, cache $((KEYS * 2))), -P $pipeline" "$p" "twemproxy $t / redis-server $r" \
    "$(ratio "$p" "$t") / $(ratio "$p" "$r")" "$([ "$pipeline" = 1 ] && echo '≥ 1.0 / —' || echo '≥ 0.8 / —')"
  row "RESP GET mostly misses, -P $pipeline, vs vertx-redis-client forwarding bare (one loop, no cache)" "$p" "bare forwarder $l" \
    "$(ratio "$p" "$l")" "—"
  row "RESP GET mostly misses, -P $pipeline, vs twemproxy, at MAX_PARALLEL=$WIDE" "$w" "twemproxy $t" "$(ratio "$w" "$t")" "—"
  base_row "RESP GET mostly misses, -P $pipeline" "$p" "${rmiss_base:-}"
done

echo "bench: RESP3" >&2
# The same proxy, hits and misses, after HELLO 3 (redis-benchmark -3) beside RESP2, in alternating rounds.
for pipeline in 1 16; do
  rounds r3hit "resp2=rb_timed $PROXY_RESP -P $pipeline" "resp3=rb_timed $PROXY_RESP -3 -P $pipeline"
  RB_KEYS=$MISS_KEYS rounds r3miss "resp2=rb_timed $PROXY_RESP -P $pipeline" "resp3=rb_timed $PROXY_RESP -3 -P $pipeline"
  row "RESP3 GET hits, -P $pipeline (vs RESP2)" "$r3hit_resp3" "RESP2 $r3hit_resp2" "$(ratio "$r3hit_resp3" "$r3hit_resp2")" "≥ 0.95"
  row "RESP3 GET mostly misses, -P $pipeline (vs RESP2)" "$r3miss_resp3" "RESP2 $r3miss_resp2" "$(ratio "$r3miss_resp3" "$r3miss_resp2")" "≥ 0.95"
done

echo "bench: large values" >&2
# A proxy of its own with the default byte budget (no CACHE_* settings, this JVM's default heap), before
# a Redis of its own: the largest value that budget caches, then hits of 256 KiB and 1 MiB values beside
# redis-server direct. The largest value: LruTtlCache.maxEntryBytes() of the budget INFO reports, less
# the entry's overhead and the key, checked by reading it twice (HIT) and one byte more (MISS).
# REDIS_TIMEOUT is raised so that reading a value of hundreds of MiB is not cut short (at the default
# 1s it is: 503), which would hide the size limit being measured.
LARGE_KEYS=64
LARGE_CLIENTS=8
LARGE_REDIS=$(free_port); LARGE_HTTP=$(free_port); LARGE_RESP=$(free_port)
redis-server --port "$LARGE_REDIS" --save "" --appendonly no --daemonize no >"$WORK/redis-large.log" & PIDS+=($!)
REDIS_PORT=$LARGE_REDIS PROXY_PORT=$LARGE_HTTP RESP_PORT=$LARGE_RESP MAX_PARALLEL=$INSTANCES REDIS_TIMEOUT=30s \
  java -jar target/redis-proxy.jar >"$WORK/proxy-large.log" 2>&1 & LARGE_PID=$!; PIDS+=("$LARGE_PID")
for p in "$LARGE_REDIS" "$LARGE_HTTP" "$LARGE_RESP"; do await_port "$p"; done

set_sized() { # port key bytes
  head -c "$3" /dev/zero | tr '\0' x | redis-cli -p "$1" -x SET "$2" >/dev/null
}
second_read() { # key ; X-Cache of the second read through the large proxy (or the status if not 200)
  curl -s -o /dev/null "http://127.0.0.1:$LARGE_HTTP/get/$1"
  curl -s -o /dev/null -w '%{http_code} %header{x-cache}' "http://127.0.0.1:$LARGE_HTTP/get/$1" \
    | awk '{ print ($1 == 200 ? $2 : "status " $1) }'
}
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
cat >"$WORK/MaxEntry.java" <<'JAVA'
import dev.redisproxy.cache.LruTtlCache;

/** The largest value a cache with this byte budget stores under a key of this length. */
class MaxEntry {
  public static void main(String[] args) {
    long budget = Long.parseLong(args[0]);
    int keyBytes = Integer.parseInt(args[1]);
    long entry = new LruTtlCache<String, byte[]>(1, budget, 1, 0, () -> 0L).maxEntryBytes();
    System.out.println(entry - LruTtlCache.ENTRY_OVERHEAD - keyBytes);
  }
}
JAVA
budget=$(redis-cli -p "$LARGE_RESP" INFO cache | tr -d '\r' | awk -F: '$1 == "cache_max_bytes" { print $2 }')
largest=$(java -cp "$CP" "$WORK/MaxEntry.java" "$budget" 7)
set_sized "$LARGE_REDIS" large:a "$largest"; at=$(second_read large:a); redis-cli -p "$LARGE_REDIS" DEL large:a >/dev/null
set_sized "$LARGE_REDIS" large:b $((largest + 1)); over=$(second_read large:b); redis-cli -p "$LARGE_REDIS" DEL large:b >/dev/null
curl -s -o /dev/null -X DELETE "http://127.0.0.1:$LARGE_HTTP/cache"
row "largest value cached, default budget (CACHE_MAXMEMORY $(mib "$budget"), REDIS_TIMEOUT 30s)" "$largest B ($(mib "$largest"))" \
  "second read: $at; $((largest + 1)) B: $over" "—" "HIT / MISS"

rb_get() { # port requests ; GETs over the LARGE_KEYS seeded keys from LARGE_CLIENTS clients, in req/s
  redis-benchmark -p "$1" -t get -r "$LARGE_KEYS" -c "$LARGE_CLIENTS" -n "$2" --csv 2>/dev/null \
    | awk -F'","' '/^"GET/ { gsub(/"/, "", $2); print $2 }'
}
rb_large() { # port ; a run of about SECONDS_PER_RUN, sized from a short probe
  local probe
  probe=$(rb_get "$1" 200)
  rb_get "$1" "$(awk -v r="$probe" -v s="$SECONDS_PER_RUN" 'BEGIN { n = int(r * s); print (n < 200 ? 200 : n) }')"
}
for size in 262144 1048576; do
  for i in $(seq 0 $((LARGE_KEYS - 1))); do set_sized "$LARGE_REDIS" "$(printf 'key:%012d' "$i")" "$size"; done
  curl -s -o /dev/null -X DELETE "http://127.0.0.1:$LARGE_HTTP/cache"
  # Every key read once through the proxy first, so that the runs below are all hits.
  for i in $(seq 0 $((LARGE_KEYS - 1))); do printf 'GET key:%012d\n' "$i"; done | redis-cli -p "$LARGE_RESP" >/dev/null
  rounds large "proxy=rb_large $LARGE_RESP" "redis=rb_large $LARGE_REDIS"
  label=$( ((size >= 1048576)) && echo "$((size / 1048576)) MiB" || echo "$((size / 1024)) KiB")
  row "RESP GET hits, $label values ($LARGE_KEYS keys), $LARGE_CLIENTS clients" "$large_proxy" \
    "redis-server $large_redis" "$(ratio "$large_proxy" "$large_redis")" "—"
done
kill "$LARGE_PID" 2>/dev/null || true

echo "bench: hot keys cost" >&2
# The same proxy configuration with HOTKEYS=false beside the main proxy (HOTKEYS on, the default).
HK_HTTP=$(free_port); HK_RESP=$(free_port)
REDIS_PORT=$REDIS_PORT PROXY_PORT=$HK_HTTP RESP_PORT=$HK_RESP CACHE_MAXSIZE=$((KEYS * 2)) HOTKEYS=false \
  MAX_PARALLEL=$INSTANCES MAX_CONNECTIONS=10000 java -jar target/redis-proxy.jar >"$WORK/proxy-nohotkeys.log" 2>&1 & PIDS+=($!)
await_port "$HK_RESP"; await_port "$HK_HTTP"
rb "$HK_RESP" 200000 >/dev/null; rb "$HK_RESP" 200000 -P 16 >/dev/null
SECONDS_PER_RUN=3 wrk_rps "http://127.0.0.1:$HK_HTTP" "$KEYS" "/get/key:" "" >/dev/null
for pipeline in 1 16; do
  rounds hk "on=rb_timed $PROXY_RESP -P $pipeline" "off=rb_timed $HK_RESP -P $pipeline"
  row "RESP GET hits, -P $pipeline: hot keys on (vs HOTKEYS=false)" "$hk_on" "off $hk_off" "$(ratio "$hk_on" "$hk_off")" "≥ 0.95"
done
rounds hkh "on=wrk_rps http://127.0.0.1:$PROXY_HTTP $KEYS /get/key: ''" "off=wrk_rps http://127.0.0.1:$HK_HTTP $KEYS /get/key: ''"
row "HTTP GET hits: hot keys on (vs HOTKEYS=false)" "$hkh_on" "off $hkh_off" "$(ratio "$hkh_on" "$hkh_off")" "≥ 0.95"

echo "bench: memory" >&2
mem=$(java -Xmx4g -cp "$CP" dev.redisproxy.bench.MemoryFootprint 1000000)
overhead=$(sed -n 's/.*overhead\/entry=\([0-9.]*\).*/\1/p' <<<"$mem")
row "memory, 1,000,000 entries (16 B keys, 64 B values)" "$overhead B/entry beyond key+value" "target 150" "$(ratio "$overhead" 150)" "≤ 1.0"

echo "bench: cache structure (JMH)" >&2
java -cp "$CP" org.openjdk.jmh.Main CacheBenchmark -wi 2 -w 1 -i 3 -r 1 -f 2 -rf csv -rff "$WORK/jmh.csv" >"$WORK/jmh.log" 2>&1
for op in getHit putEvict zipfMix; do
  ours=$(awk -F, -v b="\"dev.redisproxy.bench.CacheBenchmark.$op\"" '$1 == b { print $5 }' "$WORK/jmh.csv")
  floor=$(awk -F, -v b="\"dev.redisproxy.bench.CacheBenchmark.${op}LinkedHashMap\"" '$1 == b { print $5 }' "$WORK/jmh.csv")
  row "cache $op (ops/µs, JMH)" "$ours" "LinkedHashMap $floor" "$(ratio "$ours" "$floor")" "≥ 0.8"
done
# A get that reads the clock itself, as a lookup alone in its event-loop turn does; no twin in LinkedHashMap.
ours=$(awk -F, '$1 == "\"dev.redisproxy.bench.CacheBenchmark.getHitReadingTheClock\"" { print $5 }' "$WORK/jmh.csv")
floor=$(awk -F, '$1 == "\"dev.redisproxy.bench.CacheBenchmark.getHitLinkedHashMap\"" { print $5 }' "$WORK/jmh.csv")
row "cache getHit reading the clock per get (ops/µs, JMH)" "$ours" "LinkedHashMap $floor (no clock)" "$(ratio "$ours" "$floor")" "—"

echo
echo "redis-proxy bench, $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "load generator and servers share the machine; MAX_PARALLEL=$INSTANCES; values $VALUE_BYTES bytes; median of $ROUNDS rounds of ${SECONDS_PER_RUN}s per server; JMH 2 forks"
echo
echo "| measure | proxy (req/s) | comparison (req/s) | ratio | target |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"

ROWS_BEFORE=${#ROWS[@]}
bench_freshness
printf '%s\n' "${ROWS[@]:$ROWS_BEFORE}"

if ((${#BASE_ROWS[@]})); then
  echo
  echo "this build beside BENCH_BASELINE=$BENCH_BASELINE, same rounds"
  echo
  echo "| measure | this build (req/s) | baseline (req/s) | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${BASE_ROWS[@]}"
fi

fi # only main

# --- Skewed workload and remote Redis: what a user gains. Load from GetLoad (scripts/bench/GetLoad.java:
# RESP GETs from closed-loop clients, a skewed key choice, p50/p99, Redis's CPU and the proxy's hit ratio
# over the counted interval); the remote Redis is redis-server behind DelayRelay (scripts/bench/DelayRelay.java).
# Knobs: BENCH_SKEW_KEYS (keys in Redis, default 100000; 85 % of reads on a tenth of them, the cache a
# tenth), BENCH_SKEW_PIPELINE (default 1), BENCH_RELAY_US (the relay's delay each way, default 500).
SKEW_KEYS=${BENCH_SKEW_KEYS:-100000}
SKEW_PIPELINE=${BENCH_SKEW_PIPELINE:-1}
RELAY_US=${BENCH_RELAY_US:-500}
GEN=(java -XX:+UseSerialGC -Xmx512m -cp "$WORK/bench-classes")
EXTRA_ROWS_FROM=${#ROWS[@]}
EXTRA_BASE_FROM=${#BASE_ROWS[@]}

kv() { awk -v key="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] } }' <<<"$1"; }
# gen_run TAG ARGS... : one GetLoad run (for rounds); its line is kept in $WORK/gen-TAG, its req/s printed.
gen_run() {
  local line
  line=$("${GEN[@]}" GetLoad "${@:2}")
  echo "bench: $1 $line" >&2
  echo "$line" >>"$WORK/gen-$1"
  kv "$line" rps
}
# gen_med TAG FIELD : the median of FIELD over the runs of TAG.
gen_med() {
  # shellcheck disable=SC2046
  median $(awk -v key="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) print kv[2] } }' "$WORK/gen-$1")
}
lat() { echo "$(gen_med "$1" p50_us) / $(gen_med "$1" p99_us) µs ($(gen_med "$1" rps) req/s)"; }
# start_proxy NAME JAR REDIS_PORT CACHE_MAXSIZE : a proxy configured like the main one; its RESP port in STARTED_RESP.
start_proxy() {
  local http conf=()
  http=$(free_port); STARTED_RESP=$(free_port)
  if [ "$2" != target/redis-proxy.jar ]; then conf=(-conf "$WORK/baseline.json"); fi
  REDIS_PORT=$3 PROXY_PORT=$http RESP_PORT=$STARTED_RESP CACHE_MAXSIZE=$4 MAX_PARALLEL=$INSTANCES \
    MAX_CONNECTIONS=10000 java -jar "$2" "${conf[@]}" >"$WORK/proxy-$1.log" 2>&1 & PIDS+=($!)
  await_port "$STARTED_RESP"; await_port "$http"
}
# Every load run GetLoad makes in these sections: 0.5 s uncounted, then BENCH_SECONDS counted.
load_args() { echo "clients=$1 seconds=$SECONDS_PER_RUN warmup=0.5"; }

# Skewed reads: 85 % on a tenth of SKEW_KEYS, a cache of a tenth; through the proxy (warmed up, so the
# cache holds the hot set), twemproxy and straight to Redis. Redis's CPU per million client reads, straight
# and through the proxy, from INFO cpu at the start and end of each counted interval.
bench_skewed() {
  echo "bench: skewed workload" >&2
  local hot=$((SKEW_KEYS / 10)) proxy base_proxy="" skew hit
  if ((SKEW_KEYS > MISS_KEYS)); then seed "$REDIS_PORT" "$SKEW_KEYS"; fi
  start_proxy skewed target/redis-proxy.jar "$REDIS_PORT" "$hot"; proxy=$STARTED_RESP
  if [ -n "${BENCH_BASELINE:-}" ]; then start_proxy skewed-base "$BENCH_BASELINE" "$REDIS_PORT" "$hot"; base_proxy=$STARTED_RESP; fi

  # GetLoad's own ceiling first: beside redis-benchmark against redis-server, uniform keys, pipelined as below.
  rounds ceil "getload=gen_run ceil $(load_args "$CLIENTS") pipeline=$SKEW_PIPELINE port=$REDIS_PORT keys=$KEYS" \
    "rb=rb_timed $REDIS_PORT -P $SKEW_PIPELINE"
  row "load generator's ceiling: GetLoad, redis-server direct, $CLIENTS clients, -P $SKEW_PIPELINE (vs redis-benchmark)" "$(gen_med ceil rps)" \
    "redis-benchmark $ceil_rb" "$(ratio "$(gen_med ceil rps)" "$ceil_rb")" "≥ 1.0"

  skew="$(load_args "$CLIENTS") pipeline=$SKEW_PIPELINE keys=$SKEW_KEYS hot=$hot share=0.85 cpu=$REDIS_PORT"
  # Warm-up: a cold proxy under pipelined misses answers a few hundred reads a second, too few to
  # compile its miss path in a few seconds, so unpipelined first.
  for p in $proxy $base_proxy; do
    "${GEN[@]}" GetLoad $skew port="$p" seconds=4 pipeline=1 >/dev/null
    if ((SKEW_PIPELINE > 1)); then "${GEN[@]}" GetLoad $skew port="$p" seconds=4 >/dev/null; fi
  done
  base "gen_run skew-base port=$base_proxy stats=$base_proxy $skew"
  rounds skew "proxy=gen_run skew-proxy port=$proxy stats=$proxy $skew" "twem=gen_run skew-twem port=$TWEM_PORT $skew" \
    "redis=gen_run skew-redis port=$REDIS_PORT $skew" "${BASE_SPEC[@]}"
  local what="skewed reads (85 % on $hot of $SKEW_KEYS keys, cache $hot), $CLIENTS clients, -P $SKEW_PIPELINE"
  row "$what" "$skew_proxy" "twemproxy $skew_twem / redis-server $skew_redis" \
    "$(ratio "$skew_proxy" "$skew_twem") / $(ratio "$skew_proxy" "$skew_redis")" "—"
  row "$what: p50 / p99" "$(gen_med skew-proxy p50_us) / $(gen_med skew-proxy p99_us) µs" \
    "twemproxy $(gen_med skew-twem p50_us) / $(gen_med skew-twem p99_us), redis-server $(gen_med skew-redis p50_us) / $(gen_med skew-redis p99_us) µs" \
    "p99 $(ratio "$(gen_med skew-proxy p99_us)" "$(gen_med skew-twem p99_us)") / $(ratio "$(gen_med skew-proxy p99_us)" "$(gen_med skew-redis p99_us)")" "—"
  hit=$(gen_med skew-proxy hit_ratio)
  row "$what: the proxy's hit ratio" "$hit" "reads on the hot set 0.85" "$(ratio "$hit" 0.85)" "—"
  local cp cr ct r
  cp=$(gen_med skew-proxy redis_cpu_s_per_mreads); cr=$(gen_med skew-redis redis_cpu_s_per_mreads); ct=$(gen_med skew-twem redis_cpu_s_per_mreads)
  r=$(ratio "$cp" "$cr")
  row "$what: Redis CPU s per million client reads, through the proxy (vs straight)" "$cp s" \
    "straight $cr s / via twemproxy $ct s" \
    "$r: cuts Redis's work by at least the hit ratio: $(awk -v r="$r" -v h="$hit" 'BEGIN { print (r <= 1 - h ? "yes" : "no") }')" \
    "≤ 1 − hit ratio ($(awk -v h="$hit" 'BEGIN { printf "%.2f", 1 - h }'))"
  if [ -n "$base_proxy" ]; then
    base_row "skewed reads (req/s)" "$skew_proxy" "${skew_base:-}"
    base_row "skewed reads, p99 (µs)" "$(gen_med skew-proxy p99_us)" "$(gen_med skew-base p99_us)"
    base_row "skewed reads, Redis CPU s per million reads" "$cp" "$(gen_med skew-base redis_cpu_s_per_mreads)"
  fi
}

# Remote Redis: redis-server behind DelayRelay (RELAY_US each way), reached straight through it and by two
# proxies whose Redis is behind it, one whose cache holds all KEYS read (hits), one over MISS_KEYS with a
# cache of 2 * KEYS (nearly all misses); p50/p99 at 1 and CLIENTS clients. The relay's own cost: a relay
# without delay beside redis-server direct, and what the delayed relay adds at 1 client.
bench_remote() {
  echo "bench: remote Redis (relay, $RELAY_US µs each way)" >&2
  local relay relay0 relay_pid hitp missp bhit="" bmiss="" c specs
  relay=$(free_port); relay0=$(free_port)
  "${GEN[@]}" DelayRelay listen="$relay" target="$REDIS_PORT" delay_us="$RELAY_US" 2>"$WORK/relay.log" & relay_pid=$!; PIDS+=("$relay_pid")
  "${GEN[@]}" DelayRelay listen="$relay0" target="$REDIS_PORT" delay_us=0 2>"$WORK/relay0.log" & PIDS+=($!)
  await_port "$relay"; await_port "$relay0"
  start_proxy remote-hits target/redis-proxy.jar "$relay" $((KEYS * 2)); hitp=$STARTED_RESP
  start_proxy remote-misses target/redis-proxy.jar "$relay" $((KEYS * 2)); missp=$STARTED_RESP
  if [ -n "${BENCH_BASELINE:-}" ]; then
    start_proxy remote-hits-base "$BENCH_BASELINE" "$relay" $((KEYS * 2)); bhit=$STARTED_RESP
    start_proxy remote-misses-base "$BENCH_BASELINE" "$relay" $((KEYS * 2)); bmiss=$STARTED_RESP
  fi
  for p in $hitp $bhit; do "${GEN[@]}" GetLoad port="$p" clients="$CLIENTS" seconds=3 keys="$KEYS" >/dev/null; done
  for p in $missp $bmiss; do "${GEN[@]}" GetLoad port="$p" clients="$CLIENTS" seconds=3 keys="$MISS_KEYS" >/dev/null; done

  for c in $(printf "%s\n" 1 "$CLIENTS" | sort -nu); do
    local who="$c clients"; [ "$c" = 1 ] && who="1 client"
    specs=("hit=gen_run rhit-$c $(load_args "$c") port=$hitp stats=$hitp keys=$KEYS"
      "miss=gen_run rmiss-$c $(load_args "$c") port=$missp stats=$missp keys=$MISS_KEYS"
      "relay=gen_run rrelay-$c $(load_args "$c") port=$relay keys=$MISS_KEYS"
      "local=gen_run rlocal-$c $(load_args "$c") port=$REDIS_PORT keys=$MISS_KEYS")
    [ "$c" = "$CLIENTS" ] && specs+=("relay0=gen_run rrelay0-$c $(load_args "$c") port=$relay0 keys=$MISS_KEYS")
    if [ -n "$bhit" ]; then
      specs+=("bhit=gen_run rbhit-$c $(load_args "$c") port=$bhit keys=$KEYS" "bmiss=gen_run rbmiss-$c $(load_args "$c") port=$bmiss keys=$MISS_KEYS")
    fi
    rounds remote "${specs[@]}"
    row "remote Redis (+$RELAY_US µs each way), RESP GET hits (hit ratio $(gen_med "rhit-$c" hit_ratio)), $who: p50 / p99" \
      "$(lat "rhit-$c")" "Redis via the relay $(lat "rrelay-$c")" \
      "$(ratio "$(gen_med "rhit-$c" p50_us)" "$(gen_med "rrelay-$c" p50_us)") / $(ratio "$(gen_med "rhit-$c" p99_us)" "$(gen_med "rrelay-$c" p99_us)")" "—"
    row "remote Redis (+$RELAY_US µs each way), RESP GET mostly misses (hit ratio $(gen_med "rmiss-$c" hit_ratio)), $who: p50 / p99" \
      "$(lat "rmiss-$c")" "Redis via the relay $(lat "rrelay-$c")" \
      "$(ratio "$(gen_med "rmiss-$c" p50_us)" "$(gen_med "rrelay-$c" p50_us)") / $(ratio "$(gen_med "rmiss-$c" p99_us)" "$(gen_med "rrelay-$c" p99_us)")" "—"
    if [ -n "$bhit" ]; then
      base_row "remote Redis, hits, $who, p99 (µs)" "$(gen_med "rhit-$c" p99_us)" "$(gen_med "rbhit-$c" p99_us)"
      base_row "remote Redis, misses, $who, p50 (µs)" "$(gen_med "rmiss-$c" p50_us)" "$(gen_med "rbmiss-$c" p50_us)"
      base_row "remote Redis, misses, $who, p99 (µs)" "$(gen_med "rmiss-$c" p99_us)" "$(gen_med "rbmiss-$c" p99_us)"
    fi
  done
  local added
  added=$(( $(gen_med rrelay-1 p50_us) - $(gen_med rlocal-1 p50_us) ))
  row "relay's added delay at 1 client: p50 via the relay less p50 direct" "$added µs" "intended $((2 * RELAY_US)) µs (redis-server direct $(lat rlocal-1))" \
    "$(ratio "$added" $((2 * RELAY_US)))" "≤ 1.1"
  row "relay's own cost without delay, $CLIENTS clients: p50 / p99" "$(lat "rrelay0-$CLIENTS")" "redis-server direct $(lat "rlocal-$CLIENTS")" \
    "$(ratio "$(gen_med "rrelay0-$CLIENTS" rps)" "$(gen_med "rlocal-$CLIENTS" rps)") (req/s)" "—"
  kill "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
  row "relay's hold per chunk (all runs of this section)" "$(kv "$(tail -1 "$WORK/relay.log")" hold_p50_us) / $(kv "$(tail -1 "$WORK/relay.log")" hold_p99_us) µs p50 / p99" \
    "intended $RELAY_US µs; mean $(kv "$(tail -1 "$WORK/relay.log")" hold_mean_us) µs" "$(ratio "$(kv "$(tail -1 "$WORK/relay.log")" hold_mean_us)" "$RELAY_US") (mean)" "≤ 1.1"
}

if only skewed || only remote; then
  mkdir -p "$WORK/bench-classes"
  javac -d "$WORK/bench-classes" scripts/bench/GetLoad.java scripts/bench/DelayRelay.java
  if only skewed; then bench_skewed; fi
  if only remote; then bench_remote; fi
  echo
  if ! only main; then
    echo "redis-proxy bench, $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1); BENCH_ONLY=$BENCH_ONLY"
  fi
  echo "skewed workload and remote Redis: GetLoad, values $VALUE_BYTES bytes, MAX_PARALLEL=$INSTANCES; median of $ROUNDS rounds of ${SECONDS_PER_RUN}s per server"
  echo
  echo "| measure | proxy | comparison | ratio | target |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]:$EXTRA_ROWS_FROM}"
  if ((${#BASE_ROWS[@]} > EXTRA_BASE_FROM)); then
    echo
    echo "| measure | this build | baseline | ratio |"
    echo "|---|---|---|---|"
    printf '%s\n' "${BASE_ROWS[@]:$EXTRA_BASE_FROM}"
  fi
fi
