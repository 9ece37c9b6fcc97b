package io.quiver.bench.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Alluxio contender ({@code bench/alluxio}, its own classpath and JVM) against the same
 * bucket and reads its {@code RESULT.json}. It runs its repetitions itself, so it is <em>not</em>
 * interleaved with the other contenders. Any failure (not built, non-zero exit, bad JSON) becomes
 * an {@link AlluxioFailure} naming the reason.
 */
final class AlluxioRunner {
  static final String MAIN = "io.quiver.bench.alluxio.AlluxioContender";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why the contender could not run. */
  static final class AlluxioFailure extends Exception {
    private static final long serialVersionUID = 1L;

    AlluxioFailure(String message) {
      super(message);
    }
  }

  /** Measurements and server facts of one Alluxio run. */
  record Outcome(List<Measurement> measurements, Map<String, Object> server) {}

  private AlluxioRunner() {}

  static Outcome run(
      Path root,
      BenchEnv env,
      boolean shortCircuit,
      int repetitions,
      List<Workload> workloads,
      Path out,
      long timeoutSeconds)
      throws AlluxioFailure, IOException, InterruptedException {
    Path classes = root.resolve("bench/alluxio/target/classes");
    Path cpFile = root.resolve("bench/alluxio/target/alluxio.classpath");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(cpFile)) {
      throw new AlluxioFailure(
          "bench/alluxio is not built (" + classes + " or " + cpFile + " missing)");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.add("-cp");
    command.add(classes + ":" + Files.readString(cpFile).strip());
    command.add(MAIN);
    command.addAll(
        List.of(
            "--s3-endpoint", env.endpoint(Profile.LOOPBACK),
            "--bucket", env.bucket(),
            "--prefix", env.prefix() + "/",
            "--access-key-env", env.accessVar(),
            "--secret-key-env", env.secretVar(),
            "--work-dir",
                env.logDir().resolve("alluxio-" + (shortCircuit ? "sc-on" : "sc-off")).toString(),
            "--short-circuit", Boolean.toString(shortCircuit),
            "--repetitions", Integer.toString(repetitions),
            "--batch-rows", Integer.toString(env.batchRows())));
    for (Workload w : workloads) {
      if (w.isConcurrent()) {
        command.addAll(
            List.of(
                "--concurrent-clients",
                Integer.toString(w.concurrentClients()),
                "--concurrent-column",
                w.columns().get(0)));
      } else {
        command.add("--workload");
        command.add(w.name() + "=" + String.join(",", w.columns()));
      }
    }
    command.addAll(List.of("--out", out.toString()));
    Path log = env.logDir().resolve("alluxio-" + (shortCircuit ? "sc-on" : "sc-off") + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().put(env.accessVar(), env.accessKey());
    pb.environment().put(env.secretVar(), env.secretKey());
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AlluxioFailure("timed out after " + timeoutSeconds + " s; log " + log);
    }
    if (p.exitValue() != 0) {
      throw new AlluxioFailure(
          "exited with " + p.exitValue() + "; log " + log + ":\n" + ChildProcess.tail(log, 8));
    }
    return parse(out, shortCircuit, workloads);
  }

  /** Reads the contender's result file into measurements named {@code alluxio-sc-on|off-PHASE}. */
  static Outcome parse(Path out, boolean shortCircuit, List<Workload> workloads)
      throws AlluxioFailure, IOException {
    JsonNode root;
    try {
      root = JSON.readTree(out.toFile());
    } catch (IOException e) {
      throw new AlluxioFailure("no readable result " + out + ": " + e.getMessage());
    }
    String base = shortCircuit ? "alluxio-sc-on" : "alluxio-sc-off";
    List<Measurement> ms = new ArrayList<>();
    for (JsonNode r : root.path("results")) {
      ms.add(
          new Measurement(
              base + "-" + r.path("phase").asText("warm"),
              r.path("workload").asText(),
              r.path("repetition").asInt(),
              r.path("wallNanos").asLong(),
              r.path("rows").asLong(),
              r.path("arrowBytes").asLong(),
              r.path("cpuNanos").asLong(-1),
              -1,
              -1,
              -1,
              new long[0]));
    }
    JsonNode c = root.path("concurrent");
    if (c.isObject() && c.path("latencyNanos").isArray()) {
      long[] lat = new long[c.path("latencyNanos").size()];
      for (int i = 0; i < lat.length; i++) {
        lat[i] = c.path("latencyNanos").get(i).asLong();
      }
      String name =
          workloads.stream()
              .filter(Workload::isConcurrent)
              .map(Workload::name)
              .findFirst()
              .orElse("concurrent");
      ms.add(
          new Measurement(
              base + "-warm", name, 0, c.path("wallNanos").asLong(), -1, -1, -1, -1, -1, -1, lat));
    }
    if (ms.isEmpty()) {
      throw new AlluxioFailure("result " + out + " holds no measurements");
    }
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("serverHeapBytes", root.path("serverHeapBytes").asLong(-1));
    server.put("startSeconds", root.path("startSeconds").asDouble(-1));
    List<String> notes = new ArrayList<>();
    root.path("notes").forEach(n -> notes.add(n.asText()));
    server.put("notes", notes);
    return new Outcome(ms, server);
  }
}
