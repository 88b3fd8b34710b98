package dev.redisproxy.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects what one class logs, to check that a problem is logged clearly and only once. */
public final class LogCapture implements AutoCloseable {

  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public LogCapture(Class<?> source) {
    this(source.getName());
  }

  /** What the logger of that name logs (a logger not named for a class: the access log, say). */
  public LogCapture(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    appender.start();
    logger.addAppender(appender);
  }

  /** The formatted messages logged at {@code level} or above so far. */
  public List<String> messages(Level level) {
    synchronized (appender) { // AppenderBase.doAppend holds this lock while it adds
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(level))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  /** Like {@link #messages}, each prefixed with its level: {@code "WARN Redis at ..."}. */
  public List<String> events(Level level) {
    synchronized (appender) {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(level))
          .map(e -> e.getLevel() + " " + e.getFormattedMessage())
          .toList();
    }
  }

  /** The events logged so far, with their key-value pairs and all. */
  public List<ILoggingEvent> all() {
    synchronized (appender) {
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
