package io.quiver.bench.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.bench.data.LineitemGenerator;
import io.quiver.client.QuiverClient;
import io.quiver.server.ByteSize;
import io.quiver.server.QuiverServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver demo}: generates a lineitem-like dataset (once), starts an embedded node, mounts
 * the data, defines a table and scans it twice through a Flight client — cold, then warm — and
 * prints time, rows/s, MB/s and hit ratio. Then keeps serving until Ctrl-C (unless {@code --exit}).
 */
@Command(
    name = "quiver demo",
    mixinStandardHelpOptions = true,
    description = "Generate sample data, start Quiver, and scan a table cold and warm.")
public final class DemoMain implements Callable<Integer> {
  static final String TABLE = "demo.lineitem";
  static final String MOUNT = "/demo";

  @Option(
      names = "--data-dir",
      description = "Catalog and sample data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("quiver-data");

  @Option(names = "--rows", description = "Rows of sample data (default: ${DEFAULT-VALUE}).")
  long rows = 3_000_000;

  @Option(names = "--files", description = "Files of sample data (default: ${DEFAULT-VALUE}).")
  int files = 4;

  @Option(
      names = "--port",
      description = "Flight port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port = 8815;

  @Option(names = "--memory", description = "Cache capacity (default: ${DEFAULT-VALUE}).")
  String memory = "2g";

  @Option(names = "--exit", description = "Stop after the demo instead of serving on.")
  boolean exit;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Result of one timed scan. */
  record ScanRun(
      String label, long rows, long bytes, double seconds, long storageBytes, double hitRatio) {
    double rowsPerSecond() {
      return rows / seconds;
    }

    double megabytesPerSecond() {
      return bytes / seconds / 1e6;
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path data = dataDir.toAbsolutePath().resolve("demo").resolve("lineitem");
    generateIfMissing(data, out);
    QuiverServer server;
    try {
      server =
          QuiverServer.start(
              QuiverServer.Config.defaults()
                  .withPort(port)
                  .withDataDir(dataDir)
                  .withMemory(ByteSize.parse(memory))
                  // The demo mounts its own sample data, and nothing else on this machine.
                  .withSecurity(
                      io.quiver.server.security.SecurityConfig.none()
                          .withAllowLocal(List.of(data.getParent()))));
    } catch (IOException e) {
      spec.commandLine()
          .getErr()
          .println(
              "quiver demo: cannot start the server: "
                  + e.getMessage()
                  + (port != 0 ? " (is port " + port + " taken? try --port 0)" : ""));
      return 1;
    }
    try {
      List<ScanRun> runs = run(server, data.getParent(), out);
      printReport(out, runs);
      if (exit) {
        return 0;
      }
      out.printf(
          "%nQuiver is serving on %s. In another terminal try:%n"
              + "  bin/quiver table ls --server localhost:%d%n"
              + "  bin/quiver scan %s --columns l_orderkey,l_shipdate --show 5 --server localhost:%d%n"
              + "  bin/quiver cache stats --server localhost:%d%n"
              + "Press Ctrl-C to stop.%n",
          server.location().getUri(), server.port(), TABLE, server.port(), server.port());
      out.flush();
      CountDownLatch stop = new CountDownLatch(1);
      QuiverServer running = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      running.close();
                    } catch (Exception e) {
                      System.err.println("Error during shutdown: " + e.getMessage());
                    }
                    stop.countDown();
                  },
                  "quiver-shutdown"));
      server = null;
      stop.await();
      return 0;
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  private void generateIfMissing(Path data, PrintWriter out) throws IOException {
    Path marker = data.resolve("_GENERATED");
    String expected = rows + " rows, " + files + " files";
    if (Files.exists(marker) && Files.readString(marker).strip().equals(expected)) {
      out.println("Using sample data in " + data + " (" + expected + ")");
      return;
    }
    if (Files.exists(data)) {
      try (var old = Files.list(data)) {
        for (Path p : old.toList()) {
          if (p.getFileName().toString().endsWith(".parquet") || p.equals(marker)) {
            Files.delete(p);
          }
        }
      }
    }
    Files.createDirectories(data);
    out.println("Generating " + expected + " of lineitem-like sample data in " + data);
    out.flush();
    LineitemGenerator.Options options =
        LineitemGenerator.Options.builder()
            .rows(rows)
            .files(files)
            .codec(CompressionCodecName.SNAPPY)
            .rowGroupSizeBytes(16L << 20)
            .build();
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName("Generating")
            .setInitialMax(rows)
            .setUnit(" rows", 1)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
            .build()) {
      LineitemGenerator.write(data, options, (done, total) -> bar.stepTo(done));
    }
    Files.writeString(marker, expected + "\n");
  }

  static List<ScanRun> run(QuiverServer server, Path demoDir, PrintWriter out) throws Exception {
    try (QuiverClient client = QuiverClient.connect("127.0.0.1", server.port())) {
      boolean mounted = false;
      for (JsonNode m : client.mounts().path("mounts")) {
        mounted |= m.path("path").asText().equals(MOUNT);
      }
      if (!mounted) {
        client.mount(MOUNT, io.quiver.storage.Location.ofLocalPath(demoDir).toString(), Map.of());
      }
      boolean defined = false;
      for (JsonNode t : client.tables().path("tables")) {
        defined |= t.path("name").asText().equals(TABLE);
      }
      if (!defined) {
        client.createTable(TABLE, MOUNT + "/lineitem", "parquet");
      }
      server.cache().invalidateAll(k -> true);
      ScanRun cold = timedScan(client, "cold (empty cache)");
      ScanRun warm = timedScan(client, "warm (all cached)");
      return List.of(cold, warm);
    }
  }

  private static ScanRun timedScan(QuiverClient client, String label) {
    JsonNode before = client.stats();
    long start = System.nanoTime();
    QuiverClient.ScanSummary s = client.scan(TABLE, null, batch -> {});
    double seconds = (System.nanoTime() - start) / 1e9;
    JsonNode after = client.stats();
    long hits = after.path("hits").asLong() - before.path("hits").asLong();
    long misses = after.path("misses").asLong() - before.path("misses").asLong();
    long storage =
        after.path("storageBytesRead").asLong() - before.path("storageBytesRead").asLong();
    return new ScanRun(
        label,
        s.rows(),
        s.bytes(),
        seconds,
        storage,
        hits + misses == 0 ? 0 : (double) hits / (hits + misses));
  }

  static void printReport(PrintWriter out, List<ScanRun> runs) {
    out.printf(
        Locale.ROOT, "%nScans of %s through one Arrow Flight client (all 16 columns):%n", TABLE);
    out.printf(
        Locale.ROOT,
        "%-20s %12s %9s %14s %10s %14s %10s%n",
        "scan",
        "rows",
        "seconds",
        "rows/s",
        "MB/s",
        "storage read",
        "hit ratio");
    for (ScanRun r : runs) {
      out.printf(
          Locale.ROOT,
          "%-20s %12d %9.2f %14.0f %10.1f %14s %9.0f%%%n",
          r.label(),
          r.rows(),
          r.seconds(),
          r.rowsPerSecond(),
          r.megabytesPerSecond(),
          ByteSize.format(r.storageBytes()),
          r.hitRatio() * 100);
    }
    if (runs.size() == 2) {
      out.printf(
          Locale.ROOT,
          "Warm is %.1fx faster than cold.%n",
          runs.get(0).seconds() / runs.get(1).seconds());
    }
    out.flush();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DemoMain()).execute(args));
  }
}
