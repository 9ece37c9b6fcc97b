package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.ColumnStatistics;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.Table;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector;
import org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcFile;
import org.apache.orc.OrcProto;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;
import org.apache.orc.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stripe statistics as {@link ColumnStatistics}: checked against the per-stripe minimum, maximum
 * and null count of the values Arrow C++ reads from the same files, and, for writers and cases
 * orc-core's writer does not produce, against hand-made statistics messages.
 */
class OrcStatisticsTest {
  /** Columns whose statistics give bounds; every other column must have none. */
  private static final Set<String> BOUNDED =
      Set.of(
          "c_bool",
          "c_byte",
          "c_short",
          "c_int",
          "c_long",
          "c_string",
          "c_varchar",
          "c_dec_small",
          "c_dec_large",
          "c_date",
          "c_const",
          "c_no_null");

  @TempDir Path dir;

  @Test
  void boundsAndNullCountsAreThoseOfEachStripesValues() throws Exception {
    Path file =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "all.orc", 6_000, CompressionKind.ZLIB, 32 * 1024, 7);
    Table values = ArrowOracle.readOrc(file);
    try (StorageInput input = DecodedOrc.open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      assertTrue(metadata.unitCount() >= 3, "several stripes: " + metadata.stripes());
      int first = 0;
      for (int stripe = 0; stripe < metadata.unitCount(); stripe++) {
        int rows = (int) metadata.unitRows(stripe);
        for (String column : values.columnNames()) {
          List<Object> stripeValues = values.column(column).subList(first, first + rows);
          ColumnStatistics s = metadata.statistics(stripe, column);
          String where = column + " in stripe " + stripe;
          assertEquals(rows, s.valueCount(), where);
          long nulls = stripeValues.stream().filter(Objects::isNull).count();
          assertEquals(nulls, s.nullCount(), "null count of " + where);
          List<Object> nonNull = stripeValues.stream().filter(Objects::nonNull).toList();
          if (!BOUNDED.contains(column) || nonNull.isEmpty()) {
            assertNull(s.min(), "no bounds for " + where);
            assertNull(s.max(), "no bounds for " + where);
            continue;
          }
          // orc-core records the exact minimum and maximum of values this short.
          assertEquals(domain(nonNull.stream().min(ORDER).orElseThrow()), s.min(), "min " + where);
          assertEquals(domain(nonNull.stream().max(ORDER).orElseThrow()), s.max(), "max " + where);
        }
        first += rows;
      }
      assertEquals(values.rowCount(), first);
      ColumnStatistics allNull = metadata.statistics(0, "c_all_null");
      assertEquals(allNull.valueCount(), allNull.nullCount());
      assertEquals(42L, metadata.statistics(0, "c_const").min());
      ColumnStatistics missing = metadata.statistics(1, "no_such_column");
      assertEquals(-1, missing.nullCount());
      assertEquals(metadata.unitRows(1), missing.valueCount());
    }
  }

  @Test
  void stringsTooLongForTheStatisticsGetTruncatedBounds() throws Exception {
    Path file = dir.resolve("long.orc");
    TypeDescription schema = TypeDescription.fromString("struct<s:string>");
    // Longer than the 1024 bytes orc-core records: it writes lower and upper bounds instead.
    String low = "é".repeat(700) + "a";
    String high = "ü".repeat(600) + "\uD83D\uDE00".repeat(10);
    Configuration conf = new Configuration(false);
    try (Writer writer =
        OrcFile.createWriter(
            new org.apache.hadoop.fs.Path(file.toUri()),
            OrcFile.writerOptions(conf).setSchema(schema).compress(CompressionKind.NONE))) {
      VectorizedRowBatch batch = schema.createRowBatch(3);
      BytesColumnVector s = (BytesColumnVector) batch.cols[0];
      for (String v : List.of(high, low, "m")) {
        s.setVal(batch.size++, v.getBytes(StandardCharsets.UTF_8));
      }
      writer.addRowBatch(batch);
    }
    try (StorageInput input = DecodedOrc.open(file)) {
      ColumnStatistics s = OrcFooters.read(input).statistics(0, "s");
      assertEquals(0, s.nullCount());
      String min = (String) s.min();
      String max = (String) s.max();
      assertNotEquals(low, min, "truncated");
      assertNotEquals(high, max, "truncated");
      assertTrue(compareUtf8(min, low) <= 0, "lower bound " + min.length() + " chars");
      assertTrue(compareUtf8(max, high) >= 0, "upper bound " + max.length() + " chars");
    }
  }

  @Test
  void statisticsTheDecodedValuesMayNotMatchAreLeftOut() {
    TypeDescription dec10 = TypeDescription.createDecimal().withPrecision(10).withScale(2);
    TypeDescription dec30 = TypeDescription.createDecimal().withPrecision(30).withScale(2);
    OrcProto.ColumnStatistics decimal =
        OrcProto.ColumnStatistics.newBuilder()
            .setNumberOfValues(10)
            .setHasNull(false)
            .setDecimalStatistics(
                OrcProto.DecimalStatistics.newBuilder().setMinimum("-1.005").setMaximum("7.001"))
            .build();
    // Wider than the column's scale: widened to it, never narrowed.
    ColumnStatistics s = OrcStatistics.of(dec10, decimal, 10, OrcFile.WriterVersion.ORC_14);
    assertEquals(new BigDecimal("-1.01"), s.min());
    assertEquals(new BigDecimal("7.01"), s.max());
    assertEquals(0, s.nullCount());
    // ORC-517: ORC Java 1.5 wrote wrong decimal64 statistics; orc-core ignores them too.
    assertNull(OrcStatistics.of(dec10, decimal, 10, OrcFile.WriterVersion.ORC_135).min());
    assertEquals(
        new BigDecimal("7.01"),
        OrcStatistics.of(dec30, decimal, 10, OrcFile.WriterVersion.ORC_135).max());

    OrcProto.ColumnStatistics badUtf8 =
        OrcProto.ColumnStatistics.newBuilder()
            .setNumberOfValues(4)
            .setStringStatistics(
                OrcProto.StringStatistics.newBuilder()
                    .setMinimumBytes(ByteString.copyFromUtf8("a"))
                    .setMaximumBytes(ByteString.copyFrom(new byte[] {(byte) 0xff})))
            .build();
    TypeDescription string = TypeDescription.createString();
    s = OrcStatistics.of(string, badUtf8, 5, OrcFile.WriterVersion.ORC_14);
    assertNull(s.min(), "a String cannot hold the bytes 0xff");
    assertEquals(1, s.nullCount());
    OrcProto.ColumnStatistics goodUtf8 =
        badUtf8.toBuilder()
            .setStringStatistics(
                OrcProto.StringStatistics.newBuilder().setMinimum("a").setMaximum("z"))
            .build();
    assertEquals("z", OrcStatistics.of(string, goodUtf8, 5, OrcFile.WriterVersion.ORC_14).max());
    // Hive before HIVE-8732 merged string statistics wrongly.
    assertNull(OrcStatistics.of(string, goodUtf8, 5, OrcFile.WriterVersion.ORIGINAL).min());
    TypeDescription chars = TypeDescription.createChar().withMaxLength(3);
    assertNull(OrcStatistics.of(chars, goodUtf8, 5, OrcFile.WriterVersion.ORC_14).min());

    // A null count contradicting hasNull is not trusted; hasNull=false alone means none.
    OrcProto.ColumnStatistics contradiction =
        OrcProto.ColumnStatistics.newBuilder().setNumberOfValues(5).setHasNull(true).build();
    assertEquals(
        -1, OrcStatistics.of(string, contradiction, 5, OrcFile.WriterVersion.ORC_14).nullCount());
    OrcProto.ColumnStatistics noCount =
        OrcProto.ColumnStatistics.newBuilder().setHasNull(false).build();
    assertEquals(0, OrcStatistics.of(string, noCount, 5, OrcFile.WriterVersion.ORC_14).nullCount());
    OrcProto.ColumnStatistics nothing = OrcProto.ColumnStatistics.newBuilder().build();
    assertEquals(
        -1, OrcStatistics.of(string, nothing, 5, OrcFile.WriterVersion.ORC_14).nullCount());

    OrcProto.ColumnStatistics booleans =
        OrcProto.ColumnStatistics.newBuilder()
            .setNumberOfValues(4)
            .setBucketStatistics(OrcProto.BucketStatistics.newBuilder().addCount(4))
            .build();
    s =
        OrcStatistics.of(
            TypeDescription.createBoolean(), booleans, 6, OrcFile.WriterVersion.ORC_14);
    assertEquals(true, s.min(), "every value is true");
    assertEquals(true, s.max());
    assertEquals(2, s.nullCount());
  }

  /** Arrow C++'s values in {@link ColumnStatistics}'s domain: integers and dates as Long. */
  private static Object domain(Object value) {
    if (value instanceof Byte || value instanceof Short || value instanceof Integer) {
      return ((Number) value).longValue();
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static final Comparator<Object> ORDER =
      (a, b) -> {
        if (a instanceof String x && b instanceof String y) {
          return compareUtf8(x, y);
        }
        if (a instanceof Number x && !(a instanceof BigDecimal)) {
          return Long.compare(x.longValue(), ((Number) b).longValue());
        }
        return ((Comparable<Object>) a).compareTo(b);
      };

  private static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
