package io.quiver.format.parquet;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT96;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.format.ReadOptions;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * INT96 in another unit inside a list (the nested decoder's path): the two in-range values of
 * {@code int96_from_spark.parquet} and its year-9999 one, which wraps as nanoseconds, with the
 * values pyarrow gives with {@code coerce_int96_timestamp_unit='us'}.
 */
class Int96NestedUnitTest {
  private static final long EPOCH_JULIAN_DAY = 2_440_588L;

  @TempDir Path dir;

  @Test
  void listOfInt96ReadsInMicroseconds() throws Exception {
    MessageType schema =
        Types.buildMessage().optionalList().optionalElement(INT96).named("ts").named("spark");
    Path file = dir.resolve("ts.parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      writer.write(oneRow(groups));
    }
    try (StorageInput input = DecodedFile.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetFileMetadata metadata =
          new ParquetFileMetadata(
              ParquetFooters.read(input), new ReadOptions(TimeUnit.MICROSECOND));
      assertEquals(
          new ArrowType.Timestamp(TimeUnit.MICROSECOND, null),
          metadata.schema().getFields().get(0).getChildren().get(0).getType());
      Map<String, List<FieldVector>> decoded =
          new ParquetFormat()
              .defaultDecoder()
              .decode(input, metadata, 0, List.of("ts"), allocator, 8);
      try {
        ListVector lists = (ListVector) decoded.get("ts").get(0);
        TimeStampVector values = (TimeStampVector) lists.getDataVector();
        assertEquals(
            new ArrowType.Timestamp(TimeUnit.MICROSECOND, null), values.getField().getType());
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < values.getValueCount(); i++) {
          got.add(values.isNull(i) ? null : values.get(i));
        }
        // pyarrow: 1704141296123456, 1704070800000000, 253402225200000000 (year 9999).
        assertEquals(
            Arrays.asList(1704141296123456L, 1704070800000000L, null, 253402225200000000L), got);
      } finally {
        decoded.values().forEach(s -> s.forEach(FieldVector::close));
      }
    }
  }

  /**
   * One row: a list of 2024-01-01T20:34:56.123456, 2024-01-01T01:00, a null and 9999-12-31T03:00
   * (UTC).
   */
  private static Group oneRow(SimpleGroupFactory groups) {
    Group row = groups.newGroup();
    Group list = row.addGroup("ts");
    list.addGroup("list")
        .add("element", ParquetTestFiles.int96(EPOCH_JULIAN_DAY + 19_723, 74_096_123_456_000L));
    list.addGroup("list")
        .add("element", ParquetTestFiles.int96(EPOCH_JULIAN_DAY + 19_723, 3_600_000_000_000L));
    list.addGroup("list"); // a null element
    list.addGroup("list")
        .add("element", ParquetTestFiles.int96(EPOCH_JULIAN_DAY + 2_932_896, 10_800_000_000_000L));
    return row;
  }
}
