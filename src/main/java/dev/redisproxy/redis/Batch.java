package dev.redisproxy.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/** The commands of one {@link PipelinedRedis#batch} call, and the promise of their replies, in order. */
final class Batch {

  final List<Request> commands;
  final Promise<List<Response>> replies = Promise.promise();

  Batch(List<Request> commands) {
    this.commands = commands;
  }

  /** Every command of the batches, in order: what one write sends. */
  static List<Request> commandsOf(List<Batch> batches) {
    if (batches.size() == 1) {
      return batches.get(0).commands;
    }
    List<Request> all = new ArrayList<>();
    batches.forEach(batch -> all.addAll(batch.commands));
    return all;
  }

  /** The replies in order once all are in; fails as the first that failed, with its own error. */
  static Future<List<Response>> firstFailureOrAll(List<Future<Response>> replies) {
    return Future.join(replies).transform(all -> {
      List<Response> answers = new ArrayList<>(replies.size());
      for (Future<Response> reply : replies) {
        if (reply.failed()) {
          return Future.failedFuture(reply.cause());
        }
        answers.add(reply.result());
      }
      return Future.succeededFuture(answers);
    });
  }
}
