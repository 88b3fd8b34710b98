package dev.redisproxy.testing;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Vert.x of its own for each test, for component tests that deploy a verticle alone (the cache
 * verticle with a fake reader, say) rather than the whole proxy ({@link ProxyFixture}): the strict
 * event-loop limit of {@link BlockedThreads}, closed after the test, which fails if it blocked a
 * Vert.x thread.
 *
 * <pre>{@code
 * @RegisterExtension
 * final VertxFixture vertx = new VertxFixture();
 *
 * @Test
 * void hit() {
 *   vertx.get().deployVerticle(new CacheVerticle(config, v -> redis, ticker)).await();
 * }
 * }</pre>
 */
public final class VertxFixture implements BeforeEachCallback, AfterEachCallback {

  /** A guard against a Vert.x that hangs closing, not a timing assertion. */
  private static final long CLOSE_TIMEOUT_S = 30;

  private Vertx vertx;
  private BlockedThreads blocked;

  @Override
  public void beforeEach(ExtensionContext context) {
    vertx = Vertx.vertx(BlockedThreads.options());
    blocked = BlockedThreads.watch(vertx);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      blocked.assertNone();
    } finally {
      vertx.close().await(CLOSE_TIMEOUT_S, TimeUnit.SECONDS);
    }
  }

  /** This test's Vert.x. */
  public Vertx get() {
    return vertx;
  }
}
