package dev.redisproxy.redis;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import dev.redisproxy.cache.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vertx-redis-client {@link Redis} whose {@link #send} pipelines commands over a few connections it
 * holds, instead of lending a pooled connection to one command at a time.
 *
 * <p>Why: {@code Redis.send} leases a pooled connection for the whole round trip, so misses were read
 * one per connection at a time. A held {@link RedisConnection} accepts any number of commands
 * before their replies (up to {@code maxWaitingHandlers}, {@link RedisClientOptions#PIPELINE_DEPTH})
 * and completes them in order, so many misses share one connection and one trip to Redis. It is the
 * same in every mode: a standalone or Sentinel connection is one pooled connection to the server or
 * the current master; a Cluster connection holds one pooled connection to each node and routes each
 * command by its key, pipelining on each node's connection.
 *
 * <p>Design: {@code size} slots, each holding one connection obtained from the client's own
 * {@link Redis#connect()} (so address, credentials, TLS, database, Sentinel and Cluster routing are
 * the client's), opened when a command first needs the slot. A command goes to the slot with the
 * fewest commands under way: one connection while the load is light, all of them under load, and
 * a slow reply (a very large value) holds up only the commands behind it on its own connection. A
 * slot lets go of its connection (back to the client's pool, where the next {@code connect()} finds
 * it again) when it ends, when a command on it fails other than by an error reply, and after
 * {@code maxAgeMs}: {@code connect()} asks the sentinels or the slot map again, so a new master is
 * followed even when the old one keeps its connections open. A failed connection attempt fails the
 * commands waiting for it, and the next command tries again: there is no reconnect loop.
 *
 * <p>Deadlines are the caller's ({@link RenewingRedis} replaces the whole client when a command gets
 * no answer in time), and so is the bound on commands waiting for a connection ({@link InFlightLimit},
 * at most {@code size} times the pipeline depth under way); each connection's own bound, the
 * pipeline depth, is counted here, so the client's never trips. Used from one Vert.x context (the cache verticle's) only,
 * so the fields need no locks; connections and their replies stay on that context.
 */
final class PipelinedRedis implements Redis {

  private static final Logger LOG = LoggerFactory.getLogger(PipelinedRedis.class);

  /**
   * Past {@link RedisClientOptions#PIPELINE_DEPTH} commands on the least busy connection: our own
   * bound, equal to the client's {@code maxWaitingHandlers}, so the client never has to refuse a
   * command for a full queue (it would say so only in its message text).
   */
  private static final LookupException PIPELINES_FULL = new LookupException(Failure.OVERLOADED,
      "too many reads waiting for Redis: every connection has " + RedisClientOptions.PIPELINE_DEPTH + " under way");

  private final Redis client;
  private final Slot[] slots;
  private final long maxAgeNanos;
  private final Ticker ticker;
  private final boolean coalesce;
  private final Executor nextTurn;
  private boolean writeScheduled;
  private boolean closed;

  /** One connection and the commands sent to it (or waiting for it to open) that are not answered yet. */
  private static final class Slot {
    // Completed with the connection, or failed; null when the slot holds none.
    Future<RedisConnection> connection;
    long openedAt;
    // Commands sent on the connection (or waiting in the outbox) and not answered yet.
    int pending;
    // Batches given this turn, written together at its end; null when none.
    List<Batch> outbox;
  }


  private PipelinedRedis(Redis client, int size, long maxAgeMs, Ticker ticker, boolean coalesce, Executor nextTurn) {
    this.client = client;
    this.ticker = ticker;
    this.coalesce = coalesce;
    this.nextTurn = nextTurn;
    this.slots = new Slot[size];
    for (int i = 0; i < size; i++) {
      slots[i] = new Slot();
    }
    this.maxAgeNanos = TimeUnit.MILLISECONDS.toNanos(maxAgeMs);
  }

  /**
   * Pipelines over at most {@code size} connections of {@code client}, each held for at most
   * {@code maxAgeMs}; with {@code coalesce}, the batches of one turn of {@code context}'s event loop
   * are written together (not for a Cluster: see {@link #batch}).
   */
  static Redis create(Redis client, int size, long maxAgeMs, boolean coalesce, Context context) {
    return create(client, size, maxAgeMs, Ticker.system(), coalesce, task -> context.runOnContext(v -> task.run()));
  }

  /**
   * As {@link #create(Redis, int, long, boolean, Context)}, with the ticker that ages connections and
   * what runs a task once the current turn's work is done (fakes in tests).
   */
  static Redis create(Redis client, int size, long maxAgeMs, Ticker ticker, boolean coalesce, Executor nextTurn) {
    return new PipelinedRedis(client, Math.max(1, size), Math.max(1, maxAgeMs), ticker, coalesce, nextTurn);
  }

  @Override
  public Future<Response> send(Request command) {
    if (closed) {
      return Future.failedFuture("Redis client is closed");
    }
    Slot slot = leastBusy();
    if (slot.pending >= RedisClientOptions.PIPELINE_DEPTH) {
      return Future.failedFuture(PIPELINES_FULL);
    }
    return sendOn(slot, connectionOf(slot), command);
  }

  /**
   * Pipelines the commands on one connection, in order, so that a later one sees what an earlier one
   * saw (a value, then its key's time to live); in a Cluster all go to their keys' node, so they must
   * name keys of one node (one key, say). The batches given in one event-loop turn are written
   * together: one {@link RedisConnection#batch} per connection per turn, one socket write, where a
   * command on its own costs a write (and a system call) each. Without {@code coalesce} (a Cluster,
   * whose connection refuses a batch whose keys live on different nodes) each batch is written on its
   * own, still as one write.
   *
   * <p>Unlike the client's own {@code batch}, each failure keeps its own error reply (the client
   * rewrites a batch's error replies into one {@code "ERR [i] ..."}, which hides {@code WRONGTYPE} and
   * {@code LOADING}, and in a Cluster keeps {@code MOVED} from being followed): when a write's replies
   * hold an error, its batches are sent again command by command, and each fails as its first failed
   * command. So a batch holding an error reply is read twice; replies that are errors are rare
   * for reads of string keys (a key of another type, an ACL refusal, a Redis loading its data).
   */
  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    if (closed) {
      return Future.failedFuture("Redis client is closed");
    }
    Slot slot = leastBusy();
    if (slot.pending + commands.size() > RedisClientOptions.PIPELINE_DEPTH) {
      return Future.failedFuture(PIPELINES_FULL);
    }
    slot.pending += commands.size();
    Batch batch = new Batch(commands);
    if (!coalesce) {
      write(slot, List.of(batch));
    } else {
      if (slot.outbox == null) {
        slot.outbox = new ArrayList<>();
      }
      slot.outbox.add(batch);
      if (!writeScheduled) {
        writeScheduled = true;
        nextTurn.execute(this::writeOutboxes);
      }
    }
    return batch.replies.future();
  }

  private void writeOutboxes() {
    writeScheduled = false;
    for (Slot slot : slots) {
      List<Batch> batches = slot.outbox;
      if (batches != null) {
        slot.outbox = null;
        write(slot, batches);
      }
    }
  }

  /** One write of every command of {@code batches}, on the slot's connection; {@code pending} counts them already. */
  private void write(Slot slot, List<Batch> batches) {
    List<Request> all = Batch.commandsOf(batches);
    if (closed) {
      slot.pending -= all.size();
      batches.forEach(batch -> batch.replies.fail("Redis client is closed"));
      return;
    }
    Future<RedisConnection> connection = connectionOf(slot);
    Future<List<Response>> replies = connection.succeeded()
        ? connection.result().batch(all)
        : connection.compose(conn -> conn.batch(all));
    replies.onComplete(ar -> {
      slot.pending -= all.size();
      if (ar.succeeded()) {
        int from = 0;
        for (Batch batch : batches) {
          batch.replies.complete(ar.result().subList(from, from += batch.commands.size()));
        }
      } else if (ar.cause() instanceof Response) {
        // An error reply among them, or the connection closed under them (the client folds both into
        // one error): each command again, on the same connection, for its own answer; on a closed
        // connection they fail at once, unsent.
        batches.forEach(batch -> sendEach(slot, connection, batch.commands).onComplete(batch.replies));
      } else {
        release(slot, connection);
        batches.forEach(batch -> batch.replies.fail(ar.cause()));
      }
    });
  }

  /** The commands one by one on the slot's connection, in order; fails as the first that failed. */
  private Future<List<Response>> sendEach(Slot slot, Future<RedisConnection> connection, List<Request> commands) {
    List<Future<Response>> replies = new ArrayList<>(commands.size());
    for (Request command : commands) {
      replies.add(sendOn(slot, connection, command));
    }
    return Batch.firstFailureOrAll(replies);
  }

  private Future<Response> sendOn(Slot slot, Future<RedisConnection> connection, Request command) {
    slot.pending++;
    // Sent at once on an open connection; else in the order the commands were given, once it opens.
    Future<Response> reply = connection.succeeded()
        ? connection.result().send(command)
        : connection.compose(conn -> conn.send(command));
    // A failure other than an error reply: the connection (or, in a Cluster, a node's) is gone.
    // andThen, not onComplete: the caller hears of the reply after a dead connection was let go.
    return reply.andThen(ar -> {
      slot.pending--;
      if (ar.failed() && !(ar.cause() instanceof Response)) {
        // Closed, or a node of a Cluster connection closed: the next command gets a connection that works.
        release(slot, connection);
      }
    });
  }

  /** A connection of the client's pool, the caller's to close. */
  @Override
  public Future<RedisConnection> connect() {
    return client.connect();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    for (Slot slot : slots) {
      release(slot, slot.connection);
    }
    return client.close();
  }

  private Slot leastBusy() {
    Slot best = slots[0];
    for (int i = 1; i < slots.length && best.pending > 0; i++) {
      if (slots[i].pending < best.pending) {
        best = slots[i];
      }
    }
    return best;
  }

  /** The slot's connection, opened or replaced first when it has none or has held it for {@code maxAgeMs}. */
  private Future<RedisConnection> connectionOf(Slot slot) {
    Future<RedisConnection> connection = slot.connection;
    if (connection != null && !(connection.succeeded() && ticker.nanos() - slot.openedAt > maxAgeNanos)) {
      return connection;
    }
    release(slot, connection);
    Future<RedisConnection> opening = client.connect();
    slot.connection = opening;
    slot.openedAt = ticker.nanos();
    // A failed attempt is forgotten, so the next command tries again.
    opening.onComplete(conn -> {
      if (slot.connection != opening) {
        // Let go of while it opened (or this client closed): release closes it, once.
        return;
      }
      conn.endHandler(v -> release(slot, opening));
      conn.exceptionHandler(err -> {
        if (err instanceof VirtualMachineError fatal) {
          throw fatal; // out of memory: Vert.x reports it to the process's handler, which ends the process
        }
        LOG.debug("Redis connection failed", err);
        release(slot, opening);
      });
    }, err -> release(slot, opening));
    return opening;
  }

  /**
   * Forgets the slot's connection if it is still {@code connection}, and gives it back to the pool:
   * a closed one is dropped there, a live one is lent again, with the replies still due on it.
   */
  private static void release(Slot slot, Future<RedisConnection> connection) {
    if (connection == null || slot.connection != connection) {
      return;
    }
    slot.connection = null;
    connection.onSuccess(conn -> conn.close().onFailure(err -> LOG.debug("Releasing a Redis connection failed", err)));
  }
}
