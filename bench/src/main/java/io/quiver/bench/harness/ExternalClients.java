package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client-library contenders: programs in their own process that read the benchmark table
 * through a warm Quiver node with a real client, and the same data the way that client's users do
 * without Quiver — Spark ({@code bench/spark}: the Quiver connector vs S3A) and pandas ({@code
 * bench/python/client_bench.py}: {@code quiver_client} vs {@code pyarrow.parquet} from the
 * S3-shaped store and from local disk). Each runs its own repetitions (interleaved among its own
 * readers, not with the harness's contenders), checks its readers' answers against each other, and
 * writes a JSON file of {@code results} (contender, workload, repetition, wallNanos, rows,
 * cpuNanos) and {@code notes}. Any failure becomes a {@link Failure} naming the reason and the log.
 */
final class ExternalClients {
  static final String SPARK_MAIN = "io.quiver.bench.spark.SparkClientBench";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a client program could not run (not built, non-zero exit, bad output). */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  /** A client program's measurements and notes. */
  record Outcome(List<Measurement> measurements, List<String> notes, double startSeconds) {}

  private ExternalClients() {}

  /** Spark 4.1 in local mode, through the node at {@code quiverPort} and through S3A. */
  static Outcome spark(
      Path root, BenchEnv env, int quiverPort, int repetitions, Path out, long timeoutSeconds)
      throws Failure, IOException, InterruptedException {
    Path classes = root.resolve("bench/spark/target/classes");
    Path cpFile = root.resolve("bench/spark/target/spark-bench.classpath");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(cpFile)) {
      throw new Failure("bench/spark is not built (" + classes + " or " + cpFile + " missing)");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    // What Spark's launcher opens on Java 17 (clients/spark/pom.xml's spark.add-opens).
    for (String p :
        List.of(
            "java.lang",
            "java.lang.invoke",
            "java.lang.reflect",
            "java.io",
            "java.net",
            "java.nio",
            "java.util",
            "java.util.concurrent",
            "java.util.concurrent.atomic",
            "sun.nio.ch",
            "sun.nio.cs",
            "sun.security.action",
            "sun.util.calendar")) {
      command.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
    }
    command.add("-Djdk.reflect.useDirectMethodHandle=false");
    command.add("-Dio.netty.tryReflectionSetAccessible=true");
    command.add("-cp");
    command.add(classes + ":" + Files.readString(cpFile).strip());
    command.add(SPARK_MAIN);
    command.addAll(commonArgs(env, quiverPort, repetitions, out));
    return run("spark", command, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), env, out, timeoutSeconds);
  }

  /** pandas through {@code quiver_client} and through {@code pyarrow.parquet}. */
  static Outcome pandas(
      Path root, BenchEnv env, int quiverPort, int repetitions, Path out, long timeoutSeconds)
      throws Failure, IOException, InterruptedException {
    String python = System.getenv("QUIVER_BENCH_PYTHON");
    Path venv = root.resolve("clients/python/.venv/bin/python");
    if (python == null) {
      if (!Files.isExecutable(venv)) {
        throw new Failure(
            "no Python with quiver_client: create clients/python/.venv as .ci/run does (python3"
                + " -m venv clients/python/.venv && clients/python/.venv/bin/pip install -r"
                + " clients/python/requirements-test.txt ./clients/python) or set"
                + " QUIVER_BENCH_PYTHON");
      }
      python = venv.toString();
    }
    List<String> command = new ArrayList<>();
    command.add(python);
    command.add(root.resolve("bench/python/client_bench.py").toString());
    command.addAll(commonArgs(env, quiverPort, repetitions, out));
    command.add("--local-dir");
    command.add(env.localDir().toString());
    return run("pandas", command, Map.of(), env, out, timeoutSeconds);
  }

  private static List<String> commonArgs(BenchEnv env, int quiverPort, int repetitions, Path out) {
    return List.of(
        "--quiver", "127.0.0.1:" + quiverPort,
        "--table", QuiverNode.table(Profile.S3_SHAPED),
        "--s3-endpoint", env.endpoint(Profile.S3_SHAPED),
        "--bucket", env.bucket(),
        "--prefix", env.prefix(),
        "--access-key-env", env.accessVar(),
        "--secret-key-env", env.secretVar(),
        "--repetitions", Integer.toString(repetitions),
        "--out", out.toString());
  }

  private static Outcome run(
      String name,
      List<String> command,
      Map<String, String> extraEnv,
      BenchEnv env,
      Path out,
      long timeoutSeconds)
      throws Failure, IOException, InterruptedException {
    Path log = env.logDir().resolve(name + "-client.log");
    Files.deleteIfExists(out);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().put(env.accessVar(), env.accessKey());
    pb.environment().put(env.secretVar(), env.secretKey());
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new Failure("timed out after " + timeoutSeconds + " s; log " + log);
    }
    if (p.exitValue() != 0) {
      throw new Failure(
          "exited with " + p.exitValue() + "; log " + log + ":\n" + ChildProcess.tail(log, 12));
    }
    return parse(out);
  }

  /** Reads a client program's result file. */
  static Outcome parse(Path out) throws Failure, IOException {
    JsonNode root;
    try {
      root = JSON.readTree(out.toFile());
    } catch (IOException e) {
      throw new Failure("no readable result " + out + ": " + e.getMessage());
    }
    List<Measurement> ms = new ArrayList<>();
    for (JsonNode r : root.path("results")) {
      ms.add(
          new Measurement(
              r.path("contender").asText(),
              r.path("workload").asText(),
              r.path("repetition").asInt(),
              r.path("wallNanos").asLong(),
              r.path("rows").asLong(),
              -1,
              r.path("cpuNanos").asLong(-1),
              -1,
              -1,
              -1,
              new long[0]));
    }
    if (ms.isEmpty()) {
      throw new Failure("result " + out + " holds no measurements");
    }
    List<String> notes = new ArrayList<>();
    root.path("notes").forEach(n -> notes.add(n.asText()));
    return new Outcome(ms, notes, root.path("startSeconds").asDouble(-1));
  }
}
