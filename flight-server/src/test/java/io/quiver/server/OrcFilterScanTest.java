package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntPredicate;
import org.apache.arrow.flight.FlightInfo;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.common.type.HiveDecimal;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DecimalColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.DoubleColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.ListColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.LongColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.TimestampColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcConf;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.StripeInformation;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scan filters over an ORC table end to end. DuckDB cannot read ORC, so the oracle is the rows
 * Arrow C++ reads from the same file, selected by a plain Java predicate written next to each
 * filter; the rows Quiver sends must be exactly those. Sorted columns of several types make stripe
 * statistics prune, and each pruning case also states how many of the ten stripes it must skip. One
 * server for the class (the cases only read).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrcFilterScanTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 20_000;
  private static final int STRIPE_ROWS = 2_000;
  private static final int STRIPES = ROWS / STRIPE_ROWS;
  private static final int FIRST_DAY = 19_000;
  private static final List<String> SENT =
      List.of("id", "d", "dec", "s", "b", "k", "f", "v", "c", "ts", "tags");
  private static final TypeDescription SCHEMA =
      TypeDescription.fromString(
          "struct<id:bigint,d:date,dec:decimal(12,2),s:string,b:boolean,k:int,f:double,"
              + "v:varchar(6),c:char(4),ts:timestamp,tags:array<int>,allnull:int>");

  /** The expectation of a case that must keep no row; every other case must keep some. */
  private static final IntPredicate NONE = row -> false;

  private static final String[] WORDS = {"apple", "Apple", "banana", "é", "中文", "", "z", "b"};

  @TempDir static Path tmp;
  private TestNode node;
  private Table oracle;

  @BeforeAll
  void setUp() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/t"));
    Path file = writeFile(lake.resolve("data.orc"));
    node =
        TestNode.start(tmp.resolve("quiver-data"), c -> c.withBatchRows(512))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("o.t", "/lake/t");
    oracle = ArrowOracle.readOrc(file, SENT);
    assertEquals(ROWS, oracle.rowCount());
  }

  @AfterAll
  void tearDown() throws Exception {
    node.close(); // fails on a leak
  }

  /**
   * Ten stripes of 2,000 rows. Sorted: {@code id} (the row number), {@code d}, {@code dec} and
   * {@code s}; {@code b} is the same in every row of a stripe (true in stripes 0, 3, 6 and 9). The
   * rest is random. Every column but {@code id} has nulls; {@code allnull} has nothing else.
   */
  private static Path writeFile(Path path) throws Exception {
    Configuration conf = new Configuration(false);
    OrcConf.STRIPE_ROW_COUNT.setLong(conf, STRIPE_ROWS);
    Random r = new Random(7);
    try (Writer writer =
        OrcFile.createWriter(
            new org.apache.hadoop.fs.Path(path.toUri()),
            OrcFile.writerOptions(conf)
                .setSchema(SCHEMA)
                .compress(CompressionKind.ZLIB)
                .rowIndexStride(1000)
                .useUTCTimestamp(true))) {
      VectorizedRowBatch batch = SCHEMA.createRowBatch(500);
      for (int id = 0; id < ROWS; ) {
        batch.reset();
        for (int next = 0; next < batch.getMaxSize(); next++, id++) {
          final int row = next;
          final int i = id;
          ((LongColumnVector) batch.cols[0]).vector[row] = i;
          set(batch.cols[1], row, i % 97 != 0, c -> ((LongColumnVector) c).vector[row] = day(i));
          set(
              batch.cols[2],
              row,
              i % 89 != 0,
              c ->
                  ((DecimalColumnVector) c)
                      .vector[row].set(HiveDecimal.create(BigDecimal.valueOf(i * 25L, 2))));
          set(batch.cols[3], row, i % 83 != 0, c -> bytes(c, row, String.format("row-%05d", i)));
          set(
              batch.cols[4],
              row,
              i % 79 != 0,
              c -> ((LongColumnVector) c).vector[row] = (i / STRIPE_ROWS) % 3 == 0 ? 1 : 0);
          set(
              batch.cols[5],
              row,
              r.nextInt(10) > 0,
              c -> ((LongColumnVector) c).vector[row] = r.nextInt(2001) - 1000);
          set(
              batch.cols[6],
              row,
              r.nextInt(10) > 0,
              c ->
                  ((DoubleColumnVector) c).vector[row] =
                      r.nextInt(100) == 0 ? Double.NaN : r.nextGaussian() * 100);
          set(batch.cols[7], row, r.nextInt(10) > 0, c -> bytes(c, row, word(r)));
          set(batch.cols[8], row, r.nextInt(10) > 0, c -> bytes(c, row, word(r)));
          set(
              batch.cols[9],
              row,
              r.nextInt(10) > 0,
              c -> {
                long millis = 1_600_000_000_000L + (long) (r.nextDouble() * 100_000_000_000L);
                ((TimestampColumnVector) c).time[row] = millis;
                ((TimestampColumnVector) c).nanos[row] = (int) (millis % 1000) * 1_000_000;
              });
          set(
              batch.cols[10],
              row,
              r.nextInt(10) > 0,
              c -> {
                ListColumnVector list = (ListColumnVector) c;
                int n = r.nextInt(3);
                list.offsets[row] = list.childCount;
                list.lengths[row] = n;
                list.child.ensureSize(list.childCount + n, true);
                for (int k = 0; k < n; k++) {
                  ((LongColumnVector) list.child).vector[list.childCount++] = r.nextInt(100);
                }
              });
          set(batch.cols[11], row, false, c -> {});
        }
        batch.size = batch.getMaxSize();
        writer.addRowBatch(batch);
      }
    }
    try (Reader reader =
        OrcFile.createReader(
            new org.apache.hadoop.fs.Path(path.toUri()), OrcFile.readerOptions(conf))) {
      List<StripeInformation> stripes = reader.getStripes();
      assertEquals(STRIPES, stripes.size(), "stripes");
      for (StripeInformation s : stripes) {
        assertEquals(STRIPE_ROWS, s.getNumberOfRows(), "rows of a stripe");
      }
    }
    Files.deleteIfExists(path.resolveSibling("." + path.getFileName() + ".crc"));
    return path;
  }

  private interface Setter {
    void set(ColumnVector column);
  }

  private static void set(ColumnVector column, int row, boolean present, Setter setter) {
    if (present) {
      column.isNull[row] = false;
      setter.set(column);
    } else {
      column.noNulls = false;
      column.isNull[row] = true;
    }
  }

  private static void bytes(ColumnVector column, int row, String value) {
    ((BytesColumnVector) column).setVal(row, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String word(Random r) {
    String w = WORDS[r.nextInt(WORDS.length)];
    return r.nextBoolean() ? w : (w + r.nextInt(10));
  }

  private static int day(int id) {
    return FIRST_DAY + id / 100;
  }

  private JsonNode action(String type, Map<String, ?> body) {
    return node.action(type, body);
  }

  private FlightInfo plan(ScanCommand command) {
    return node.plan(command);
  }

  private Table read(FlightInfo info) throws Exception {
    return node.read(info);
  }

  // Accessors of the oracle's rows; null for a null value.
  private Object value(String column, int row) {
    return oracle.column(column).get(row);
  }

  private Long longValue(String column, int row) {
    Object v = value(column, row);
    return v == null ? null : ((Number) v).longValue();
  }

  private static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Scans with {@code filter}, checks the rows against the oracle's rows for which {@code expected}
   * holds, and returns the number of stripes the plan pruned.
   */
  private long assertSameAsOracle(Filter filter, IntPredicate expected) throws Exception {
    List<Integer> ids = new ArrayList<>();
    for (int row = 0; row < ROWS; row++) {
      if (expected.test(row)) {
        ids.add(row);
      }
    }
    long prunedBefore = action("stats", Map.of()).at("/scans/unitsPruned").asLong();
    Table got = read(plan(ScanCommand.table("o.t").withColumns(SENT).withFilter(filter)));
    long pruned = action("stats", Map.of()).at("/scans/unitsPruned").asLong() - prunedBefore;
    List<Integer> gotIds = got.column("id").stream().map(v -> ((Number) v).intValue()).toList();
    if (!ids.equals(gotIds)) {
      throw new AssertionError(
          filter
              + ": expected "
              + ids.size()
              + " rows, Quiver sent "
              + gotIds.size()
              + "; expected "
              + ids.subList(0, Math.min(10, ids.size()))
              + "…, got "
              + gotIds.subList(0, Math.min(10, gotIds.size()))
              + "…");
    }
    assertTrue(expected == NONE || !ids.isEmpty(), "a case that keeps nothing proves little");
    ArrowAssertions.assertSameTable(oracle.rows(ids), got);
    return pruned;
  }

  private void assertPrunes(long stripes, Filter filter, IntPredicate expected) throws Exception {
    assertEquals(stripes, assertSameAsOracle(filter, expected), "stripes pruned by " + filter);
  }

  @Test
  void sortedColumnsOfEveryPrunableTypePruneStripes() throws Exception {
    assertPrunes(STRIPES - 1, Filter.between("id", 5000, 5199), row -> row >= 5000 && row <= 5199);
    LocalDate from = LocalDate.ofEpochDay(FIRST_DAY + 150);
    assertPrunes(
        7,
        Filter.ge("d", from),
        row -> {
          Long d = longValue("d", row);
          return d != null && d >= from.toEpochDay();
        });
    BigDecimal limit = new BigDecimal("4500");
    assertPrunes(
        STRIPES - 1,
        Filter.gt("dec", limit),
        row -> {
          Object v = value("dec", row);
          return v != null && ((BigDecimal) v).compareTo(limit) > 0;
        });
    assertPrunes(
        STRIPES - 2,
        Filter.lt("s", "row-04000"),
        row -> {
          Object v = value("s", row);
          return v != null && compareUtf8((String) v, "row-04000") < 0;
        });
    assertPrunes(6, Filter.eq("b", true), row -> Boolean.TRUE.equals(value("b", row)));
    assertPrunes(
        STRIPES - 2,
        Filter.or(Filter.lt("id", 100), Filter.gt("id", 19_900)),
        row -> row < 100 || row > 19_900);
    assertPrunes(STRIPES - 1, Filter.not(Filter.ge("id", 2000)), row -> row < 2000);
    assertPrunes(
        STRIPES - 1,
        Filter.and(Filter.ge("id", 3000), Filter.eq("b", true), Filter.lt("s", "row-08000")),
        row -> row >= 6000 && row < 8000 && row % 79 != 0 && row % 83 != 0);
  }

  @Test
  void nullCountsPruneAndUnprunableTypesAreFilteredExactly() throws Exception {
    // Every value of allnull is null: a comparison is never TRUE, IS NOT NULL neither.
    assertPrunes(STRIPES, Filter.gt("allnull", 0), NONE);
    assertPrunes(STRIPES, Filter.isNotNull("allnull"), NONE);
    assertPrunes(0, Filter.isNull("allnull"), row -> true);
    // id has no nulls.
    assertPrunes(STRIPES, Filter.isNull("id"), NONE);
    // k is random in [-1000, 1000].
    assertPrunes(STRIPES, Filter.gt("k", 5000), NONE);
    // Floating point, char and timestamp statistics are not used.
    assertPrunes(
        0,
        Filter.gt("f", 1e9),
        row -> {
          Object v = value("f", row);
          return v != null && Double.isNaN((Double) v);
        });
    assertPrunes(0, Filter.eq("c", "z   "), row -> "z   ".equals(value("c", row)));
    LocalDateTime after = LocalDateTime.parse("2021-06-01T12:00:00");
    assertPrunes(
        0,
        Filter.gt("ts", after.toString()),
        row -> {
          Object v = value("ts", row);
          return v != null && ((LocalDateTime) v).isAfter(after);
        });
  }

  @Test
  void comparisonsInexactLiteralsAndThreeValuedLogicOnRandomColumns() throws Exception {
    assertSameAsOracle(
        Filter.le("k", -999),
        row -> {
          Long k = longValue("k", row);
          return k != null && k <= -999;
        });
    assertSameAsOracle(
        Filter.lt("k", new BigDecimal("2.5")),
        row -> {
          Long k = longValue("k", row);
          return k != null && k <= 2;
        });
    assertSameAsOracle(Filter.eq("k", new BigDecimal("2.5")), NONE);
    assertSameAsOracle(
        Filter.lt("dec", new BigDecimal("10.005")),
        row -> {
          Object v = value("dec", row);
          return v != null && ((BigDecimal) v).compareTo(new BigDecimal("10.00")) <= 0;
        });
    assertSameAsOracle(
        Filter.ne("f", 0),
        row -> {
          Object v = value("f", row);
          return v != null && (Double) v != 0.0;
        });
    assertSameAsOracle(
        Filter.gt("f", 50.5),
        row -> {
          Object v = value("f", row);
          return v != null && (Double.isNaN((Double) v) || (Double) v > 50.5);
        });
    assertSameAsOracle(
        Filter.gt("v", "é"),
        row -> {
          Object v = value("v", row);
          return v != null && compareUtf8((String) v, "é") > 0;
        });
    assertSameAsOracle(
        Filter.in("v", "apple", "中文", "z3"),
        row -> {
          Object v = value("v", row);
          return v != null && List.of("apple", "中文", "z3").contains(v);
        });
    assertSameAsOracle(
        Filter.or(Filter.eq("k", 17), Filter.isNull("k")),
        row -> {
          Long k = longValue("k", row);
          return k == null || k == 17;
        });
    assertSameAsOracle(
        Filter.not(Filter.or(Filter.gt("k", 0), Filter.isNull("v"))),
        row -> {
          Long k = longValue("k", row);
          return k != null && k <= 0 && value("v", row) != null;
        });
    assertSameAsOracle(
        Filter.and(Filter.isNull("tags"), Filter.not(Filter.eq("b", false))),
        row -> value("tags", row) == null && Boolean.TRUE.equals(value("b", row)));
    LocalDateTime at = LocalDateTime.ofEpochSecond(1_650_000_000L, 0, ZoneOffset.UTC);
    assertSameAsOracle(
        Filter.le("ts", at.toInstant(ZoneOffset.UTC)),
        row -> {
          Object v = value("ts", row);
          return v != null && !((LocalDateTime) v).isAfter(at);
        });
  }

  @Test
  void prunedStripesAreNeitherReadNorCounted() throws Exception {
    action("cache-free", Map.of());
    ScanCommand command =
        ScanCommand.table("o.t")
            .withColumns(List.of("id", "k", "s"))
            .withFilter(Filter.between("id", 5000, 5199));
    JsonNode before = action("stats", Map.of());
    FlightInfo info = plan(command);
    assertEquals(STRIPE_ROWS, info.getRecords(), "estimate: the one stripe kept");
    assertEquals(1, info.getEndpoints().size());
    Table got = read(info);
    JsonNode after = action("stats", Map.of());
    assertEquals(200, got.rowCount());
    assertEquals(STRIPES, after.at("/scans/units").asLong() - before.at("/scans/units").asLong());
    assertEquals(
        STRIPES - 1,
        after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong());
    assertEquals(200, after.at("/scans/rowsSent").asLong() - before.at("/scans/rowsSent").asLong());
    assertEquals(
        STRIPE_ROWS - 200,
        after.at("/scans/rowsFilteredOut").asLong() - before.at("/scans/rowsFilteredOut").asLong());
    long filteredBytes =
        after.path("storageBytesRead").asLong() - before.path("storageBytesRead").asLong();

    action("cache-free", Map.of());
    JsonNode beforeFull = action("stats", Map.of());
    FlightInfo full = plan(ScanCommand.table("o.t").withColumns(List.of("id", "k", "s")));
    assertEquals(ROWS, full.getRecords());
    assertTrue(full.getBytes() > info.getBytes() * 5, full.getBytes() + " vs " + info.getBytes());
    assertEquals(ROWS, read(full).rowCount());
    long fullBytes =
        action("stats", Map.of()).path("storageBytesRead").asLong()
            - beforeFull.path("storageBytesRead").asLong();
    // One stripe of ten (the tail is cached after the first read).
    assertTrue(
        filteredBytes * 5 < fullBytes,
        "pruned scan read " + filteredBytes + " bytes, full scan " + fullBytes);
  }

  @Test
  void pruneOnlySendsWholeStripesThatMayMatch() throws Exception {
    Table got =
        read(
            plan(
                ScanCommand.table("o.t")
                    .withColumns(List.of("id"))
                    .withFilter(Filter.or(Filter.lt("id", 10), Filter.eq("b", false)))
                    .pruneOnly()));
    // Stripe 0 for id < 10, and every stripe whose b is false (1, 2, 4, 5, 7, 8).
    assertEquals(7 * STRIPE_ROWS, got.rowCount());
    assertEquals(0L, got.column("id").get(0));
  }
}
