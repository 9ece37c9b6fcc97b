package io.quiver.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.client.QuiverClient;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A bounded soak: {@code clients} threads, each with its own connections, run a mix of work against
 * one node for a fixed time — scans of random projections (some with a filter), Flight SQL
 * aggregates, cache control (free, pin, unpin) and stats — while a sampler records throughput,
 * errors and the node's memory every interval. The result is what the report shows: whether memory
 * stays bounded and flat and nothing fails under sustained mixed load. Thread-safe to run once per
 * instance.
 *
 * @param host the node
 * @param port its Flight (and Flight SQL) port
 * @param table the table every client reads
 * @param columns the table's columns (projections are drawn from them)
 * @param filterColumn an int64 column for range filters
 */
public record Soak(String host, int port, String table, List<String> columns, String filterColumn) {

  /** One interval's numbers. */
  public record Sample(
      double seconds,
      long operations,
      long errors,
      long rowsRead,
      long offHeapBytes,
      long offHeapLimitBytes,
      long heapBytes,
      long rssBytes) {}

  /**
   * What a soak measured.
   *
   * @param operationsByKind completed operations per kind (scan, sql, cache, stats)
   * @param errors error messages (first 200 characters) and how often each occurred
   */
  public record Result(
      int clients,
      double seconds,
      List<Sample> samples,
      Map<String, Long> operationsByKind,
      Map<String, Long> errors) {
    public long totalErrors() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalOperations() {
      return operationsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The largest off-heap use seen over the node's off-heap limit: at most 1 by design. */
    public double offHeapPeakFraction() {
      double worst = Double.NaN;
      for (Sample x : samples) {
        if (x.offHeapBytes() >= 0 && x.offHeapLimitBytes() > 0) {
          double f = (double) x.offHeapBytes() / x.offHeapLimitBytes();
          worst = Double.isNaN(worst) ? f : Math.max(worst, f);
        }
      }
      return worst;
    }

    /**
     * Largest resident memory of the node in the last third of the run over the largest in the
     * middle third: about 1 when memory is flat, growing with a leak (off-heap use itself swings
     * with the cache's fill, which the soak's cache-free empties on purpose).
     */
    public double rssDrift() {
      int n = samples.size();
      if (n < 3) {
        return Double.NaN;
      }
      long middle = 0;
      long last = 0;
      for (int i = n / 3; i < 2 * n / 3; i++) {
        middle = Math.max(middle, samples.get(i).rssBytes());
      }
      for (int i = 2 * n / 3; i < n; i++) {
        last = Math.max(last, samples.get(i).rssBytes());
      }
      return middle <= 0 ? Double.NaN : (double) last / middle;
    }
  }

  /**
   * Runs the soak.
   *
   * @param rss the node process's resident memory in bytes (or -1 when unknown)
   */
  public Result run(int clients, Duration duration, Duration sampleEvery, LongSupplier rss)
      throws Exception {
    LongAdder operations = new LongAdder();
    LongAdder rows = new LongAdder();
    Map<String, LongAdder> byKind = new ConcurrentHashMap<>();
    Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
    List<Sample> samples = new ArrayList<>();
    try (QuiverClient probe = QuiverClient.connect(host, port)) {
      List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        long seed = 1000L + c;
        workers.add(
            pool.submit(
                () -> {
                  client(seed, end, operations, rows, byKind, errors);
                  return null;
                }));
      }
      long next = start;
      while (System.nanoTime() < end) {
        next += sampleEvery.toNanos();
        long sleep = (next - System.nanoTime()) / 1_000_000;
        if (sleep > 0) {
          Thread.sleep(sleep);
        }
        samples.add(sample(probe, start, operations, errors, rows, rss));
      }
      for (var w : workers) {
        w.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
      }
      samples.add(sample(probe, start, operations, errors, rows, rss));
    } finally {
      pool.shutdownNow();
    }
    Map<String, Long> kinds = new java.util.TreeMap<>();
    byKind.forEach((k, v) -> kinds.put(k, v.sum()));
    Map<String, Long> errs = new java.util.TreeMap<>();
    errors.forEach((k, v) -> errs.put(k, v.get()));
    return new Result(clients, (System.nanoTime() - start) / 1e9, samples, kinds, errs);
  }

  private Sample sample(
      QuiverClient probe,
      long start,
      LongAdder operations,
      Map<String, AtomicLong> errors,
      LongAdder rows,
      LongSupplier rss) {
    long offHeap = -1;
    long limit = -1;
    long heap = -1;
    try {
      JsonNode p = probe.stats().path("process");
      offHeap = p.path("offHeapBytes").asLong(-1);
      limit = p.path("offHeapLimitBytes").asLong(-1);
      heap = p.path("heapUsedBytes").asLong(-1);
    } catch (RuntimeException e) {
      errors.computeIfAbsent("stats probe: " + brief(e), k -> new AtomicLong()).incrementAndGet();
    }
    long errorCount = errors.values().stream().mapToLong(AtomicLong::get).sum();
    return new Sample(
        (System.nanoTime() - start) / 1e9,
        operations.sum(),
        errorCount,
        rows.sum(),
        offHeap,
        limit,
        heap,
        rss.getAsLong());
  }

  private void client(
      long seed,
      long end,
      LongAdder operations,
      LongAdder rows,
      Map<String, LongAdder> byKind,
      Map<String, AtomicLong> errors)
      throws Exception {
    Random r = new Random(seed);
    try (QuiverClient client = QuiverClient.connect(host, port);
        Connection sql =
            DriverManager.getConnection(
                "jdbc:arrow-flight-sql://" + host + ":" + port + "/?useEncryption=false")) {
      while (System.nanoTime() < end) {
        int pick = r.nextInt(100);
        String kind = pick < 55 ? "scan" : pick < 80 ? "sql" : pick < 92 ? "cache" : "stats";
        try {
          switch (kind) {
            case "scan" -> rows.add(scan(client, r));
            case "sql" -> rows.add(sql(sql, r));
            case "cache" -> cache(client, r);
            default -> client.stats();
          }
          operations.increment();
          byKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        } catch (Exception e) {
          errors.computeIfAbsent(kind + ": " + brief(e), k -> new AtomicLong()).incrementAndGet();
        }
      }
    }
  }

  private long scan(QuiverClient client, Random r) {
    List<String> cols = new ArrayList<>(columns);
    java.util.Collections.shuffle(cols, r);
    ScanCommand command =
        ScanCommand.table(table)
            .withColumns(cols.subList(0, 1 + r.nextInt(Math.min(4, cols.size()))));
    if (r.nextInt(3) == 0) {
      long lo = r.nextInt(1_000_000);
      command =
          command.withFilter(
              Filter.and(Filter.ge(filterColumn, lo), Filter.lt(filterColumn, lo + 50_000)));
    }
    return client.scan(command, batch -> {}).rows();
  }

  private long sql(Connection sql, Random r) throws Exception {
    String q =
        r.nextBoolean()
            ? "SELECT count(*), sum(" + filterColumn + ") FROM " + table
            : "SELECT l_returnflag, count(*) FROM "
                + table
                + " WHERE "
                + filterColumn
                + " < "
                + r.nextInt(2_000_000)
                + " GROUP BY l_returnflag";
    long n = 0;
    try (Statement st = sql.createStatement();
        ResultSet rs = st.executeQuery(q)) {
      while (rs.next()) {
        n++;
      }
    }
    return n;
  }

  private void cache(QuiverClient client, Random r) {
    switch (r.nextInt(3)) {
      case 0 -> client.action("cache-free", Map.of("table", table));
      case 1 -> client.action("pin", Map.of("table", table, "ttl", "30s"));
      default -> {
        try {
          client.action("unpin", Map.of("table", table));
        } catch (org.apache.arrow.flight.FlightRuntimeException e) {
          // Another client unpinned it first: the expected answer, not a failure.
          if (e.status().code() != org.apache.arrow.flight.FlightStatusCode.NOT_FOUND) {
            throw e;
          }
        }
      }
    }
  }

  private static String brief(Throwable e) {
    String m = e.getClass().getSimpleName() + ": " + e.getMessage();
    return m.length() > 200 ? m.substring(0, 200) : m;
  }
}
