package io.quiver.bench.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.cache.EvictionPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Replays request traces against the real {@link io.quiver.cache.ChunkCache} under each eviction
 * policy and reports the hit ratios side by side, next to the clairvoyant optimum ({@link
 * OptimalPolicy}).
 *
 * <p>The built-in traces are synthetic and seeded, so a run is reproducible: two Zipf skews, Zipf
 * with periodic one-off scans (scan pollution), Zipf whose popular keys shift half way, and a loop
 * slightly larger than the cache. Recorded traces can be added with {@code --trace-file}. The
 * report is printed as a Markdown table and written as Markdown and JSON under {@code
 * bench/results/cache-sim/}.
 *
 * <p>Hit ratios count every request, including the compulsory misses of a cold cache.
 */
@Command(
    name = "policy-sim",
    mixinStandardHelpOptions = true,
    description = "Compare chunk-cache eviction policies (LRU, TinyLFU) by replaying traces.")
public final class PolicySimulator implements Callable<Integer> {

  @Option(
      names = "--capacity-chunks",
      description = "Cache capacity in chunks (default: ${DEFAULT-VALUE}).")
  int capacityChunks = 1000;

  @Option(
      names = "--chunk-rows",
      description =
          "Rows of the one int64 vector per chunk (default: ${DEFAULT-VALUE}: a 64 KiB buffer,"
              + " the chunk size TinyLFU's sketch is dimensioned for).")
  int chunkRows = 8000;

  @Option(
      names = "--requests",
      description = "Requests per synthetic trace (default: ${DEFAULT-VALUE}).")
  int requests = 200_000;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(
      names = "--universe-factor",
      description = "Distinct Zipf keys as a multiple of the capacity (default: ${DEFAULT-VALUE}).")
  int universeFactor = 10;

  @Option(
      names = "--trace-file",
      description = "A recorded trace, one key per line; may be repeated.")
  List<Path> traceFiles = new ArrayList<>();

  @Option(names = "--no-synthetic", description = "Replay only the --trace-file traces.")
  boolean noSynthetic;

  @Option(
      names = "--out",
      description =
          "Output directory (default: bench/results/cache-sim, or results/cache-sim"
              + " when run inside bench/).")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line; exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new PolicySimulator()).execute(args));
  }

  /** The results of one trace: each policy's run and the optimum. */
  public record TraceResult(
      Trace trace, int distinctKeys, long optimalHits, List<CacheSimulation.PolicyRun> runs) {
    /** The optimum's hits over requests. */
    public double optimalHitRatio() {
      return optimalHits / (double) trace.length();
    }

    /** The run of {@code policy}, or null. */
    public CacheSimulation.PolicyRun run(EvictionPolicy policy) {
      return runs.stream().filter(r -> r.policy() == policy).findFirst().orElse(null);
    }
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    List<Trace> traces = new ArrayList<>();
    if (!noSynthetic) {
      traces.addAll(syntheticTraces(capacityChunks, universeFactor, requests, seed));
    }
    for (Path file : traceFiles) {
      if (!Files.isRegularFile(file)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--trace-file " + file + ": no such file");
      }
      traces.add(Traces.fromFile(file));
    }
    if (traces.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--no-synthetic needs at least one --trace-file");
    }
    CacheSimulation simulation = new CacheSimulation(capacityChunks, chunkRows);
    List<TraceResult> results = new ArrayList<>();
    long chunkBytes;
    try (BufferAllocator root = newRoot(simulation)) {
      chunkBytes = simulation.chunkBytes(root);
      // A short unreported replay first, so that the first reported run's time does not include
      // JIT compilation (hit ratios do not depend on it; times do).
      replay(simulation, Traces.loop(capacityChunks * 2, Math.min(requests, 50_000)), root);
      for (Trace trace : traces) {
        stdout.printf(Locale.ROOT, "replaying %s (%,d requests)%n", trace.name(), trace.length());
        stdout.flush();
        results.add(replay(simulation, trace, root));
      }
    }
    String markdown = markdown(simulation, chunkBytes, results);
    stdout.println();
    stdout.print(markdown);
    Path dir = out != null ? out : defaultOutputDirectory();
    Files.createDirectories(dir);
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path md = dir.resolve("cache-sim-" + stamp + ".md");
    Path json = dir.resolve("cache-sim-" + stamp + ".json");
    Files.writeString(md, markdown, StandardCharsets.UTF_8);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(json.toFile(), json(simulation, chunkBytes, results));
    stdout.printf("%nwrote %s and %s%n", md, json);
    return 0;
  }

  /** The built-in traces for a cache of {@code capacity} chunks. */
  public static List<Trace> syntheticTraces(
      int capacity, int universeFactor, int requests, long seed) {
    int universe = capacity * universeFactor;
    return List.of(
        Traces.zipf(universe, 0.8, requests, seed),
        Traces.zipf(universe, 1.0, requests, seed + 1),
        Traces.zipfWithScans(universe, 0.9, requests, 2 * capacity, 10 * capacity, seed + 2),
        Traces.shiftingZipf(universe, 0.9, requests, seed + 3),
        Traces.loop(capacity + capacity / 10, requests));
  }

  /** Replays {@code trace} under every policy and computes the optimum. */
  public static TraceResult replay(
      CacheSimulation simulation, Trace trace, BufferAllocator parent) {
    List<CacheSimulation.PolicyRun> runs = new ArrayList<>();
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      runs.add(simulation.run(trace, policy, parent));
    }
    long optimal = OptimalPolicy.hits(trace, simulation.capacityChunks());
    return new TraceResult(trace, trace.distinctKeys(), optimal, List.copyOf(runs));
  }

  /**
   * A root allocator for simulations: the server's allocation manager (Unsafe), limited to the
   * capacity plus a few chunks so a runaway cache fails instead of eating the machine.
   */
  static BufferAllocator newRoot(CacheSimulation simulation) {
    long chunkBound = 16L * simulation.chunkRows() + 4096; // above the rounded size of one chunk
    return new RootAllocator(
        RootAllocator.configBuilder()
            .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
            .maxAllocation((simulation.capacityChunks() + 4L) * chunkBound)
            .build());
  }

  private static Path defaultOutputDirectory() {
    Path here = Path.of("").toAbsolutePath();
    boolean insideBench =
        here.getFileName() != null && here.getFileName().toString().equals("bench");
    return insideBench ? Path.of("results", "cache-sim") : Path.of("bench", "results", "cache-sim");
  }

  static String markdown(CacheSimulation simulation, long chunkBytes, List<TraceResult> results) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "# Chunk cache policy simulation%n%nCapacity %,d chunks x %,d bytes = %,d bytes"
                + " (one int64 vector of %,d rows per chunk). Hit ratio over all requests,"
                + " cold start included; OPT is Belady's clairvoyant optimum with bypass. CPU ms is the"
                + " replaying thread's CPU time (cache, allocation and eviction included).%n%n",
            simulation.capacityChunks(),
            chunkBytes,
            simulation.capacityChunks() * chunkBytes,
            simulation.chunkRows()));
    md.append("| trace | requests | distinct keys |");
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" hit % |");
    }
    md.append(" OPT hit % |");
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" evictions |");
    }
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" CPU ms |");
    }
    md.append('\n').append("|---|---:|---:|");
    int columns = 3 * EvictionPolicy.values().length + 1;
    md.append("---:|".repeat(columns)).append('\n');
    for (TraceResult result : results) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d |",
              result.trace().name(),
              result.trace().length(),
              result.distinctKeys()));
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.run(policy).hitRatio()));
      }
      md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.optimalHitRatio()));
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %,d |", result.run(policy).evictions()));
      }
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %.0f |", result.run(policy).cpuMillis()));
      }
      md.append('\n');
    }
    md.append('\n');
    for (TraceResult result : results) {
      md.append("- `")
          .append(result.trace().name())
          .append("`: ")
          .append(result.trace().description())
          .append('\n');
    }
    return md.toString();
  }

  static ObjectNode json(CacheSimulation simulation, long chunkBytes, List<TraceResult> results) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("generatedAt", Instant.now().toString());
    root.put("capacityChunks", simulation.capacityChunks());
    root.put("chunkRows", simulation.chunkRows());
    root.put("chunkBytes", chunkBytes);
    root.put("capacityBytes", simulation.capacityChunks() * chunkBytes);
    ArrayNode traces = root.putArray("traces");
    for (TraceResult result : results) {
      ObjectNode t = traces.addObject();
      t.put("name", result.trace().name());
      t.put("description", result.trace().description());
      t.put("requests", result.trace().length());
      t.put("distinctKeys", result.distinctKeys());
      t.put("optimalHits", result.optimalHits());
      t.put("optimalHitRatio", result.optimalHitRatio());
      ObjectNode policies = t.putObject("policies");
      for (CacheSimulation.PolicyRun run : result.runs()) {
        ObjectNode p = policies.putObject(run.policy().name());
        p.put("hits", run.hits());
        p.put("loads", run.loads());
        p.put("hitRatio", run.hitRatio());
        p.put("cacheStatsHits", run.cacheHits());
        p.put("cacheStatsMisses", run.cacheMisses());
        p.put("evictions", run.evictions());
        p.put("capacityBytes", run.capacityBytes());
        p.put("peakBytes", run.peakBytes());
        p.put("millis", run.millis());
        p.put("cpuMillis", run.cpuMillis());
      }
    }
    return root;
  }
}
