package dev.redisproxy.resp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Commands produce replies and change the connection state, without a connection or a socket. */
class RespCommandsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RespOutcomes outcomes = new RespOutcomes(registry.counter("ok"), registry.counter("redis_error"),
      registry.counter("unavailable"));
  private final Commands commands = new Commands(null, null, null, outcomes);
  private final ConnectionState state = new ConnectionState(42, null);

  private static RespCommand command(String... args) {
    return new RespCommand(Arrays.stream(args).map(a -> a.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new));
  }

  private static String written(PendingReply reply) {
    RespWriter out = new RespWriter();
    reply.writeTo(out);
    return out.take().toString(StandardCharsets.ISO_8859_1);
  }

  private String run(String... args) {
    PendingReply reply = commands.dispatch(command(args), state);
    assertThat(reply.ready()).isTrue();
    return written(reply);
  }

  @Test
  void helloSwitchesTheStateAndAnswersInTheNewProtocol() {
    assertThat(run("HELLO", "3")).startsWith("%7\r\n$6\r\nserver\r\n").contains("$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:42\r\n");
    assertThat(state.protocol()).isEqualTo(Protocol.RESP3);
    assertThat(run("CLIENT", "GETNAME")).isEqualTo("_\r\n");
    assertThat(run("HELLO", "4")).isEqualTo("-NOPROTO unsupported protocol version\r\n");
    assertThat(run("HELLO", "2", "SETNAME", "bad name")).startsWith("-ERR Client names");
    assertThat(state.protocol()).isEqualTo(Protocol.RESP3);
    assertThat(run("HELLO")).startsWith("%7\r\n");
    assertThat(run("HELLO", "2")).startsWith("*14\r\n");
    assertThat(state.protocol()).isEqualTo(Protocol.RESP2);
    assertThat(run("CLIENT", "GETNAME")).isEqualTo("$-1\r\n");
  }

  @Test
  void quitAsksTheConnectionToCloseAfterItsReplies() {
    assertThat(state.closeRequested()).isFalse();
    assertThat(run("QUIT")).isEqualTo("+OK\r\n");
    assertThat(state.closeRequested()).isTrue();
  }

  @Test
  void aGetTakenInResp3IsWrittenInResp3WhateverTheWriterWasDoing() {
    state.protocol(Protocol.RESP3);
    KeysReply reply = (KeysReply) commands.dispatch(command("MGET", "a", "b"), state);
    state.protocol(Protocol.RESP2);
    reply.answer(reply.nextToSend(), Buffer.buffer("v"));
    reply.answer(reply.nextToSend(), null);
    assertThat(written(reply)).isEqualTo("*2\r\n$1\r\nv\r\n_\r\n");
  }

  @Test
  void outcomeIsCountedOnceWhenDecidedNotWhenWritten() {
    KeysReply get = (KeysReply) commands.dispatch(command("GET", "a"), state);
    assertThat(get.ready()).isFalse();
    get.answer(get.nextToSend(), Buffer.buffer("v"));
    assertThat(registry.counter("ok").count()).isEqualTo(1);
    written(get);
    written(get);
    assertThat(registry.counter("ok").count()).isEqualTo(1);
  }

  @Test
  void mgetCountsAWrongTypeKeyAsNilAndOneFailureOnceForTheWholeReply() {
    KeysReply mget = (KeysReply) commands.dispatch(command("MGET", "a", "list", "c"), state);
    mget.answer(mget.nextToSend(), Buffer.buffer("v"));
    mget.fail(mget.nextToSend(), Failure.REDIS_ERROR, RespEncoder.error("WRONGTYPE x"));
    assertThat(mget.ready()).isFalse();
    mget.answer(mget.nextToSend(), null);
    assertThat(registry.counter("ok").count()).isEqualTo(1);
    assertThat(written(mget)).isEqualTo("*3\r\n$1\r\nv\r\n$-1\r\n$-1\r\n");

    KeysReply failing = (KeysReply) commands.dispatch(command("MGET", "a", "b", "c"), state);
    failing.fail(failing.nextToSend(), Failure.TIMEOUT, RespEncoder.error("UNAVAILABLE Redis timed out"));
    assertThat(failing.ready()).isTrue();
    failing.fail(failing.nextToSend(), Failure.UNAVAILABLE, RespEncoder.error("UNAVAILABLE other"));
    failing.answer(failing.nextToSend(), Buffer.buffer("late"));
    assertThat(registry.counter("unavailable").count()).isEqualTo(1);
    assertThat(registry.counter("ok").count()).isEqualTo(1);
    assertThat(written(failing)).isEqualTo("-UNAVAILABLE Redis timed out\r\n");
  }
}
