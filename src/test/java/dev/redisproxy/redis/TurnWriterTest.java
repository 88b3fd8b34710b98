package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TurnWriter}: the requests given in one event-loop turn leave in one socket write, in
 * order, and none leave after the connection is closed. The socket is a stand-in that records its
 * writes, the context a real one.
 */
class TurnWriterTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final NetSocket socket = (NetSocket) Proxy.newProxyInstance(NetSocket.class.getClassLoader(),
      new Class<?>[] {NetSocket.class}, (proxy, method, args) -> {
        if (method.getName().equals("write") && args.length == 1 && args[0] instanceof Buffer data) {
          writes.add(data.toString());
          return Future.succeededFuture();
        }
        throw new UnsupportedOperationException(method.getName());
      });
  private final TurnWriter writer = new TurnWriter(context, socket);

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Runs {@code turn} as one task on the context, then waits for the tasks it scheduled to have run. */
  private void inOneTurn(Runnable turn) throws Exception {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      turn.run();
      context.runOnContext(after -> done.complete());
    });
    done.future().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theRequestsOfOneTurnLeaveInOneWriteInOrder() throws Exception {
    inOneTurn(() -> {
      writer.write(Buffer.buffer("GET a\r\n"));
      writer.write(Buffer.buffer("GET b\r\n"));
      writer.write(Buffer.buffer("GET c\r\n"));
      assertThat(writes).as("nothing written during the turn").isEmpty();
    });
    assertThat(writes).containsExactly("GET a\r\nGET b\r\nGET c\r\n");

    inOneTurn(() -> writer.write(Buffer.buffer("GET d\r\n")));
    assertThat(writes).as("the next turn's request: a write of its own").hasSize(2).endsWith("GET d\r\n");
  }

  @Test
  void whatIsQueuedWhenTheConnectionClosesIsNotWritten() throws Exception {
    inOneTurn(() -> {
      writer.write(Buffer.buffer("GET a\r\n"));
      writer.close();
    });
    assertThat(writes).isEmpty();
  }
}
