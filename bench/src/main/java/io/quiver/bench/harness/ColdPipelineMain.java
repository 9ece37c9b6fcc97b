package io.quiver.bench.harness;

import io.quiver.bench.data.DatasetSpec;
import io.quiver.bench.data.GeneratedDatasets;
import io.quiver.bench.data.ProgressListener;
import io.quiver.client.QuiverClient;
import io.quiver.storage.Location;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The cold path side by side (issue 13 §3): one Quiver node per cold pipeline ({@code serial},
 * {@code prefetch}, {@code parallel}; {@code quiver serve --cold-pipeline}) over the same generated
 * lineitem files on local disk, each scanned cold (cache emptied with {@code cache-free} first) in
 * turn, round after round with the order rotated, so that the machine's noise falls on all alike.
 * Prints median wall time, MB/s of Arrow data and the server's CPU seconds per GB, and each
 * pipeline's ratios to {@code serial}; writes the same as Markdown to {@code
 * bench/results/cold-pipeline-<time>.md}.
 *
 * <p>Usage (after {@code bench/run} has built everything once): {@code java -cp
 * bench/target/classes:$(cat bench/target/quiver.classpath)
 * io.quiver.bench.harness.ColdPipelineMain [--rows 1200000] [--files 2] [--row-group-mib 8]
 * [--repetitions 5] [--decoder native|java] [--columns all|4] [--store local|s3|s3-shaped]}. Not
 * thread-safe; a program.
 */
public final class ColdPipelineMain {
  private static final List<String> PIPELINES = List.of("serial", "prefetch", "parallel");

  /** Four of lineitem's sixteen columns, as the report's {@code proj4} workload. */
  private static final List<String> PROJ4 =
      List.of("l_orderkey", "l_quantity", "l_extendedprice", "l_shipdate");

  private ColdPipelineMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    long rows = Long.parseLong(opts.getOrDefault("rows", "1200000"));
    int files = Integer.parseInt(opts.getOrDefault("files", "2"));
    long rowGroup = Long.parseLong(opts.getOrDefault("row-group-mib", "8")) << 20;
    int reps = Integer.parseInt(opts.getOrDefault("repetitions", "5"));
    String decoder = opts.getOrDefault("decoder", "native");
    List<String> columns = opts.getOrDefault("columns", "all").equals("4") ? PROJ4 : null;
    String store = opts.getOrDefault("store", "local");
    if (!List.of("local", "s3", "s3-shaped").contains(store)) {
      throw new IllegalArgumentException("--store: local, s3 or s3-shaped, not " + store);
    }
    Path home = Path.of(System.getenv().getOrDefault("QUIVER_HOME", ".")).toAbsolutePath();

    DatasetSpec spec =
        new DatasetSpec(rows, files, CompressionCodecName.SNAPPY, false, rowGroup, 1);
    GeneratedDatasets datasets = new GeneratedDatasets(home.resolve("bench/data/generated"));
    System.out.println("dataset " + spec.key() + " (generated once)");
    datasets.ensure(spec, ProgressListener.NONE);
    Path dir = datasets.directory(spec);
    int units = 0;
    try (var listing = Files.list(dir)) {
      for (Path f : listing.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        try (var reader =
            org.apache.parquet.hadoop.ParquetFileReader.open(
                new org.apache.parquet.io.LocalInputFile(f))) {
          units += reader.getFooter().getBlocks().size();
        }
      }
    }
    Path logs = Files.createTempDirectory("quiver-cold-pipeline");
    String cp =
        home.resolve("flight-server/target/classes")
            + ":"
            + Files.readString(home.resolve("flight-server/target/quiver.classpath")).strip();
    // The store's keys, by the variables bench/run exports (the node reads them by name).
    String access = System.getenv(ObjectStoreMain.ACCESS_VAR);
    String secret = System.getenv(ObjectStoreMain.SECRET_VAR);
    if (access == null || secret == null) {
      throw new IllegalArgumentException(
          "set " + ObjectStoreMain.ACCESS_VAR + " and " + ObjectStoreMain.SECRET_VAR);
    }
    ObjectStoreMain.Running s3 = null;
    String uri = Location.ofLocalPath(dir).toString();
    Map<String, String> mountOptions = Map.of();
    if (!store.equals("local")) {
      // The bench's store in this JVM (its CPU is not the node's): S3Proxy, the files uploaded
      // through it, and for s3-shaped the bench's shaping (30 ms first byte, 90 MB/s per
      // connection).
      Path base = logs.resolve("s3");
      Files.createDirectories(base.resolve("cold"));
      s3 = ObjectStoreMain.start(base, 30, 90_000_000L, access, secret);
      try (io.quiver.storage.Storage upload =
              new io.quiver.storage.s3.S3StorageProvider()
                  .create(
                      Map.of(
                          "endpoint",
                          "http://127.0.0.1:" + s3.port(),
                          "path-style",
                          "true",
                          "access-key-env",
                          ObjectStoreMain.ACCESS_VAR,
                          "secret-key-env",
                          ObjectStoreMain.SECRET_VAR));
          var listing = Files.list(dir)) {
        for (Path f : listing.filter(f -> f.toString().endsWith(".parquet")).toList()) {
          upload.write(
              Location.of("s3://cold/" + spec.key() + "/" + f.getFileName()),
              Files.readAllBytes(f));
        }
      }
      int port = store.equals("s3") ? s3.port() : s3.shapedPort();
      uri = "s3://cold/" + spec.key();
      mountOptions =
          Map.of(
              "endpoint",
              "http://127.0.0.1:" + port,
              "path-style",
              "true",
              "credentials",
              QuiverNode.CREDENTIALS);
    }

    List<ChildProcess> nodes = new ArrayList<>();
    List<QuiverClient> clients = new ArrayList<>();
    List<FlightClients> flights = new ArrayList<>();
    Map<String, List<double[]>> runs = new LinkedHashMap<>();
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      try {
        for (String p : PIPELINES) {
          ChildProcess node =
              QuiverNode.startProcess(
                  cp,
                  Files.createDirectories(logs.resolve(p)),
                  2L << 30,
                  65536,
                  decoder,
                  Map.of(ObjectStoreMain.ACCESS_VAR, access, ObjectStoreMain.SECRET_VAR, secret),
                  List.of("--allow-local", dir.toString(), "--cold-pipeline", p));
          nodes.add(node);
          int port = Integer.parseInt(node.readyMatch().group(1));
          QuiverClient c = QuiverClient.connect(allocator, "127.0.0.1", port);
          clients.add(c);
          c.mount("/data", uri, mountOptions);
          c.createTable("cold.t", "/data", "parquet");
          flights.add(new FlightClients(port));
          runs.put(p, new ArrayList<>());
        }
        // Round 0 warms the JVMs (JIT, footers, page cache) and is not counted.
        for (int round = 0; round <= reps; round++) {
          for (int k = 0; k < PIPELINES.size(); k++) {
            int i = (k + round) % PIPELINES.size();
            FlightInfo info =
                flights
                    .get(i)
                    .main()
                    .getInfo(QuiverClient.descriptor("cold.t", columns), FlightReads.timeout());
            clients.get(i).action("cache-free", Map.of());
            long cpu0 = nodes.get(i).cpuNanos();
            long t0 = System.nanoTime();
            RunResult r = FlightReads.scan(flights.get(i).main(), info);
            long t1 = System.nanoTime();
            long cpu1 = nodes.get(i).cpuNanos();
            if (round > 0) {
              runs.get(PIPELINES.get(i))
                  .add(new double[] {(t1 - t0) / 1e9, r.arrowBytes(), (cpu1 - cpu0) / 1e9});
            }
          }
        }
      } finally {
        for (FlightClients f : flights) {
          f.close();
        }
        for (QuiverClient c : clients) {
          c.close();
        }
        for (ChildProcess n : nodes) {
          n.close();
        }
        if (s3 != null) {
          s3.close();
        }
      }
    }
    String report = report(spec, units, store, decoder, columns, reps, runs);
    System.out.print(report);
    Path out =
        home.resolve("bench/results")
            .resolve(
                "cold-pipeline-"
                    + Instant.now().toString().replace(":", "").replaceAll("\\..*", "")
                    + ".md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report);
    System.out.println("written to " + out);
  }

  private static String report(
      DatasetSpec spec,
      int units,
      String store,
      String decoder,
      List<String> columns,
      int reps,
      Map<String, List<double[]>> runs) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "## Cold pipeline, side by side%n%n- dataset: %s (%d files, %d row groups)%n- store: %s%n- decoder: %s%n"
                + "- columns: %s%n- cold scans per pipeline: %d (medians; order rotated per"
                + " round)%n- cores: %d%n%n",
            spec.key(),
            spec.files(),
            units,
            store.equals("local")
                ? "local disk"
                : store.equals("s3")
                    ? "S3 (S3Proxy, loopback)"
                    : "S3-shaped (S3Proxy, 30 ms first byte, 90 MB/s per connection)",
            decoder,
            columns == null ? "all 16" : String.join(", ", columns),
            reps,
            Runtime.getRuntime().availableProcessors()));
    b.append(
        "| pipeline | median s | min–max s | MB/s | server CPU s/GB | time vs serial |"
            + " CPU vs serial |\n|---|---|---|---|---|---|---|\n");
    double serialTime = 0;
    double serialCpu = 0;
    for (Map.Entry<String, List<double[]>> e : runs.entrySet()) {
      double[] times = e.getValue().stream().mapToDouble(r -> r[0]).sorted().toArray();
      double[] cpuPerGb =
          e.getValue().stream().mapToDouble(r -> r[2] / (r[1] / 1e9)).sorted().toArray();
      double bytes = e.getValue().get(0)[1];
      double time = median(times);
      double cpu = median(cpuPerGb);
      if (e.getKey().equals("serial")) {
        serialTime = time;
        serialCpu = cpu;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %.3f–%.3f | %.0f | %.2f | %.2f× | %.2f× |%n",
              e.getKey(),
              time,
              times[0],
              times[times.length - 1],
              bytes / 1e6 / time,
              cpu,
              time / serialTime,
              cpu / serialCpu));
    }
    return b.toString();
  }

  private static double median(double[] sorted) {
    double[] s = Arrays.copyOf(sorted, sorted.length);
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
