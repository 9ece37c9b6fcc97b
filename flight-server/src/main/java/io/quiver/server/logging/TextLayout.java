package io.quiver.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * The node's text log line: {@code 2026-01-31T12:00:00.000+0000 [thread] LEVEL Logger - message
 * key=value ...}, the look slf4j-simple gave Quiver's logs before (short logger name), with the
 * event's key-value pairs appended. A value with a space, quote or {@code =} is quoted with
 * JSON-style escapes; a collection is written comma-separated. A throwable follows on the next
 * lines.
 *
 * <p>Thread-safe (stateless apart from its immutable formatter).
 */
public final class TextLayout extends LayoutBase<ILoggingEvent> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneId.systemDefault());

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder b = new StringBuilder(160);
    b.append(TIME.format(Instant.ofEpochMilli(event.getTimeStamp())))
        .append(" [")
        .append(event.getThreadName())
        .append("] ")
        .append(event.getLevel())
        .append(' ')
        .append(shortName(event.getLoggerName()))
        .append(" - ")
        .append(event.getFormattedMessage());
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        b.append(' ').append(kv.key).append('=');
        appendValue(b, kv.value);
      }
    }
    b.append(CoreConstants.LINE_SEPARATOR);
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      b.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
    }
    return b.toString();
  }

  private static String shortName(String logger) {
    return logger.substring(logger.lastIndexOf('.') + 1);
  }

  private static void appendValue(StringBuilder b, Object value) {
    String s;
    if (value instanceof Collection<?> c) {
      StringBuilder joined = new StringBuilder();
      for (Object o : c) {
        if (joined.length() > 0) {
          joined.append(',');
        }
        joined.append(o);
      }
      s = joined.toString();
    } else {
      s = String.valueOf(value);
    }
    if (!s.isEmpty() && s.chars().noneMatch(ch -> ch <= ' ' || ch == '"' || ch == '=')) {
      b.append(s);
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < ' ') {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
        }
      }
    }
    b.append('"');
  }
}
