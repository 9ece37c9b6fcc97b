package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics of one contender on one workload over its repetitions: median and spread of wall time,
 * throughput at the median, CPU-seconds per GB of Arrow data delivered (client and server
 * separately), and for concurrent runs latency percentiles over every request of every repetition.
 * Values that were not measured are -1 (NaN for ratios).
 */
public record Summary(
    String contender,
    String workload,
    int runs,
    double wallMedianSeconds,
    double wallMinSeconds,
    double wallMaxSeconds,
    double wallP25Seconds,
    double wallP75Seconds,
    long rows,
    long arrowBytes,
    double megabytesPerSecond,
    double rowsPerSecond,
    double clientCpuSecondsPerGb,
    double serverCpuSecondsPerGb,
    long storageBytesRead,
    double latencyP50Millis,
    double latencyP99Millis,
    double requestsPerSecond) {

  /** Summaries of {@code measurements} grouped by contender and workload, in first-seen order. */
  public static List<Summary> of(List<Measurement> measurements) {
    Map<String, List<Measurement>> groups = new LinkedHashMap<>();
    for (Measurement m : measurements) {
      groups
          .computeIfAbsent(m.contender() + "\u0000" + m.workload(), k -> new ArrayList<>())
          .add(m);
    }
    List<Summary> out = new ArrayList<>();
    for (List<Measurement> g : groups.values()) {
      out.add(summarize(g));
    }
    return out;
  }

  static Summary summarize(List<Measurement> g) {
    double[] wall = g.stream().mapToDouble(m -> m.wallNanos() / 1e9).sorted().toArray();
    double median = quantile(wall, 0.5);
    Measurement first = g.get(0);
    long rows = first.rows();
    long bytes = first.arrowBytes();
    double gb = g.stream().mapToLong(Measurement::arrowBytes).sum() / 1e9;
    double clientCpu = cpuPerGb(g.stream().mapToLong(Measurement::clientCpuNanos).toArray(), gb);
    double serverCpu = cpuPerGb(g.stream().mapToLong(Measurement::serverCpuNanos).toArray(), gb);
    long[] storage = g.stream().mapToLong(Measurement::storageBytesRead).sorted().toArray();
    double[] latencies =
        g.stream()
            .flatMapToLong(m -> Arrays.stream(m.latenciesNanos()))
            .mapToDouble(n -> n / 1e6)
            .sorted()
            .toArray();
    long requests = g.stream().mapToLong(m -> m.latenciesNanos().length).sum();
    double totalWall = g.stream().mapToDouble(m -> m.wallNanos() / 1e9).sum();
    return new Summary(
        first.contender(),
        first.workload(),
        g.size(),
        median,
        wall[0],
        wall[wall.length - 1],
        quantile(wall, 0.25),
        quantile(wall, 0.75),
        rows,
        bytes,
        median > 0 ? bytes / median / 1e6 : Double.NaN,
        median > 0 ? rows / median : Double.NaN,
        clientCpu,
        serverCpu,
        storage[storage.length / 2],
        latencies.length == 0 ? -1 : quantile(latencies, 0.5),
        latencies.length == 0 ? -1 : quantile(latencies, 0.99),
        requests == 0 || totalWall <= 0 ? -1 : requests / totalWall);
  }

  private static double cpuPerGb(long[] cpuNanos, double gb) {
    long total = 0;
    for (long c : cpuNanos) {
      if (c < 0) {
        return -1;
      }
      total += c;
    }
    return gb > 0 ? total / 1e9 / gb : -1;
  }

  /** Linear-interpolated quantile of sorted {@code values}. */
  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
}
