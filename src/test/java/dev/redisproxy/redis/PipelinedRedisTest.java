package dev.redisproxy.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redisproxy.cache.Failure;
import dev.redisproxy.cache.LookupException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.impl.RequestImpl;
import io.vertx.redis.client.impl.types.ErrorType;
import io.vertx.redis.client.impl.types.SimpleStringType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How {@link PipelinedRedis} spreads commands over its connections and when it lets one go, against
 * a fake client whose connections answer when the test says so; time is a fake ticker.
 */
class PipelinedRedisTest {

  private static final long MAX_AGE_MS = 1000;

  private final FakeClient client = new FakeClient();
  private long now;
  // Tasks left for the end of the event-loop turn: the test ends the turn with endTurn().
  private final List<Runnable> turnEnd = new ArrayList<>();
  private final Redis redis = PipelinedRedis.create(client, 2, MAX_AGE_MS, () -> now, true, turnEnd::add);

  private void endTurn() {
    List<Runnable> tasks = new ArrayList<>(turnEnd);
    turnEnd.clear();
    tasks.forEach(Runnable::run);
  }

  private static List<Request> valueAndTtl(String key) {
    return List.of(Request.cmd(Command.GETRANGE).arg(key).arg(0).arg(10), Request.cmd(Command.PTTL).arg(key));
  }

  private Future<Response> get(String key) {
    return redis.send(Request.cmd(Command.GET).arg(key));
  }

  @Test
  void oneConnectionCarriesCommandsAnsweredOneAfterAnother() {
    for (int i = 0; i < 5; i++) {
      Future<Response> reply = get("k" + i);
      client.connections.get(0).answerOldest("v" + i);
      assertThat(reply.result().toString()).isEqualTo("v" + i);
    }
    assertThat(client.connections).hasSize(1);
  }

  @Test
  void aBatchGoesToOneConnectionInOrderEvenWhenAnotherIsLessBusy() {
    get("busy");
    Future<List<Response>> both = redis.batch(valueAndTtl("k"));
    endTurn();
    assertThat(client.connections).hasSize(2);
    FakeConnection second = client.connections.get(1);
    assertThat(second.keys).containsExactly("k", "k");
    assertThat(second.commands).containsExactly("getrange", "pttl");
    second.answerOldest("v");
    assertThat(both.isComplete()).isFalse();
    second.answerOldest("1500");
    assertThat(both.result()).extracting(Response::toString).containsExactly("v", "1500");
  }

  @Test
  void theBatchesOfOneTurnShareOneWriteAndEachGetsItsOwnReplies() {
    Future<List<Response>> a = redis.batch(valueAndTtl("a"));
    Future<List<Response>> b = redis.batch(valueAndTtl("b"));
    Future<List<Response>> c = redis.batch(valueAndTtl("c"));
    assertThat(client.connections).as("nothing written before the turn ends").allSatisfy(conn ->
        assertThat(conn.writes).isZero());
    endTurn();
    int writes = client.connections.stream().mapToInt(conn -> conn.writes).sum();
    assertThat(writes).as("one write per connection used").isEqualTo(client.connections.size());
    client.connections.forEach(conn -> {
      while (!conn.pending.isEmpty()) {
        conn.answerOldest(conn.keys.get(conn.keys.size() - conn.pending.size()));
      }
    });
    assertThat(a.result()).extracting(Response::toString).containsExactly("a", "a");
    assertThat(b.result()).extracting(Response::toString).containsExactly("b", "b");
    assertThat(c.result()).extracting(Response::toString).containsExactly("c", "c");
  }

  @Test
  void withoutCoalescingEachBatchIsWrittenAtOnceAsOneWrite() {
    Redis cluster = PipelinedRedis.create(client, 1, MAX_AGE_MS, () -> now, false, turnEnd::add);
    cluster.batch(valueAndTtl("a"));
    cluster.batch(valueAndTtl("b"));
    assertThat(turnEnd).isEmpty();
    assertThat(client.connections.get(0).writes).isEqualTo(2);
    assertThat(client.connections.get(0).keys).containsExactly("a", "a", "b", "b");
  }

  @Test
  void aBatchFailsAsItsFirstFailedCommandWithTheErrorReplyUnchanged() {
    Redis one = PipelinedRedis.create(client, 1, MAX_AGE_MS, () -> now, true, turnEnd::add);
    Future<List<Response>> both = one.batch(valueAndTtl("k"));
    Future<List<Response>> other = one.batch(valueAndTtl("fine"));
    endTurn();
    FakeConnection c = client.connections.get(0);
    String wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    c.failOldest(ErrorType.create(wrongType));
    c.answerOldest("1500");
    c.answerOldest("fine");
    c.answerOldest("1500");
    assertThat(c.writes).as("one write, then each command on its own").isEqualTo(5);
    // The client's batch hides the error reply in "ERR [0] ...": each batch is sent again, command by command.
    assertThat(both.isComplete()).isFalse();
    assertThat(c.keys).endsWith("k", "k", "fine", "fine");
    c.failOldest(ErrorType.create(wrongType));
    c.answerAll("1500");
    assertThat(both.cause()).isInstanceOf(ErrorType.class).hasMessage(wrongType);
    assertThat(other.result()).extracting(Response::toString).containsExactly("1500", "1500");
    assertThat(c.closes).as("an error reply keeps the connection").isZero();
  }

  @Test
  void aFailedWriteFailsEveryBatchInItAndLetsTheConnectionGo() {
    Redis one = PipelinedRedis.create(client, 1, MAX_AGE_MS, () -> now, true, turnEnd::add);
    Future<List<Response>> a = one.batch(valueAndTtl("a"));
    Future<List<Response>> b = one.batch(valueAndTtl("b"));
    endTurn();
    FakeConnection c = client.connections.get(0);
    c.failOldest(new IllegalStateException("Connection is closed"));
    c.answerAll("x");
    assertThat(a.cause()).hasMessage("Connection is closed");
    assertThat(b.cause()).hasMessage("Connection is closed");
    assertThat(c.closes).isEqualTo(1);
  }

  @Test
  void concurrentCommandsArePipelinedOverAtMostTheSizeAndAnsweredInOrder() {
    List<Future<Response>> replies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      replies.add(get("k" + i));
    }
    assertThat(client.connections).hasSize(2);
    assertThat(client.connections).allSatisfy(c -> assertThat(c.pending).hasSize(5));
    // Each connection answers in its own order; each command gets its own reply.
    for (FakeConnection c : client.connections) {
      while (!c.pending.isEmpty()) {
        c.answerOldest("reply to " + c.keys.get(c.keys.size() - c.pending.size()));
      }
    }
    for (int i = 0; i < 10; i++) {
      assertThat(replies.get(i).result().toString()).isEqualTo("reply to k" + i);
    }
  }

  @Test
  void commandsWaitForTheConnectionBeingOpenedAndAFailedAttemptIsTriedAgainByTheNextCommand() {
    client.holdConnects = true;
    Future<Response> first = get("a");
    Future<Response> second = get("b");
    assertThat(client.connects).hasSize(2);
    client.connects.get(0).fail("Connection refused");
    assertThat(first.cause()).hasMessage("Connection refused");
    client.holdConnects = false;
    Future<Response> third = get("c");
    assertThat(client.connects).as("a new attempt for the failed slot").hasSize(3);
    client.connects.get(1).complete(client.newConnection());
    client.connections.forEach(c -> c.answerAll("v"));
    assertThat(second.succeeded()).isTrue();
    assertThat(third.succeeded()).isTrue();
  }

  @Test
  void aConnectionThatEndsIsLetGoAndTheNextCommandOpensAnother() {
    get("a");
    FakeConnection first = client.connections.get(0);
    first.end();
    assertThat(first.closes).as("handed back to the pool, once").isEqualTo(1);
    get("b");
    assertThat(client.connections).hasSize(2);
    assertThat(client.connections.get(1).keys).containsExactly("b");
  }

  @Test
  void pastThePipelineDepthOnEveryConnectionACommandFailsOverloadedWithoutBeingSent() {
    for (int i = 0; i < 2 * RedisClientOptions.PIPELINE_DEPTH; i++) {
      get("k" + i);
    }
    Future<Response> refused = get("one too many");
    assertThat(refused.cause()).isInstanceOfSatisfying(LookupException.class,
        e -> assertThat(e.failure()).isEqualTo(Failure.OVERLOADED));
    assertThat(client.connections).allSatisfy(c -> {
      assertThat(c.pending).hasSize(RedisClientOptions.PIPELINE_DEPTH);
      assertThat(c.closes).as("a full pipeline is no reason to let a connection go").isZero();
    });
    client.connections.get(0).answerOldest("v");
    get("room again");
    assertThat(client.connections.get(0).keys).last().isEqualTo("room again");
  }

  @Test
  void anErrorReplyKeepsTheConnectionAndAnyOtherFailureLetsItGo() {
    Future<Response> wrongType = get("list");
    FakeConnection conn = client.connections.get(0);
    conn.failOldest(ErrorType.create("WRONGTYPE Operation against a key holding the wrong kind of value"));
    assertThat(wrongType.cause()).hasMessageStartingWith("WRONGTYPE");
    Future<Response> closed = get("k");
    assertThat(client.connections).as("still the same connection").hasSize(1);
    conn.failOldest(new IllegalStateException("Connection is closed"));
    assertThat(closed.failed()).isTrue();
    assertThat(conn.closes).isEqualTo(1);
    get("k");
    assertThat(client.connections).hasSize(2);
  }

  @Test
  void aConnectionHeldLongerThanTheMaximumAgeIsHandedBackAndAskedForAgain() {
    get("a");
    client.connections.get(0).answerAll("v");
    now += TimeUnit.MILLISECONDS.toNanos(MAX_AGE_MS);
    get("b");
    assertThat(client.connections).as("not yet").hasSize(1);
    client.connections.get(0).answerAll("v");
    now += 1;
    get("c");
    assertThat(client.connections.get(0).closes).isEqualTo(1);
    assertThat(client.connections).hasSize(2);
    assertThat(client.connections.get(1).keys).containsExactly("c");
  }

  @Test
  void closingHandsBackEveryConnectionAndClosesTheClient() {
    get("a");
    get("b");
    redis.close();
    assertThat(client.connections).allSatisfy(c -> assertThat(c.closes).isEqualTo(1));
    assertThat(client.closed).isTrue();
    assertThat(get("c").failed()).isTrue();
  }

  /** A client whose connect() opens a fake connection at once, or waits for the test with holdConnects. */
  private static final class FakeClient implements Redis {
    final List<FakeConnection> connections = new ArrayList<>();
    final List<Promise<RedisConnection>> connects = new ArrayList<>();
    boolean holdConnects;
    boolean closed;

    FakeConnection newConnection() {
      FakeConnection c = new FakeConnection();
      connections.add(c);
      return c;
    }

    @Override
    public Future<RedisConnection> connect() {
      Promise<RedisConnection> p = Promise.promise();
      connects.add(p);
      if (!holdConnects) {
        p.complete(newConnection());
      }
      return p.future();
    }

    @Override
    public Future<Void> close() {
      closed = true;
      return Future.succeededFuture();
    }

    @Override
    public Future<Response> send(Request command) {
      throw new AssertionError("commands go through held connections");
    }

    @Override
    public Future<List<Response>> batch(List<Request> commands) {
      throw new AssertionError("not used");
    }
  }

  /** A connection that queues commands and answers them, oldest first, when the test says so. */
  private static final class FakeConnection implements RedisConnection {
    final List<String> keys = new ArrayList<>();
    final List<String> commands = new ArrayList<>();
    final List<Promise<Response>> pending = new ArrayList<>();
    Handler<Void> endHandler;
    int closes;
    // Socket writes: one per send, one per batch.
    int writes;

    void answerOldest(String value) {
      pending.remove(0).complete(SimpleStringType.create(value));
    }

    void answerAll(String value) {
      while (!pending.isEmpty()) {
        answerOldest(value);
      }
    }

    void failOldest(Throwable failure) {
      pending.remove(0).fail(failure);
    }

    void end() {
      endHandler.handle(null);
    }

    @Override
    public Future<Response> send(Request command) {
      writes++;
      keys.add(new String(((RequestImpl) command).getArgs().get(0), StandardCharsets.UTF_8));
      commands.add(command.command().toString());
      Promise<Response> p = Promise.promise();
      pending.add(p);
      return p.future();
    }

    @Override
    public Future<Void> close() {
      closes++;
      return Future.succeededFuture();
    }

    @Override
    public RedisConnection endHandler(Handler<Void> handler) {
      endHandler = handler;
      return this;
    }

    @Override
    public RedisConnection exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public RedisConnection handler(Handler<Response> handler) {
      return this;
    }

    @Override
    public RedisConnection pause() {
      return this;
    }

    @Override
    public RedisConnection resume() {
      return this;
    }

    @Override
    public RedisConnection fetch(long amount) {
      return this;
    }

    /** One write; fails as the client's own batch does, all error replies folded into one "ERR [i] ...". */
    @Override
    public Future<List<Response>> batch(List<Request> commands) {
      writes++;
      writes -= commands.size();
      List<Future<Response>> replies = new ArrayList<>();
      commands.forEach(command -> replies.add(send(command)));
      return Future.join(replies).transform(all -> {
        List<Response> answers = new ArrayList<>();
        for (int i = 0; i < replies.size(); i++) {
          Future<Response> reply = replies.get(i);
          if (reply.failed()) {
            return Future.failedFuture(reply.cause() instanceof ErrorType
                ? ErrorType.create("ERR [" + i + "] " + reply.cause().getMessage()) : reply.cause());
          }
          answers.add(reply.result());
        }
        return Future.succeededFuture(answers);
      });
    }

    @Override
    public boolean pendingQueueFull() {
      return false;
    }
  }
}
