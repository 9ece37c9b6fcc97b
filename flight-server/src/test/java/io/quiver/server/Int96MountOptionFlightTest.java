package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.cache.ColumnChunkKey;
import io.quiver.cache.DiskDirectory;
import io.quiver.cache.EntryInfo;
import io.quiver.protocol.ErrorCode;
import io.quiver.storage.Location;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code int96-timestamp-unit} mount option through the node: two mounts over the same
 * directory, one reading {@code int96_from_spark.parquet} (parquet-testing, Apache License 2.0) as
 * nanoseconds (the default, wrapping years 9999 and 290000 as Arrow C++ does), one as microseconds
 * (year 9999 right, as pyarrow's {@code coerce_int96_timestamp_unit='us'}); their chunks never mix,
 * in memory, on disk, or after a warm restart from the disk tier.
 */
class Int96MountOptionFlightTest {
  /** pyarrow: pq.read_table(f)['a'].cast('int64'). */
  private static final List<Long> NANOS =
      Arrays.asList(
          1704141296123456000L,
          1704070800000000000L,
          -4852191831933722624L,
          1735599600000000000L,
          null,
          5606152519850745856L);

  /** pyarrow: pq.read_table(f, coerce_int96_timestamp_unit='us')['a'].cast('int64'). */
  private static final List<Long> MICROS =
      Arrays.asList(
          1704141296123456L,
          1704070800000000L,
          253402225200000000L,
          1735599600000000L,
          null,
          -7188624036226874385L);

  @TempDir Path tmp;

  private static List<Long> read(TestNode node, String table, TimeUnit unit) throws Exception {
    FlightInfo info = node.client().getInfo(FlightDescriptor.path(table));
    assertEquals(
        new ArrowType.Timestamp(unit, null), info.getSchema().getFields().get(0).getType());
    List<Long> out = new ArrayList<>();
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = node.client().getStream(e.getTicket())) {
        while (stream.next()) {
          TimeStampVector v = (TimeStampVector) stream.getRoot().getVector("a");
          assertEquals(new ArrowType.Timestamp(unit, null), v.getField().getType());
          for (int i = 0; i < v.getValueCount(); i++) {
            out.add(v.isNull(i) ? null : v.get(i));
          }
        }
      }
    }
    return out;
  }

  private static void mount(TestNode node, String path, Path dir, Map<String, String> options) {
    node.action(
        "mount",
        Map.of("path", path, "uri", Location.ofLocalPath(dir).toString(), "options", options));
  }

  private static Set<String> variants(TestNode node) {
    Set<String> variants = new TreeSet<>();
    for (EntryInfo e : node.server().cache().entries(k -> true)) {
      variants.add(e.key().variant());
    }
    return variants;
  }

  @Test
  void eachMountReadsInItsUnitAndTheirChunksNeverMix() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    try (InputStream in =
        getClass().getResourceAsStream("/parquet-testing/int96_from_spark.parquet")) {
      Files.copy(in, lake.resolve("spark.parquet"));
    }
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    Path data = tmp.resolve("data");
    List<DiskDirectory> tier = List.of(new DiskDirectory(disk, 64L << 20));
    try (TestNode node = TestNode.start(data, c -> c.withDiskDirectories(tier))) {
      node.server().cache().reindexed().get();
      FlightRuntimeException bad =
          assertThrows(
              FlightRuntimeException.class,
              () -> mount(node, "/bad", lake, Map.of("int96-timestamp-unit", "days")));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, bad.status().code());
      assertEquals(ErrorCode.INVALID_REQUEST, FlightErrors.codeOf(bad).orElseThrow());
      assertTrue(
          bad.getMessage().contains("int96-timestamp-unit")
              && bad.getMessage().contains("allowed: ns, us, ms, s"),
          bad.getMessage());

      mount(node, "/nanos", lake, Map.of());
      mount(node, "/micros", lake, Map.of("int96-timestamp-unit", "us"));
      node.createTable("nanos", "/nanos/spark.parquet");
      node.createTable("micros", "/micros/spark.parquet");
      assertEquals(NANOS, read(node, "nanos", TimeUnit.NANOSECOND));
      assertEquals(MICROS, read(node, "micros", TimeUnit.MICROSECOND));
      // Both decodings are cached, side by side, under one file, row group and column.
      List<ColumnChunkKey> keys =
          node.server().cache().entries(k -> true).stream().map(EntryInfo::key).toList();
      assertEquals(2, keys.size(), keys.toString());
      assertEquals(keys.get(0).file(), keys.get(1).file());
      assertEquals(Set.of("", "int96=us"), variants(node));
      long loaded = node.server().cache().stats().bytesLoaded();
      // Warm: each mount gets its own chunk back.
      assertEquals(MICROS, read(node, "micros", TimeUnit.MICROSECOND));
      assertEquals(NANOS, read(node, "nanos", TimeUnit.NANOSECOND));
      assertEquals(loaded, node.server().cache().stats().bytesLoaded(), "served cached");
    }
    // Closing wrote both chunks to the disk tier; a restart serves each mount its own.
    try (TestNode node = TestNode.start(data, c -> c.withDiskDirectories(tier))) {
      node.server().cache().reindexed().get();
      assertEquals(MICROS, read(node, "micros", TimeUnit.MICROSECOND));
      assertEquals(NANOS, read(node, "nanos", TimeUnit.NANOSECOND));
      // Both came from their disk files, none was decoded again.
      assertEquals(2, node.server().cache().metrics().diskHits());
      assertEquals(0, node.server().cache().metrics().diskMisses());
      assertEquals(Set.of("", "int96=us"), variants(node));
    }
  }
}
