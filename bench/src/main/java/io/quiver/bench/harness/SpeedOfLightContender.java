package io.quiver.bench.harness;

import io.quiver.client.QuiverClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightInfo;

/**
 * The upper bound: {@link SpeedOfLightServer} in its own JVM streaming pre-decoded batches from
 * memory, read by the same client code as Quiver.
 */
final class SpeedOfLightContender implements Contender {
  private final ChildProcess server;
  private final FlightClients clients;
  private final FlightClients tuned;

  /** Takes over {@code server}, started by {@link #startServer}. */
  SpeedOfLightContender(ChildProcess server) {
    this.server = server;
    this.clients = new FlightClients(Integer.parseInt(server.readyMatch().group(1)));
    this.tuned = new FlightClients(Integer.parseInt(server.readyMatch().group(3)));
  }

  /** Starts the server JVM over the Parquet files in {@code localDir} and waits until it serves. */
  static ChildProcess startServer(Path localDir, int batchRows, String classpath, Path logDir)
      throws IOException {
    return ChildProcess.start(
        "speed-of-light",
        ChildProcess.javaCommand(
            classpath,
            List.of("-Xmx2g"), // as the node's
            SpeedOfLightServer.class.getName(),
            List.of(
                localDir.toString(),
                Integer.toString(batchRows),
                Integer.toString(SpeedOfLightServer.TUNED_WRITE_HIGH_WATERMARK))),
        QuiverNode.withMallocTuning(Map.of()), // as the node's
        logDir.resolve("speed-of-light.log"),
        Pattern.compile("SOL READY port=(\\d+) bytes=(\\d+) tuned-port=(\\d+)"),
        Duration.ofMinutes(10));
  }

  @Override
  public String name() {
    return "speed-of-light";
  }

  @Override
  public boolean supports(Workload workload) {
    return true;
  }

  @Override
  public void prepare(Workload w) throws Exception {
    if (w.isConcurrent()) {
      clients.many(w.concurrentClients()); // connect outside the measured run
    }
    // The same unmeasured pre-scan quiver-warm gets, so both servers' JITs are equally warm.
    FlightReads.scan(
        clients.main(),
        clients.main().getInfo(QuiverClient.descriptor("sol", w.columns()), FlightReads.timeout()));
  }

  @Override
  public RunResult run(Workload w) throws Exception {
    var info =
        clients.main().getInfo(QuiverClient.descriptor("sol", w.columns()), FlightReads.timeout());
    if (w.isConcurrent()) {
      return FlightReads.concurrent(
          clients.many(w.concurrentClients()), info, w.requestsPerClient());
    }
    return FlightReads.scan(clients.main(), info);
  }

  /** The clients of this contender's server (for the report's Wire section). */
  FlightClients clients() {
    return clients;
  }

  /** Clients of the same server's twin port with a 4 MiB write buffer (Wire section). */
  FlightClients tunedClients() {
    return tuned;
  }

  /** The plan of a scan of {@code columns} (all when empty) from {@code from}. */
  static FlightInfo info(FlightClients from, List<String> columns) {
    return from.main().getInfo(QuiverClient.descriptor("sol", columns), FlightReads.timeout());
  }

  @Override
  public List<ChildProcess> servers() {
    return List.of(server);
  }

  @Override
  public void close() throws Exception {
    try {
      clients.close();
      tuned.close();
    } finally {
      server.close();
    }
  }
}
