package io.quiver.bench.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.CallOptions;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * The client side shared by every Flight contender (Quiver and the speed-of-light server), so that
 * they differ only in the server: read endpoints one after the other on one stream, counting rows
 * and Arrow bytes the same way as the non-Flight contenders.
 */
final class FlightReads {
  /** Longest a single Flight call may take before the run counts as failed (never hang). */
  private static volatile Duration callTimeout = Duration.ofMinutes(5);

  private FlightReads() {}

  static void setCallTimeout(Duration timeout) {
    callTimeout = timeout;
  }

  /** The deadline option every Flight call of the harness carries. */
  static CallOption timeout() {
    return CallOptions.timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Rows and Arrow bytes of a batch. */
  static long arrowBytes(VectorSchemaRoot root) {
    long bytes = 0;
    for (FieldVector v : root.getFieldVectors()) {
      bytes += v.getBufferSize();
    }
    return bytes;
  }

  /** Reads every endpoint of {@code info}, in order, on {@code client}. */
  static RunResult scan(FlightClient client, FlightInfo info) throws Exception {
    long rows = 0;
    long bytes = 0;
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = client.getStream(e.getTicket(), timeout())) {
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          rows += root.getRowCount();
          bytes += arrowBytes(root);
        }
      }
    }
    return RunResult.scan(rows, bytes, -1);
  }

  /**
   * Client {@code i} of {@code clients} reads endpoints {@code i, i + n, i + 2n, ...} (modulo the
   * endpoint count), {@code requestsPerClient} of them, all clients at once; each request's latency
   * is recorded.
   */
  static RunResult concurrent(List<FlightClient> clients, FlightInfo info, int requestsPerClient)
      throws Exception {
    List<FlightEndpoint> endpoints = info.getEndpoints();
    ExecutorService pool = Executors.newFixedThreadPool(clients.size());
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (int i = 0; i < clients.size(); i++) {
        int index = i;
        FlightClient client = clients.get(i);
        futures.add(
            pool.submit(
                () -> {
                  long[] out = new long[3 + requestsPerClient];
                  for (int r = 0; r < requestsPerClient; r++) {
                    FlightEndpoint e =
                        endpoints.get((index + r * clients.size()) % endpoints.size());
                    long start = System.nanoTime();
                    try (FlightStream stream = client.getStream(e.getTicket(), timeout())) {
                      VectorSchemaRoot root = stream.getRoot();
                      while (stream.next()) {
                        out[0] += root.getRowCount();
                        out[1] += arrowBytes(root);
                      }
                    }
                    out[3 + r] = System.nanoTime() - start;
                  }
                  return out;
                }));
      }
      return collect(futures, requestsPerClient, false);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Sums per-client results {@code [rows, arrow bytes, storage bytes, latencies...]}; storage bytes
   * are reported only when {@code countsStorage}.
   */
  static RunResult collect(
      List<Future<long[]>> futures, int requestsPerClient, boolean countsStorage) throws Exception {
    long rows = 0;
    long bytes = 0;
    long storage = 0;
    long[] latencies = new long[futures.size() * requestsPerClient];
    int n = 0;
    for (Future<long[]> f : futures) {
      long[] out = f.get();
      rows += out[0];
      bytes += out[1];
      storage += out[2];
      for (int r = 0; r < requestsPerClient; r++) {
        latencies[n++] = out[3 + r];
      }
    }
    return new RunResult(rows, bytes, countsStorage ? storage : -1, latencies);
  }
}
