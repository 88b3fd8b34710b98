package dev.redisproxy.resp;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;

/**
 * The counters of GET and MGET replies by outcome, {@code redis_proxy_requests_total{frontend="resp"}}:
 * {@code ok} (values and nils), {@code redis_error} (Redis's error passed on, or a value larger than
 * the proxy reads: what HTTP answers 502), {@code unavailable} (Redis down, slow or overloaded). Registered once per verticle, never per request.
 */
record RespOutcomes(Counter ok, Counter redisError, Counter unavailable) {

  static RespOutcomes register(ProxyMetrics metrics) {
    return new RespOutcomes(
        metrics.requests("resp", "ok"),
        metrics.requests("resp", "redis_error"),
        metrics.requests("resp", "unavailable"));
  }

  void count(Failure failure) {
    if (failure == null) {
      ok.increment();
    } else if (failure == Failure.REDIS_ERROR || failure == Failure.TOO_LARGE) {
      redisError.increment();
    } else {
      unavailable.increment();
    }
  }
}
