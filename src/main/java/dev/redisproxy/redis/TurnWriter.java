package dev.redisproxy.redis;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * Writes a socket's requests at the end of the event-loop turn in which they were given, all of
 * them in one write, in order: a write is a system call, and one per read was most of a read's cost.
 * Used on the socket's context only.
 */
final class TurnWriter {

  private final Context context;
  private final NetSocket socket;
  // Requests of this turn not yet written, in order; null when none.
  private Buffer outbox;
  private boolean closed;

  TurnWriter(Context context, NetSocket socket) {
    this.context = context;
    this.socket = socket;
  }

  /** Queues the request for this turn's write; the buffer is the writer's from now on. */
  void write(Buffer request) {
    if (outbox != null) {
      outbox.appendBuffer(request);
      return;
    }
    outbox = request;
    context.runOnContext(v -> {
      Buffer out = outbox;
      outbox = null;
      if (!closed) {
        socket.write(out);
      }
    });
  }

  /** Drops what is queued: the connection is gone, and the replies it waits for fail there. */
  void close() {
    closed = true;
  }
}
