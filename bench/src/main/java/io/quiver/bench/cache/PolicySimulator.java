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
 * policy and reports the hit ratios and byte hit ratios side by side, next to the clairvoyant
 * optimum ({@link OptimalPolicy}).
 *
 * <p>The built-in traces are synthetic and seeded, so a run is reproducible: two Zipf skews, Zipf
 * with periodic one-off scans (scan pollution), Zipf whose popular keys shift half way, and a loop
 * slightly larger than the cache, all with realistic chunk sizes (lineitem-like column chunks of 4
 * KiB to 30 MiB, see {@link Traces#withLineitemSizes}; {@code --uniform-chunks} gives every chunk
 * {@code --chunk-rows} rows instead); and traces recorded from {@code bench/run} ({@link
 * #RECORDED_TRACES}; see {@code bench/README.md} for how they were recorded and how to re-record
 * them). More recorded traces can be added with {@code --trace-file}. The report is printed as a
 * Markdown table, with the winning policy of each trace, and written as Markdown and JSON under
 * {@code bench/results/cache-sim/}.
 *
 * <p>Hit ratios count every request, including the compulsory misses of a cold cache.
 */
@Command(
    name = "policy-sim",
    mixinStandardHelpOptions = true,
    description = "Compare chunk-cache eviction policies (LRU, TinyLFU) by replaying traces.")
public final class PolicySimulator implements Callable<Integer> {
  /**
   * The classpath resources of the traces recorded from bench runs (gzip text: key id TAB chunk
   * bytes; each file's header says how it was recorded).
   */
  public static final List<String> RECORDED_TRACES =
      List.of(
          "/io/quiver/bench/cache/bench-sf1-quick.trace.gz",
          "/io/quiver/bench/cache/bench-sf0.1-quick.trace.gz");

  @Option(
      names = "--capacity-chunks",
      description =
          "Cache capacity in chunks of the trace's mean chunk size (default: ${DEFAULT-VALUE}).")
  int capacityChunks = 1000;

  @Option(
      names = "--chunk-rows",
      description =
          "With --uniform-chunks: rows of the one int64 vector per chunk (default:"
              + " ${DEFAULT-VALUE}: a 64 KiB buffer).")
  int chunkRows = 8000;

  @Option(
      names = "--uniform-chunks",
      description =
          "Synthetic traces with chunks of --chunk-rows rows each instead of lineitem-like sizes.")
  boolean uniformChunks;

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
      description =
          "A recorded trace, one request a line: a key, or a key, a TAB and its chunk bytes"
              + " (.gz read through gzip); may be repeated.")
  List<Path> traceFiles = new ArrayList<>();

  @Option(
      names = "--recorded-capacity",
      description =
          "Cache capacity for recorded traces, as a fraction of their distinct keys (default:"
              + " ${DEFAULT-VALUE}).")
  double recordedCapacity = 0.25;

  @Option(names = "--no-synthetic", description = "Replay only the recorded traces.")
  boolean noSynthetic;

  @Option(
      names = "--no-recorded",
      description = "Leave out the built-in trace recorded from a bench run.")
  boolean noRecorded;

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

  /**
   * The results of one trace: each policy's run and the optimum.
   *
   * @param capacityChunks the capacity in (mean-sized) chunks
   * @param capacityBytes the capacity in bytes
   * @param optimalHitBytes the bytes of the optimum's hits
   */
  public record TraceResult(
      Trace trace,
      int distinctKeys,
      int capacityChunks,
      long capacityBytes,
      long optimalHits,
      long optimalHitBytes,
      List<CacheSimulation.PolicyRun> runs) {
    /** The optimum's hits over requests. */
    public double optimalHitRatio() {
      return optimalHits / (double) trace.length();
    }

    /** The optimum's hit bytes over bytes requested. */
    public double optimalByteHitRatio() {
      long requested = runs.isEmpty() ? 0 : runs.get(0).requestBytes();
      return requested == 0 ? 0 : optimalHitBytes / (double) requested;
    }

    /** The run of {@code policy}, or null. */
    public CacheSimulation.PolicyRun run(EvictionPolicy policy) {
      return runs.stream().filter(r -> r.policy() == policy).findFirst().orElse(null);
    }

    /**
     * The policy with the highest hit ratio (byte hit ratio breaks ties; then declaration order).
     */
    public EvictionPolicy winner() {
      CacheSimulation.PolicyRun best = runs.get(0);
      for (CacheSimulation.PolicyRun run : runs) {
        if (run.hits() > best.hits()
            || (run.hits() == best.hits() && run.hitBytes() > best.hitBytes())) {
          best = run;
        }
      }
      return best.policy();
    }
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    List<Trace> traces = new ArrayList<>();
    if (!noSynthetic) {
      traces.addAll(
          syntheticTraces(capacityChunks, universeFactor, requests, seed, !uniformChunks));
    }
    if (!noRecorded) {
      for (String resource : RECORDED_TRACES) {
        traces.add(recordedTrace(resource));
      }
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
          spec.commandLine(), "--no-synthetic and --no-recorded need at least one --trace-file");
    }
    if (!(recordedCapacity > 0 && recordedCapacity <= 1)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--recorded-capacity must be in (0, 1]: " + recordedCapacity);
    }
    List<TraceResult> results = new ArrayList<>();
    long rootLimit = 0;
    List<CacheSimulation> simulations = new ArrayList<>();
    try (BufferAllocator measure = newRoot(new CacheSimulation(1, chunkRows))) {
      for (Trace trace : traces) {
        CacheSimulation simulation = simulationFor(trace);
        simulations.add(simulation);
        rootLimit = Math.max(rootLimit, rootLimit(simulation, trace, measure));
      }
    }
    try (BufferAllocator root = newRoot(rootLimit)) {
      // A short unreported replay first, so that the first reported run's time does not include
      // JIT compilation (hit ratios do not depend on it; times do).
      CacheSimulation warmUp = new CacheSimulation(Math.min(capacityChunks, 100), chunkRows);
      replay(warmUp, Traces.loop(warmUp.capacityChunks() * 2, Math.min(requests, 20_000)), root);
      for (int i = 0; i < traces.size(); i++) {
        Trace trace = traces.get(i);
        stdout.printf(Locale.ROOT, "replaying %s (%,d requests)%n", trace.name(), trace.length());
        stdout.flush();
        results.add(replay(simulations.get(i), trace, root));
      }
    }
    String markdown = markdown(results);
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
        .writeValue(json.toFile(), json(results));
    stdout.printf("%nwrote %s and %s%n", md, json);
    return 0;
  }

  /** Recorded traces get a capacity of {@code --recorded-capacity} of their distinct keys. */
  private CacheSimulation simulationFor(Trace trace) {
    if (!trace.name().startsWith("file:")) {
      return new CacheSimulation(capacityChunks, chunkRows);
    }
    int chunks = (int) Math.max(2, Math.round(recordedCapacity * trace.distinctKeys()));
    return new CacheSimulation(chunks, chunkRows);
  }

  /**
   * A trace recorded from a bench run, shipped as a classpath resource (one of {@link
   * #RECORDED_TRACES}); named {@code file:<resource file name>}.
   *
   * @throws IOException if the resource is missing or unreadable (the message names it)
   */
  public static Trace recordedTrace(String resource) throws IOException {
    java.net.URL url = PolicySimulator.class.getResource(resource);
    if (url == null) {
      throw new IOException("the recorded trace " + resource + " is not on the classpath");
    }
    // Read from a temporary copy: the resource may be inside a jar.
    Path copy = Files.createTempFile("quiver-trace", ".trace.gz");
    try (java.io.InputStream in = url.openStream()) {
      Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Trace trace = Traces.fromFile(copy);
      return new Trace(
          "file:" + resource.substring(resource.lastIndexOf('/') + 1),
          String.format(
              Locale.ROOT,
              "recorded from bench/run (classpath resource %s, its header says how): %,d requests,"
                  + " %,d distinct keys",
              resource,
              trace.length(),
              trace.distinctKeys()),
          keys(trace),
          sizes(trace));
    } finally {
      Files.deleteIfExists(copy);
    }
  }

  private static int[] keys(Trace trace) {
    int[] keys = new int[trace.length()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = trace.keyAt(i);
    }
    return keys;
  }

  private static long[] sizes(Trace trace) {
    if (!trace.sized()) {
      return null;
    }
    long[] sizes = new long[trace.universe()];
    for (int i = 0; i < trace.length(); i++) {
      sizes[trace.keyAt(i)] = trace.sizeOf(trace.keyAt(i));
    }
    return sizes;
  }

  /** The built-in synthetic traces for a cache of {@code capacity} chunks, unsized. */
  public static List<Trace> syntheticTraces(
      int capacity, int universeFactor, int requests, long seed) {
    return syntheticTraces(capacity, universeFactor, requests, seed, false);
  }

  /**
   * The built-in synthetic traces for a cache of {@code capacity} chunks; {@code sized} gives them
   * lineitem-like chunk sizes ({@link Traces#withLineitemSizes}).
   */
  public static List<Trace> syntheticTraces(
      int capacity, int universeFactor, int requests, long seed, boolean sized) {
    int universe = capacity * universeFactor;
    List<Trace> traces =
        List.of(
            Traces.zipf(universe, 0.8, requests, seed),
            Traces.zipf(universe, 1.0, requests, seed + 1),
            Traces.zipfWithScans(universe, 0.9, requests, 2 * capacity, 10 * capacity, seed + 2),
            Traces.shiftingZipf(universe, 0.9, requests, seed + 3),
            Traces.loop(capacity + capacity / 10, requests));
    if (!sized) {
      return traces;
    }
    return traces.stream().map(t -> Traces.withLineitemSizes(t, seed + 100)).toList();
  }

  /** Replays {@code trace} under every policy and computes the optimum. */
  public static TraceResult replay(
      CacheSimulation simulation, Trace trace, BufferAllocator parent) {
    List<CacheSimulation.PolicyRun> runs = new ArrayList<>();
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      runs.add(simulation.run(trace, policy, parent));
    }
    long capacityBytes = runs.get(0).capacityBytes();
    long optimalHits;
    long optimalHitBytes;
    if (trace.sized()) {
      OptimalPolicy.Outcome optimal = OptimalPolicy.sized(trace, capacityBytes);
      optimalHits = optimal.hits();
      optimalHitBytes = optimal.hitBytes();
    } else {
      optimalHits = OptimalPolicy.hits(trace, simulation.capacityChunks());
      optimalHitBytes = optimalHits * simulation.chunkBytes(parent);
    }
    return new TraceResult(
        trace,
        trace.distinctKeys(),
        simulation.capacityChunks(),
        capacityBytes,
        optimalHits,
        optimalHitBytes,
        List.copyOf(runs));
  }

  /**
   * A root allocator for simulations of unsized traces: the server's allocation manager (Unsafe),
   * limited to the capacity plus a few chunks so a runaway cache fails instead of eating the
   * machine.
   */
  static BufferAllocator newRoot(CacheSimulation simulation) {
    long chunkBound = 16L * simulation.chunkRows() + 4096; // above the rounded size of one chunk
    return newRoot((simulation.capacityChunks() + 4L) * chunkBound);
  }

  /** A root allocator (Unsafe, as the server's) limited to {@code limitBytes}. */
  static BufferAllocator newRoot(long limitBytes) {
    return new RootAllocator(
        RootAllocator.configBuilder()
            .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
            .maxAllocation(limitBytes)
            .build());
  }

  /** The capacity of {@code trace}'s cache plus room for a few of its largest chunks. */
  private static long rootLimit(CacheSimulation simulation, Trace trace, BufferAllocator measure) {
    if (!trace.sized()) {
      long chunkBound = 16L * simulation.chunkRows() + 4096;
      return (simulation.capacityChunks() + 4L) * chunkBound;
    }
    long largest = 0;
    for (int i = 0; i < trace.length(); i++) {
      largest = Math.max(largest, trace.sizeOf(trace.keyAt(i)));
    }
    // Arrow rounds an allocation up to a power of two; the validity bitmap adds 1/64.
    return simulation.capacityBytes(trace, measure) + 4 * (2 * largest + (1 << 20));
  }

  private static Path defaultOutputDirectory() {
    Path here = Path.of("").toAbsolutePath();
    boolean insideBench =
        here.getFileName() != null && here.getFileName().toString().equals("bench");
    return insideBench ? Path.of("results", "cache-sim") : Path.of("bench", "results", "cache-sim");
  }

  static String markdown(List<TraceResult> results) {
    StringBuilder md = new StringBuilder();
    md.append(
        "# Chunk cache policy simulation\n\nEach trace is replayed against a real `ChunkCache`"
            + " under every policy. Hit % counts requests, byte hit % the bytes of the chunks"
            + " requested (the share of the data served from memory); both include the cold"
            + " start. OPT is Belady's clairvoyant optimum with bypass (by bytes for sized traces,"
            + " where it is a reference rather than a strict bound). CPU ms is the replaying"
            + " thread's CPU time (cache, allocation and eviction included).\n\n");
    md.append("| trace | requests | distinct keys | capacity |");
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" hit % |");
    }
    md.append(" OPT hit % |");
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" byte hit % |");
    }
    md.append(" OPT byte hit % | best |");
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" evictions |");
    }
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      md.append(' ').append(policy).append(" CPU ms |");
    }
    md.append('\n').append("|---|---:|---:|---:|");
    int policies = EvictionPolicy.values().length;
    md.append("---:|".repeat(2 * policies + 2)).append("---|");
    md.append("---:|".repeat(2 * policies)).append('\n');
    java.util.Map<EvictionPolicy, Integer> wins = new java.util.EnumMap<>(EvictionPolicy.class);
    for (TraceResult result : results) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %,d | %,d | %,d × %s |",
              result.trace().name(),
              result.trace().length(),
              result.distinctKeys(),
              result.capacityChunks(),
              bytes(result.capacityBytes() / Math.max(1, result.capacityChunks()))));
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.run(policy).hitRatio()));
      }
      md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.optimalHitRatio()));
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.run(policy).byteHitRatio()));
      }
      md.append(String.format(Locale.ROOT, " %.2f |", 100 * result.optimalByteHitRatio()));
      EvictionPolicy winner = result.winner();
      wins.merge(winner, 1, Integer::sum);
      md.append(' ').append(winner).append(" |");
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %,d |", result.run(policy).evictions()));
      }
      for (EvictionPolicy policy : EvictionPolicy.values()) {
        md.append(String.format(Locale.ROOT, " %.0f |", result.run(policy).cpuMillis()));
      }
      md.append('\n');
    }
    md.append("\nBest hit ratio per policy: ");
    StringBuilder tally = new StringBuilder();
    for (EvictionPolicy policy : EvictionPolicy.values()) {
      if (tally.length() > 0) {
        tally.append(", ");
      }
      tally.append(policy).append(' ').append(wins.getOrDefault(policy, 0));
    }
    md.append(tally).append(" of ").append(results.size()).append(" traces.\n\n");
    for (TraceResult result : results) {
      md.append("- `")
          .append(result.trace().name())
          .append("`: ")
          .append(result.trace().description())
          .append('\n');
    }
    return md.toString();
  }

  private static String bytes(long n) {
    if (n >= 10L << 20) {
      return String.format(Locale.ROOT, "%.0f MiB", n / 1048576.0);
    }
    if (n >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
    return String.format(Locale.ROOT, "%.0f KiB", n / 1024.0);
  }

  static ObjectNode json(List<TraceResult> results) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    root.put("generatedAt", Instant.now().toString());
    ArrayNode traces = root.putArray("traces");
    for (TraceResult result : results) {
      ObjectNode t = traces.addObject();
      t.put("name", result.trace().name());
      t.put("description", result.trace().description());
      t.put("sized", result.trace().sized());
      t.put("requests", result.trace().length());
      t.put("distinctKeys", result.distinctKeys());
      t.put("capacityChunks", result.capacityChunks());
      t.put("capacityBytes", result.capacityBytes());
      t.put("optimalHits", result.optimalHits());
      t.put("optimalHitRatio", result.optimalHitRatio());
      t.put("optimalHitBytes", result.optimalHitBytes());
      t.put("optimalByteHitRatio", result.optimalByteHitRatio());
      t.put("best", result.winner().name());
      ObjectNode policies = t.putObject("policies");
      for (CacheSimulation.PolicyRun run : result.runs()) {
        ObjectNode p = policies.putObject(run.policy().name());
        p.put("hits", run.hits());
        p.put("loads", run.loads());
        p.put("hitRatio", run.hitRatio());
        p.put("requestBytes", run.requestBytes());
        p.put("hitBytes", run.hitBytes());
        p.put("byteHitRatio", run.byteHitRatio());
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
