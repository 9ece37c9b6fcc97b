package io.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.client.QuiverClient;
import io.quiver.server.QuiverServer;
import io.quiver.storage.Location;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code quiver sql} against a real node: -e in each format, errors, and the shell. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlCommandTest {
  @TempDir static Path tmp;
  private QuiverServer server;

  record Run(int exit, String out, String err) {}

  @BeforeAll
  void start() throws Exception {
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(
                    io.quiver.server.security.SecurityConfig.none()
                        .withAllowLocal(
                            java.util.List.of(
                                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
                .withPort(0)
                .withDataDir(tmp.resolve("data"))
                .withMemory(64L << 20));
    Path dir = Files.createDirectories(tmp.resolve("lake/x"));
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message x { required int64 id; optional binary flag (STRING);"
                + " optional binary note (STRING); optional double d; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    Object[][] rows = {
      {1L, "A", "x,y", 1.5},
      {2L, "B", "say \"hi\"", null},
      {3L, "A", null, 2.0},
      {4L, null, "z", -1.25},
      {5L, "C", "w", 0.5}
    };
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("x.parquet")))
            .withType(schema)
            .build()) {
      for (Object[] r : rows) {
        Group g = groups.newGroup().append("id", (Long) r[0]);
        if (r[1] != null) {
          g.add("flag", Binary.fromString((String) r[1]));
        }
        if (r[2] != null) {
          g.add("note", Binary.fromString((String) r[2]));
        }
        if (r[3] != null) {
          g.add("d", (Double) r[3]);
        }
        writer.write(g);
      }
    }
    try (QuiverClient client = QuiverClient.connect("127.0.0.1", server.port())) {
      client.mount("/lake", Location.ofLocalPath(tmp.resolve("lake")).toString(), Map.of());
      client.createTable("t.x", "/lake/x", null);
    }
  }

  @AfterAll
  void stop() throws Exception {
    server.close();
  }

  private Run quiver(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--server";
    all[args.length + 1] = "127.0.0.1:" + server.port();
    int exit = QuiverCli.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  private static final String GROUP_BY =
      "select flag, count(*) as n from t.x group by flag order by flag nulls last";

  @Test
  void csvQuotesFieldsAndTimesToStderr() {
    Run r = quiver("sql", "-e", "select id, flag, note, d from t.x order by id", "--format", "csv");
    assertEquals(0, r.exit(), r.err());
    assertEquals(
        String.join(
            "\n",
            "id,flag,note,d",
            "1,A,\"x,y\",1.5",
            "2,B,\"say \"\"hi\"\"\",",
            "3,A,,2.0",
            "4,,z,-1.25",
            "5,C,w,0.5",
            ""),
        r.out());
    assertTrue(r.err().matches("5 rows in \\d+\\.\\d\\d s\\R"), r.err());
  }

  @Test
  void tableAlignsColumnsAndEndsWithTiming() {
    Run r = quiver("sql", "-e", GROUP_BY + ";");
    assertEquals(0, r.exit(), r.err());
    String[] lines = r.out().split("\n");
    assertEquals("flag | n", lines[0]);
    assertEquals("-----+--", lines[1]);
    assertEquals("A    | 2", lines[2]);
    assertEquals("B    | 1", lines[3]);
    assertEquals("C    | 1", lines[4]);
    assertEquals("NULL | 1", lines[5]);
    assertTrue(lines[6].matches("4 rows in \\d+\\.\\d\\d s"), lines[6]);
  }

  @Test
  void jsonIsAnArrayOfObjects() throws Exception {
    Run r = quiver("sql", "--format", "json", "-e", "select id, flag, d from t.x where id <= 2");
    assertEquals(0, r.exit(), r.err());
    JsonNode json = QuiverCli.JSON.readTree(r.out());
    assertEquals(2, json.size(), r.out());
    JsonNode first = json.get(0).get("id").asLong() == 1 ? json.get(0) : json.get(1);
    assertEquals("A", first.get("flag").asText());
    assertEquals(1.5, first.get("d").asDouble());
    assertTrue(first.get("id").isIntegralNumber());
    assertTrue(r.err().startsWith("2 rows in "), r.err());
  }

  @Test
  void errorsShowThePositionAndFail() {
    Run syntax = quiver("sql", "-e", "select id,\nfrom t.x");
    assertEquals(1, syntax.exit());
    assertTrue(
        syntax.err().startsWith("ERROR at line 2, column 1: Encountered \"from\""), syntax.err());
    assertTrue(syntax.err().contains("\n  from t.x\n  ^\n"), syntax.err());

    Run table = quiver("sql", "-e", "select * from t.nope");
    assertEquals(1, table.exit());
    assertTrue(
        table.err().startsWith("ERROR at line 1, column 15: Object 'nope' not found"), table.err());

    Run format = quiver("sql", "-e", "select 1", "--format", "xml");
    assertEquals(2, format.exit());
    assertTrue(format.err().contains("expected table, csv or json"), format.err());

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int down =
        QuiverCli.execute(
            new String[] {"sql", "-e", "select 1", "--server", "127.0.0.1:1"},
            new PrintWriter(out, true),
            new PrintWriter(err, true));
    assertEquals(1, down);
    assertTrue(
        err.toString().contains("Cannot reach a Quiver node at 127.0.0.1:1"), err.toString());
  }

  @Test
  void shellRunsStatementsEndingWithSemicolonsAndCommands() throws Exception {
    byte[] input =
        String.join(
                "\n",
                "select count(*) as n",
                "from t.x",
                "where flag = 'A';",
                "select nope from t.x;",
                "\\dt",
                "\\d t.x",
                "\\q",
                "")
            .getBytes(StandardCharsets.UTF_8);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path history = tmp.resolve("history");
    try (Connection c = DriverManager.getConnection("jdbc:quiver://127.0.0.1:" + server.port());
        Terminal terminal =
            TerminalBuilder.builder()
                .system(false)
                .dumb(true)
                .type("dumb")
                .streams(new ByteArrayInputStream(input), new ByteArrayOutputStream())
                .build()) {
      StatementRunner runner =
          new StatementRunner(
              c, SqlCommand.ResultFormat.TABLE, new PrintWriter(out, true), new PrintWriter(err));
      new SqlShell(runner, history).run(terminal);
    }
    String o = out.toString();
    assertTrue(o.contains("n\n-\n2\n1 row in "), o);
    assertTrue(err.toString().contains("Column 'nope' not found"), err.toString());
    assertTrue(o.contains("t.x") && o.contains("TABLE"), o);
    assertTrue(o.contains("flag") && o.contains("VARCHAR"), o);
    assertTrue(Files.readString(history).contains("where flag = 'A';"));
  }
}
