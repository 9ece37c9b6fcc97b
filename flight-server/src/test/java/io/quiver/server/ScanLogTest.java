package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.logging.TextLayout;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The scan log and the logging options of {@code quiver serve}. Logging configuration is global to
 * a JVM, so the nodes whose logging options are tested run as child processes ({@link ServerMain}
 * on this module's test classpath); the in-process test only adds a list appender to the scan
 * logger and removes it again.
 */
class ScanLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int GROUPS = 6;
  private static final int ROWS_PER_GROUP = 500;
  private static final List<String> COLUMNS = List.of("id", "name");
  private static final Pattern LISTENING =
      Pattern.compile("Quiver listening on grpc\\+tcp://([^:\\s]+):(\\d+)");
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message events { required int64 id; required binary name (STRING); }");

  @TempDir Path tmp;

  /** {@code GROUPS} row groups of ascending ids: a filter on id prunes whole units. */
  private Path writeEvents() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("lake/events"));
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("part-0.parquet")))
            .withType(SCHEMA)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupRowCountLimit(ROWS_PER_GROUP)
            .build()) {
      for (int id = 0; id < GROUPS * ROWS_PER_GROUP; id++) {
        Group g = groups.newGroup();
        g.add("id", (long) id);
        g.add("name", Binary.fromString("event-" + id));
        writer.write(g);
      }
    }
    return tmp.resolve("lake");
  }

  // ---- In process: the scan logger's events ----

  @Test
  void scanLineCountsUnitsPrunedRowsAndWhereTheBytesCameFrom() throws Exception {
    Path lake = writeEvents();
    Logger scanLogger = (Logger) LoggerFactory.getLogger(ScanLog.LOGGER);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    scanLogger.addAppender(lines);
    try (TestNode node = TestNode.start(tmp.resolve("data"))) {
      node.mount("/lake", lake).createTable("lake.events", "/lake/events");
      FlightInfo info =
          node.plan(
              ScanCommand.table("lake.events")
                  .withColumns(COLUMNS)
                  .withFilter(Filter.ge("id", (GROUPS - 1) * ROWS_PER_GROUP + 10)));
      assertEquals(1, info.getEndpoints().size());
      assertEquals(ROWS_PER_GROUP - 10, node.read(info).rowCount());
      Map<String, Object> line = awaitLines(lines, 1).get(0);
      assertEquals("ok", line.get("outcome"));
      assertEquals("lake.events", line.get("table"));
      assertEquals(COLUMNS, line.get("columns"));
      assertEquals(true, line.get("filter"));
      assertEquals(1L, line.get("units"));
      assertEquals(GROUPS - 1, line.get("pruned"));
      assertEquals((long) ROWS_PER_GROUP - 10, line.get("rows"));
      assertTrue((Long) line.get("storage_bytes") > 0, line.toString());
      assertEquals(0L, line.get("cache_bytes"));
      assertEquals(2L, line.get("chunks_loaded"));
      assertFalse(line.containsKey("user"), "anonymous: no user");

      // The text form of the same event: key=value pairs after the message, lists comma-separated.
      String text = new TextLayout().doLayout(lines.list.get(0));
      assertTrue(
          text.contains(
              " INFO scan - scan outcome=ok table=lake.events columns=id,name filter=true units=1"
                  + " pruned="
                  + (GROUPS - 1)
                  + " rows="
                  + (ROWS_PER_GROUP - 10)
                  + " storage_bytes="),
          text);
      assertEquals(1, text.strip().lines().count(), text);

      // A stream that fails (its file deleted after planning) still has its line, with the status.
      FlightInfo all = node.plan(ScanCommand.table("lake.events").withColumns(COLUMNS));
      Files.delete(lake.resolve("events/part-0.parquet"));
      org.apache.arrow.flight.FlightRuntimeException failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              org.apache.arrow.flight.FlightRuntimeException.class, () -> node.read(all));
      Map<String, Object> error = awaitLines(lines, 2).get(1);
      assertEquals("error", error.get("outcome"), error.toString());
      assertEquals(failed.status().code().name(), error.get("status"));
      assertEquals(failed.status().description(), error.get("error"));
      assertEquals(0L, error.get("rows"));
      assertEquals(0, error.get("pruned"));
    } finally {
      scanLogger.detachAppender(lines);
    }
  }

  /** The key-value pairs of the first {@code n} scan events, waiting for them (logged at end). */
  private static List<Map<String, Object>> awaitLines(ListAppender<ILoggingEvent> lines, int n)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (lines.list.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(lines.list.size() >= n, "scan lines: " + lines.list.size());
    List<Map<String, Object>> out = new ArrayList<>();
    for (ILoggingEvent e : lines.list.subList(0, n)) {
      Map<String, Object> pairs = new java.util.LinkedHashMap<>();
      e.getKeyValuePairs().forEach(kv -> pairs.put(kv.key, kv.value));
      out.add(pairs);
    }
    return out;
  }

  // ---- Child processes: quiver serve with logging options ----

  @Test
  void jsonLogFileHasOneParsableScanLinePerStreamColdThenWarm() throws Exception {
    Path lake = writeEvents();
    Path log = tmp.resolve("logs/quiver.log");
    try (Node node = Node.start(tmp, "--log-format", "json", "--log-file", log.toString())) {
      node.action("mount", Map.of("path", "/lake", "uri", local(lake), "options", Map.of()));
      node.action("create-table", Map.of("name", "lake.events", "path", "/lake/events"));
      FlightDescriptor scan =
          FlightDescriptor.command(ScanCommand.table("lake.events").withColumns(COLUMNS).toBytes());
      int endpoints = node.client.getInfo(scan).getEndpoints().size();
      assertEquals(2, endpoints, "6 row groups, 4 per endpoint");
      assertEquals(GROUPS * ROWS_PER_GROUP, node.read(node.client.getInfo(scan)));
      assertEquals(GROUPS * ROWS_PER_GROUP, node.read(node.client.getInfo(scan)));

      List<JsonNode> all = awaitJsonLines(log, l -> scanLines(l).size() >= 2 * endpoints);
      List<JsonNode> scans = scanLines(all);
      assertEquals(2 * endpoints, scans.size(), "one line per DoGet: " + scans);
      assertTrue(
          all.stream().anyMatch(l -> LISTENING.matcher(l.path("message").asText()).lookingAt()),
          "the start-up lines are in the file too");
      long coldDecoded = 0;
      long warmCached = 0;
      List<Long> coldUnits = new java.util.ArrayList<>();
      List<Long> warmUnits = new java.util.ArrayList<>();
      for (int i = 0; i < scans.size(); i++) {
        JsonNode s = scans.get(i);
        boolean cold = i < endpoints;
        assertEquals("INFO", s.path("level").asText());
        assertEquals("scan", s.path("message").asText());
        assertEquals("ok", s.path("outcome").asText(), s.toString());
        assertEquals("lake.events", s.path("table").asText());
        assertEquals(COLUMNS, JSON.convertValue(s.path("columns"), List.class));
        assertEquals(0, s.path("pruned").asInt());
        long units = s.path("units").asLong();
        // An endpoint of 4 units and one of 2, read in parallel: their lines come in either order.
        assertTrue(units == 4 || units == 2, s.toString());
        (cold ? coldUnits : warmUnits).add(units);
        assertEquals(units * ROWS_PER_GROUP, s.path("rows").asLong());
        assertTrue(s.path("ms").isIntegralNumber() && s.path("ms").asLong() >= 0, s.toString());
        if (cold) {
          assertTrue(s.path("storage_bytes").asLong() > 0, s.toString());
          assertEquals(0, s.path("cache_bytes").asLong(), s.toString());
          assertEquals(units * COLUMNS.size(), s.path("chunks_loaded").asLong());
          assertEquals(0, s.path("chunks_cached").asLong());
          coldDecoded += s.path("decoded_bytes").asLong();
        } else {
          assertEquals(0, s.path("storage_bytes").asLong(), s.toString());
          assertEquals(0, s.path("decoded_bytes").asLong(), s.toString());
          assertEquals(0, s.path("chunks_loaded").asLong());
          assertEquals(units * COLUMNS.size(), s.path("chunks_cached").asLong());
          warmCached += s.path("cache_bytes").asLong();
        }
      }
      assertEquals(List.of(2L, 4L), coldUnits.stream().sorted().toList());
      assertEquals(List.of(2L, 4L), warmUnits.stream().sorted().toList());
      assertTrue(coldDecoded > 0);
      assertEquals(coldDecoded, warmCached, "the warm scan is served the chunks the cold loaded");
      // stderr keeps the start-up lines (text) but not the scan lines.
      String stderr = String.join("\n", node.stderr);
      assertTrue(stderr.contains("Quiver listening on grpc+tcp://"), stderr);
      assertFalse(stderr.contains("scan outcome="), stderr);
      assertFalse(stderr.contains("{\""), "stderr stays text: " + stderr);
    }
  }

  @Test
  void rotationKeepsAtMostMaxFilesNoneFarPastTheBoundAllIntact() throws Exception {
    Path lake = writeEvents();
    Path log = tmp.resolve("logs/quiver.log");
    int maxBytes = 1024;
    try (Node node =
        Node.start(
            tmp,
            "--log-format",
            "json",
            "--log-file",
            log.toString(),
            "--log-max-size",
            "1k",
            "--log-max-files",
            "3")) {
      node.action("mount", Map.of("path", "/lake", "uri", local(lake), "options", Map.of()));
      node.action("create-table", Map.of("name", "lake.events", "path", "/lake/events"));
      FlightDescriptor scan =
          FlightDescriptor.command(ScanCommand.table("lake.events").withColumns(COLUMNS).toBytes());
      for (int i = 0; i < 12; i++) {
        node.read(node.client.getInfo(scan));
      }
      // The last scan's columns mark the end: once its line is in the current file, all are out.
      node.read(
          node.client.getInfo(
              FlightDescriptor.command(
                  ScanCommand.table("lake.events").withColumns(List.of("name")).toBytes())));
      awaitJsonLines(
          log,
          l ->
              scanLines(l).stream()
                  .anyMatch(s -> s.path("columns").toString().equals("[\"name\"]")));
    }
    List<Path> files;
    try (var listing = Files.list(log.getParent())) {
      files = listing.sorted().toList();
    }
    assertEquals(
        List.of(log, Path.of(log + ".1"), Path.of(log + ".2")),
        files,
        "the current file and two rolled ones; older ones deleted");
    int scanLines = 0;
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      assertFalse(lines.isEmpty(), f.toString());
      int longest = 0;
      for (String l : lines) {
        JsonNode node = JSON.readTree(l); // throws on a torn line
        assertTrue(node.isObject(), l);
        longest = Math.max(longest, l.length() + 1);
        scanLines += ScanLog.LOGGER.equals(node.path("logger").asText()) ? 1 : 0;
      }
      assertTrue(
          Files.size(f) <= maxBytes + longest,
          f + " is " + Files.size(f) + " bytes; bound " + maxBytes + " + one line of " + longest);
    }
    assertTrue(scanLines < 13, "old lines were rotated away: " + scanLines + " scan lines left");
  }

  @Test
  void badLoggingOptionsAreOneLineErrors() throws Exception {
    Path notADir = Files.writeString(tmp.resolve("plain-file"), "x");
    Path dirAsFile = Files.createDirectories(tmp.resolve("a-dir"));
    String data = tmp.resolve("data").toString();
    assertOneLineError(
        serve("--data-dir", data, "--log-format", "xml"), "--log-format must be text or json");
    assertOneLineError(serve("--data-dir", data, "--log-level", "loud"), "--log-level must be");
    assertOneLineError(
        serve("--data-dir", data, "--log-max-files", "1"), "--log-max-files must be between 2");
    assertOneLineError(
        serve("--data-dir", data, "--log-file", notADir.resolve("quiver.log").toString()),
        "cannot write the log file " + notADir.resolve("quiver.log"));
    assertOneLineError(
        serve("--data-dir", data, "--log-file", dirAsFile.toString()),
        "cannot write the log file " + dirAsFile);
    assertFalse(Files.exists(tmp.resolve("data")), "no node started");
  }

  private static String[] serve(String... args) {
    CommandLine cli = ServerMain.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new String[] {Integer.toString(exit), err.toString()};
  }

  private static void assertOneLineError(String[] r, String expected) {
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].startsWith("quiver serve: "), r[1]);
    assertTrue(r[1].contains(expected), r[1]);
    assertEquals(1, r[1].strip().lines().count(), r[1]);
  }

  private static String local(Path dir) {
    return io.quiver.storage.Location.ofLocalPath(dir).toString();
  }

  private static List<JsonNode> scanLines(List<JsonNode> lines) {
    return lines.stream().filter(l -> ScanLog.LOGGER.equals(l.path("logger").asText())).toList();
  }

  /**
   * The lines of {@code log}, each parsed as JSON (failing on any that is not), once {@code done}
   * holds for them.
   */
  private static List<JsonNode> awaitJsonLines(Path log, Predicate<List<JsonNode>> done)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      List<JsonNode> parsed = new ArrayList<>();
      String text;
      try {
        text = Files.readString(log);
      } catch (java.nio.file.NoSuchFileException e) {
        text = ""; // not created yet, or being rolled over right now
      }
      // The last line may be half written: only complete lines count while waiting.
      List<String> raw = text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();
      for (String l : raw) {
        parsed.add(JSON.readTree(l));
      }
      if (done.test(parsed)) {
        return parsed;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("log file never got the expected lines: " + raw);
      }
      Thread.sleep(20);
    }
  }

  /** {@code quiver serve} in a child JVM with a Flight client to it. */
  private static final class Node implements AutoCloseable {
    final Process process;
    final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    final BufferAllocator allocator = new RootAllocator(64L << 20);
    FlightClient client;

    private Node(Process process) {
      this.process = process;
    }

    static Node start(Path tmp, String... logOptions) throws Exception {
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "--add-opens=java.base/java.nio=ALL-UNNAMED",
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-Xmx256m",
                  "-cp",
                  classpath,
                  ServerMain.class.getName(),
                  "--port",
                  "0",
                  "--http-port",
                  "0",
                  "--memory",
                  "64m",
                  "--data-dir",
                  tmp.resolve("data").toString(),
                  "--allow-local",
                  tmp.toString()));
      command.addAll(List.of(logOptions));
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectErrorStream(false)
              .start();
      Node node = new Node(p);
      try {
        Matcher listening = node.awaitStderr(LISTENING);
        node.client =
            FlightClient.builder(
                    node.allocator,
                    Location.forGrpcInsecure(
                        listening.group(1), Integer.parseInt(listening.group(2))))
                .build();
        return node;
      } catch (Exception | Error e) {
        node.close();
        throw e;
      }
    }

    private Matcher awaitStderr(Pattern pattern) throws Exception {
      BufferedReader err =
          new BufferedReader(
              new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
      Matcher[] found = new Matcher[1];
      Thread reader =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = err.readLine()) != null) {
                    stderr.add(line);
                    Matcher m = pattern.matcher(line);
                    if (found[0] == null && m.find()) {
                      synchronized (found) {
                        found[0] = m;
                        found.notifyAll();
                      }
                    }
                  }
                } catch (IOException e) {
                  // The process ended; what it printed is in stderr.
                }
              },
              "child-stderr");
      reader.setDaemon(true);
      reader.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      synchronized (found) {
        while (found[0] == null) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || !process.isAlive()) {
            break;
          }
          found.wait(Math.min(left, 200));
        }
        if (found[0] != null) {
          return found[0];
        }
      }
      // The reader ends at the dead process's end of stderr: wait (bounded) for its last lines.
      reader.join(5_000);
      throw new AssertionError("the node did not start: " + String.join("\n", stderr));
    }

    void action(String type, Map<String, ?> body) throws Exception {
      Iterator<Result> results = client.doAction(new Action(type, JSON.writeValueAsBytes(body)));
      while (results.hasNext()) {
        results.next();
      }
    }

    /** Reads every endpoint; returns the rows. */
    int read(FlightInfo info) throws Exception {
      int rows = 0;
      for (FlightEndpoint e : info.getEndpoints()) {
        try (FlightStream stream = client.getStream(e.getTicket())) {
          while (stream.next()) {
            rows += stream.getRoot().getRowCount();
          }
        }
      }
      return rows;
    }

    @Override
    public void close() throws Exception {
      try {
        if (client != null) {
          client.close();
        }
      } finally {
        process.destroy(); // SIGTERM: the node's shutdown hook closes it
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
        allocator.close();
      }
    }
  }
}
