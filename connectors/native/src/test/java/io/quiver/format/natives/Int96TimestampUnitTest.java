package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FileMetadata;
import io.quiver.format.ReadOptions;
import io.quiver.format.UnitDecoder;
import io.quiver.format.parquet.ParquetFormat;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code int96-timestamp-unit} read option on {@code int96_from_spark.parquet}
 * (parquet-testing, Apache License 2.0): timestamps written by Spark 3.4.3 whose years 9999 and
 * 290000 do not fit {@code timestamp[ns]}. Read as nanoseconds (the default) they wrap exactly as
 * Arrow C++ wraps them; read in a coarser unit they come out as Arrow C++ gives them with {@code
 * coerce_int96_timestamp_unit}. The expected values are pyarrow's: {@code pq.read_table(file,
 * coerce_int96_timestamp_unit=u)['a'].cast('int64')}.
 */
class Int96TimestampUnitTest {
  private static final ParquetFormat PARQUET = new ParquetFormat();

  @TempDir Path scratch;

  /** pyarrow 25 (Arrow C++) with coerce_int96_timestamp_unit; null is the null row. */
  private static List<Long> expected(TimeUnit unit) {
    return switch (unit) {
      case MICROSECOND ->
          Arrays.asList(
              1704141296123456L,
              1704070800000000L,
              253402225200000000L,
              1735599600000000L,
              null,
              -7188624036226874385L);
      case MILLISECOND ->
          Arrays.asList(
              1704141296123L,
              1704070800000L,
              253402225200000L,
              1735599600000L,
              null,
              361746257437964157L);
      case SECOND ->
          Arrays.asList(
              1704141296L, 1704070800L, 253402225200L, 1735599600L, null, 361746257437964L);
      case NANOSECOND ->
          // Arrow C++'s default: years 9999 and 290000 wrap.
          Arrays.asList(
              1704141296123456000L,
              1704070800000000000L,
              -4852191831933722624L,
              1735599600000000000L,
              null,
              5606152519850745856L);
    };
  }

  private static Path file() throws URISyntaxException {
    return Path.of(
        Int96TimestampUnitTest.class
            .getResource("/parquet-testing/data/int96_from_spark.parquet")
            .toURI());
  }

  private static List<Long> values(List<FieldVector> slices, TimeUnit unit) {
    List<Long> out = new ArrayList<>();
    for (FieldVector v : slices) {
      assertEquals(new ArrowType.Timestamp(unit, null), v.getField().getType());
      TimeStampVector ts = (TimeStampVector) v;
      for (int i = 0; i < ts.getValueCount(); i++) {
        out.add(ts.isNull(i) ? null : ts.get(i));
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(TimeUnit.class)
  void javaDecoderReadsInt96InTheMountsUnitAsArrowCpp(TimeUnit unit) throws Exception {
    ReadOptions options = new ReadOptions(unit);
    try (StorageInput input = Decoding.open(file());
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = PARQUET.readMetadata(input, options);
      assertEquals(options, metadata.readOptions());
      assertEquals(
          new ArrowType.Timestamp(unit, null), metadata.schema().getFields().get(0).getType());
      Map<String, List<FieldVector>> decoded =
          PARQUET.defaultDecoder().decode(input, metadata, 0, List.of("a"), allocator, 8);
      try {
        assertEquals(expected(unit), values(decoded.get("a"), unit));
      } finally {
        decoded.values().forEach(s -> s.forEach(FieldVector::close));
      }
    }
  }

  @Test
  void nanosecondsWrapAsArrowCppByDefaultWithBothDecoders() throws Exception {
    UnitDecoder nat = new NativeParquetUnitDecoder(new NativeParquetDecoder(scratch));
    try (StorageInput input = Decoding.open(file());
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = PARQUET.readMetadata(input);
      assertEquals(ReadOptions.DEFAULTS, metadata.readOptions());
      assertTrue(nat.supports(metadata, List.of("a")));
      for (UnitDecoder decoder : List.of(PARQUET.defaultDecoder(), nat)) {
        Map<String, List<FieldVector>> decoded =
            decoder.decode(input, metadata, 0, List.of("a"), allocator, 8);
        try {
          assertEquals(
              expected(TimeUnit.NANOSECOND),
              values(decoded.get("a"), TimeUnit.NANOSECOND),
              decoder.name());
        } finally {
          decoded.values().forEach(s -> s.forEach(FieldVector::close));
        }
      }
    }
    ArrowAssertions.assertSameTableDeep(
        ArrowOracle.readParquet(file()),
        Decoding.decodeAll(file(), 8, io.quiver.format.parquet.RowGroupDecoder::decode));
  }

  @Test
  void nativeDecoderLeavesOtherUnitsToTheJavaDecoder() throws Exception {
    NativeParquetDecoder decoder = new NativeParquetDecoder(scratch);
    UnitDecoder nat = new NativeParquetUnitDecoder(decoder);
    ReadOptions micros = new ReadOptions(TimeUnit.MICROSECOND);
    try (StorageInput input = Decoding.open(file());
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = PARQUET.readMetadata(input, micros);
      // Arrow C++ through the Java bindings cannot be asked for another unit: it declines ...
      assertFalse(nat.supports(metadata, List.of("a")));
      // ... and refuses when called anyway, rather than give wrapped nanoseconds.
      UnsupportedByNativeDecoderException e =
          assertThrows(
              UnsupportedByNativeDecoderException.class,
              () -> nat.decode(input, metadata, 0, List.of("a"), allocator, 8));
      assertTrue(e.getMessage().contains("'a'"), e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void badUnitIsRefusedListingTheAllowedOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReadOptions.fromMountOptions(Map.of("int96-timestamp-unit", "days")));
    assertEquals(
        "Bad value 'days' for option int96-timestamp-unit (allowed: ns, us, ms, s; the default is"
            + " ns, as in Arrow C++)",
        e.getMessage());
    assertEquals(
        new ReadOptions(TimeUnit.MILLISECOND),
        ReadOptions.fromMountOptions(Map.of("int96-timestamp-unit", "ms")));
    assertEquals(ReadOptions.DEFAULTS, ReadOptions.fromMountOptions(Map.of("decoder", "java")));
    assertEquals("", ReadOptions.DEFAULTS.cacheVariant());
    assertEquals("int96=us", new ReadOptions(TimeUnit.MICROSECOND).cacheVariant());
  }
}
