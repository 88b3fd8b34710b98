package dev.redisproxy.testing;

import java.util.HashMap;
import java.util.Map;

/**
 * Samples of a Prometheus text scrape, by series as printed: {@code name} or
 * {@code name{label="value",...}} (Micrometer prints labels sorted by name).
 */
public final class PrometheusText {

  private final Map<String, Double> samples = new HashMap<>();

  private PrometheusText(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
  }

  public static PrometheusText parse(String text) {
    return new PrometheusText(text);
  }

  /** The sample's value; fails the test if the series is missing. */
  public double get(String series) {
    Double v = samples.get(series);
    if (v == null) {
      throw new AssertionError("no series " + series + " in the scrape; have " + samples.keySet());
    }
    return v;
  }

  public boolean has(String series) {
    return samples.containsKey(series);
  }

  public boolean hasAnyStartingWith(String prefix) {
    return samples.keySet().stream().anyMatch(s -> s.startsWith(prefix));
  }
}
