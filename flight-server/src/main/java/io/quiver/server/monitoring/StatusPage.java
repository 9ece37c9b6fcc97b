package io.quiver.server.monitoring;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.cache.CacheMetrics;
import io.quiver.cache.CacheStats;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.EntryInfo;
import io.quiver.cache.Tier;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.Mount;
import io.quiver.catalog.TableDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the status page at {@code /} of the monitoring port shows, as JSON ({@link #json()}, served
 * as {@code /status.json}) and as one self-contained HTML page ({@link #html(String)}: inline CSS
 * and JavaScript, no external resource) that renders that JSON, embedded in the page, at once and
 * then fetches it again every few seconds:
 *
 * <ul>
 *   <li>the node: Flight location, version, start time, uptime, readiness;
 *   <li>mounts: path, store URI, options masked as the {@code mounts} action masks them ({@link
 *       Mount#maskedOptions()}: never a secret), availability;
 *   <li>tables: name, namespace path, format, cached bytes;
 *   <li>the cache per tier (memory, and disk with a disk tier): used bytes, capacity, entries, with
 *       the use over the last {@link #HISTORY} (one sample every {@link #SAMPLE_INTERVAL}, kept by
 *       a sampler thread); the hit ratio since start and over that window;
 *   <li>the top {@value #TOP_TABLES} tables by cached bytes (both tiers; a file below two tables
 *       counts for both);
 *   <li>the last errors returned to Flight clients ({@link RecentErrors}).
 * </ul>
 *
 * Cached bytes per table come from a listing of every cache entry ({@link ChunkCache#entries}),
 * which holds the cache's lock while it copies the index: it is made only when the page is asked
 * for, at most once per {@link #SAMPLE_INTERVAL} (later requests get that result).
 *
 * <p>Everything here is data a user chose (names, paths, messages): the HTML page never puts it in
 * markup. The embedded JSON escapes {@code <}, {@code >} and {@code &}, and the script writes
 * values with {@code textContent} only. Who may see the page is {@link MonitoringServer}'s
 * business.
 *
 * <p>Thread-safe. {@link #close()} stops the sampler thread and waits for it to end; it may be
 * called from any thread, more than once.
 */
public final class StatusPage implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SAMPLERS = new AtomicInteger();

  /** How often the sampler records the cache's use (and how long a per-table listing is reused). */
  public static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(5);

  /** How far back the chart of the cache's use goes. */
  public static final Duration HISTORY = Duration.ofMinutes(15);

  /** How many tables the "top tables" list shows. */
  public static final int TOP_TABLES = 10;

  /** How often the page fetches {@code /status.json} again. */
  public static final Duration REFRESH = Duration.ofSeconds(5);

  private static final String TEMPLATE = loadTemplate();

  /**
   * What the page is made of.
   *
   * @param cache the node's cache
   * @param diskCapacityBytes the disk tier's capacity, 0 without one
   * @param catalog the node's catalog
   * @param location where Flight clients reach the node ({@code grpc+tcp://host:port})
   * @param version the node's version
   * @param readiness the node's readiness, as {@code /ready} reports it
   * @param errors the errors returned to clients
   */
  public record Sources(
      ChunkCache cache,
      long diskCapacityBytes,
      Catalog catalog,
      String location,
      String version,
      MonitoringServer.Readiness readiness,
      RecentErrors errors) {
    public Sources {
      Objects.requireNonNull(cache, "cache");
      Objects.requireNonNull(catalog, "catalog");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(readiness, "readiness");
      Objects.requireNonNull(errors, "errors");
    }
  }

  /** One sample of the cache's use. */
  private record Sample(
      long epochMillis, long memoryBytes, long diskBytes, long servedFromCache, long requests) {}

  private final Sources node;
  private final Clock clock;
  private final Instant started;
  private final Duration interval;
  private final int maxSamples;
  private final Thread sampler;

  @GuardedBy("this")
  private final Deque<Sample> samples = new ArrayDeque<>();

  @GuardedBy("this")
  private long tablesListedAtNanos;

  @GuardedBy("this")
  private Map<String, long[]> bytesByTable;

  private StatusPage(Sources node, Clock clock, Duration interval) {
    this.node = node;
    this.clock = clock;
    this.started = clock.instant();
    this.interval = interval;
    this.maxSamples = (int) Math.max(2, HISTORY.toMillis() / interval.toMillis() + 1);
    this.sampler =
        new Thread(this::sampleLoop, "quiver-status-sampler-" + SAMPLERS.incrementAndGet());
    sampler.setDaemon(true);
  }

  /** A page sampling every {@link #SAMPLE_INTERVAL}; its sampler runs until {@link #close()}. */
  public static StatusPage start(Sources node) {
    return start(node, SAMPLE_INTERVAL);
  }

  private static StatusPage start(Sources node, Duration interval) {
    Objects.requireNonNull(node, "node");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("sample interval must be positive, was " + interval);
    }
    StatusPage page = new StatusPage(node, Clock.systemUTC(), interval);
    page.sample(); // the chart has a point from the start
    page.sampler.start();
    return page;
  }

  private void sampleLoop() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      try {
        sample();
      } catch (RuntimeException e) {
        LOG.warn("Status page sample failed", e);
      }
    }
  }

  private void sample() {
    CacheMetrics m = node.cache().metrics();
    Sample s =
        new Sample(
            clock.millis(),
            m.memoryBytes(),
            m.diskBytes(),
            m.memoryHits() + m.diskHits(),
            m.memoryHits() + m.memoryMisses());
    synchronized (this) {
      if (samples.size() == maxSamples) {
        samples.removeFirst();
      }
      samples.addLast(s);
    }
  }

  private synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  /** The page's state now, as the JSON object {@code /status.json} serves. */
  public String json() {
    try {
      return JSON.writeValueAsString(snapshot());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the status as JSON", e);
    }
  }

  /**
   * The HTML page with the state now embedded; its inline style and script carry {@code nonce} (the
   * same value must be in the response's {@code Content-Security-Policy}).
   */
  public String html(String nonce) {
    if (!nonce.matches("[A-Za-z0-9+/=_-]+")) {
      throw new IllegalArgumentException("not a nonce: " + nonce);
    }
    // Inside a <script> data block only "</script" (and "<!--") could end it early: with every
    // '<' escaped (and '>' and '&' for good measure) the JSON cannot leave it. JSON strings
    // accept these \\u escapes, and the structure never contains the characters.
    String data =
        json()
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029");
    return TEMPLATE
        .replace("{{NONCE}}", nonce)
        .replace("{{REFRESH_MS}}", Long.toString(REFRESH.toMillis()))
        .replace("{{INITIAL}}", data);
  }

  ObjectNode snapshot() {
    ObjectNode root = JSON.createObjectNode();
    Instant now = clock.instant();
    ObjectNode n = root.putObject("node");
    n.put("location", node.location());
    n.put("version", node.version());
    n.put("startedAt", started.toString());
    n.put("now", now.toString());
    n.put("uptimeSeconds", Duration.between(started, now).toSeconds());
    String notReady = notReadyReason();
    n.put("ready", notReady == null);
    if (notReady != null) {
      n.put("notReadyReason", notReady);
    }

    ArrayNode mounts = root.putArray("mounts");
    for (Mount m : node.catalog().mounts()) {
      ObjectNode o = mounts.addObject();
      o.put("path", m.path().toString());
      o.put("uri", m.target().toString());
      ObjectNode options = o.putObject("options");
      m.maskedOptions().forEach(options::put);
      String reason = node.catalog().unavailableReason(m.path());
      o.put("available", reason == null);
      if (reason != null) {
        o.put("unavailableReason", reason);
      }
    }

    Map<String, long[]> byTable = bytesByTable();
    ArrayNode tables = root.putArray("tables");
    List<TableDefinition> defined = node.catalog().tables();
    for (TableDefinition t : defined) {
      ObjectNode o = tables.addObject();
      o.put("name", t.name());
      o.put("path", t.path().toString());
      o.put("format", t.format());
      long[] b = byTable.getOrDefault(t.name(), new long[2]);
      o.put("cachedBytes", b[0] + b[1]);
    }
    ArrayNode top = root.putArray("topTables");
    byTable.entrySet().stream()
        .filter(e -> e.getValue()[0] + e.getValue()[1] > 0)
        .sorted(
            Comparator.<Map.Entry<String, long[]>>comparingLong(
                    e -> -(e.getValue()[0] + e.getValue()[1]))
                .thenComparing(Map.Entry::getKey))
        .limit(TOP_TABLES)
        .forEach(
            e -> {
              ObjectNode o = top.addObject();
              o.put("name", e.getKey());
              o.put("memoryBytes", e.getValue()[0]);
              o.put("diskBytes", e.getValue()[1]);
              o.put("bytes", e.getValue()[0] + e.getValue()[1]);
            });

    CacheStats stats = node.cache().stats();
    CacheMetrics m = node.cache().metrics();
    ObjectNode cache = root.putObject("cache");
    ArrayNode tiers = cache.putArray("tiers");
    ObjectNode memory = tiers.addObject();
    memory.put("tier", "memory");
    memory.put("usedBytes", m.memoryBytes());
    memory.put("capacityBytes", stats.capacityBytes());
    memory.put("entries", m.memoryEntries());
    memory.put("hits", m.memoryHits());
    if (node.diskCapacityBytes() > 0) {
      ObjectNode disk = tiers.addObject();
      disk.put("tier", "disk");
      disk.put("usedBytes", m.diskBytes());
      disk.put("capacityBytes", node.diskCapacityBytes());
      disk.put("entries", m.diskEntries());
      disk.put("hits", m.diskHits());
    }
    long served = m.memoryHits() + m.diskHits();
    long requests = m.memoryHits() + m.memoryMisses();
    cache.put("requests", requests);
    cache.put("servedFromCache", served);
    putRatio(cache, "hitRatio", served, requests);
    cache.put("pinnedBytes", stats.pinnedBytes());

    List<Sample> history = samples();
    ObjectNode h = root.putObject("history");
    h.put("intervalSeconds", interval.toMillis() / 1000.0);
    h.put("windowSeconds", HISTORY.toSeconds());
    if (!history.isEmpty()) {
      Sample first = history.get(0);
      putRatio(h, "hitRatio", served - first.servedFromCache(), requests - first.requests());
    }
    ArrayNode points = h.putArray("samples");
    for (Sample s : history) {
      ObjectNode p = points.addObject();
      p.put("t", s.epochMillis());
      p.put("memoryBytes", s.memoryBytes());
      p.put("diskBytes", s.diskBytes());
    }
    // The current use as the last point: the chart ends now.
    ObjectNode p = points.addObject();
    p.put("t", now.toEpochMilli());
    p.put("memoryBytes", m.memoryBytes());
    p.put("diskBytes", m.diskBytes());

    ObjectNode errors = root.putObject("errors");
    errors.put("total", node.errors().total());
    ArrayNode recent = errors.putArray("recent");
    for (RecentErrors.Entry e : node.errors().newestFirst()) {
      ObjectNode o = recent.addObject();
      o.put("time", e.time().toString());
      o.put("method", e.method());
      o.put("status", e.status());
      if (e.code() != null) {
        o.put("code", e.code());
      }
      o.put("message", e.message());
    }
    return root;
  }

  private static void putRatio(ObjectNode o, String field, long part, long whole) {
    if (whole > 0) {
      o.put(field, (double) part / whole);
    } else {
      o.putNull(field);
    }
  }

  private String notReadyReason() {
    try {
      return node.readiness().notReadyReason();
    } catch (RuntimeException e) {
      return "readiness check failed: " + e;
    }
  }

  /**
   * Cached bytes by table name ({memory, disk}), listed at most once per sample interval; every
   * table is in it (tables without cached bytes, or whose mount is unavailable, with zeros).
   */
  private synchronized Map<String, long[]> bytesByTable() {
    long nowNanos = System.nanoTime();
    if (bytesByTable == null || nowNanos - tablesListedAtNanos >= interval.toNanos()) {
      bytesByTable = listBytesByTable();
      tablesListedAtNanos = nowNanos;
    }
    return bytesByTable;
  }

  private Map<String, long[]> listBytesByTable() {
    // Tables by the store location they read (several tables may read one location).
    Map<String, List<String>> tablesByLocation = new HashMap<>();
    Map<String, long[]> bytes = new HashMap<>();
    for (TableDefinition t : node.catalog().tables()) {
      bytes.put(t.name(), new long[2]);
      try {
        String location = node.catalog().resolve(t.path()).location().toString();
        tablesByLocation.computeIfAbsent(location, k -> new ArrayList<>()).add(t.name());
      } catch (RuntimeException e) {
        // Its mount is gone or unavailable: nothing of it can be read, zero is right.
      }
    }
    if (tablesByLocation.isEmpty()) {
      return bytes;
    }
    Map<String, long[]> byFile = new HashMap<>();
    for (EntryInfo e : node.cache().entries(k -> true)) {
      long[] b = byFile.computeIfAbsent(e.key().file(), k -> new long[2]);
      b[e.tier() == Tier.MEMORY ? 0 : 1] += e.bytes();
    }
    for (Map.Entry<String, long[]> f : byFile.entrySet()) {
      // The file itself (a table over one file), then each directory above it up to the root,
      // which Location writes as "scheme://authority/".
      String location = f.getKey();
      int scheme = location.indexOf("://");
      int pathStart = scheme < 0 ? -1 : location.indexOf('/', scheme + 3);
      while (true) {
        for (String name : tablesByLocation.getOrDefault(location, List.of())) {
          long[] b = bytes.get(name);
          b[0] += f.getValue()[0];
          b[1] += f.getValue()[1];
        }
        if (pathStart < 0 || location.length() <= pathStart + 1) {
          break;
        }
        int slash = location.lastIndexOf('/');
        location = location.substring(0, slash == pathStart ? pathStart + 1 : slash);
      }
    }
    return bytes;
  }

  /** Stops the sampler and waits (up to 5 s) for its thread to end. */
  @Override
  public void close() {
    sampler.interrupt();
    try {
      sampler.join(5_000);
      if (sampler.isAlive()) {
        LOG.warn("Status page sampler still running 5 s after close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String loadTemplate() {
    try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read status.html", e);
    }
  }
}
