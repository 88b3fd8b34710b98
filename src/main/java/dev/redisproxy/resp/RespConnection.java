package dev.redisproxy.resp;

import dev.redisproxy.cache.CacheClient;
import dev.redisproxy.frontend.ReplyBudget;
import dev.redisproxy.metrics.WriteFailures;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RESP client connection: parses its requests, has {@link Commands} produce each one's reply,
 * and writes the replies in request order, in the protocol (RESP2 or RESP3) each was made in.
 *
 * <p>Design: a reply that is not ready at once waits in a FIFO queue; a reply is written only
 * when it and everything before it are ready, so a cache hit never overtakes an earlier miss.
 * The keys of GET and MGET go to the cache through {@link Lookups}. Replies ready together are
 * written as one batch: all replies to one read, and the answers to lookups that arrive in one
 * message from the cache.
 *
 * <p>Backpressure: the connection stops reading (pauses the socket, leaving unparsed bytes in the
 * parser) while the reply queue is full, the lookups wait for budget, or the bytes it holds for its
 * client ({@link ReplyBytes}) reach its bound or its instance's {@link ReplyBudget}; past those it
 * sends no lookups either, so it does not fetch replies it could not write. A batch's bytes count
 * until its write's future completes, not by {@code writeQueueFull()}: Vert.x queues 16 more
 * messages past the transport's mark before it reports full, and one message can be a value of
 * heap/16. So a client that pipelines without reading holds bounded memory.
 *
 * <p>Everything runs on the connection's event loop.
 */
final class RespConnection {

  /** Commands whose replies are not yet written; past it the connection stops reading. */
  static final int MAX_QUEUED_REPLIES = 1024;
  /** Cache lookups outstanding for one connection; further keys wait their turn. */
  static final int MAX_LOOKUPS_IN_FLIGHT = Lookups.MAX_IN_FLIGHT;
  /** A batch is written once it holds this many bytes, without waiting for the end of a read. */
  static final int MAX_BATCH_BYTES = 64 * 1024;
  /** An MGET whose answered values hold this much goes out in part, in order, before it is complete. */
  static final int STREAM_BYTES = MAX_BATCH_BYTES;

  private static final Logger LOG = LoggerFactory.getLogger(RespConnection.class);

  private final NetSocket socket;
  private final Context context;
  private final Commands commands;
  private final ConnectionState state;
  private final Lookups lookups;
  private final ReplyBudget budget;
  private final ReplyBytes bytes;
  private final Runnable pump = this::pump;
  private final RespParser parser = new RespParser();
  private final RespWriter writer = new RespWriter();
  private final ArrayDeque<PendingReply> replies = new ArrayDeque<>();
  private boolean paused;
  // Registered with the budget to be woken when it has room again.
  private boolean awaitingBudget;
  private final Runnable budgetRoom = () -> {
    awaitingBudget = false;
    schedulePump();
  };
  // No further commands are taken (QUIT, a protocol error, server shutdown); close once written.
  private boolean closing;
  private boolean closed;
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

  RespConnection(NetSocket socket, Context context, CacheClient cache, Commands commands, ReplyBudget budget,
      long id) {
    this.socket = socket;
    this.context = context;
    this.commands = commands;
    this.budget = budget;
    this.state = new ConnectionState(id, socket.remoteAddress());
    this.bytes = new ReplyBytes(budget);
    this.lookups = new Lookups(cache, this::schedulePump, bytes);
  }

  /**
   * Starts reading; {@code onClose} runs once when the connection is gone. A command begun and not
   * finished within {@code commandTimeoutMs} closes the connection.
   */
  void start(Runnable onClose, long commandTimeoutMs) {
    long stallCheck = context.owner().setPeriodic(Math.max(10, Math.min(1000, commandTimeoutMs / 4)),
        id -> checkStalled(commandTimeoutMs * 1_000_000));
    socket.setWriteQueueMaxSize(ReplyBytes.MAX_QUEUED_BYTES);
    socket.handler(this::handleData);
    socket.shutdownHandler(v -> handleShutdown());
    socket.exceptionHandler(err -> {
      if (err instanceof VirtualMachineError fatal) {
        throw fatal; // out of memory: Vert.x reports it to the process's handler, which ends the process
      }
      LOG.debug("RESP connection {}: {}", state.id(), err.toString());
    });
    socket.closeHandler(v -> {
      context.owner().cancelTimer(stallCheck);
      closed = true;
      replies.clear();
      lookups.close();
      bytes.dropHeld();
      onClose.run();
    });
  }

  private void handleData(Buffer chunk) {
    if (closing) {
      return;
    }
    parser.feed(chunk);
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
        queue(commands.dispatch(command, state));
        commandsTaken++;
        closing |= state.closeRequested();
        if (writer.size() >= MAX_BATCH_BYTES) {
          write();
        }
      }
    } catch (RespProtocolException e) {
      LOG.debug("RESP connection {}: {}", state.id(), e.getMessage());
      queue(EncodedReply.of(RespEncoder.error("ERR " + e.getMessage())));
      closing = true;
    }
    lookups.send();
    flush();
    updateReading();
  }

  /** Pumps once at the end of this event-loop turn, however many answers arrive in it. */
  private void schedulePump() {
    if (!pumpScheduled) {
      pumpScheduled = true;
      context.runOnContext(pumpTask);
    }
  }

  /** Writes the reply into the batch when nothing is ahead of it, else queues it. */
  private void queue(PendingReply reply) {
    if (reply instanceof KeysReply keys) {
      lookups.add(keys);
    } else if (replies.isEmpty() && reply.ready()) {
      reply.writeTo(writer);
      return;
    } else if (!reply.ready()) {
      reply.whenReady(pump);
    }
    replies.add(reply);
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
      LOG.debug("RESP connection {}: a command unfinished for CLIENT_IDLE_TIMEOUT, closing", state.id());
      socket.close();
    }
  }

  /** True while more commands may be taken: room in the reply queue, the lookup and byte budgets. */
  private boolean acceptingCommands() {
    return !closing && replies.size() < MAX_QUEUED_REPLIES && lookups.hasRoom() && bytes.mayLookUp();
  }

  /**
   * Moves the ready replies at the head of the queue into the batch and writes it; an MGET at the
   * head that holds a batch's worth goes out in part (any part while the budget is spent, so that
   * what it holds does not wait for lookups the budget will not allow). While the socket holds the
   * connection's bound the replies stay queued: a client that does not read holds at most that plus
   * the answers to its lookups in flight.
   */
  private void flush() {
    PendingReply head;
    while (!bytes.socketFull() && (head = replies.peek()) != null) {
      long before = head.heldBytes();
      if (head.ready()) {
        replies.poll();
        head.writeTo(writer);
        bytes.unhold(before);
      } else if (head instanceof KeysReply keys && keys.streamable(budget.hasRoom() ? STREAM_BYTES : 1)) {
        keys.writeAnswered(writer);
        bytes.unhold(before - keys.heldBytes());
        write();
        break;
      } else {
        break;
      }
      if (writer.size() >= MAX_BATCH_BYTES) {
        write();
      }
    }
    write();
    if (closing && replies.isEmpty()) {
      closed = true;
      lookups.close();
      socket.close();
    }
  }

  /** Hands the batch to the socket; its bytes count until the socket has written them (or failed to). */
  private void write() {
    Buffer batch = writer.take();
    if (batch != null && !closed) {
      int length = batch.length();
      bytes.writing(length);
      socket.write(batch).onComplete(ar -> {
        written(length);
        if (ar.failed()) {
          lostWrite(ar.cause());
        }
      });
    }
  }

  /**
   * A batch the socket could not write (the copy of a large reply into direct memory, when that ran
   * out) leaves a gap in the reply stream: the client would take later replies for earlier commands.
   * So nothing more is written and the connection ends.
   */
  private void lostWrite(Throwable cause) {
    if (!closed) {
      closed = true;
      WriteFailures.report("RESP", cause);
      socket.close();
    }
  }

  private void written(int length) {
    boolean full = bytes.socketFull();
    bytes.written(length);
    if (!closed && (paused || full)) {
      schedulePump();
    }
  }

  private void updateReading() {
    if (closed) {
      return;
    }
    boolean wanted = acceptingCommands();
    if (!wanted && !awaitingBudget && !budget.hasRoom()) {
      awaitingBudget = true;
      budget.await(budgetRoom);
    }
    if (wanted == paused) {
      paused = !wanted;
      if (paused) {
        socket.pause();
      } else {
        socket.resume();
      }
    }
  }
}
