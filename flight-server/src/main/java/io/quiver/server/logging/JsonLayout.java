package io.quiver.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * One JSON object per log line: {@code ts} (ISO-8601 UTC), {@code level}, {@code logger}, {@code
 * thread}, {@code message}, then each key-value pair of the event as a top-level field with its
 * JSON type (numbers stay numbers, collections become arrays), and {@code exception} (class,
 * message and stack trace as one string) if the event has one. A pair named like a standard field
 * is written as {@code kv_NAME}.
 *
 * <p>Why not Logback's {@code JsonEncoder}: it writes key-value pairs as a {@code kvpList} array of
 * one-field objects with every value a string, and adds the logger context's properties to every
 * line, which makes the scan line's fields awkward to query (e.g. with {@code jq '.rows'}).
 *
 * <p>Thread-safe (Jackson's mapper is).
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final Set<String> STANDARD =
      Set.of("ts", "level", "logger", "thread", "message", "exception");

  @Override
  public String doLayout(ILoggingEvent event) {
    ObjectNode line = JSON.createObjectNode();
    line.put("ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    line.put("level", event.getLevel().toString());
    line.put("logger", event.getLoggerName());
    line.put("thread", event.getThreadName());
    line.put("message", event.getFormattedMessage());
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        String key = STANDARD.contains(kv.key) ? "kv_" + kv.key : kv.key;
        line.set(key, JSON.valueToTree(plain(kv.value)));
      }
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.put("exception", ThrowableProxyUtil.asString(thrown));
    }
    try {
      return JSON.writeValueAsString(line) + CoreConstants.LINE_SEPARATOR;
    } catch (JsonProcessingException e) {
      // Cannot happen for a tree of plain nodes; keep the line rather than lose it.
      return "{\"message\":\"unloggable event\"}" + CoreConstants.LINE_SEPARATOR;
    }
  }

  /** Numbers, booleans, strings and collections as they are; anything else as its string. */
  private static Object plain(Object value) {
    if (value == null
        || value instanceof Number
        || value instanceof Boolean
        || value instanceof String) {
      return value;
    }
    if (value instanceof java.util.Collection<?> c) {
      return c.stream().map(JsonLayout::plain).toList();
    }
    return value.toString();
  }
}
