package io.quiver.protocol.action;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code stats}: the node's cache, storage and scan counters.
 *
 * @param entries chunks cached (memory and disk)
 * @param capacity the memory tier's capacity in bytes
 * @param memory the memory tier
 * @param disk the disk tier
 * @param loadLatencyMillis latency of loads (decodes) in milliseconds
 * @param loads loader calls
 * @param process the node's own memory
 * @param scans scans planned and served
 */
public record StatsResponse(
    long entries,
    long bytes,
    long capacity,
    long hits,
    long misses,
    long evictions,
    long loadFailures,
    long bytesLoaded,
    long pinnedEntries,
    long pinnedBytes,
    long expirations,
    Tier memory,
    Tier disk,
    long demotions,
    long demotionFailures,
    long promotions,
    long streamedThrough,
    Latency loadLatencyMillis,
    long loads,
    Process process,
    long storageReads,
    long storageBytesRead,
    Scans scans) {

  /**
   * One tier: {@code {"hits", "misses", "entries", "bytes"}} and {@code "evicted<Cause>"} per
   * eviction cause (e.g. {@code "evictedSize"}, {@code "evictedQuota"}).
   *
   * @param evicted evictions by cause, keyed by the cause in lower case ({@code size}, {@code
   *     quota}, …)
   */
  @JsonSerialize(using = Tier.Writer.class)
  @JsonDeserialize(using = Tier.Reader.class)
  public record Tier(long hits, long misses, long entries, long bytes, Map<String, Long> evicted) {
    private static final String EVICTED = "evicted";

    public Tier {
      evicted =
          evicted == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(evicted));
    }

    static final class Writer extends JsonSerializer<Tier> {
      @Override
      public void serialize(Tier t, JsonGenerator out, SerializerProvider provider)
          throws IOException {
        out.writeStartObject();
        out.writeNumberField("hits", t.hits);
        out.writeNumberField("misses", t.misses);
        out.writeNumberField("entries", t.entries);
        out.writeNumberField("bytes", t.bytes);
        for (Map.Entry<String, Long> e : t.evicted.entrySet()) {
          String cause = e.getKey().toLowerCase(Locale.ROOT);
          out.writeNumberField(
              EVICTED + Character.toUpperCase(cause.charAt(0)) + cause.substring(1), e.getValue());
        }
        out.writeEndObject();
      }
    }

    static final class Reader extends JsonDeserializer<Tier> {
      @Override
      public Tier deserialize(JsonParser in, DeserializationContext context) throws IOException {
        JsonNode node = in.readValueAsTree();
        Map<String, Long> evicted = new LinkedHashMap<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
          String field = it.next();
          if (field.startsWith(EVICTED) && field.length() > EVICTED.length()) {
            evicted.put(
                field.substring(EVICTED.length()).toLowerCase(Locale.ROOT),
                node.get(field).asLong());
          }
        }
        return new Tier(
            node.path("hits").asLong(),
            node.path("misses").asLong(),
            node.path("entries").asLong(),
            node.path("bytes").asLong(),
            evicted);
      }
    }
  }

  /** Load latency percentiles in milliseconds. */
  public record Latency(double p50, double p90, double p99, double max) {}

  /** The node's memory: off-heap (every allocator) and heap. */
  public record Process(
      long offHeapBytes,
      long offHeapPeakBytes,
      long offHeapLimitBytes,
      long heapUsedBytes,
      long heapPeakBytes) {}

  /**
   * Scans planned, units planned and pruned by statistics, rows sent and filtered out, and of the
   * rows sent those clients on this host mapped from shared memory (short-circuit reads), and the
   * short-circuit leases open now.
   */
  public record Scans(
      long planned,
      long units,
      long unitsPruned,
      long rowsSent,
      long rowsFilteredOut,
      long rowsMapped,
      long leasesOpen) {}
}
