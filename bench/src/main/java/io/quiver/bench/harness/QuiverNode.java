package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.client.QuiverClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * A Quiver node in its own JVM ({@code io.quiver.server.ServerMain}, as {@code quiver serve} runs
 * it) with the bucket mounted once per profile through the S3 store's mount options, and a table
 * over each mount. Shared by the cold and warm contenders; owns the process and clients.
 */
final class QuiverNode implements AutoCloseable {
  static final String MAIN = "io.quiver.server.ServerMain";

  /** The node's credential set for the benchmark bucket. */
  static final String CREDENTIALS = "bench-s3";

  private final ChildProcess process;
  private final BufferAllocator actionAllocator;
  private final QuiverClient client;
  private final FlightClients clients;
  private final int port;
  private long peakCacheBytes;

  /**
   * Starts the server JVM with an empty catalog under {@code logDir}; {@code keys} are the
   * environment variables (name to value) its mounts will name.
   */
  /**
   * The environment variable naming a file where the node records its cache's request trace (for
   * {@code PolicySimulator --trace-file}); unset records nothing.
   */
  static final String CACHE_TRACE_VAR = "QUIVER_BENCH_CACHE_TRACE";

  static ChildProcess startProcess(
      String classpath,
      Path logDir,
      long memoryBytes,
      int batchRows,
      String decoder,
      Map<String, String> keys)
      throws IOException {
    return startProcess(classpath, logDir, memoryBytes, batchRows, decoder, keys, List.of());
  }

  /** Like the other; {@code extraArgs} are appended to {@code quiver serve}'s arguments. */
  static ChildProcess startProcess(
      String classpath,
      Path logDir,
      long memoryBytes,
      int batchRows,
      String decoder,
      Map<String, String> keys,
      List<String> extraArgs)
      throws IOException {
    Path catalog = logDir.resolve("quiver-catalog");
    deleteRecursively(catalog);
    // The node's credential set for the bucket: mounts name it, never the variables themselves.
    Path config = logDir.resolve("quiver-config.json");
    Files.writeString(
        config,
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsString(
                Map.of(
                    "credentials",
                    Map.of(
                        CREDENTIALS,
                        Map.of(
                            "access-key-env", ObjectStoreMain.ACCESS_VAR,
                            "secret-key-env", ObjectStoreMain.SECRET_VAR)))));
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--port",
                "0",
                // No monitoring port: several nodes may run at once, and none is scraped.
                "--http-port",
                "0",
                "--data-dir",
                catalog.toString(),
                "--memory",
                Long.toString(memoryBytes),
                "--batch-rows",
                Integer.toString(batchRows),
                "--config",
                config.toString()));
    if (decoder != null) {
      args.add("--decoder");
      args.add(decoder);
    }
    args.addAll(extraArgs);
    List<String> jvm = new java.util.ArrayList<>(List.of("-Xmx2g"));
    String trace = System.getenv(CACHE_TRACE_VAR);
    if (trace != null && !trace.isBlank()) {
      // Records every cache request (key id, chunk bytes) for the policy simulator.
      jvm.add("-Dquiver.cache.trace=" + Path.of(trace).toAbsolutePath());
    }
    return ChildProcess.start(
        "quiver",
        ChildProcess.javaCommand(classpath, jvm, MAIN, args),
        withMallocTuning(keys),
        logDir.resolve("quiver-server.log"),
        Pattern.compile("Quiver listening on \\S+:(\\d+)"),
        Duration.ofMinutes(2));
  }

  /** The environment {@code bin/quiver serve} gives a node: glibc malloc returning big frees. */
  static Map<String, String> withMallocTuning(Map<String, String> env) {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.putIfAbsent("MALLOC_ARENA_MAX", System.getenv().getOrDefault("MALLOC_ARENA_MAX", "4"));
    all.putIfAbsent(
        "MALLOC_MMAP_THRESHOLD_", System.getenv().getOrDefault("MALLOC_MMAP_THRESHOLD_", "65536"));
    return all;
  }

  /**
   * Takes over {@code process} (from {@link #startProcess}; stopped here if set-up fails) and
   * mounts the bucket once per profile, with a table over each mount.
   */
  QuiverNode(ChildProcess process, BenchEnv env, List<Profile> profiles) throws IOException {
    this.process = process;
    int port = Integer.parseInt(process.readyMatch().group(1));
    BufferAllocator allocator = null;
    QuiverClient c = null;
    try {
      allocator = new RootAllocator(64L << 20);
      c = QuiverClient.connect(allocator, "127.0.0.1", port);
      for (Profile p : profiles) {
        c.mount(
            "/" + p.label(),
            "s3://" + env.bucket() + "/" + env.prefix(),
            Map.of("endpoint", env.endpoint(p), "path-style", "true", "credentials", CREDENTIALS));
        c.createTable(table(p), "/" + p.label(), "parquet");
      }
    } catch (RuntimeException e) {
      if (c != null) {
        closeQuietly(c);
      }
      if (allocator != null) {
        allocator.close();
      }
      process.close();
      throw new IOException("could not set up the Quiver node: " + e.getMessage(), e);
    }
    this.actionAllocator = allocator;
    this.client = c;
    this.clients = new FlightClients(port);
    this.port = port;
  }

  /** The node's Flight (and Flight SQL) port on 127.0.0.1. */
  int port() {
    return port;
  }

  /** The table reading the bucket through {@code profile}'s endpoint. */
  static String table(Profile profile) {
    return "bench." + profile.label().replace('-', '_');
  }

  ChildProcess process() {
    return process;
  }

  QuiverClient client() {
    return client;
  }

  FlightClients clients() {
    return clients;
  }

  /** The {@code stats} action's answer; also tracks the largest cache size seen. */
  JsonNode stats() {
    JsonNode s = client.stats();
    peakCacheBytes = Math.max(peakCacheBytes, s.path("bytes").asLong());
    return s;
  }

  /** The largest cached byte count any {@link #stats()} call saw (sampled around every run). */
  long peakCacheBytesSeen() {
    return peakCacheBytes;
  }

  private static void closeQuietly(QuiverClient c) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public void close() throws Exception {
    try {
      clients.close();
      client.close();
      actionAllocator.close();
    } finally {
      process.close();
    }
  }
}
