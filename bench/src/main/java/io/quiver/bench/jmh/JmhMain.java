package io.quiver.bench.jmh;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the Quiver micro-benchmarks ({@link CacheHitBenchmark}, {@link BatchAssemblyBenchmark}) with
 * JMH and writes JMH's JSON results under {@code bench/results/jmh/}.
 *
 * <p>The default quick mode (one fork, 2 x 1 s warm-up, 3 x 1 s measurement: about 6 s per
 * benchmark and parameter) is for a sanity check on a shared machine; {@code --full} (two forks, 5
 * x 2 s warm-up, 5 x 2 s measurement) is for numbers worth comparing. Forked JVMs get the add-opens
 * Arrow needs on Java 17, and the launcher's class path.
 */
@Command(
    name = "jmh",
    mixinStandardHelpOptions = true,
    description = "Run Quiver's JMH micro-benchmarks (cache hit, record batch assembly).")
public final class JmhMain implements Callable<Integer> {

  @Option(
      names = "--full",
      description = "Longer warm-up and measurement, two forks, instead of the quick mode.")
  boolean full;

  @Option(
      names = "--include",
      description = "Regular expression of benchmarks to run (default: ${DEFAULT-VALUE}).")
  String include = "io\\.quiver\\.bench\\.jmh\\..*";

  @Option(
      names = "--out",
      description = "Output directory (default: bench/results/jmh, or results/jmh inside bench/).")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line; exits with its status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new JmhMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    Path dir = out != null ? out : defaultOutputDirectory();
    Files.createDirectories(dir);
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    Path json = dir.resolve("jmh-" + stamp + ".json").toAbsolutePath();
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include(include)
            .jvmArgsAppend("--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx1g")
            .shouldFailOnError(true)
            .resultFormat(ResultFormatType.JSON)
            .result(json.toString());
    if (full) {
      options
          .forks(2)
          .warmupIterations(5)
          .warmupTime(TimeValue.seconds(2))
          .measurementIterations(5)
          .measurementTime(TimeValue.seconds(2));
    } else {
      options
          .forks(1)
          .warmupIterations(2)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(3)
          .measurementTime(TimeValue.seconds(1));
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    stdout.println();
    stdout.println("| benchmark | params | score | error | unit |");
    stdout.println("|---|---|---:|---:|---|");
    for (RunResult result : results) {
      var params = result.getParams();
      StringBuilder p = new StringBuilder();
      for (String key : params.getParamsKeys()) {
        p.append(p.length() == 0 ? "" : ", ").append(key).append('=').append(params.getParam(key));
      }
      var primary = result.getPrimaryResult();
      String name = params.getBenchmark();
      stdout.printf(
          Locale.ROOT,
          "| %s | %s | %.1f | %.1f | %s |%n",
          name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
          p,
          primary.getScore(),
          primary.getScoreError(),
          primary.getScoreUnit());
    }
    stdout.printf("%nwrote %s%n", json);
    return results.isEmpty() ? 1 : 0;
  }

  private static Path defaultOutputDirectory() {
    Path here = Path.of("").toAbsolutePath();
    boolean insideBench =
        here.getFileName() != null && here.getFileName().toString().equals("bench");
    return insideBench ? Path.of("results", "jmh") : Path.of("bench", "results", "jmh");
  }
}
