package io.quiver.dist;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quiver.testing.ParquetTestFiles;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as an operator gets it: unpacked into a temporary directory and run through its own
 * {@code bin/quiver} in an environment holding nothing but a Java runtime (limited to the modules
 * of a JRE, {@link #JRE_MODULES}) and the few programs the launcher calls ({@code bash}, {@code
 * dirname}, {@code readlink}): no Maven on {@code PATH}, a {@code HOME} without {@code ~/.m2}, no
 * inherited variables. A node is started from it, a local directory with a Parquet file is mounted,
 * a table defined and scanned with the tarball's client commands, {@code /health} is asked, and the
 * node must stop on SIGTERM.
 *
 * <p>Run by maven-failsafe-plugin after {@code package} ({@code mvn -B verify}, which {@code
 * .ci/run} runs); the tarball's path comes from the pom.
 */
class DistributionIT {
  private static final Pattern LISTENING =
      Pattern.compile("Quiver listening on grpc\\+tcp://([^:\\s]+):(\\d+)");
  private static final Pattern MONITORING =
      Pattern.compile("Monitoring on http://([^:/\\s]+):(\\d+)/");
  private static final Duration START_BOUND = Duration.ofSeconds(90);
  private static final Duration COMMAND_BOUND = Duration.ofSeconds(90);
  private static final Duration STOP_BOUND = Duration.ofSeconds(30);
  private static final int ROWS = 1000;

  /**
   * The JVM runs with only these modules observable: Java SE and the few JDK runtime modules every
   * JRE has (Unsafe, the HTTP server of the monitoring port, JVM metrics, EC crypto for TLS,
   * zipfs), none of a JDK's development tools (javac, jlink, jshell, ...). A dependency on one
   * fails here.
   */
  private static final String JRE_MODULES =
      "java.se,jdk.unsupported,jdk.httpserver,jdk.management,jdk.crypto.ec,jdk.zipfs";

  /** Shared by the tests: the tarball is unpacked once (275 MiB). */
  @TempDir static Path tmp;

  private static Path home;
  private static Path bin;
  private Process node;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("quiver.dist.tarball", "missing-tarball"));
    assertTrue(
        Files.isRegularFile(tarball),
        "No tarball at " + tarball + ": run with mvn verify (the pom builds and names it)");
    Path unpacked = Files.createDirectories(tmp.resolve("opt"));
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", unpacked.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(tar.getInputStream().readAllBytes(), UTF_8);
    assertTrue(tar.waitFor(120, TimeUnit.SECONDS), "tar did not finish");
    assertEquals(0, tar.exitValue(), "tar -xzf " + tarball + ": " + out);
    home = unpacked.resolve(System.getProperty("quiver.dist.name"));
    bin = home.resolve("bin/quiver");
  }

  @AfterEach
  void stopNode() throws InterruptedException {
    if (node != null && node.isAlive()) {
      node.destroyForcibly();
      node.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void layoutAndLicenceListMatchLib() throws IOException {
    assertTrue(Files.isExecutable(bin), "bin/quiver is not executable");
    for (String f :
        List.of("README.md", "LICENSE", "conf/quiver.yaml", "licences/THIRD-PARTY.txt")) {
      assertTrue(Files.isRegularFile(home.resolve(f)), "missing " + f);
    }
    assertTrue(
        Files.readString(home.resolve("LICENSE")).contains("Apache License"),
        "LICENSE is not the Apache License");
    // An example only: nothing in it may be in force.
    for (String line : Files.readAllLines(home.resolve("conf/quiver.yaml"))) {
      assertTrue(line.isBlank() || line.startsWith("#"), "conf/quiver.yaml sets: " + line);
    }
    Set<String> jars;
    try (Stream<Path> s = Files.list(home.resolve("lib"))) {
      jars = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
    assertTrue(jars.stream().allMatch(j -> j.endsWith(".jar")), "not only jars in lib/: " + jars);
    for (String own : List.of("io.quiver.quiver-flight-server-", "io.quiver.quiver-cli-")) {
      assertTrue(jars.stream().anyMatch(j -> j.startsWith(own)), "no " + own + "*.jar in lib/");
    }
    // Every third-party jar is listed with a licence, each library once (one version), and every
    // listed library is in lib/ (a platform's classifier may add several jars of one library).
    Pattern entry = Pattern.compile("^(\\S+):(\\S+):(\\S+)  .*$", Pattern.MULTILINE);
    String list = Files.readString(home.resolve("licences/THIRD-PARTY.txt"));
    Map<String, String> versions = new HashMap<>();
    Set<String> prefixes = new HashSet<>();
    for (Matcher m = entry.matcher(list); m.find(); ) {
      String ga = m.group(1) + ":" + m.group(2);
      String previous = versions.put(ga, m.group(3));
      assertTrue(previous == null, ga + " twice: " + previous + " and " + m.group(3));
      prefixes.add(m.group(1) + "." + m.group(2) + "-" + m.group(3));
    }
    assertTrue(versions.size() > 50, "THIRD-PARTY.txt lists only " + versions.size());
    assertTrue(!list.contains("Unknown license"), "a jar without a licence:\n" + list);
    List<String> unlisted = new ArrayList<>();
    Set<String> unused = new TreeSet<>(prefixes);
    for (String jar : jars) {
      if (jar.startsWith("io.quiver.")) {
        continue;
      }
      List<String> matching =
          prefixes.stream().filter(p -> jar.equals(p + ".jar") || jar.startsWith(p + "-")).toList();
      if (matching.isEmpty()) {
        unlisted.add(jar);
      }
      unused.removeAll(matching);
    }
    assertEquals(List.of(), unlisted, "jars in lib/ missing from licences/THIRD-PARTY.txt");
    assertEquals(Set.of(), unused, "listed in licences/THIRD-PARTY.txt but not in lib/");
  }

  @Test
  void clearErrorsWithoutJavaAndForCheckoutOnlyCommands() throws Exception {
    Path noJava = toolDir("no-java", false);
    Result r = run(env(noJava, null), List.of("tables"));
    assertEquals(1, r.exit, r.output);
    assertTrue(r.output.contains("no Java found"), r.output);

    Result badHome = run(env(noJava, tmp.resolve("no-such-jdk")), List.of("tables"));
    assertEquals(1, badHome.exit, badHome.output);
    assertTrue(
        badHome.output.contains("JAVA_HOME is " + tmp.resolve("no-such-jdk")), badHome.output);

    Result demo = run(env(toolDir("with-java", true), null), List.of("demo"));
    assertEquals(2, demo.exit, demo.output);
    assertTrue(demo.output.contains("needs a source checkout"), demo.output);
  }

  /**
   * The example config is read by default and is valid as shipped (comments only); its one-line
   * settings, uncommented, are keys and values the node accepts ({@code config show} makes
   * start-up's checks). TLS files and the data dir are left out: they name paths of the operator's
   * machine.
   */
  @Test
  void exampleConfigIsReadAndItsSettingsAreValid() throws Exception {
    Map<String, String> env = env(toolDir("with-java", true), null);
    Result shipped = run(env, List.of("config", "show"));
    assertEquals(0, shipped.exit, shipped.output);
    assertTrue(
        shipped.output.contains("config file: " + home.resolve("conf/quiver.yaml")),
        shipped.output);

    Pattern setting = Pattern.compile("^# ([a-z-]+): (\\S.*)$");
    List<String> uncommented = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (String line : Files.readAllLines(home.resolve("conf/quiver.yaml"))) {
      Matcher m = setting.matcher(line);
      if (m.matches()
          && !m.group(1).startsWith("tls-")
          && !m.group(1).equals("data-dir")
          && !m.group(1).equals("log-file")) {
        uncommented.add(line.substring(2));
        keys.add(m.group(1));
      }
    }
    assertTrue(
        keys.containsAll(List.of("port", "http-port", "memory", "eviction", "log-format")),
        "" + keys);
    Path copy = tmp.resolve("uncommented.yaml");
    Files.write(copy, uncommented);
    Map<String, String> withCopy = new HashMap<>(env);
    withCopy.put("QUIVER_CONFIG", copy.toString());
    Result show = run(withCopy, List.of("config", "show"));
    assertEquals(0, show.exit, String.join("\n", uncommented) + "\n---\n" + show.output);
    for (String key : keys) {
      if (!key.equals("token-ttl")) { // a security setting: shown in its own section
        assertTrue(
            Pattern.compile("(?m)^" + key + ": .*# file ").matcher(show.output).find(),
            key + " not taken from the file:\n" + show.output);
      }
    }
  }

  @Test
  void servesFromTheUnpackedTarballWithOnlyAJavaRuntime() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    writeParquet(lake.resolve("items.parquet"));
    Path data = tmp.resolve("data");
    Path log = tmp.resolve("node.log");

    // serve finds java on PATH (no JAVA_HOME)...
    ProcessBuilder pb =
        new ProcessBuilder(
                bin.toString(),
                "serve",
                "--port",
                "0",
                "--http-port",
                "-1",
                "--memory",
                "256m",
                "--data-dir",
                data.toString(),
                "--allow-local",
                lake.toString())
            .directory(tmp.toFile())
            .redirectOutput(log.toFile())
            .redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env(toolDir("with-java", true), null));
    node = pb.start();
    String address = null;
    int httpPort = -1;
    long deadline = System.nanoTime() + START_BOUND.toNanos();
    while (address == null || httpPort < 0) {
      String text = Files.readString(log);
      Matcher l = LISTENING.matcher(text);
      Matcher h = MONITORING.matcher(text);
      if (l.find() && h.find()) {
        address = l.group(1) + ":" + l.group(2);
        httpPort = Integer.parseInt(h.group(2));
      } else if (!node.isAlive()) {
        fail("the node exited with " + node.exitValue() + " before listening:\n" + text);
      } else if (System.nanoTime() > deadline) {
        fail("the node did not listen within " + START_BOUND + ":\n" + text);
      } else {
        Thread.sleep(100);
      }
    }

    // What the launcher gave the JVM: the process is java itself (exec), with Arrow's add-opens,
    // the classpath of lib/, the malloc settings of serve and conf/quiver.yaml as QUIVER_CONFIG.
    String cmdline =
        Files.readString(Path.of("/proc", node.pid() + "", "cmdline")).replace('\0', ' ');
    assertTrue(cmdline.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), cmdline);
    // Only the server's SLF4J provider (Logback), not the CLI's (slf4j-simple), and its jar first.
    assertTrue(
        cmdline.contains(" -cp " + home.resolve("lib/io.quiver.quiver-flight-server-")), cmdline);
    assertTrue(cmdline.contains("ch.qos.logback.logback-classic-"), cmdline);
    assertTrue(!cmdline.contains("slf4j-simple"), cmdline);
    assertTrue(cmdline.contains("io.quiver.server.ServerMain"), cmdline);
    List<String> environ =
        Arrays.asList(Files.readString(Path.of("/proc", node.pid() + "", "environ")).split("\0"));
    assertTrue(environ.contains("MALLOC_ARENA_MAX=4"), environ.toString());
    assertTrue(environ.contains("MALLOC_MMAP_THRESHOLD_=65536"), environ.toString());
    assertTrue(
        environ.contains("QUIVER_CONFIG=" + home.resolve("conf/quiver.yaml")), environ.toString());

    // ...the client commands use JAVA_HOME (and there is no java on PATH).
    Map<String, String> clientEnv =
        env(toolDir("no-java", false), Path.of(System.getProperty("java.home")));
    Result mount =
        run(clientEnv, List.of("--server", address, "mount", "/lake", lake.toUri().toString()));
    assertEquals(0, mount.exit, mount.output);
    Result create =
        run(clientEnv, List.of("--server", address, "table", "create", "lake.items", "/lake"));
    assertEquals(0, create.exit, create.output);
    Result scan = run(clientEnv, List.of("--server", address, "scan", "lake.items", "--show", "3"));
    assertEquals(0, scan.exit, scan.output);
    assertTrue(
        scan.output.contains("id\tname\n0\titem-0\n1\titem-1\n2\titem-2\n"),
        "unexpected rows:\n" + scan.output);
    assertTrue(scan.output.contains(ROWS + " rows, "), scan.output);
    // The CLI logs through slf4j-simple at warn: no Logback status or debug lines, no SLF4J
    // complaint about several providers.
    for (Result r : List.of(mount, create, scan)) {
      assertTrue(
          !r.output.contains("SLF4J")
              && !r.output.contains("logback")
              && !r.output.contains("DEBUG"),
          r.output);
    }

    // SQL on the node: Calcite plans, DuckDB executes (its native library loads from lib/ too).
    String[] hostPort = address.split(":");
    try (BufferAllocator allocator = new RootAllocator();
        FlightSqlClient sql =
            new FlightSqlClient(
                FlightClient.builder(
                        allocator,
                        Location.forGrpcInsecure(hostPort[0], Integer.parseInt(hostPort[1])))
                    .build())) {
      FlightInfo info =
          sql.execute("SELECT count(*) AS n, sum(id) AS s FROM lake.items WHERE name <> 'item-7'");
      List<String> rows = new ArrayList<>();
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        try (FlightStream stream = sql.getStream(endpoint.getTicket())) {
          while (stream.next()) {
            VectorSchemaRoot root = stream.getRoot();
            for (int i = 0; i < root.getRowCount(); i++) {
              rows.add(root.getVector(0).getObject(i) + "," + root.getVector(1).getObject(i));
            }
          }
        }
      }
      assertEquals(List.of((ROWS - 1) + "," + (ROWS * (ROWS - 1) / 2 - 7)), rows);
    }

    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("ok", health.body().strip());

    node.destroy(); // SIGTERM
    assertTrue(
        node.waitFor(STOP_BOUND.toSeconds(), TimeUnit.SECONDS),
        "the node did not stop within " + STOP_BOUND + " of SIGTERM:\n" + Files.readString(log));
    // The JVM's status after a SIGTERM it handled with its shutdown hooks: 128 + 15.
    assertEquals(143, node.exitValue(), Files.readString(log));
    String nodeLog = Files.readString(log);
    assertTrue(nodeLog.contains("Quiver stopped in"), nodeLog);
    assertTrue(!nodeLog.contains("SLF4J"), nodeLog);
  }

  /** 1000 rows: {@code id} 0..999 and {@code name} "item-<id>", written by Arrow C++. */
  private static void writeParquet(Path file) throws IOException {
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector id = new BigIntVector("id", allocator);
        VarCharVector name = new VarCharVector("name", allocator)) {
      id.allocateNew(ROWS);
      name.allocateNew(ROWS);
      for (int i = 0; i < ROWS; i++) {
        id.set(i, i);
        name.setSafe(i, ("item-" + i).getBytes(UTF_8));
      }
      id.setValueCount(ROWS);
      name.setValueCount(ROWS);
      try (VectorSchemaRoot root = VectorSchemaRoot.of(id, name)) {
        root.setRowCount(ROWS);
        Path written =
            ParquetTestFiles.writeWithArrowCpp(
                file.getParent(), file.getFileName().toString(), root, 250);
        assertEquals(file, written);
      }
    }
  }

  /**
   * A directory for {@code PATH} with links to bash, dirname and readlink (what the launcher runs),
   * and to this JVM's java if {@code withJava}: nothing else, so no {@code mvn}.
   */
  private static Path toolDir(String name, boolean withJava) throws IOException {
    Path dir = tmp.resolve("path-" + name);
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Files.createDirectories(dir);
    for (String tool : List.of("bash", "dirname", "readlink")) {
      Files.createSymbolicLink(dir.resolve(tool), which(tool));
    }
    if (withJava) {
      Files.createSymbolicLink(
          dir.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
    }
    return dir;
  }

  private static Path which(String tool) {
    for (String d :
        System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(tool + " is not on this machine's PATH");
  }

  /** The whole environment: PATH, a fresh HOME, light JVM flags and, if given, JAVA_HOME. */
  private static Map<String, String> env(Path path, Path javaHome) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", path.toString());
    env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
    env.put(
        "QUIVER_JAVA_OPTS",
        "-Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC --limit-modules " + JRE_MODULES);
    if (javaHome != null) {
      env.put("JAVA_HOME", javaHome.toString());
    }
    return env;
  }

  private record Result(int exit, String output) {}

  /** Runs the tarball's bin/quiver with exactly this environment; output is stdout + stderr. */
  private static Result run(Map<String, String> env, List<String> args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(bin.toString());
    command.addAll(args);
    Path out = Files.createTempFile(tmp, "cmd", ".out");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(tmp.toFile())
            .redirectOutput(out.toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(COMMAND_BOUND.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      fail(command + " did not finish within " + COMMAND_BOUND + ":\n" + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out));
  }
}
