package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.TestNode;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.StorageMetrics;
import io.quiver.storage.s3.S3ProxyServer;
import io.quiver.testing.ColumnFiles;
import io.quiver.testing.Table;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hive-partitioned table whose files' schemas evolved, on S3 (S3Proxy): rows match DuckDB reading
 * the same files ({@code hive_partitioning}, {@code union_by_name}), and a query on one partition
 * (by scan command and by SQL) opens only that partition's files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionedTableFlightTest {
  private static final String BUCKET = "lake";

  @TempDir static Path tmp;
  private Path local;
  private S3ProxyServer proxy;
  private TestNode node;
  private Connection sql;
  private Connection duck;
  private final Map<String, Long> sizes = new java.util.HashMap<>();

  @BeforeAll
  void setUp() throws Exception {
    local = Files.createDirectories(tmp.resolve("files"));
    // Four files over year/region partitions; the schema grows and widens from file to file.
    ColumnFiles.file()
        .column("id", "int32", List.of(1, 2, 3))
        .column("price", "float", Arrays.asList(1.5f, 2.5f, null))
        .write(local.resolve("t/year=2024/region=eu/a.parquet"));
    ColumnFiles.file()
        .column("id", "int64", List.of(4L, 5L))
        .column("price", "double", List.of(4.25, 5.5))
        .column("note", "string", Arrays.asList("x", null))
        .write(local.resolve("t/year=2024/region=us/b.parquet"));
    ColumnFiles.file()
        .column("id", "int64", List.of(6L))
        .column("note", "string", List.of("z"))
        .write(local.resolve("t/year=2025/region=eu/c.parquet"));
    ColumnFiles.file()
        .column("id", "int32", List.of(7))
        .column("price", "float", List.of(7.5f))
        .write(local.resolve("t/year=__HIVE_DEFAULT_PARTITION__/region=us/d.parquet"));

    proxy = S3ProxyServer.startTransient();
    proxy.createBucket(BUCKET);
    BlobStore blobs = proxy.blobStore();
    try (Stream<Path> files = Files.walk(local)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        String key = local.relativize(f).toString().replace('\\', '/');
        blobs.putBlob(BUCKET, blobs.blobBuilder(key).payload(Files.readAllBytes(f)).build());
        sizes.put(f.getFileName().toString(), Files.size(f));
      }
    }
    node =
        TestNode.start(
            tmp.resolve("quiver-data"),
            c ->
                c.withSecurity(
                    SecurityConfig.none()
                        .withCredentialSet(
                            "test-s3",
                            Map.of(
                                "access-key-env", "QUIVER_TEST_S3_ACCESS_KEY",
                                "secret-key-env", "QUIVER_TEST_S3_SECRET_KEY"))));
    node.action(
        "mount",
        Map.of(
            "path",
            "/s3",
            "uri",
            "s3://" + BUCKET + "/",
            "options",
            Map.of("endpoint", proxy.endpoint().toString(), "credentials", "test-s3")));
    node.createTable("lake.t", "/s3/t");
    sql =
        DriverManager.getConnection(
            "jdbc:arrow-flight-sql://127.0.0.1:" + node.port() + "/?useEncryption=false");
    duck = DriverManager.getConnection("jdbc:duckdb:");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (sql != null) {
      sql.close();
    }
    if (duck != null) {
      duck.close();
    }
    if (node != null) {
      node.close(); // fails on an off-heap leak
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void schemaIsUnifiedByNameThenPartitionColumns() {
    FlightInfo info = node.plan(ScanCommand.table("lake.t"));
    List<Field> fields = info.getSchema().getFields();
    assertEquals(
        List.of("id", "price", "note", "year", "region"),
        fields.stream().map(Field::getName).toList());
    assertEquals(new ArrowType.Int(64, true), fields.get(0).getType());
    assertEquals(
        new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), fields.get(1).getType());
    assertEquals(ArrowType.Utf8.INSTANCE, fields.get(2).getType());
    assertEquals(new ArrowType.Int(64, true), fields.get(3).getType());
    assertEquals(ArrowType.Utf8.INSTANCE, fields.get(4).getType());
  }

  @Test
  void rowsAreWhatDuckDbReadsFromTheSameFiles() throws Exception {
    Table t = node.read(node.plan(ScanCommand.table("lake.t")));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), t.column("id"));
    assertEquals(Arrays.asList(1.5, 2.5, null, 4.25, 5.5, null, 7.5), t.column("price"));
    assertEquals(Arrays.asList(null, null, null, "x", null, "z", null), t.column("note"));
    assertEquals(Arrays.asList(2024L, 2024L, 2024L, 2024L, 2024L, 2025L, null), t.column("year"));
    assertEquals(List.of("eu", "eu", "eu", "us", "us", "eu", "us"), t.column("region"));

    for (String query :
        List.of(
            "SELECT id, price, note, \"year\", region FROM %s ORDER BY id",
            "SELECT id, note FROM %s WHERE \"year\" = 2025 ORDER BY id",
            "SELECT id FROM %s WHERE \"year\" IS NULL ORDER BY id",
            "SELECT region, COUNT(*), SUM(price) FROM %s WHERE \"year\" >= 2024 GROUP BY region"
                + " ORDER BY region",
            "SELECT id, \"year\" FROM %s WHERE region = 'us' AND note IS NULL ORDER BY id")) {
      String source =
          "read_parquet('"
              + local.resolve("t")
              + "/**/*.parquet', hive_partitioning = true, union_by_name = true)";
      assertEquals(
          rows(duck, String.format(query, source)),
          rows(sql, String.format(query, "lake.t")),
          query);
    }
  }

  @Test
  void aScanOfOnePartitionOpensOnlyItsFiles() throws Exception {
    StorageMetrics metrics = node.server().storageMetrics();
    node.action("cache-free", Map.of("table", "lake.t")); // other tests may have cached chunks
    // By scan command: year = 2025 is file c alone; the other three are pruned unread.
    long opens = metrics.opens();
    long bytes = metrics.bytesRead();
    long prunedBefore = node.stats().path("scans").path("unitsPruned").asLong();
    FlightInfo info =
        node.plan(
            ScanCommand.table("lake.t")
                .withColumns(List.of("id", "note"))
                .withFilter(new Filter.Compare("year", Filter.CompareOp.EQ, 2025)));
    assertEquals(1, info.getEndpoints().size());
    Table t = node.read(info);
    assertEquals(List.of(6L), t.column("id"));
    assertEquals(1, metrics.opens() - opens, "only c.parquet is opened");
    assertTrue(metrics.bytesRead() - bytes <= sizes.get("c.parquet"), "no more than c's bytes");
    // The other partitions were pruned while the table was discovered: never even considered.
    JsonNode stats = node.stats();
    assertEquals(
        0, stats.path("scans").path("unitsPruned").asLong() - prunedBefore, stats.toString());

    // By SQL: Calcite's filter on two partition columns reaches the planner the same way.
    opens = metrics.opens();
    bytes = metrics.bytesRead();
    assertEquals(
        List.of(List.of("4", "x"), List.of("5", "NULL")),
        rows(
            sql,
            "SELECT id, note FROM lake.t WHERE \"year\" = 2024 AND region = 'us' ORDER BY id"));
    assertEquals(1, metrics.opens() - opens, "only b.parquet is opened");
    assertTrue(metrics.bytesRead() - bytes <= sizes.get("b.parquet"), "no more than b's bytes");
  }

  @Test
  void partitionColumnsAloneReadNoFile() throws Exception {
    StorageMetrics metrics = node.server().storageMetrics();
    node.action("cache-free", Map.of("table", "lake.t"));
    long opens = metrics.opens();
    Table t =
        node.read(
            node.plan(
                ScanCommand.table("lake.t")
                    .withColumns(List.of("region", "year"))
                    .withFilter(new Filter.Compare("region", Filter.CompareOp.EQ, "eu"))));
    assertEquals(List.of("eu", "eu", "eu", "eu"), t.column("region"));
    assertEquals(List.of(2024L, 2024L, 2024L, 2025L), t.column("year"));
    assertEquals(0, metrics.opens() - opens, "values of partition columns come from the paths");
  }

  private static List<List<String>> rows(Connection c, String query) throws SQLException {
    List<List<String>> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          Object v = rs.getObject(i);
          row.add(
              v == null
                  ? "NULL"
                  : v instanceof Number num
                      ? new BigDecimal(num.toString())
                          .round(new MathContext(12))
                          .stripTrailingZeros()
                          .toPlainString()
                      : v.toString());
        }
        out.add(row);
      }
    }
    return out;
  }
}
