package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.Key;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.RedisValue;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one key is read from Redis, the same over every connection the readers use: its value and its
 * remaining time to live in one round trip, and never more than {@code maxValue} bytes of it.
 *
 * <p>The command set: {@code GETRANGE key 0 maxValue} then {@code PTTL key}, pipelined on one
 * connection (in a Cluster, both on the key's node), without {@code MULTI}/{@code EXEC}, whose
 * cost on the server is many times that of the reads. When the first answer is ambiguous (below),
 * once more {@code GET key} then {@code PTTL key}. The proxy's Redis user needs
 * {@code +getrange +pttl +strlen +get +ping} (and {@code +client|tracking} with tracking).
 *
 * <p>Why {@code GETRANGE}: vertx-redis-client 5.0.7's parser gathers a whole bulk reply before it
 * hands it over and has no bound on its size, so a value larger than the heap would exhaust it
 * before any code of ours could refuse it. {@code GETRANGE key 0 maxValue} asks Redis for at most
 * {@code maxValue + 1} bytes: a reply that long means the value is larger than the proxy reads, and
 * the read fails as {@link Failure#TOO_LARGE} (logged once per key), while every other key is served.
 *
 * <p>Bytes in flight: a first read asks for at most {@code SMALL_VALUE} bytes ({@code GETRANGE key 0
 * 16384}), so the reads under way (a bounded count: {@link InFlightLimit}) hold at most that much
 * each. A longer answer means a large value: its length is asked ({@code STRLEN key}), room for it
 * is reserved in {@link ReadBytes}, and only
 * then is it read whole ({@code GETRANGE key 0 length}, with {@code PTTL}). So the bytes that large
 * values bring at once are bounded too, whatever the number of clients asking; large values cost a
 * round trip more, small ones nothing. A value that grew between {@code STRLEN} and its read
 * answers longer than asked, and its length is asked again ({@link #LARGE_ATTEMPTS} times in all).
 * A connection that cannot ask a length reserves for the largest value read.
 *
 * <p>Why {@code PTTL}: relative, so the proxy's clock and Redis's need not agree; {@code -2} means the
 * key is gone, {@code -1} that it has no time to live.
 *
 * <p>Why the value first: pipelined commands run in order, but another client's write may run
 * between them. With the value read first, the time to live is the key's at a moment after the value
 * was read, so the value is never given a longer life than the key it came from had:
 * <ul>
 *   <li>written with a new time to live in between: the value read (already replaced) gets the new,
 *       shorter or longer, one; with tracking the write's invalidation arrives before the PTTL's reply
 *       and the value is not stored;</li>
 *   <li>given or relieved of a time to live in between ({@code EXPIRE}, {@code PERSIST}): the value
 *       read is still the key's, and gets the key's current time to live;</li>
 *   <li>deleted or expired in between: PTTL says {@code -2} and the read says missing, which was true
 *       when the PTTL ran.</li>
 * </ul>
 * The other order would give a value written in between the previous value's time to live, which may
 * be longer than its own. On one server (and Sentinel's master) the order always holds: both go down
 * one connection. In a Cluster both go to the key's node in this order too, except while that node's
 * connection is first opened or a {@code MOVED}/{@code ASK} is followed: vertx-redis-client 5.0.7 then
 * re-sends each command on its own, and only a write landing in that instant can see the other order. {@code GETRANGE} answers {@code ""} both for an empty value and for a key
 * that does not exist: with PTTL {@code -2} it is missing; with PTTL {@code >= -1} it is an empty
 * value or a key created between the two commands, so the key is read once more with {@code GET}
 * (rare: only empty values cost two round trips). A value larger than {@code maxValue} written
 * between those two reads is read whole by that {@code GET} and then refused: the one case in which
 * a read brings more than {@code maxValue + 1} bytes.
 *
 * <p>Used on the reader's context only (the cache verticle's), so the fields need no locks.
 */
final class ValueRead {

  /** The most the proxy ever reads of one value, whatever the heap: Redis's own limit on a string. */
  static final long MAX_VALUE_CAP = 512L * 1024 * 1024;
  /** Commands a read pipelines on one connection: the value's, then PTTL. */
  static final int COMMANDS = 2;
  /** The most a first read asks for: larger values are read again, once room for them is reserved. */
  static final long SMALL_VALUE = 16 * 1024;
  /** Reads of one large value, each after asking its length, before it counts as changing too fast to read. */
  static final int LARGE_ATTEMPTS = 3;
  /** Keys whose too large value was logged: each once, the most recent this many. */
  static final int REPORTED_KEYS = 1024;

  private static final Logger LOG = LoggerFactory.getLogger(ValueRead.class);

  /** What one round trip found: the value's bytes (null for GET's nil) and PTTL's answer. */
  record Found(Buffer value, long pttl) {
  }

  /** One connection, as {@link ValueRead} needs it. */
  interface Connection {
    /**
     * Pipelines {@code GETRANGE key 0 last} ({@code GET key} when {@code last} is negative) and then
     * {@code PTTL key} on one connection, in that order. Fails as the first of the two that failed.
     */
    Future<Found> valueAndTtl(byte[] key, long last);

    /** {@code STRLEN key}; null where the connection cannot ask it (then room for the largest value is reserved). */
    default Future<Long> length(byte[] key) {
      return null;
    }
  }

  private final long maxValue;
  private final long smallValue;
  private final ReadBytes room;
  private final LookupException tooLarge;
  private final Map<Key, Boolean> reported = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
      return size() > REPORTED_KEYS;
    }
  };

  /**
   * Reads values of at most {@code maxValue} bytes; large ones hold at most an eighth of the heap at
   * once, or room for one of the largest, whichever is more.
   */
  ValueRead(long maxValue) {
    this(maxValue, SMALL_VALUE, new ReadBytes(Math.max(Math.min(MAX_VALUE_CAP, maxValue) + 1,
        Runtime.getRuntime().maxMemory() / 8)));
  }

  /** As {@link #ValueRead(long)}, with the size of a first read and the room for large ones (tests). */
  ValueRead(long maxValue, long smallValue, ReadBytes room) {
    this.maxValue = Math.max(0, Math.min(MAX_VALUE_CAP, maxValue));
    this.smallValue = Math.max(1, smallValue);
    this.room = room;
    this.tooLarge = new LookupException(Failure.TOO_LARGE,
        "value larger than " + this.maxValue + " bytes, the most this proxy reads");
  }

  /** The largest value read; a larger one fails as {@link Failure#TOO_LARGE}. */
  long maxValue() {
    return maxValue;
  }

  /** The key's value and time to live, over {@code connection}. */
  Future<RedisValue> read(Connection connection, Key key) {
    byte[] k = key.toBytes();
    long first = Math.min(maxValue, smallValue);
    return connection.valueAndTtl(k, first).compose(found -> {
      if (first < maxValue && found.value() != null && found.value().length() > first) {
        return readLarge(connection, key, k, 1);
      }
      return settle(connection, key, k, found);
    });
  }

  /** A value longer than a first read: its length, room for it, then the whole of it. */
  private Future<RedisValue> readLarge(Connection connection, Key key, byte[] k, int attempt) {
    Future<Long> asked = connection.length(k);
    Future<Long> length = asked != null ? asked : Future.succeededFuture(maxValue);
    return length.compose(n -> {
      if (n > maxValue) {
        report(key);
        return Future.failedFuture(tooLarge);
      }
      // The reply holds at most n + 1 bytes.
      return room.reserve(n + 1).compose(reserved -> connection.valueAndTtl(k, n)
          .andThen(ar -> room.release(reserved))
          .compose(found -> {
            if (found.value() == null || found.value().length() <= n) {
              return settle(connection, key, k, found);
            }
            if (asked == null) {
              return decide(key, found); // read up to the largest value: longer is too large
            }
            return attempt < LARGE_ATTEMPTS ? readLarge(connection, key, k, attempt + 1)
                : Future.failedFuture(new LookupException(Failure.UNAVAILABLE, "the value of " + key
                    + " grew each of " + LARGE_ATTEMPTS + " times between reading its length and reading it"));
          }));
    });
  }

  private Future<RedisValue> settle(Connection connection, Key key, byte[] k, Found found) {
    if (found.pttl() >= RedisValue.NO_TTL && found.value() != null && found.value().length() == 0) {
      // An empty value, or a key created between GETRANGE and PTTL: GET tells them apart.
      return connection.valueAndTtl(k, -1).compose(again -> decide(key, again));
    }
    return decide(key, found);
  }

  private Future<RedisValue> decide(Key key, Found found) {
    if (found.value() == null || found.pttl() < RedisValue.NO_TTL) {
      return Future.succeededFuture(RedisValue.MISSING);
    }
    if (found.value().length() > maxValue) {
      report(key);
      return Future.failedFuture(tooLarge);
    }
    return Future.succeededFuture(new RedisValue(found.value(), found.pttl()));
  }

  private void report(Key key) {
    if (reported.put(key, Boolean.TRUE) == null) {
      LOG.warn("Key {} holds a value larger than {} bytes, the most this proxy reads from Redis: its reads fail"
          + " (HTTP 502, RESP -ERR) and it is not cached; the proxy keeps serving other keys", key, maxValue);
    }
  }
}
