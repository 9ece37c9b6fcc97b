package io.quiver.bench.harness;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The report's "Wire" section: the warm full scan through Flight on one and on two connections,
 * next to the same number of bytes over raw loopback TCP (one and two connections) and through
 * {@code memcpy} ({@link WireCeiling}), measured in rounds that rotate the order, medians reported.
 * Runs after the contenders, with their servers still up. Not thread-safe; one run at a time.
 */
final class WireSection {
  /**
   * A Flight server to read: its clients (two connections at least) and the full scan's plan.
   *
   * @param name the contender's name
   * @param clients separate clients, each its own connection
   * @param info the full scan's plan (fetched once per read)
   */
  record FlightTarget(String name, List<FlightClient> clients, Supplier<FlightInfo> info) {}

  private final Map<String, List<Double>> rates = new LinkedHashMap<>();
  private long bytes;

  /**
   * Measures {@code rounds} rounds of every Flight target at one and two streams and of the
   * ceilings at {@code bytes} bytes (the warm full scan's Arrow bytes); the Markdown of the
   * section.
   */
  String run(long bytes, int rounds, List<FlightTarget> targets, PrintWriter out) throws Exception {
    this.bytes = bytes;
    List<String> order = new ArrayList<>(List.of("memcpy", "tcp-1", "tcp-2"));
    for (FlightTarget t : targets) {
      order.add(t.name() + "-1");
      order.add(t.name() + "-2");
    }
    order.forEach(k -> rates.put(k, new ArrayList<>()));
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < order.size(); i++) {
        String k = order.get((i + r) % order.size());
        rates.get(k).add(measure(k, targets));
      }
      out.printf(Locale.ROOT, "wire: round %d of %d done%n", r + 1, rounds);
      out.flush();
    }
    return markdown(targets);
  }

  private double measure(String key, List<FlightTarget> targets) throws Exception {
    switch (key) {
      case "memcpy":
        return WireCeiling.memcpy(bytes).mbPerSecond();
      case "tcp-1":
        return WireCeiling.loopbackTcp(bytes, 1).mbPerSecond();
      case "tcp-2":
        return WireCeiling.loopbackTcp(bytes, 2).mbPerSecond();
      default:
        for (FlightTarget t : targets) {
          if (key.startsWith(t.name() + "-")) {
            int streams = Integer.parseInt(key.substring(t.name().length() + 1));
            return read(t.clients().subList(0, streams), t.info().get());
          }
        }
        throw new IllegalArgumentException(key);
    }
  }

  /** Client {@code i} of {@code n} reads endpoints {@code i, i + n, ...}, all at once; MB/s. */
  static double read(List<FlightClient> clients, FlightInfo info) throws Exception {
    List<FlightEndpoint> endpoints = info.getEndpoints();
    ExecutorService pool = Executors.newFixedThreadPool(clients.size());
    try {
      long start = System.nanoTime();
      List<Future<Long>> parts = new ArrayList<>();
      for (int i = 0; i < clients.size(); i++) {
        int first = i;
        FlightClient client = clients.get(i);
        parts.add(
            pool.submit(
                () -> {
                  long got = 0;
                  for (int e = first; e < endpoints.size(); e += clients.size()) {
                    try (FlightStream s =
                        client.getStream(endpoints.get(e).getTicket(), FlightReads.timeout())) {
                      VectorSchemaRoot root = s.getRoot();
                      while (s.next()) {
                        got += FlightReads.arrowBytes(root);
                      }
                    }
                  }
                  return got;
                }));
      }
      long total = 0;
      for (Future<Long> f : parts) {
        total += f.get();
      }
      return total / 1e6 / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Median MB/s of {@code key}, NaN if not measured. */
  double median(String key) {
    List<Double> v = rates.getOrDefault(key, List.of());
    if (v.isEmpty()) {
      return Double.NaN;
    }
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private String markdown(List<FlightTarget> targets) {
    double tcp1 = median("tcp-1");
    double memcpy = median("memcpy");
    StringBuilder md = new StringBuilder();
    md.append("\n## Wire: the warm full scan against the machine\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%,d bytes (the warm full scan's Arrow bytes) per run; median of %d rounds (order"
                + " rotated per round). Flight: the harness's client reading the scan's endpoints"
                + " on one connection, or split over two (client i reads endpoints i, i+2, ...)."
                + " TCP: plain loopback sockets, one sender and one receiver thread per connection,"
                + " in the harness JVM. memcpy: one thread.%n%n",
            bytes,
            rates.get("memcpy").size()));
    md.append("| path | MB/s (median) | min–max | × TCP 1 conn | × memcpy |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"memcpy", "memcpy (1 thread)"});
    rows.add(new String[] {"tcp-1", "loopback TCP, 1 connection"});
    rows.add(new String[] {"tcp-2", "loopback TCP, 2 connections"});
    for (FlightTarget t : targets) {
      rows.add(new String[] {t.name() + "-1", t.name() + ", 1 stream"});
      rows.add(new String[] {t.name() + "-2", t.name() + ", 2 streams"});
    }
    for (String[] row : rows) {
      List<Double> v = rates.get(row[0]);
      double m = median(row[0]);
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,.0f | %,.0f–%,.0f | %.2f | %.2f |%n",
              row[1],
              m,
              v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
              v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
              m / tcp1,
              m / memcpy));
    }
    return md.toString();
  }
}
