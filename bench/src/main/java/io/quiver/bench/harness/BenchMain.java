package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quiver.bench.data.DatasetSpec;
import io.quiver.bench.data.GeneratedDatasets;
import io.quiver.bench.data.LineitemGenerator;
import io.quiver.format.parquet.ParquetFooters;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.local.LocalStorage;
import io.quiver.storage.s3.S3StorageProvider;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/run}: Quiver side by side with what users do without it. Generates (once) the
 * lineitem dataset, puts it in a loopback S3 server, starts the contenders, runs every workload
 * round-robin over the contenders for each repetition, and writes {@code results.json}, {@code
 * report.md} and PNG charts under {@code bench/results/<timestamp>/}.
 *
 * <p>Exit status: 0 when the harness ran (contenders other than Quiver may have failed; the report
 * says why), 1 when it could not run or a Quiver contender failed, 2 on bad usage.
 *
 * <p><b>Size.</b> Over the ~800-line guideline: it is the harness's option surface (every flag with
 * its help text) and the orchestration of a run; contenders, workloads, the report, charts and the
 * soak are their own types.
 */
@Command(
    name = "bench/run",
    mixinStandardHelpOptions = true,
    description = "Benchmark Quiver against a plain Flight server, direct reads and Alluxio.")
public final class BenchMain implements Callable<Integer> {
  static final String BUCKET = "quiver-bench";
  static final List<String> ALL_CONTENDERS =
      List.of(
          "speed-of-light",
          "quiver-warm",
          "quiver-cold",
          ShortCircuitContender.NAME,
          ShortCircuitContender.FRESH,
          "direct-java",
          "direct-native-s3",
          "direct-native-local",
          "alluxio",
          "quiver-flightsql-warm",
          "quiver-flightsql-cold",
          "duckdb-local",
          "duckdb-s3",
          "spark",
          "pandas");

  /** Client-library contenders, run by {@link ExternalClients} in their own processes. */
  static final List<String> CLIENT_CONTENDERS = List.of("spark", "pandas");

  /**
   * Contenders that run only when asked for: Quiver's Calcite JDBC driver computes {@code AVG} of a
   * DECIMAL column as a DECIMAL of the column's scale (Calcite's rule) where DuckDB returns a
   * DOUBLE, so its Q1 answer differs from the reference and the contender fails there.
   */
  static final List<String> OPTIONAL_CONTENDERS =
      List.of("quiver-calcite-jdbc-warm", "quiver-calcite-jdbc-cold");

  static final List<String> SCAN_WORKLOADS = List.of("full", "proj1", "proj4", "concurrent");
  static final List<String> ALL_WORKLOADS = concat(SCAN_WORKLOADS, SqlWorkloads.NAMES);
  private static final List<String> SQL_CONTENDERS =
      List.of(
          "quiver-flightsql-warm",
          "quiver-flightsql-cold",
          "quiver-calcite-jdbc-warm",
          "quiver-calcite-jdbc-cold",
          "duckdb-local",
          "duckdb-s3");

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  @Option(names = "--quick", description = "SF 0.1, few repetitions: a 2-3 minute smoke run.")
  boolean quick;

  @Option(names = "--scale-factor", description = "TPC-H scale factor: 0.1, 1, 5 (default 1).")
  Double scaleFactor;

  @Option(names = "--rows", description = "Exact row count instead of a scale factor (tests).")
  Long rows;

  @Option(names = "--codec", description = "SNAPPY or ZSTD (default: ${DEFAULT-VALUE}).")
  CompressionCodecName codec = CompressionCodecName.SNAPPY;

  @Option(
      names = "--layout",
      description = "unsorted or sorted (by l_shipdate; default ${DEFAULT-VALUE}).")
  String layout = "unsorted";

  @Option(names = "--repetitions", description = "Measured repetitions (default 5; quick 3).")
  Integer repetitions;

  @Option(
      names = "--sql-repetitions",
      description =
          "Measured repetitions of the SQL workloads, at most --repetitions (default: all; quick"
              + " 2).")
  Integer sqlRepetitions;

  @Option(names = "--warmups", description = "Unmeasured warm-up rounds (default 1; quick 0).")
  Integer warmupRounds;

  private int warmups;

  @Option(
      names = "--profiles",
      split = ",",
      description = "loopback and/or s3-shaped (default: both).")
  List<String> profiles = List.of("loopback", "s3-shaped");

  @Option(
      names = "--contenders",
      split = ",",
      description =
          "Subset of: speed-of-light, quiver-warm, quiver-cold, quiver-short-circuit (the warm"
              + " cache mapped from shared memory by a client on the node's host, keeping its"
              + " mappings), quiver-short-circuit-fresh (mapping every file afresh), direct-java,"
              + " direct-native-s3, direct-native-local, alluxio; for the SQL workloads"
              + " quiver-flightsql-warm, quiver-flightsql-cold, duckdb-local, duckdb-s3;"
              + " client libraries (with any scan workload and the s3-shaped profile): spark,"
              + " pandas (default: all of these); also quiver-calcite-jdbc-warm,"
              + " quiver-calcite-jdbc-cold (only when named).")
  List<String> contenders = ALL_CONTENDERS;

  @Option(
      names = "--workloads",
      split = ",",
      description =
          "Subset of: full, proj1, proj4, concurrent; SQL: q1, q6, filter-1pct,"
              + " filter-1pct-nopush (default: all).")
  List<String> workloadNames = ALL_WORKLOADS;

  @Option(names = "--batch-rows", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
  int batchRows = 65536;

  @Option(
      names = "--quiver-decoder",
      description =
          "Quiver's decoder: native or java (default: the server's default, native). With java,"
              + " quiver-cold and direct-java use the same decoder.")
  String quiverDecoder;

  @Option(
      names = "--quiver-cold-pipeline",
      description =
          "The node's --cold-pipeline: prefetch, parallel or serial (default: the server's,"
              + " prefetch); ColdPipelineMain compares them side by side.")
  String quiverColdPipeline;

  @Option(
      names = "--server-memory",
      description = "Quiver cache capacity in bytes (default 4 GiB; quick 1 GiB).")
  Long serverMemory;

  @Option(
      names = "--concurrent-clients",
      description = "Clients of the concurrent workload (default: ${DEFAULT-VALUE}).")
  int concurrentClients = 64;

  @Option(
      names = "--requests-per-client",
      description = "Requests per concurrent client (default 4; quick 2).")
  Integer requestsPerClient;

  @Option(
      names = "--latency-ms",
      description = "S3-shaped first-byte latency (default: ${DEFAULT-VALUE}).")
  long latencyMillis = 30;

  @Option(
      names = "--bandwidth-mb",
      description = "S3-shaped per-connection MB/s (default: ${DEFAULT-VALUE}).")
  long bandwidthMb = 90;

  @Option(
      names = "--root",
      description = "Quiver checkout (default: $QUIVER_HOME or the working directory).")
  Path root;

  @Option(names = "--data-dir", description = "Generated data cache (default: ROOT/bench/data).")
  Path dataDir;

  @Option(names = "--results-dir", description = "Where results go (default: ROOT/bench/results).")
  Path resultsDir;

  @Option(
      names = "--server-classpath",
      description = "module: flight-server/target/quiver.classpath (default); bench: this JVM's.")
  String serverClasspath = "module";

  @Option(
      names = "--alluxio-timeout",
      description = "Seconds per Alluxio run (default: ${DEFAULT-VALUE}).")
  long alluxioTimeout = 600;

  @Option(
      names = "--soak-minutes",
      description =
          "Minutes of the soak after the contenders: mixed scans, Flight SQL and cache control"
              + " from --soak-clients clients against the node (default: 10; with --quick 0.3; 0"
              + " skips it).")
  Double soakMinutes;

  @Option(
      names = "--soak-clients",
      description = "Clients of the soak (default: 16; with --quick 4).")
  Integer soakClients;

  @Option(
      names = "--catalog-objects",
      description =
          "Objects in the prefix the catalog comparison lists through the S3-shaped store (default"
              + " 10000; with --quick 2000; 0 skips the catalog comparison). The harness's store"
              + " (S3Proxy over jclouds' filesystem backend) lists a page in time proportional to"
              + " the whole prefix, so 100000 takes tens of minutes.")
  Integer catalogObjects;

  @Option(
      names = "--placement-keys",
      description =
          "Keys of the cluster placement simulation, placed over 100 and 1,000 virtual members"
              + " (default 1000000; with --quick 100000; 0 skips the cluster section). The same"
              + " section measures a GetFlightInfo of a tenth as many endpoints (at most 100000).")
  Integer placementKeys;

  @Option(
      names = "--cluster-scan-rows",
      description =
          "Rows of the table scanned through a cluster of 1 and of 3 local nodes (default"
              + " 2000000; with --quick 500000; 0 skips it). All on this machine: CPU-bound.")
  Long clusterScanRows;

  @Option(
      names = "--wire-rounds",
      description =
          "Rounds of the Wire section after the contenders: the warm full scan through Flight on"
              + " one and two connections next to raw loopback TCP and memcpy of the same bytes"
              + " (default 3; with --quick 2; 0 skips it; needs the full workload).")
  Integer wireRounds;

  /** What the soak measured, when it ran. */
  private io.quiver.bench.soak.Soak.Result soakResult;

  @Option(
      names = "--client-timeout",
      description = "Seconds per client-library run, spark or pandas (default: ${DEFAULT-VALUE}).")
  long clientTimeout = 900;

  @Option(
      names = "--call-timeout",
      description =
          "Seconds one Flight call may take before the run fails (default: ${DEFAULT-VALUE}).")
  long callTimeoutSeconds = 300;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Where the last run wrote its results (for tests). */
  Path lastResults;

  private final Map<String, String> failures = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private long totalRows = -1;

  /** The reference answer of each SQL workload: DuckDB over the local files. */
  private final Map<String, QueryResult> expectedAnswers = new LinkedHashMap<>();

  /** Per "contender workload": what the last run's scans did on the node. */
  private final Map<String, String> sqlScanFacts = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path home =
        root != null
            ? root
            : Path.of(System.getenv().getOrDefault("QUIVER_HOME", "."))
                .toAbsolutePath()
                .normalize();
    String access = System.getenv(ObjectStoreMain.ACCESS_VAR);
    String secret = System.getenv(ObjectStoreMain.SECRET_VAR);
    if (access == null || secret == null) {
      spec.commandLine()
          .getErr()
          .println(
              "bench: set "
                  + ObjectStoreMain.ACCESS_VAR
                  + " and "
                  + ObjectStoreMain.SECRET_VAR
                  + " (bench/run does) — the loopback S3 server's keys");
      return 2;
    }
    FlightReads.setCallTimeout(Duration.ofSeconds(callTimeoutSeconds));
    for (String c : contenders) {
      if (!ALL_CONTENDERS.contains(c) && !OPTIONAL_CONTENDERS.contains(c)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--contenders: unknown contender '" + c + "'");
      }
    }
    for (String w : workloadNames) {
      if (!ALL_WORKLOADS.contains(w)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--workloads: unknown workload '" + w + "'");
      }
    }
    boolean anyScan = workloadNames.stream().anyMatch(SCAN_WORKLOADS::contains);
    boolean anySql =
        workloadNames.stream().anyMatch(SqlWorkloads::isSql)
            && contenders.stream().anyMatch(SQL_CONTENDERS::contains);
    List<Profile> profileList = profiles.stream().map(Profile::parse).toList();
    boolean anyClient =
        anyScan
            && profileList.contains(Profile.S3_SHAPED)
            && contenders.stream().anyMatch(CLIENT_CONTENDERS::contains);
    double sf = scaleFactor != null ? scaleFactor : quick ? 0.1 : 1;
    int reps = repetitions != null ? repetitions : quick ? 3 : 5;
    int sqlReps = Math.min(reps, sqlRepetitions != null ? sqlRepetitions : quick ? 2 : reps);
    warmups = warmupRounds != null ? warmupRounds : quick ? 0 : 1;
    int requests = requestsPerClient != null ? requestsPerClient : quick ? 2 : 4;
    long memory = serverMemory != null ? serverMemory : quick ? 1L << 30 : 4L << 30;
    boolean sorted = layout.equals("sorted");
    if (!sorted && !layout.equals("unsorted")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--layout: sorted or unsorted");
    }
    DatasetSpec ds = DatasetSpec.ofScaleFactor(sf, codec, sorted);
    if (rows != null) {
      ds = new DatasetSpec(rows, 2, codec, sorted, 1L << 20, 1);
    }
    Path data = dataDir != null ? dataDir : home.resolve("bench/data");
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path results = (resultsDir != null ? resultsDir : home.resolve("bench/results")).resolve(stamp);
    Files.createDirectories(results);
    lastResults = results;
    Path logs = results.resolve("logs");

    GeneratedDatasets datasets = new GeneratedDatasets(data.resolve("generated"));
    if (!datasets.isGenerated(ds)) {
      out.println("Generating " + ds.key() + " (once; cached under " + data + ")");
      out.flush();
    }
    long genStart = System.nanoTime();
    List<Path> files =
        datasets.ensure(
            ds,
            (done, total) -> {
              if (done == total) {
                out.println("  generated " + total + " rows");
                out.flush();
              }
            });
    out.printf(
        Locale.ROOT,
        "Dataset %s: %d files (%.1f s)%n",
        ds.key(),
        files.size(),
        (System.nanoTime() - genStart) / 1e9);
    int[] rowGroups = rowGroupsOf(files);

    List<AutoCloseable> resources = new ArrayList<>();
    List<Measurement> measurements = new ArrayList<>();
    Map<String, Map<String, Object>> servers = new LinkedHashMap<>();
    Map<String, Object> config = new LinkedHashMap<>();
    String wireMarkdown = "";
    try {
      Path s3Base = data.resolve("s3");
      Files.createDirectories(s3Base.resolve(BUCKET));
      String benchCp = System.getProperty("java.class.path");
      String serverCp = serverClasspath(home, benchCp);
      // JVM starts dominate a quick run on a small machine: start the three servers at once.
      ExecutorService starter = Executors.newFixedThreadPool(3);
      Future<ChildProcess> storeStart =
          starter.submit(
              () ->
                  ChildProcess.start(
                      "object-store",
                      ChildProcess.javaCommand(
                          benchCp,
                          List.of("-Xmx1g"),
                          ObjectStoreMain.class.getName(),
                          List.of(
                              s3Base.toString(),
                              Long.toString(latencyMillis),
                              Long.toString(bandwidthMb * 1_000_000))),
                      Map.of(),
                      logs.resolve("object-store.log"),
                      Pattern.compile("OBJECT-STORE READY port=(\\d+) shaped=(\\d+)"),
                      Duration.ofMinutes(2)));
      Future<ChildProcess> solStart =
          contenders.contains("speed-of-light") && anyScan
              ? starter.submit(
                  () ->
                      SpeedOfLightContender.startServer(
                          files.get(0).getParent(), batchRows, benchCp, logs))
              : null;
      Future<ChildProcess> quiverStart =
          (anyScan
                      && (contenders.contains("quiver-warm")
                          || contenders.contains("quiver-cold")
                          || contenders.contains(ShortCircuitContender.NAME)
                          || contenders.contains(ShortCircuitContender.FRESH)))
                  || anyClient
                  || (anySql
                      && contenders.stream()
                          .anyMatch(c -> SQL_CONTENDERS.contains(c) && c.startsWith("quiver")))
              ? starter.submit(
                  () ->
                      QuiverNode.startProcess(
                          serverCp,
                          logs,
                          memory,
                          batchRows,
                          quiverDecoder,
                          Map.of(
                              ObjectStoreMain.ACCESS_VAR, access,
                              ObjectStoreMain.SECRET_VAR, secret),
                          quiverArgs(anyScan, logs)))
              : null;
      starter.shutdown();
      ChildProcess sol = awaitStart(solStart, "speed-of-light", resources, out);
      ChildProcess quiver = awaitStart(quiverStart, "quiver", resources, out);
      ChildProcess store;
      try {
        store = storeStart.get();
      } catch (ExecutionException e) {
        throw new IOException("the object store did not start: " + e.getCause().getMessage(), e);
      }
      resources.add(store);
      List<String> keys = new ArrayList<>();
      for (Path f : files) {
        keys.add(ds.key() + "/" + f.getFileName());
      }
      BenchEnv env =
          new BenchEnv(
              files,
              BUCKET,
              ds.key(),
              keys,
              rowGroups,
              LineitemGenerator.COLUMNS,
              Integer.parseInt(store.readyMatch().group(1)),
              Integer.parseInt(store.readyMatch().group(2)),
              ObjectStoreMain.ACCESS_VAR,
              ObjectStoreMain.SECRET_VAR,
              access,
              secret,
              batchRows,
              memory,
              logs,
              serverCp,
              benchCp);
      upload(env, out);

      config.put("dataset", ds.key());
      config.put("rows", ds.rows());
      config.put("files", files.size());
      config.put("rowGroups", java.util.Arrays.stream(rowGroups).sum());
      config.put("parquetBytes", totalSize(files));
      config.put("codec", codec.name());
      config.put("layout", layout);
      config.put("repetitions", reps);
      config.put("warmups", warmups);
      if (anySql) {
        config.put("sqlRepetitions", sqlReps);
      }
      config.put("batchRows", batchRows);
      config.put("profiles", profiles);
      config.put(
          "s3Shaped", latencyMillis + " ms first byte, " + bandwidthMb + " MB/s per connection");
      config.put("quiverCacheBytes", memory);
      config.put(
          "quiverDecoder", quiverDecoder == null ? "server default (native)" : quiverDecoder);
      config.put(
          "quiverColdPipeline",
          quiverColdPipeline == null ? "server default (prefetch)" : quiverColdPipeline);
      config.put("cores", Runtime.getRuntime().availableProcessors());
      config.put("java", System.getProperty("java.version"));

      List<Workload> workloads = new ArrayList<>();
      for (Workload w :
          List.of(
              Workload.scan("full", List.of()),
              Workload.scan("proj1", List.of("l_extendedprice")),
              Workload.scan(
                  "proj4", List.of("l_orderkey", "l_quantity", "l_extendedprice", "l_shipdate")),
              new Workload(
                  "concurrent", List.of("l_extendedprice"), concurrentClients, requests))) {
        if (workloadNames.contains(w.name())) {
          workloads.add(w);
        }
      }
      if (anySql) {
        workloads.addAll(sqlWorkloads(env, sorted, ds.rows(), config, out));
      }
      config.put(
          "workloads",
          workloads.stream()
              .filter(w -> !w.isSql())
              .map(
                  w ->
                      w.name()
                          + (w.columns().isEmpty() ? "=all 16 columns" : "=" + w.columns())
                          + (w.isConcurrent()
                              ? " × "
                                  + w.concurrentClients()
                                  + " clients × "
                                  + w.requestsPerClient()
                                  + " requests"
                              : ""))
              .toList());

      totalRows = ds.rows();
      List<Contender> active =
          startContenders(env, profileList, resources, out, sol, quiver, anyScan, anySql);
      interleave(active, workloads, reps, sqlReps, store, measurements, out);

      for (Contender c : active) {
        for (ChildProcess p : c.servers()) {
          servers.computeIfAbsent(p.name(), k -> serverFacts(p));
        }
      }
      servers.put("object-store", serverFacts(store));
      QuiverNode node = findNode(resources);
      if (node != null) {
        Map<String, Object> q = servers.computeIfAbsent("quiver", k -> serverFacts(node.process()));
        JsonNode stats = node.stats();
        q.put("cacheBytes", stats.path("bytes").asLong());
        q.put("peakCacheBytesSeen", node.peakCacheBytesSeen());
        q.put("cacheCapacity", stats.path("capacity").asLong());
        q.put("hits", stats.path("hits").asLong());
        q.put("misses", stats.path("misses").asLong());
        q.put("storageBytesRead", stats.path("storageBytesRead").asLong());
        q.put("peakOffHeapBytes", stats.path("process").path("offHeapPeakBytes").asLong());
        q.put("peakHeapBytes", stats.path("process").path("heapPeakBytes").asLong());
      }

      int wire = wireRounds != null ? wireRounds : quick ? 2 : 3;
      if (wire > 0 && workloadNames.contains("full")) {
        wireMarkdown = runWire(active, node, measurements, wire, out, notes);
      }

      List<Workload> scanWorkloads = workloads.stream().filter(w -> !w.isSql()).toList();
      if (contenders.contains("alluxio") && !scanWorkloads.isEmpty()) {
        // Its repetitions are serial and it starts a cluster per mode: fewer in a quick run.
        runAlluxio(
            home,
            env,
            scanWorkloads,
            quick ? Math.min(reps, 2) : reps,
            results,
            measurements,
            servers,
            out);
      }
      double soak = soakMinutes != null ? soakMinutes : quick ? 0.3 : 10;
      if (soak > 0 && node != null && anyScan) {
        runSoak(node, soak, soakClients != null ? soakClients : quick ? 4 : 16, results, out);
      }
      if (anyClient && node != null) {
        runClients(
            home, env, node.port(), quick ? Math.min(reps, 2) : reps, results, measurements, out);
      }
    } finally {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          notes.add("closing " + resources.get(i).getClass().getSimpleName() + " failed: " + e);
        }
      }
    }

    String catalogMarkdown = runCatalogBench(out, notes);
    String placementMarkdown = runPlacementBench(out, notes) + runClusterScanBench(out, notes);
    notes.add(
        "Contenders ran interleaved (round-robin, rotating start) per repetition and workload,"
            + " except Alluxio, which runs its own repetitions in its own JVM afterwards.");
    notes.add(
        "Quiver cold = `cache-free` before the run: chunks are gone, footers and listings stay"
            + " cached. direct-java also reads footers once up front.");
    notes.add(
        "Client CPU is the harness JVM's process CPU (includes Arrow C++ threads for"
            + " direct-native); the object store (S3Proxy + shaping proxy) runs in its own JVM.");
    notes.add("Every Flight contender reads its endpoints one after the other on one stream.");
    notes.add(
        "A concurrent request reads one scan unit (Quiver's endpoint granularity: up to "
            + ScanUnits.ROW_GROUPS_PER_UNIT
            + " row groups of one file) of one column; client i reads units i, i+n, ...");
    if (anySql) {
      notes.add(
          "SQL workloads: every run's answer was compared with DuckDB's over the local files"
              + " (computed once, unmeasured, before the runs); a different answer fails the"
              + " contender. Client CPU of duckdb-* is DuckDB's (it runs in the harness JVM).");
      config.put("sqlScanFacts", new LinkedHashMap<>(sqlScanFacts));
    }
    List<Summary> summaries = Summary.of(measurements);
    long quiverRss =
        servers.containsKey("quiver")
            ? ((Number) servers.get("quiver").getOrDefault("peakRssBytes", -1L)).longValue()
            : -1;
    List<Target> targets = new ArrayList<>(Report.targets(summaries, quiverRss, memory));
    if (soakResult != null) {
      targets.addAll(Report.soakTargets(soakResult));
    }
    BenchResults r =
        new BenchResults(
            Instant.now().toString(),
            config,
            measurements,
            summaries,
            servers,
            failures,
            targets,
            notes);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(results.resolve("results.json").toFile(), r);
    List<String> charts = List.of();
    try {
      charts = Charts.write(results, summaries);
    } catch (IOException | RuntimeException e) {
      notes.add("charts failed: " + e);
    }
    Files.writeString(
        results.resolve("report.md"),
        Report.markdown(r, charts)
            + wireMarkdown
            + (soakResult == null ? "" : Report.soakMarkdown(soakResult))
            + catalogMarkdown
            + placementMarkdown);
    printSummary(out, r, results);
    boolean quiverFailed = failures.keySet().stream().anyMatch(k -> k.startsWith("quiver"));
    return measurements.isEmpty() || quiverFailed ? 1 : 0;
  }

  /**
   * The Wire section ({@link WireSection}) over the speed-of-light server and the Quiver node (warm
   * after the contenders), at the warm full scan's Arrow bytes; its Markdown, or empty when no
   * Flight contender measured the full scan (or it failed: then said in the notes).
   */
  private static String runWire(
      List<Contender> active,
      QuiverNode node,
      List<Measurement> measurements,
      int rounds,
      PrintWriter out,
      List<String> notes) {
    long bytes =
        measurements.stream()
            .filter(m -> m.workload().equals("full"))
            .filter(
                m -> m.contender().equals("quiver-warm") || m.contender().equals("speed-of-light"))
            .mapToLong(Measurement::arrowBytes)
            .findFirst()
            .orElse(0);
    List<WireSection.FlightTarget> targets = new ArrayList<>();
    for (Contender c : active) {
      if (c instanceof SpeedOfLightContender sol) {
        targets.add(
            new WireSection.FlightTarget(
                "speed-of-light",
                sol.clients().many(2),
                () -> SpeedOfLightContender.info(sol.clients(), List.of())));
        FlightClients twin = sol.tunedClients();
        targets.add(
            new WireSection.FlightTarget(
                "speed-of-light, 4 MiB write buffer",
                twin.many(2),
                () -> SpeedOfLightContender.info(twin, List.of())));
      }
    }
    boolean warm = active.stream().anyMatch(c -> c.name().equals("quiver-warm"));
    if (warm && node != null) {
      targets.add(
          new WireSection.FlightTarget(
              "quiver-warm",
              node.clients().many(2),
              () ->
                  node.clients()
                      .main()
                      .getInfo(
                          io.quiver.client.QuiverClient.descriptor(
                              QuiverNode.table(Profile.LOOPBACK), List.of()),
                          FlightReads.timeout())));
    }
    if (bytes <= 0 || targets.isEmpty()) {
      return "";
    }
    try {
      out.printf(Locale.ROOT, "wire: %d rounds of %,d bytes...%n", rounds, bytes);
      out.flush();
      String md = new WireSection().run(bytes, rounds, targets, out);
      out.print(md);
      return md;
    } catch (Exception e) {
      notes.add("The Wire section failed: " + e);
      return "";
    }
  }

  /**
   * The catalog comparison ({@link io.quiver.bench.catalog.CatalogBench}: cached ls vs LIST, warm
   * vs cold plan, mv vs copy+delete) over its own S3-shaped store in a scratch directory; its
   * Markdown section for the report, or empty when skipped or failed (then said in the notes).
   */
  private String runCatalogBench(PrintWriter out, List<String> notes) {
    int objects = catalogObjects != null ? catalogObjects : quick ? 2_000 : 10_000;
    if (objects <= 0) {
      return "";
    }
    // A 1,000-file table next to 100,000 objects; proportionally fewer (at least 100) below.
    int files = Math.max(quick ? 20 : 100, Math.min(1_000, objects / 100));
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("quiver-catalog-bench");
      out.printf(
          Locale.ROOT, "catalog: ls of %d objects, plan and mv of %d files...%n", objects, files);
      String md =
          io.quiver.bench.catalog.CatalogBench.markdown(
              new io.quiver.bench.catalog.CatalogBench(
                      scratch, objects, files, quick ? 1 : 2, latencyMillis)
                  .run());
      out.print(md);
      return "\n" + md;
    } catch (Exception e) {
      notes.add("The catalog comparison failed: " + e);
      return "";
    } finally {
      if (scratch != null) {
        deleteQuietly(scratch);
      }
    }
  }

  /**
   * The cluster section ({@link io.quiver.bench.cluster.PlacementBench}: rendezvous placement over
   * 100 and 1,000 virtual members, catalog and FlightInfo sizes); its Markdown for the report, or
   * empty when skipped or failed (then said in the notes).
   */
  private String runPlacementBench(PrintWriter out, List<String> notes) {
    int keys = placementKeys != null ? placementKeys : quick ? 100_000 : 1_000_000;
    if (keys <= 0) {
      return "";
    }
    int endpoints = Math.max(1, Math.min(100_000, keys / 10));
    try {
      out.printf(
          Locale.ROOT,
          "cluster: placement of %d keys over 100 and 1000 virtual members, FlightInfo of %d"
              + " endpoints...%n",
          keys,
          endpoints);
      out.flush();
      String md =
          io.quiver.bench.cluster.PlacementBench.markdown(
              new io.quiver.bench.cluster.PlacementBench(List.of(100, 1_000), keys, endpoints)
                  .run());
      out.print(md);
      return "\n" + md;
    } catch (Exception e) {
      notes.add("The cluster placement simulation failed: " + e);
      return "";
    }
  }

  /**
   * The cluster scan ({@link io.quiver.bench.cluster.ClusterScanBench}: one table through 1 and 3
   * local nodes); its Markdown, or empty when skipped or failed (then said in the notes).
   */
  private String runClusterScanBench(PrintWriter out, List<String> notes) {
    long rows = clusterScanRows != null ? clusterScanRows : quick ? 500_000 : 2_000_000;
    if (rows <= 0) {
      return "";
    }
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("quiver-cluster-scan");
      out.printf(Locale.ROOT, "cluster: a scan of %d rows through 1 and 3 local nodes...%n", rows);
      out.flush();
      String md =
          io.quiver.bench.cluster.ClusterScanBench.markdown(
              new io.quiver.bench.cluster.ClusterScanBench(scratch, rows, quick ? 2 : 3).run());
      out.print(md);
      return "\n" + md;
    } catch (Exception e) {
      notes.add("The cluster scan failed: " + e);
      return "";
    } finally {
      if (scratch != null) {
        deleteQuietly(scratch);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  // best effort: a scratch directory under the system's temporary files
                }
              });
    } catch (IOException e) {
      // best effort
    }
  }

  private static QuiverNode findNode(List<AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      if (r instanceof QuiverNode n) {
        return n;
      }
    }
    return null;
  }

  private String serverClasspath(Path home, String own) throws IOException {
    if (serverClasspath.equals("module")) {
      Path cp = home.resolve("flight-server/target/quiver.classpath");
      Path classes = home.resolve("flight-server/target/classes");
      if (Files.isRegularFile(cp) && Files.isDirectory(classes)) {
        return classes + ":" + Files.readString(cp).strip();
      }
      notes.add(
          "flight-server/target/quiver.classpath missing: the server ran on the bench classpath");
    }
    return own;
  }

  /** A started server process, or null (recorded as a failure) if it failed to start. */
  private ChildProcess awaitStart(
      Future<ChildProcess> start, String name, List<AutoCloseable> resources, PrintWriter out)
      throws InterruptedException {
    if (start == null) {
      return null;
    }
    try {
      ChildProcess p = start.get();
      resources.add(p);
      return p;
    } catch (ExecutionException e) {
      failures.put(name, String.valueOf(e.getCause().getMessage()));
      out.println("  " + name + ": FAILED to start: " + e.getCause().getMessage());
      return null;
    }
  }

  /**
   * The Quiver node's extra arguments: the cold pipeline when chosen, and shared memory for the
   * short-circuit contender (in {@code /dev/shm}, or the logs directory where there is none).
   */
  private List<String> quiverArgs(boolean anyScan, Path logs) {
    List<String> args = new ArrayList<>();
    if (quiverColdPipeline != null) {
      args.addAll(List.of("--cold-pipeline", quiverColdPipeline));
    }
    if (anyScan
        && (contenders.contains(ShortCircuitContender.NAME)
            || contenders.contains(ShortCircuitContender.FRESH))) {
      Path shm = Path.of("/dev/shm");
      args.addAll(
          List.of(
              "--short-circuit",
              "--short-circuit-dir",
              (Files.isDirectory(shm) && Files.isWritable(shm) ? shm : logs).toString()));
    }
    return args;
  }

  private List<Contender> startContenders(
      BenchEnv env,
      List<Profile> profileList,
      List<AutoCloseable> resources,
      PrintWriter out,
      ChildProcess sol,
      ChildProcess quiver,
      boolean anyScan,
      boolean anySql) {
    List<Contender> active = new ArrayList<>();
    if (sol != null) {
      resources.remove(sol); // the contender owns it now
      add(active, resources, "speed-of-light", () -> new SpeedOfLightContender(sol), out);
    }
    if (quiver != null) {
      try {
        resources.remove(quiver);
        QuiverNode node = new QuiverNode(quiver, env, profileList);
        resources.add(node);
        if (anyScan && contenders.contains("quiver-warm")) {
          active.add(new QuiverContender(node, profileList.get(0), false, false));
        }
        if (anyScan && contenders.contains("quiver-cold")) {
          for (Profile p : profileList) {
            active.add(new QuiverContender(node, p, true, false));
          }
        }
        for (boolean keep : new boolean[] {true, false}) {
          String name = keep ? ShortCircuitContender.NAME : ShortCircuitContender.FRESH;
          if (anyScan && contenders.contains(name)) {
            add(
                active,
                resources,
                name,
                () -> new ShortCircuitContender(node, profileList.get(0), keep),
                out);
          }
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, callTimeoutSeconds);
        for (QuiverSqlContender.Driver d : QuiverSqlContender.Driver.values()) {
          if (anySql && contenders.contains(d.contender(false))) {
            Profile p = profileList.get(0);
            add(
                active,
                resources,
                p.contenderName(d.contender(false)),
                () -> new QuiverSqlContender(d, node, p, false, timeout),
                out);
          }
          if (anySql && contenders.contains(d.contender(true))) {
            for (Profile p : profileList) {
              add(
                  active,
                  resources,
                  p.contenderName(d.contender(true)),
                  () -> new QuiverSqlContender(d, node, p, true, timeout),
                  out);
            }
          }
        }
      } catch (Exception e) {
        failures.put("quiver", e.getMessage());
        out.println("  quiver: FAILED to start: " + e.getMessage());
      }
    }
    if (anySql && contenders.contains("duckdb-local")) {
      add(active, resources, DuckDbLocalContender.NAME, () -> new DuckDbLocalContender(env), out);
    }
    for (Profile p : profileList) {
      if (anySql && contenders.contains("duckdb-s3")) {
        add(
            active,
            resources,
            p.contenderName("duckdb-s3"),
            () -> new DuckDbS3Contender(env, p),
            out);
      }
    }
    for (Profile p : anyScan ? profileList : List.<Profile>of()) {
      if (contenders.contains("direct-java")) {
        add(
            active,
            resources,
            p.contenderName("direct-java"),
            () -> new DirectJavaContender(env, p),
            out);
      }
      if (contenders.contains("direct-native-s3")) {
        add(
            active,
            resources,
            p.contenderName("direct-native-s3"),
            () -> DirectNativeContender.s3(env, p),
            out);
      }
    }
    if (anyScan && contenders.contains("direct-native-local")) {
      add(active, resources, "direct-native-local", () -> DirectNativeContender.local(env), out);
    }
    out.println("Contenders: " + active.stream().map(Contender::name).toList());
    out.flush();
    return active;
  }

  private interface Starter {
    Contender start() throws Exception;
  }

  private void add(
      List<Contender> active,
      List<AutoCloseable> resources,
      String name,
      Starter s,
      PrintWriter out) {
    try {
      Contender c = s.start();
      resources.add(c);
      active.add(c);
    } catch (Exception e) {
      failures.put(name, String.valueOf(e.getMessage()));
      out.println("  " + name + ": FAILED to start: " + e.getMessage());
    }
  }

  private void interleave(
      List<Contender> active,
      List<Workload> workloads,
      int reps,
      int sqlReps,
      ChildProcess store,
      List<Measurement> measurements,
      PrintWriter out) {
    for (int rep = -warmups; rep < reps; rep++) {
      long roundStart = System.nanoTime();
      for (Workload w : workloads) {
        if (w.isSql() && rep >= sqlReps) {
          continue;
        }
        int n = active.size();
        for (int i = 0; i < n; i++) {
          // Rotate who goes first so that no contender always runs right after the same one.
          Contender c = active.get(Math.floorMod(i + rep, n));
          // SQL workloads go only to SQL contenders, scans only to the others.
          if (w.isSql() != (c instanceof SqlContender)
              || !c.supports(w)
              || failures.containsKey(c.name())) {
            continue;
          }
          try {
            c.prepare(w);
            long client0 = ProcStats.selfCpuNanos();
            long server0 = serverCpu(c);
            long store0 = store.cpuNanos();
            long t0 = System.nanoTime();
            RunResult r = c.run(w);
            long wall = System.nanoTime() - t0;
            long client1 = ProcStats.selfCpuNanos();
            long server1 = serverCpu(c);
            long store1 = store.cpuNanos();
            r = c.complete(w, r);
            if (c instanceof SqlContender sc) {
              checkAnswer(sc, w);
            }
            // Every contender must deliver the whole table: a short read is a failure, not a win.
            long expected = w.isConcurrent() || w.isSql() ? -1 : totalRows;
            if (expected >= 0 && r.rows() != expected) {
              throw new IllegalStateException(
                  "delivered " + r.rows() + " rows, expected " + expected);
            }
            if (rep >= 0) {
              measurements.add(
                  new Measurement(
                      c.name(),
                      w.name(),
                      rep,
                      wall,
                      r.rows(),
                      r.arrowBytes(),
                      delta(client0, client1),
                      c.servers().isEmpty() ? -1 : delta(server0, server1),
                      delta(store0, store1),
                      r.storageBytesRead(),
                      r.latenciesNanos()));
            }
          } catch (Exception | OutOfMemoryError e) {
            failures.put(c.name(), w.name() + ": " + e);
            out.println("  " + c.name() + " " + w.name() + ": FAILED: " + e);
          }
        }
      }
      out.printf(
          Locale.ROOT,
          "%s %d done (%.1f s)%n",
          rep < 0 ? "warm-up round" : "repetition",
          rep < 0 ? rep + warmups + 1 : rep + 1,
          (System.nanoTime() - roundStart) / 1e9);
      out.flush();
    }
  }

  /** A SQL answer different from the reference is a failure, not a win. */
  private void checkAnswer(SqlContender c, Workload w) {
    QueryResult want = expectedAnswers.get(w.name());
    QueryResult got = c.lastResult();
    if (got == null) {
      throw new IllegalStateException("no answer");
    }
    String difference = want.difference(got, w.sql().ordered());
    if (difference != null) {
      throw new IllegalStateException(
          "wrong answer (reference: DuckDB over the local files): " + difference);
    }
    String facts = c.lastScanFacts();
    if (facts != null) {
      sqlScanFacts.put(c.name() + " " + w.name(), facts);
    }
  }

  /**
   * The selected SQL workloads, with their reference answers computed now (unmeasured) by DuckDB
   * over the local files; the 1 % filter's range is the middle percent of the sort column.
   */
  private List<Workload> sqlWorkloads(
      BenchEnv env, boolean sorted, long rows, Map<String, Object> config, PrintWriter out)
      throws SQLException {
    long start = System.nanoTime();
    String column = SqlWorkloads.sortedColumn(sorted);
    String table = QuiverNode.table(Profile.LOOPBACK);
    List<Workload> selected = new ArrayList<>();
    Map<String, String> texts = new LinkedHashMap<>();
    Map<String, String> answers = new LinkedHashMap<>();
    try (Connection oracle = DuckDb.open()) {
      DuckDb.createView(oracle, table, env.localFiles());
      long[] range = SqlWorkloads.onePercentRange(oracle, table, column);
      for (SqlQuery q : SqlWorkloads.all(column, range[0], range[1])) {
        if (!workloadNames.contains(q.name())) {
          continue;
        }
        QueryResult answer = DuckDb.query(oracle, q.sql(table));
        expectedAnswers.put(q.name(), answer);
        selected.add(Workload.sql(q, env.columns()));
        texts.put(q.name(), q.sql(table));
        answers.put(
            q.name(),
            answer.shape()
                + (q.name().startsWith(SqlWorkloads.FILTER)
                    ? String.format(
                        Locale.ROOT,
                        " (%.2f %% of %d rows)",
                        100.0 * answer.rowCount() / rows,
                        rows)
                    : "")
                + "; "
                + q.description());
      }
    }
    config.put("sqlQueries", texts);
    config.put("sqlAnswers", answers);
    out.printf(
        Locale.ROOT,
        "SQL reference answers (DuckDB, local files): %s (%.1f s)%n",
        answers.keySet(),
        (System.nanoTime() - start) / 1e9);
    out.flush();
    return selected;
  }

  private static long serverCpu(Contender c) {
    long sum = 0;
    for (ChildProcess p : c.servers()) {
      long cpu = p.cpuNanos();
      if (cpu < 0) {
        return -1;
      }
      sum += cpu;
    }
    return sum;
  }

  private static long delta(long a, long b) {
    return a < 0 || b < 0 ? -1 : b - a;
  }

  private static Map<String, Object> serverFacts(ChildProcess p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", p.pid());
    m.put("peakRssBytes", p.peakRssBytes());
    m.put("cpuSeconds", p.cpuNanos() / 1e9);
    if (p.name().equals("speed-of-light")) {
      m.put("decodedBytesInMemory", Long.parseLong(p.readyMatch().group(2)));
    }
    return m;
  }

  private void runAlluxio(
      Path home,
      BenchEnv env,
      List<Workload> workloads,
      int reps,
      Path results,
      List<Measurement> measurements,
      Map<String, Map<String, Object>> servers,
      PrintWriter out) {
    for (boolean sc : new boolean[] {false, true}) {
      String name = sc ? "alluxio-sc-on" : "alluxio-sc-off";
      long start = System.nanoTime();
      try {
        AlluxioRunner.Outcome o =
            AlluxioRunner.run(
                home, env, sc, reps, workloads, results.resolve(name + ".json"), alluxioTimeout);
        measurements.addAll(o.measurements());
        servers.put(name, o.server());
        out.printf(Locale.ROOT, "%s done (%.1f s)%n", name, (System.nanoTime() - start) / 1e9);
      } catch (AlluxioRunner.AlluxioFailure | IOException e) {
        failures.put(name, e.getMessage());
        out.println("  " + name + ": FAILED: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.put(name, "interrupted");
        return;
      }
      out.flush();
    }
  }

  /** The soak against the running node (its loopback table), recorded for the report. */
  private void runSoak(
      QuiverNode node, double minutes, int clients, Path results, PrintWriter out) {
    out.printf(Locale.ROOT, "soak: %d clients for %.1f min...%n", clients, minutes);
    out.flush();
    long pid = node.process().pid();
    try {
      io.quiver.bench.soak.Soak soak =
          new io.quiver.bench.soak.Soak(
              "127.0.0.1",
              node.port(),
              QuiverNode.table(Profile.LOOPBACK),
              io.quiver.bench.data.LineitemGenerator.COLUMNS,
              "l_orderkey");
      java.time.Duration duration = java.time.Duration.ofMillis((long) (minutes * 60_000));
      java.time.Duration every =
          java.time.Duration.ofSeconds(Math.max(1, Math.min(10, duration.toSeconds() / 20)));
      soakResult = soak.run(clients, duration, every, () -> ProcStats.rssBytes(pid));
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(results.resolve("soak.json").toFile(), soakResult);
      out.printf(
          Locale.ROOT,
          "soak: %d operations, %d errors, peak off-heap %.0f%% of budget, RSS drift %.2f%n",
          soakResult.totalOperations(),
          soakResult.totalErrors(),
          100 * soakResult.offHeapPeakFraction(),
          soakResult.rssDrift());
      if (soakResult.totalErrors() > 0) {
        failures.put("quiver-soak", soakResult.totalErrors() + " errors: " + soakResult.errors());
      }
    } catch (Exception e) {
      failures.put("quiver-soak", String.valueOf(e));
      out.println("  soak: FAILED: " + e);
    }
    out.flush();
  }

  /** The client-library contenders, one after the other, against the running node. */
  private void runClients(
      Path home,
      BenchEnv env,
      int quiverPort,
      int reps,
      Path results,
      List<Measurement> measurements,
      PrintWriter out) {
    for (String name : CLIENT_CONTENDERS) {
      if (!contenders.contains(name)) {
        continue;
      }
      long start = System.nanoTime();
      Path file = results.resolve(name + ".json");
      try {
        ExternalClients.Outcome o =
            name.equals("spark")
                ? ExternalClients.spark(home, env, quiverPort, reps, file, clientTimeout)
                : ExternalClients.pandas(home, env, quiverPort, reps, file, clientTimeout);
        measurements.addAll(o.measurements());
        notes.addAll(o.notes());
        out.printf(Locale.ROOT, "%s done (%.1f s)%n", name, (System.nanoTime() - start) / 1e9);
      } catch (ExternalClients.Failure | IOException e) {
        failures.put(name, e.getMessage());
        out.println("  " + name + ": FAILED: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.put(name, "interrupted");
        return;
      }
      out.flush();
    }
  }

  private static int[] rowGroupsOf(List<Path> files) throws IOException {
    int[] out = new int[files.size()];
    try (LocalStorage local = new LocalStorage()) {
      for (int i = 0; i < files.size(); i++) {
        try (StorageInput in = local.open(local.stat(Location.ofLocalPath(files.get(i))))) {
          out[i] = ParquetFooters.read(in).getBlocks().size();
        }
      }
    }
    return out;
  }

  private static long totalSize(List<Path> files) throws IOException {
    long sum = 0;
    for (Path f : files) {
      sum += Files.size(f);
    }
    return sum;
  }

  /** Puts the files into the bucket unless an object of the same length is already there. */
  private static void upload(BenchEnv env, PrintWriter out) throws Exception {
    try (Storage s3 =
        new S3StorageProvider()
            .create(
                Map.of(
                    "endpoint", env.endpoint(Profile.LOOPBACK),
                    "path-style", "true",
                    "access-key-env", env.accessVar(),
                    "secret-key-env", env.secretVar()))) {
      for (int i = 0; i < env.localFiles().size(); i++) {
        Path f = env.localFiles().get(i);
        Location loc = Location.of("s3://" + env.bucket() + "/" + env.objectKeys().get(i));
        try {
          FileEntry e = s3.stat(loc);
          if (e.length() == Files.size(f)) {
            continue;
          }
        } catch (FileNotFoundException missing) {
          // upload below
        }
        out.println(
            "Uploading "
                + f.getFileName()
                + " to s3://"
                + env.bucket()
                + "/"
                + env.objectKeys().get(i));
        out.flush();
        s3.write(loc, Files.readAllBytes(f));
      }
    }
  }

  private static void printSummary(PrintWriter out, BenchResults r, Path dir) {
    out.println();
    out.println("Median wall time (s) and MB/s; SQL: median ms and result rows:");
    for (Summary s : r.summaries()) {
      if (SqlWorkloads.isSql(s.workload())) {
        out.printf(
            Locale.ROOT,
            "  %-18s %-32s %8.1f ms %7d rows%n",
            s.workload(),
            s.contender(),
            s.wallMedianSeconds() * 1e3,
            s.rows());
        continue;
      }
      out.printf(
          Locale.ROOT,
          "  %-12s %-28s %8.3f s %9.0f MB/s%s%n",
          s.workload(),
          s.contender(),
          s.wallMedianSeconds(),
          s.megabytesPerSecond(),
          s.latencyP50Millis() >= 0
              ? String.format(
                  Locale.ROOT,
                  "  p50 %.1f ms p99 %.1f ms",
                  s.latencyP50Millis(),
                  s.latencyP99Millis())
              : "");
    }
    out.println("Targets:");
    for (Target t : r.targets()) {
      out.printf(Locale.ROOT, "  [%s] %s: %.2f%n", t.status(), t.name(), t.value());
    }
    r.failures().forEach((k, v) -> out.println("  FAILED " + k + ": " + v));
    out.println("Results: " + dir.resolve("report.md"));
    out.flush();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }
}
