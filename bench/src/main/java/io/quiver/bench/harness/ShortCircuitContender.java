package io.quiver.bench.harness;

import io.quiver.client.BatchStream;
import io.quiver.client.QuiverClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * {@code quiver-short-circuit}: a client on the node's host reading the warm cache by mapping the
 * node's shared memory (the node runs with {@code --short-circuit}) through the Java client, whose
 * short-circuit reads fall back to Flight only where they must. Read endpoint after endpoint on one
 * client, like the Flight contenders; the concurrent workloads use one client per reader.
 *
 * <p>The client keeps its mappings across runs (as a long-lived reader does: {@code
 * QuiverClient.Builder.shortCircuitCache}), so pages it touched before cost nothing again. {@code
 * quiver-short-circuit-fresh} keeps none: every run maps every file afresh and pays a page fault
 * per page touched, the cost of a reader's first pass.
 *
 * <p>Mapping costs nothing until the memory is touched, while a Flight client receives every byte.
 * So that the two are compared on the same work, every batch's buffers are touched once per 4 KiB
 * page (one long read per page: the page faults a reader of the data would take anyway). After each
 * run the node's {@code scans.rowsMapped} must have grown by every row read, or the run fails: a
 * silent fall-back to Flight must not pass as a short-circuit figure.
 */
final class ShortCircuitContender implements Contender {
  static final String NAME = "quiver-short-circuit";
  static final String FRESH = "quiver-short-circuit-fresh";
  private static final int PAGE = 4096;

  private final QuiverNode node;
  private final Profile profile;
  private final boolean keepMappings;
  private final RootAllocator allocator = new RootAllocator();
  private final List<QuiverClient> clients = new ArrayList<>();
  private long mappedBefore;

  /** A sink for the page touches, so that the JIT cannot drop them. */
  private volatile long sink;

  ShortCircuitContender(QuiverNode node, Profile profile, boolean keepMappings) {
    this.node = node;
    this.profile = profile;
    this.keepMappings = keepMappings;
  }

  @Override
  public String name() {
    return keepMappings ? NAME : FRESH;
  }

  @Override
  public boolean supports(Workload workload) {
    return !workload.isSql();
  }

  private QuiverClient client(int i) {
    while (clients.size() <= i) {
      clients.add(
          QuiverClient.builder()
              .host("127.0.0.1")
              .port(node.port())
              .allocator(allocator)
              .parallelism(1)
              .shortCircuit(true)
              .shortCircuitCache(keepMappings ? Long.MAX_VALUE : 0)
              .build());
    }
    return clients.get(i);
  }

  private FlightInfo info(Workload w) {
    return client(0)
        .flight()
        .getInfo(
            QuiverClient.descriptor(QuiverNode.table(profile), w.columns()), FlightReads.timeout());
  }

  @Override
  public void prepare(Workload w) throws Exception {
    if (w.isConcurrent()) {
      client(w.concurrentClients() - 1); // connect outside the measured run
    }
    FlightReads.scan(node.clients().main(), info(w)); // warm: every chunk cached
    mappedBefore = rowsMapped();
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    FlightInfo info = info(w);
    if (!w.isConcurrent()) {
      long[] out = new long[3];
      for (FlightEndpoint e : info.getEndpoints()) {
        readEndpoint(client(0), e, out);
      }
      return RunResult.scan(out[0], out[1], -1);
    }
    int n = w.concurrentClients();
    int requests = w.requestsPerClient();
    List<FlightEndpoint> endpoints = info.getEndpoints();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        QuiverClient c = client(i);
        futures.add(
            pool.submit(
                () -> {
                  long[] out = new long[3 + requests];
                  for (int r = 0; r < requests; r++) {
                    long start = System.nanoTime();
                    readEndpoint(c, endpoints.get((index + r * n) % endpoints.size()), out);
                    out[3 + r] = System.nanoTime() - start;
                  }
                  return out;
                }));
      }
      return FlightReads.collect(futures, requests, false);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Adds rows and Arrow bytes of one endpoint to {@code out[0]} and {@code out[1]}. */
  private void readEndpoint(QuiverClient client, FlightEndpoint endpoint, long[] out) {
    long touched = 0;
    try (BatchStream stream = client.stream(endpoint)) {
      while (stream.hasNext()) {
        try (VectorSchemaRoot root = stream.next()) {
          out[0] += root.getRowCount();
          out[1] += FlightReads.arrowBytes(root);
          for (FieldVector v : root.getFieldVectors()) {
            touched += touch(v);
          }
        }
      }
    }
    sink += touched;
  }

  /** Reads one long per page of every buffer of {@code v} and its children. */
  private static long touch(FieldVector v) {
    long sum = 0;
    for (ArrowBuf b : v.getFieldBuffers()) {
      long length = b.capacity();
      for (long at = 0; at + Long.BYTES <= length; at += PAGE) {
        sum += b.getLong(at);
      }
    }
    for (FieldVector child : v.getChildrenFromFields()) {
      sum += touch(child);
    }
    return sum;
  }

  private long rowsMapped() {
    return node.stats().path("scans").path("rowsMapped").asLong(-1);
  }

  @Override
  public RunResult complete(Workload w, RunResult r) {
    long mapped = rowsMapped() - mappedBefore;
    if (mapped != r.rows()) {
      throw new IllegalStateException(
          name()
              + " read "
              + r.rows()
              + " rows but the node mapped "
              + mapped
              + " for it: the client fell back to Flight (is the node started with"
              + " --short-circuit, and is its shared-memory directory readable here?)");
    }
    return r;
  }

  @Override
  public List<ChildProcess> servers() {
    return List.of(node.process());
  }

  @Override
  public void close() throws Exception {
    for (QuiverClient c : clients) {
      c.close();
    }
    allocator.close();
  }
}
