package io.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.server.QuiverServer;
import io.quiver.storage.Location;
import io.quiver.testing.ParquetTestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real node. */
class QuiverCliTest {
  @TempDir Path tmp;
  private QuiverServer server;

  record Run(int exit, String out, String err) {}

  @BeforeEach
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
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  private Run quiver(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--server";
    all[args.length + 1] = "localhost:" + server.port();
    int exit = QuiverCli.execute(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  /**
   * The namespace commands end to end: ls and stat from the kept listings, refresh, a metadata-only
   * mv the table follows (and still scans), table rename, and clear errors.
   */
  @Test
  void lsStatMvRefreshAndRename() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lake/raw/2024"));
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        dir,
        "p.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        500,
        1 << 20,
        1);
    Location lake = Location.ofLocalPath(tmp.resolve("lake"));
    Run mount = quiver("mount", "/lake", lake.toString(), "--option", "sync=never");
    assertEquals(0, mount.exit(), mount.err());
    assertEquals(0, quiver("table", "create", "y2024", "/lake/raw/2024").exit());

    Run root = quiver("ls");
    assertEquals(0, root.exit(), root.err());
    assertTrue(root.out().contains("lake/") && root.out().contains("mount"), root.out());
    Run ls = quiver("ls", "/lake/raw/2024");
    assertEquals(0, ls.exit(), ls.err());
    assertTrue(ls.out().contains("p.parquet") && ls.out().contains("parquet"), ls.out());
    JsonNode page = QuiverCli.JSON.readTree(quiver("ls", "/lake/raw", "--json").out());
    JsonNode year = page.get("entries").get(0);
    assertEquals("2024", year.get("name").asText());
    assertEquals("directory", year.get("kind").asText());
    assertEquals(1, year.get("files").asLong());
    assertEquals(Files.size(dir.resolve("p.parquet")), year.get("size").asLong());

    // A new file is not seen under sync=never until refreshed.
    Files.copy(dir.resolve("p.parquet"), dir.resolve("q.parquet"));
    assertTrue(!quiver("ls", "/lake/raw/2024").out().contains("q.parquet"));
    Run refresh = quiver("refresh", "y2024");
    assertEquals(0, refresh.exit(), refresh.err());
    assertTrue(refresh.out().startsWith("Refreshed /lake/raw/2024: 2 files"), refresh.out());
    assertTrue(quiver("ls", "/lake/raw/2024").out().contains("q.parquet"));

    Run stat = quiver("stat", "/lake/raw/2024/p.parquet");
    assertEquals(0, stat.exit(), stat.err());
    assertTrue(stat.out().contains("Kind:     file"), stat.out());
    assertTrue(stat.out().contains("Mount:    /lake (sync never)"), stat.out());
    JsonNode statJson = QuiverCli.JSON.readTree(quiver("stat", "/lake/raw", "--json").out());
    assertEquals("y2024", statJson.get("tables").get(0).asText(), statJson.toString());

    Run mv = quiver("mv", "/lake/raw/2024", "/archive/2024");
    assertEquals(0, mv.exit(), mv.err());
    assertEquals("Moved /lake/raw/2024 to /archive/2024 (1 table followed)\n", mv.out());
    assertTrue(Files.exists(dir.resolve("p.parquet")), "mv touched the store");
    Run scan = quiver("scan", "y2024", "--columns", "int64_req");
    assertEquals(0, scan.exit(), scan.err());
    assertTrue(scan.out().contains("1000 rows"), scan.out());
    Run gone = quiver("ls", "/lake/raw/2024");
    assertEquals(1, gone.exit());
    assertTrue(gone.err().contains("NOT_FOUND") && gone.err().contains("moved"), gone.err());
    Run taken = quiver("mv", "/archive/2024", "/lake");
    assertEquals(1, taken.exit());
    assertTrue(taken.err().contains("ALREADY_EXISTS"), taken.err());

    Run rename = quiver("table", "rename", "y2024", "archive.y2024");
    assertEquals(0, rename.exit(), rename.err());
    assertTrue(quiver("table", "ls", "archive").out().contains("archive.y2024"));
    Run missing = quiver("table", "rename", "y2024", "other");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("NOT_FOUND"), missing.err());
  }

  @Test
  void mountCreateScanAndStats() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/orders"));
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        lake,
        "p.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        1000,
        1 << 20,
        1);

    Run mount = quiver("mount", "/lake", Location.ofLocalPath(tmp.resolve("lake")).toString());
    assertEquals(0, mount.exit(), mount.err());
    assertTrue(mount.out().contains("Mounted"), mount.out());

    Run create = quiver("table", "create", "sales.orders", "/lake/orders");
    assertEquals(0, create.exit(), create.err());
    assertTrue(create.out().contains("1000 rows"), create.out());
    assertTrue(create.out().startsWith("Created parquet table"), create.out());

    // Schemas list like directories: the top level shows schema sales, which holds the table.
    assertEquals(0, quiver("table", "create", "top", "/lake/orders").exit());
    assertEquals(0, quiver("table", "create", "sales.eu.orders", "/lake/orders").exit());
    Run root = quiver("table", "ls");
    assertEquals(0, root.exit(), root.err());
    assertTrue(root.out().matches("(?s).*\\bsales\\.\\s+schema\\s+2 tables.*"), root.out());
    assertTrue(
        root.out().matches("(?s).*\\btop\\s+table\\s+/lake/orders\\s+parquet.*"), root.out());
    assertFalse(root.out().contains("sales.orders"), root.out());
    Run ls = quiver("table", "ls", "sales");
    assertTrue(ls.out().contains("sales.orders") && ls.out().contains("/lake/orders"), ls.out());
    assertTrue(ls.out().matches("(?s).*\\bsales\\.eu\\.\\s+schema\\s+1 table\\b.*"), ls.out());
    Run all = quiver("table", "ls", "--all", "--json");
    assertEquals(3, QuiverCli.JSON.readTree(all.out()).get("tables").size(), all.out());
    Run none = quiver("table", "ls", "nope");
    assertEquals(1, none.exit());
    assertTrue(none.err().contains("No schema nope"), none.err());
    assertEquals(0, quiver("table", "drop", "top").exit());
    assertEquals(0, quiver("table", "drop", "sales.eu.orders").exit());

    Run scan = quiver("scan", "sales.orders", "--columns", "int64_req", "--show", "2");
    assertEquals(0, scan.exit(), scan.err());
    assertTrue(scan.out().contains("1000 rows"), scan.out());

    Run stats = quiver("cache", "stats", "--json");
    assertEquals(0, stats.exit(), stats.err());
    JsonNode json = QuiverCli.JSON.readTree(stats.out());
    assertTrue(json.get("misses").asLong() > 0);
    assertTrue(json.get("storageBytesRead").asLong() > 0);
    assertEquals(64L << 20, json.get("capacity").asLong());

    Run pin = quiver("cache", "pin", "sales.orders", "--columns", "int64_req", "--ttl", "2h");
    assertEquals(0, pin.exit(), pin.err());
    assertTrue(pin.out().contains("Pinned sales.orders (1 files, for 2h)"), pin.out());
    JsonNode unpinned =
        QuiverCli.JSON.readTree(quiver("cache", "unpin", "sales.orders", "--json").out());
    assertEquals("table:sales.orders", unpinned.get("unpinned").asText(), unpinned.toString());
    Run load = quiver("cache", "load", "sales.orders", "--columns", "int64_req,str_opt");
    assertEquals(0, load.exit(), load.err());
    assertTrue(load.out().startsWith("Loaded sales.orders: "), load.out());
    assertTrue(load.out().contains("1000 rows"), load.out());
    Run loadJson = quiver("cache", "load", "/lake/orders", "--json");
    assertEquals(0, loadJson.exit(), loadJson.err());
    JsonNode loaded = QuiverCli.JSON.readTree(loadJson.out());
    assertEquals("done", loaded.get("state").asText());
    assertEquals(1000, loaded.get("rows").asLong());
    Run badLoad = quiver("cache", "load", "sales.orders", "--columns", "nope");
    assertEquals(1, badLoad.exit());
    assertTrue(badLoad.err().contains("INVALID_ARGUMENT") && badLoad.err().contains("nope"));
    Run cacheLs = quiver("cache", "ls", "sales.orders", "--limit", "1");
    assertEquals(0, cacheLs.exit(), cacheLs.err());
    assertTrue(cacheLs.out().contains("p.parquet"), cacheLs.out());
    assertTrue(
        cacheLs.out().contains("memory") && cacheLs.out().contains("--limit for more"),
        cacheLs.out());
    JsonNode listed = QuiverCli.JSON.readTree(quiver("cache", "ls", "--json").out());
    assertTrue(listed.get("total").asLong() >= 2, listed.toString());
    Run free = quiver("cache", "free", "sales.orders");
    assertEquals(0, free.exit(), free.err());
    assertTrue(free.out().startsWith("Freed "), free.out());
    Run badTtl = quiver("cache", "pin", "/lake/orders", "--ttl", "later");
    assertEquals(1, badTtl.exit());
    assertTrue(badTtl.err().contains("INVALID_ARGUMENT"), badTtl.err());

    Run human = quiver("cache", "stats");
    assertTrue(human.out().contains("hit ratio"), human.out());
    Run mounts = quiver("mounts");
    assertTrue(mounts.out().contains("/lake"), mounts.out());
  }

  @Test
  void describeShowsColumnsPartitionsFilesAndWhatIsCached() throws Exception {
    Path t = tmp.resolve("lake/events");
    writeIds(Files.createDirectories(t.resolve("day=2024-01-01")).resolve("a.parquet"));
    writeIds(Files.createDirectories(t.resolve("day=2024-01-02")).resolve("b.parquet"));
    assertEquals(
        0, quiver("mount", "/lake", Location.ofLocalPath(tmp.resolve("lake")).toString()).exit());
    Run create = quiver("table", "create", "ev.t", "/lake/events", "--partition", "day=string");
    assertEquals(0, create.exit(), create.err());
    // Only id of a.parquet's first row groups is cached: a scan of one partition.
    assertEquals(
        0,
        quiver(
                "scan",
                "ev.t",
                "--columns",
                "id",
                "--filter",
                "{\"op\": \"=\", \"column\": \"day\", \"value\": \"2024-01-01\"}")
            .exit());

    Run human = quiver("table", "describe", "ev.t");
    assertEquals(0, human.exit(), human.err());
    assertTrue(human.out().contains("2 files, 2000 rows"), human.out());
    assertTrue(human.out().contains("20 row groups"), human.out());
    assertTrue(human.out().matches("(?s).*\\bday\\s+Utf8\\s+partition.*"), human.out());
    assertTrue(human.out().contains("/lake/events/day=2024-01-02/b.parquet"), human.out());

    JsonNode d = QuiverCli.JSON.readTree(quiver("table", "describe", "ev.t", "--json").out());
    assertEquals(2, d.get("fileCount").asLong());
    assertEquals("string", d.get("partitions").get("day").asText(), "declared, not inferred date");
    JsonNode id = d.get("columns").get(0);
    assertEquals("id", id.get("name").asText());
    assertEquals("Int(64, true)", id.get("type").asText());
    assertEquals(20, id.get("chunks").asLong());
    assertEquals(10, id.get("cachedChunks").asLong(), "a.parquet's 10 row groups of id");
    assertTrue(id.get("cachedBytes").asLong() >= 8 * 1000, id.toString());
    JsonNode odd = d.get("columns").get(1);
    assertEquals(0, odd.get("cachedChunks").asLong());
    JsonNode day = d.get("columns").get(2);
    assertTrue(day.get("partition").asBoolean());
    assertEquals("2024-01-01", d.get("files").get(0).get("partitionValues").get("day").asText());

    assertTrue(human.out().contains("Columns inferred from the files' footers"), human.out());

    // Declared columns: a column no file has reads as nulls; describe says they are declared.
    Run declared =
        quiver(
            "table", "create", "ev.declared", "/lake/events", "--schema", "id int64, note string");
    assertEquals(0, declared.exit(), declared.err());
    Run described = quiver("table", "describe", "ev.declared");
    assertTrue(
        described.out().contains("Columns declared: id int64, note string"), described.out());
    assertTrue(described.out().matches("(?s).*\\bnote\\s+Utf8\\s+file\\s+0\\b.*"), described.out());
    Run bad = quiver("table", "create", "ev.bad", "/lake/events", "--schema", "id int64, x huge");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("Column 'x': Unknown type 'huge'"), bad.err());

    Run missing = quiver("table", "describe", "nope.nope");
    assertEquals(1, missing.exit());
    assertTrue(missing.err().contains("nope.nope"), missing.err());
  }

  /** 1000 rows, {@code id} 0..999 in row groups of 100, {@code odd} true for odd ids. */
  private void writeIds(Path file) throws Exception {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message t { required int64 id; optional boolean odd; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withRowGroupRowCountLimit(100)
            .build()) {
      for (long id = 0; id < 1000; id++) {
        writer.write(groups.newGroup().append("id", id).append("odd", id % 2 == 1));
      }
    }
  }

  @Test
  void filteredScansAndBadFilters() throws Exception {
    writeIds(Files.createDirectories(tmp.resolve("lake/ids")).resolve("ids.parquet"));
    assertEquals(
        0, quiver("mount", "/lake", Location.ofLocalPath(tmp.resolve("lake")).toString()).exit());
    assertEquals(0, quiver("table", "create", "t.ids", "/lake/ids").exit());
    String between = "{\"op\": \"between\", \"column\": \"id\", \"low\": 150, \"high\": 249}";

    Run exact = quiver("scan", "t.ids", "--filter", between, "--show", "0");
    assertEquals(0, exact.exit(), exact.err());
    assertTrue(exact.out().contains("\n100 rows,"), exact.out());
    assertTrue(
        exact.out().contains("filter (exact): ")
            && exact.out().contains("planned, 200 rows in the row groups/stripes kept"),
        exact.out());

    Run odd =
        quiver(
            "scan",
            "/lake/ids",
            "--columns",
            "id",
            "--filter",
            "{\"op\": \"and\", \"args\": ["
                + between
                + ", {\"op\": \"=\", \"column\": \"odd\","
                + " \"value\": true}]}");
    assertEquals(0, odd.exit(), odd.err());
    assertTrue(odd.out().startsWith("id\n151\n153\n"), odd.out());
    assertTrue(odd.out().contains("\n50 rows,"), odd.out());

    Run pruned = quiver("scan", "t.ids", "--filter", between, "--prune-only");
    assertEquals(0, pruned.exit(), pruned.err());
    assertTrue(pruned.out().contains("\n200 rows,"), "whole row groups: " + pruned.out());

    Run none =
        quiver("scan", "t.ids", "--filter", "{\"op\": \"<\", \"column\": \"id\", \"value\": 0}");
    assertEquals(0, none.exit(), none.err());
    assertTrue(none.out().contains("0 endpoints planned") && none.out().contains("\n0 rows,"));

    Run badOp =
        quiver("scan", "t.ids", "--filter", "{\"op\": \"~\", \"column\": \"id\", \"value\": 1}");
    assertEquals(2, badOp.exit());
    assertTrue(badOp.err().contains("--filter"), badOp.err());
    assertTrue(badOp.err().contains("Unknown filter operator '~'"), badOp.err());

    Run notJson = quiver("scan", "t.ids", "--filter", "id > 3");
    assertEquals(2, notJson.exit());
    assertTrue(
        notJson.err().contains("--filter") && notJson.err().contains("not JSON"), notJson.err());

    Run unknownColumn =
        quiver("scan", "t.ids", "--filter", "{\"op\": \"=\", \"column\": \"nope\", \"value\": 1}");
    assertEquals(1, unknownColumn.exit());
    assertTrue(
        unknownColumn.err().startsWith("quiver: INVALID_ARGUMENT")
            && unknownColumn.err().contains("Unknown column 'nope'"),
        unknownColumn.err());

    Run pruneAlone = quiver("scan", "t.ids", "--prune-only");
    assertEquals(2, pruneAlone.exit());
    assertTrue(pruneAlone.err().contains("--prune-only needs --filter"), pruneAlone.err());
  }

  @Test
  void errorsAreOneClearLine() {
    Run missing = quiver("mount", "/x", Location.ofLocalPath(tmp.resolve("missing")).toString());
    assertEquals(1, missing.exit());
    assertTrue(missing.err().startsWith("quiver: INVALID_ARGUMENT"), missing.err());
    assertTrue(missing.err().contains("nothing exists"), missing.err());

    Run noTable = quiver("table", "drop", "nope.nope");
    assertEquals(1, noTable.exit());
    assertTrue(noTable.err().contains("NOT_FOUND"), noTable.err());
  }

  @Test
  void unreachableServerIsExplained() {
    StringWriter err = new StringWriter();
    int exit =
        QuiverCli.execute(
            new String[] {"health", "--server", "localhost:1"},
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(err, true));
    assertEquals(1, exit);
    assertTrue(
        err.toString().contains("cannot reach a Quiver node at localhost:1"), err.toString());
  }
}
