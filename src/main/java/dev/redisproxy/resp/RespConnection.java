package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupReply;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RESP client connection: parses its requests, hands each to {@link Commands}, and writes the
 * replies in request order.
 *
 * <p>Design: every command that cannot be answered at once takes a {@link PendingReply} in a FIFO
 * queue; a reply is written only when it and everything before it are ready, so a cache hit
 * never overtakes an earlier miss. Cache lookups (GET, and each key of MGET) go to the cache through
 * the verticle's {@link CacheClient}, at most {@link #MAX_LOOKUPS_IN_FLIGHT} at a time. The connection stops reading (pauses the
 * socket, leaving unparsed bytes in the parser) while the queue is full, lookups wait for budget,
 * or the socket's write queue is full; so a client that pipelines without reading holds bounded
 * memory. Replies ready together are written as one batch: all replies to one read, and the
 * answers to lookups that arrive in one message from the cache.
 *
 * <p>Everything runs on the connection's event loop.
 */
final class RespConnection {

  /** Commands whose replies are not yet written; past it the connection stops reading. */
  static final int MAX_QUEUED_REPLIES = 1024;
  /** Cache lookups outstanding for one connection; further keys wait their turn. */
  static final int MAX_LOOKUPS_IN_FLIGHT = 256;
  /** A batch is written once it holds this many bytes, without waiting for the end of a read. */
  static final int MAX_BATCH_BYTES = 64 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(RespConnection.class);
  private static final Buffer TIMED_OUT = RespEncoder.error("UNAVAILABLE Redis timed out");

  private final NetSocket socket;
  private final Context context;
  private final CacheClient cache;
  private final Commands commands;
  private final RespOutcomes outcomes;
  private final long id;
  private final RespParser parser = new RespParser();
  private final RespWriter writer = new RespWriter();
  private final ArrayDeque<PendingReply> replies = new ArrayDeque<>();
  // GET/MGET replies with keys not yet sent to the cache, oldest first.
  private final ArrayDeque<KeysReply> unsent = new ArrayDeque<>();
  private int lookupsInFlight;
  // Keys of the replies in unsent not yet sent to the cache (an upper bound once a reply failed).
  private int queuedKeys;
  private boolean paused;
  private boolean writeBlocked;
  // No further commands are taken (QUIT, a protocol error, server shutdown); close once written.
  private boolean closing;
  private boolean closed;
  private String clientName;
  // Set by a successful AUTH or HELLO AUTH; consulted only when PROXY_PASSWORD is set.
  private boolean authenticated;
  // Wrong passwords offered on this connection; too many close it (RespAuth).
  private int authFailures;
  // Commands taken so far, and the count and time when a check last saw the client mid-command
  // (see checkStalled): a client must finish a command it started within CLIENT_IDLE_TIMEOUT.
  private long commandsTaken;
  private long commandsAtStall = -1;
  private long stalledSince;
  // Answers that arrive together (one message from the cache) are written together: the first
  // schedules one pump for the end of this turn.
  private boolean pumpScheduled;
  private final Handler<Void> pumpTask = v -> {
    pumpScheduled = false;
    pump();
  };

  RespConnection(NetSocket socket, Context context, CacheClient cache, Commands commands,
      RespOutcomes outcomes, long id) {
    this.outcomes = outcomes;
    this.socket = socket;
    this.context = context;
    this.cache = cache;
    this.commands = commands;
    this.id = id;
  }

  /**
   * Starts reading; {@code onClose} runs once when the connection is gone. A command begun and not
   * finished within {@code commandTimeoutMs} closes the connection.
   */
  void start(Runnable onClose, long commandTimeoutMs) {
    long stallCheck = context.owner().setPeriodic(Math.max(10, Math.min(1000, commandTimeoutMs / 4)),
        id -> checkStalled(commandTimeoutMs * 1_000_000));
    socket.handler(this::handleData);
    socket.drainHandler(v -> handleDrain());
    socket.shutdownHandler(v -> handleShutdown());
    socket.exceptionHandler(err -> LOG.debug("RESP connection {}: {}", id, err.toString()));
    socket.closeHandler(v -> {
      context.owner().cancelTimer(stallCheck);
      closed = true;
      replies.clear();
      unsent.clear();
      onClose.run();
    });
  }

  long id() {
    return id;
  }

  String clientName() {
    return clientName;
  }

  void clientName(String name) {
    this.clientName = name;
  }

  boolean authenticated() {
    return authenticated;
  }

  void authenticated(boolean authenticated) {
    this.authenticated = authenticated;
  }

  /** Counts a failed authentication; returns how many this connection has had. */
  int authFailed() {
    return ++authFailures;
  }

  SocketAddress remoteAddress() {
    return socket.remoteAddress();
  }

  /** Queues a reply that is complete now. */
  void reply(Buffer encoded) {
    if (replies.isEmpty()) {
      writer.raw(encoded);
    } else {
      replies.add(new EncodedReply(encoded));
    }
  }

  /** Queues a reply that the future completes; it must not fail. */
  void replyLater(Future<Buffer> encoded) {
    if (encoded.succeeded()) {
      // Complete already (INFO without the cache section): no callback re-entering pump().
      reply(encoded.result());
      return;
    }
    EncodedReply reply = new EncodedReply(null);
    replies.add(reply);
    encoded.onSuccess(bytes -> {
      reply.complete(bytes);
      pump();
    });
  }

  /**
   * Queues GET's ({@code array} false) or MGET's reply; its keys go to the cache with the rest
   * of this read's keys, in one batch, when {@link #pump} has taken every command it can.
   */
  void lookup(RespCommand command, boolean array) {
    KeysReply reply = new KeysReply(command, array, outcomes);
    replies.add(reply);
    unsent.add(reply);
    queuedKeys += command.argc() - 1;
  }

  /** Replies, then closes the connection: QUIT. */
  void quit() {
    reply(RespEncoder.OK);
    closeAfterReplies();
  }

  /** Takes no further commands; the connection closes once the replies queued so far are written. */
  void closeAfterReplies() {
    closing = true;
  }

  private void handleData(Buffer chunk) {
    if (closing) {
      return;
    }
    parser.feed(chunk);
    pump();
  }

  private void handleDrain() {
    writeBlocked = false;
    pump();
  }

  private void handleShutdown() {
    closing = true;
    pump();
  }

  /**
   * Takes commands while the limits allow, sends lookups, writes the ready replies, then pauses
   * or resumes reading. Safe to call at any time.
   */
  private void pump() {
    if (closed) {
      return;
    }
    try {
      RespCommand command;
      while (acceptingCommands() && (command = parser.next()) != null) {
        commands.dispatch(command, this);
        commandsTaken++;
        if (writer.size() >= MAX_BATCH_BYTES) {
          write();
        }
      }
    } catch (RespProtocolException e) {
      LOG.debug("RESP connection {}: {}", id, e.getMessage());
      reply(RespEncoder.error("ERR " + e.getMessage()));
      closing = true;
    }
    sendLookups();
    flush();
    updateReading();
  }

  /**
   * Closes the connection when the client began a command and has not finished it within the
   * timeout. The socket's read-idle timeout cannot catch that: every byte resets it, so a client
   * sending one byte every few seconds would hold its MAX_CONNECTIONS slot for ever (slowloris).
   * While the proxy itself stopped reading (its replies or lookups are behind), the client is not
   * stalling and the clock does not run.
   */
  private void checkStalled(long timeoutNanos) {
    if (closed || closing || paused || !parser.inCommand() || commandsTaken != commandsAtStall) {
      commandsAtStall = commandsTaken;
      stalledSince = System.nanoTime();
      return;
    }
    if (System.nanoTime() - stalledSince >= timeoutNanos) {
      LOG.debug("RESP connection {}: a command unfinished for CLIENT_IDLE_TIMEOUT, closing", id);
      socket.close();
    }
  }

  /** True while more commands may be taken: room in the reply queue and in the lookup budget. */
  private boolean acceptingCommands() {
    return !closing && !writeBlocked && replies.size() < MAX_QUEUED_REPLIES
        && queuedKeys < MAX_LOOKUPS_IN_FLIGHT - lookupsInFlight;
  }

  /**
   * Hands the keys waiting for a lookup to the cache client, as many as the budget allows. The
   * client sends them with every other lookup of this event-loop turn in one message, so a
   * pipeline of GETs, an MGET, or GETs from many connections cost one event-bus message.
   */
  private void sendLookups() {
    int budget = MAX_LOOKUPS_IN_FLIGHT - lookupsInFlight;
    KeysReply r;
    while (budget > 0 && (r = unsent.peek()) != null) {
      if (!r.hasUnsent()) {
        unsent.poll();
        continue;
      }
      int index = r.nextToSend();
      lookupsInFlight++;
      budget--;
      KeysReply owner = r;
      cache.lookup(r.key(index), reply -> answered(owner, index, reply));
    }
    while (!unsent.isEmpty() && !unsent.peek().hasUnsent()) {
      unsent.poll();
    }
    queuedKeys = 0;
    for (KeysReply waiting : unsent) {
      queuedKeys += waiting.unsentCount();
    }
  }

  /** Records the answer; what became ready is written at the end of this turn, with the answers that came with it. */
  private void answered(KeysReply owner, int index, LookupReply reply) {
    lookupsInFlight--;
    if (closed) {
      return;
    }
    if (reply.isFailed()) {
      owner.fail(index, reply.failure(), failureReply(reply.failure(), reply.message()));
    } else {
      owner.answer(index, reply.value());
    }
    if (!pumpScheduled) {
      pumpScheduled = true;
      context.runOnContext(pumpTask);
    }
  }

  /**
   * Moves the ready replies at the head of the queue into the batch and writes it. While the
   * socket's write queue is full they stay queued, so a client that does not read holds at most
   * one batch beyond that queue.
   */
  private void flush() {
    PendingReply head;
    while (!writeBlocked && (head = replies.peek()) != null && head.ready()) {
      replies.poll();
      head.writeTo(writer);
      if (writer.size() >= MAX_BATCH_BYTES) {
        write();
      }
    }
    write();
    if (closing && replies.isEmpty()) {
      closed = true;
      unsent.clear();
      socket.close();
    }
  }

  private void write() {
    Buffer batch = writer.take();
    if (batch != null) {
      socket.write(batch);
      writeBlocked = socket.writeQueueFull();
    }
  }

  private void updateReading() {
    if (closed) {
      return;
    }
    boolean wanted = acceptingCommands();
    if (wanted == paused) {
      paused = !wanted;
      if (paused) {
        socket.pause();
      } else {
        socket.resume();
      }
    }
  }

  /** The RESP error for a failed lookup: Redis's own error text, or UNAVAILABLE. */
  static Buffer failureReply(Failure failure, String message) {
    return switch (failure) {
      case REDIS_ERROR -> RespEncoder.error(message == null ? "ERR Redis error" : message);
      case TIMEOUT -> TIMED_OUT;
      default -> RespEncoder.error("UNAVAILABLE Redis unavailable: " + message);
    };
  }
}
