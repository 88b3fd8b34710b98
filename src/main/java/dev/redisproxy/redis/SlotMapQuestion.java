package dev.redisproxy.redis;

import dev.redisproxy.cache.InvalidationListener;
import dev.redisproxy.cache.Key;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Asks a Redis Cluster for its slot map ({@code CLUSTER SLOTS}), for {@link ClusterTrackingReader}:
 * first a node that a redirection named, then the masters in turn over their open tracking
 * connections (pipelined after the reads, no connection of its own), then the seed nodes and every
 * node the last map named, each over a short-lived connection, until one answers. Each question is
 * bounded by {@code REDIS_TIMEOUT}. Used on the reader's context only.
 */
final class SlotMapQuestion {

  /** For the connections opened for one question: they read no key, and a FLUSHALL report on them is not news. */
  static final InvalidationListener DEAF = new InvalidationListener() {
    @Override
    public void invalidate(Key key) {
    }

    @Override
    public void invalidateAll(boolean connectionLost) {
    }
  };

  private final List<String> seeds;
  private final Duration timeout;
  // Opens a connection to an endpoint that reads nothing and hears nothing, for one question.
  private final Function<String, Future<TrackingConnection>> open;
  // Rotates the master asked first, so that no one node's view decides every time.
  private int next;

  SlotMapQuestion(List<String> seeds, Duration timeout, Function<String, Future<TrackingConnection>> open) {
    this.seeds = List.copyOf(seeds);
    this.timeout = timeout;
    this.open = open;
  }

  /**
   * The slot map as the first node that answers sees it.
   *
   * @param preferred the node to ask first (the one a {@code MOVED} named), or null
   * @param links     the masters' tracking links, by endpoint
   * @param known     the map in place, whose nodes are asked last; null if none yet
   */
  Future<SlotMap> ask(String preferred, Map<String, MasterLink> links, SlotMap known) {
    Set<String> order = new LinkedHashSet<>();
    if (preferred != null) {
      order.add(preferred);
    }
    // Masters whose link is down come later, with the other nodes: a dead one would cost a connect timeout first.
    List<String> masters = links.keySet().stream().filter(m -> links.get(m).current() != null).toList();
    for (int i = 0; i < masters.size(); i++) {
      order.add(masters.get(Math.floorMod(next + i, masters.size())));
    }
    next++;
    order.addAll(seeds);
    if (known != null) {
      order.addAll(known.nodes());
    }
    return ask(new ArrayList<>(order), 0, links);
  }

  private Future<SlotMap> ask(List<String> order, int i, Map<String, MasterLink> links) {
    String endpoint = order.get(i);
    MasterLink link = links.get(endpoint);
    TrackingConnection conn = link == null ? null : link.current();
    Future<SlotMap> answer = conn != null ? slots(conn, endpoint)
        : open.apply(endpoint).compose(asked -> slots(asked, endpoint).andThen(ar -> asked.close("slot map read")));
    return i + 1 < order.size() ? answer.recover(err -> ask(order, i + 1, links)) : answer;
  }

  private Future<SlotMap> slots(TrackingConnection conn, String endpoint) {
    String host = endpoint.substring(0, endpoint.lastIndexOf(':')).replace("[", "").replace("]", "");
    return conn.query("CLUSTER SLOTS", "CLUSTER", "SLOTS")
        .timeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .map(reply -> SlotMap.parse(reply, host));
  }
}
