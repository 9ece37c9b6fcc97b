package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quiver.protocol.ScanCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property-based fuzzing with a fixed seed (so CI is reproducible): mutated and random tickets,
 * scan commands, action bodies and Parquet files. Every request must end in a clean error — a
 * Flight status other than UNKNOWN with a description — or a correct answer, never a hang, and the
 * node must keep serving; closing it at the end fails on any leaked buffer. {@code
 * -Dquiver.fuzz.iterations=N} runs longer (default 150 per kind).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzTest {
  private static final int ITERATIONS = Integer.getInteger("quiver.fuzz.iterations", 150);
  private static final long SEED = Long.getLong("quiver.fuzz.seed", 20261203L);

  @TempDir static Path tmp;
  private TestNode node;
  private byte[] goodTicket;
  private byte[] goodCommand;
  private byte[] parquet;

  @BeforeAll
  void setUp() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/orders"));
    Path file = FlightSqlTest.writeOrders(lake);
    parquet = Files.readAllBytes(file);
    Files.createDirectories(tmp.resolve("fuzzed"));
    node =
        TestNode.start(tmp.resolve("data"))
            .mount("/lake", tmp.resolve("lake"))
            .mount("/fuzzed", tmp.resolve("fuzzed"))
            .createTable("t.orders", "/lake/orders");
    goodCommand =
        ScanCommand.table("t.orders")
            .withColumns(List.of("o_orderkey", "o_orderpriority"))
            .toBytes();
    FlightInfo info = node.client().getInfo(FlightDescriptor.command(goodCommand));
    goodTicket = info.getEndpoints().get(0).getTicket().getBytes();
  }

  @AfterAll
  void tearDown() throws Exception {
    node.close(); // fails on a leak
  }

  /** The request failed cleanly, or succeeded. */
  /**
   * A clean error: a message, an error code the client can act on, and never the code of a bug
   * ({@code internal}); a damaged file is {@code corrupt-file}, named in the message.
   */
  private static void clean(FlightRuntimeException e, String what) {
    assertTrue(
        e.status().description() != null && !e.status().description().isBlank(),
        what + ": no description: " + e);
    io.quiver.protocol.ErrorCode code =
        FlightErrors.codeOf(e).orElseThrow(() -> new AssertionError(what + ": no code: " + e));
    assertNotEquals(io.quiver.protocol.ErrorCode.INTERNAL, code, what + ": a bug: " + e);
    assertEquals(FlightErrors.statusOf(code).code(), e.status().code(), what + ": " + e);
    assertFalse(
        RAW_TEXT.matcher(e.status().description()).find(),
        what + ": a JVM or library exception's text reached the client: " + e);
  }

  /** What a JVM's or a library's own exception text looks like; never for clients. */
  private static final java.util.regex.Pattern RAW_TEXT =
      java.util.regex.Pattern.compile(
          // Literal alternatives only: fuzzed names make descriptions long runs of letters.
          "java\\.lang\\.|java\\.io\\.|java\\.util\\.|NullPointerException|IndexOutOfBounds"
              + "|NegativeArraySize|ClassCastException|Exception: ");

  private void stillServing() throws Exception {
    FlightInfo info = node.client().getInfo(FlightDescriptor.command(goodCommand));
    assertEquals(5_000, node.read(info).rowCount());
  }

  private static byte[] mutate(byte[] good, Random r) {
    byte[] b;
    switch (r.nextInt(5)) {
      case 0 -> {
        b = good.clone();
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
          b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> b = java.util.Arrays.copyOf(good, r.nextInt(good.length));
      case 2 -> {
        b = java.util.Arrays.copyOf(good, good.length + 1 + r.nextInt(64));
        for (int i = good.length; i < b.length; i++) {
          b[i] = (byte) r.nextInt(256);
        }
      }
      case 3 -> {
        b = new byte[r.nextInt(256)];
        r.nextBytes(b);
      }
      default -> {
        b = good.clone();
        int at = r.nextInt(b.length);
        String specials = "{}[]\",:0-9aeE\\\u00ff";
        b[at] = (byte) specials.charAt(r.nextInt(specials.length()));
      }
    }
    return b;
  }

  @Test
  void tickets() throws Exception {
    Random r = new Random(SEED);
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] t = mutate(goodTicket, r);
      try (FlightStream s = node.client().getStream(new Ticket(t))) {
        while (s.next()) {
          // a mutation that kept the ticket valid (e.g. whitespace) may stream
        }
      } catch (FlightRuntimeException e) {
        clean(e, "ticket " + i);
      }
    }
    stillServing();
  }

  @Test
  void scanCommands() throws Exception {
    Random r = new Random(SEED + 1);
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < ITERATIONS; i++) {
      inputs.add(mutate(goodCommand, r));
    }
    // Hostile shapes: deep nesting, huge arrays, long strings.
    inputs.add(
        ("{\"table\":\"t.orders\",\"filter\":"
                + "{\"op\":\"not\",\"arg\":".repeat(5000)
                + "null"
                + "}".repeat(5001))
            .getBytes(StandardCharsets.UTF_8));
    inputs.add(
        ("{\"table\":\"t.orders\",\"columns\":["
                + "\"o_orderkey\",".repeat(100_000)
                + "\"o_orderkey\"]}")
            .getBytes(StandardCharsets.UTF_8));
    inputs.add(("{\"table\":\"" + "x".repeat(1 << 20) + "\"}").getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < inputs.size(); i++) {
      try {
        FlightInfo info = node.client().getInfo(FlightDescriptor.command(inputs.get(i)));
        node.read(info);
      } catch (FlightRuntimeException e) {
        clean(e, "command " + i);
      }
    }
    stillServing();
  }

  @Test
  void actionBodies() throws Exception {
    Random r = new Random(SEED + 2);
    List<String> types =
        List.of(
            "mount",
            "unmount",
            "mounts",
            "create-table",
            "drop-table",
            "tables",
            "describe-table",
            "stats",
            "cache-free",
            "pin",
            "unpin",
            "cache-ls",
            "cache-load",
            "health",
            "no-such-action");
    byte[] template =
        "{\"path\": \"/x\", \"name\": \"t.x\", \"uri\": \"file:///nonexistent\", \"columns\": [\"a\"],\"ttl\": \"1h\"}"
            .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < ITERATIONS; i++) {
      String type = types.get(r.nextInt(types.size()));
      if (type.equals("unmount") || type.equals("drop-table") || type.equals("cache-free")) {
        continue; // would remove the fixture's own mounts and tables
      }
      byte[] body = mutate(template, r);
      try {
        Iterator<Result> it = node.client().doAction(new Action(type, body));
        while (it.hasNext()) {
          it.next();
        }
      } catch (FlightRuntimeException e) {
        clean(e, type + " " + i);
      }
    }
    stillServing();
  }

  @Test
  void orcFilesWithDamagedBytes() throws Exception {
    Path source =
        io.quiver.testing.OrcTestFiles.writeAllTypesWithOrcCore(
            Files.createDirectories(tmp.resolve("orc-source")),
            "x.orc",
            2_000,
            org.apache.orc.CompressionKind.ZLIB,
            64 << 10,
            5);
    byte[] orc = Files.readAllBytes(source);
    Random r = new Random(SEED + 4);
    int tail = Math.min(orc.length - 4, 1024); // postscript, footer and stripe statistics
    int runs = Math.max(20, ITERATIONS / 5);
    for (int i = 0; i < runs; i++) {
      byte[] b = orc.clone();
      boolean footer = r.nextBoolean();
      for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
        int at = footer ? orc.length - 1 - r.nextInt(tail) : 3 + r.nextInt(orc.length - 3 - tail);
        b[at] = (byte) r.nextInt(256);
      }
      Path dir = Files.createDirectories(tmp.resolve("fuzzed/orc" + i));
      Files.write(dir.resolve("x.orc"), b);
      try {
        FlightInfo info =
            node.client()
                .getInfo(FlightDescriptor.command(ScanCommand.path("/fuzzed/orc" + i).toBytes()));
        node.read(info);
      } catch (FlightRuntimeException e) {
        clean(e, "orc file " + i + (footer ? " (tail)" : " (stripes)"));
        if (e.status().code() == FlightStatusCode.INTERNAL) {
          assertTrue(
              e.getMessage().contains("x.orc") || e.getMessage().contains("/fuzzed/orc" + i),
              "an INTERNAL error names the file: " + e.getMessage());
        }
      } catch (Exception e) {
        fail("orc file " + i + ": not a Flight error: " + e);
      }
    }
    stillServing();
  }

  @Test
  void parquetFootersAndPages() throws Exception {
    Random r = new Random(SEED + 3);
    int footerLength =
        (parquet[parquet.length - 8] & 0xff)
            | (parquet[parquet.length - 7] & 0xff) << 8
            | (parquet[parquet.length - 6] & 0xff) << 16
            | (parquet[parquet.length - 5] & 0xff) << 24;
    int footerStart = parquet.length - 8 - footerLength;
    int runs = Math.max(20, ITERATIONS / 5); // each defines a table: slower than a call
    for (int i = 0; i < runs; i++) {
      byte[] b = parquet.clone();
      boolean footer = r.nextBoolean();
      for (int k = 0, n = 1 + r.nextInt(3); k < n; k++) {
        int at = footer ? footerStart + r.nextInt(footerLength) : 4 + r.nextInt(footerStart - 4);
        b[at] = (byte) r.nextInt(256);
      }
      Path dir = Files.createDirectories(tmp.resolve("fuzzed/f" + i));
      Files.write(dir.resolve("x.parquet"), b);
      try {
        FlightInfo info =
            node.client()
                .getInfo(FlightDescriptor.command(ScanCommand.path("/fuzzed/f" + i).toBytes()));
        node.read(info);
      } catch (FlightRuntimeException e) {
        clean(e, "file " + i + (footer ? " (footer)" : " (pages)"));
        if (e.status().code() == FlightStatusCode.INTERNAL) {
          assertTrue(
              e.getMessage().contains("x.parquet") || e.getMessage().contains("/fuzzed/f" + i),
              "an INTERNAL error names the file: " + e.getMessage());
        }
      } catch (Exception e) {
        fail("file " + i + ": not a Flight error: " + e);
      }
    }
    stillServing();
  }
}
