package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument checks, refused types and failure paths of {@link RowGroupDecoder}. */
class RowGroupDecoderTest {
  @TempDir static Path dir;
  static Path allTypes;
  static Path unsupported;

  @BeforeAll
  static void writeFiles() throws IOException {
    allTypes =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "all.parquet",
            CompressionCodecName.ZSTD,
            true,
            WriterVersion.PARQUET_2_0,
            3000,
            640 * 1024,
            5);
    unsupported = ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(dir, "nested.parquet");
  }

  private static List<String> allColumns(ParquetMetadata footer) {
    List<String> names = new ArrayList<>();
    for (Field f : ParquetSchemas.toArrow(footer.getFileMetaData().getSchema()).getFields()) {
      names.add(f.getName());
    }
    return names;
  }

  private static void closeAll(Map<String, List<FieldVector>> columns) {
    columns.values().forEach(slices -> slices.forEach(FieldVector::close));
  }

  @Test
  void unsupportedColumnsAreRefusedByNameAndTheOthersDecode() throws IOException {
    try (StorageInput input = DecodedFile.open(unsupported);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      UnsupportedParquetSchemaException whole =
          assertThrows(
              UnsupportedParquetSchemaException.class,
              () -> ParquetSchemas.toArrow(footer.getFileMetaData().getSchema()));
      assertEquals("tags_spans", whole.column());
      assertEquals(
          "Column 'tags_spans' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL at"
              + " tags_spans.list.element, which Quiver cannot decode yet",
          whole.getMessage());
      UnsupportedParquetSchemaException e =
          assertThrows(
              UnsupportedParquetSchemaException.class,
              () ->
                  RowGroupDecoder.decode(
                      input, footer, 0, List.of("id", "tags_spans"), allocator, 8));
      assertEquals("tags_spans", e.column());
      assertEquals(0, allocator.getAllocatedMemory());

      // Nested, repeated and INT96 columns of the same file decode as Arrow C++ reads them.
      List<String> supported = List.of("id", "tags", "ts96", "scores", "point");
      List<Field> fields = new ArrayList<>();
      for (String name : supported) {
        fields.add(ParquetSchemas.toArrowField(footer.getFileMetaData().getSchema().getType(name)));
      }
      assertSameTableDeep(
          ArrowOracle.readParquet(unsupported, supported),
          DecodedFile.decode(input, footer, new Schema(fields), supported, 8));
    }
  }

  @Test
  void badArgumentsAreRefused() throws IOException {
    try (StorageInput input = DecodedFile.open(allTypes);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      IllegalArgumentException unknown =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  RowGroupDecoder.decode(
                      input, footer, 0, List.of("i64_req", "no_such"), allocator, 1024));
      assertTrue(unknown.getMessage().contains("'no_such'"), unknown.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> RowGroupDecoder.decode(input, footer, 0, List.of("i64_req"), allocator, 1001));
      assertThrows(
          IllegalArgumentException.class,
          () -> RowGroupDecoder.decode(input, footer, 0, List.of("i64_req"), allocator, 0));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              RowGroupDecoder.decode(
                  input, footer, footer.getBlocks().size(), List.of("i64_req"), allocator, 1024));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              RowGroupDecoder.decode(
                  input, footer, 0, List.of("i64_req", "i64_req"), allocator, 1024));
      assertThrows(
          IllegalArgumentException.class,
          () -> RowGroupDecoder.decode(input, footer, 0, List.of(), allocator, 1024));
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void returnedMapFollowsRequestOrder() throws IOException {
    try (StorageInput input = DecodedFile.open(allTypes);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> order = List.of("uuid_opt", "bool_req", "str_opt", "dec38_10_flba16_req");
      Map<String, List<FieldVector>> columns =
          RowGroupDecoder.decode(input, footer, 0, order, allocator, 512);
      try {
        assertEquals(order, new ArrayList<>(columns.keySet()));
      } finally {
        closeAll(columns);
      }
    }
  }

  @Test
  void allocatorTooSmallForTheRowGroupFailsWithoutLeaking() throws IOException {
    try (StorageInput input = DecodedFile.open(allTypes)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> names = allColumns(footer);
      try (BufferAllocator allocator = new RootAllocator(64 * 1024)) {
        assertThrows(
            OutOfMemoryException.class,
            () -> RowGroupDecoder.decode(input, footer, 0, names, allocator, 1024));
        assertEquals(0, allocator.getAllocatedMemory());
      }
    }
  }

  @Test
  void failuresAtAnyAllocationLeaveNothingAllocated() throws IOException {
    // Limits from "first buffer fails" to "everything fits": every failure point in between,
    // including growth of string data buffers, must release what was allocated before it.
    try (StorageInput input = DecodedFile.open(allTypes)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> names = allColumns(footer);
      int failures = 0;
      boolean succeeded = false;
      for (long limit = 4 * 1024; !succeeded; limit = limit * 3 / 2) {
        try (BufferAllocator allocator = new RootAllocator(limit)) {
          try {
            closeAll(RowGroupDecoder.decode(input, footer, 0, names, allocator, 256));
            succeeded = true;
          } catch (OutOfMemoryException e) {
            failures++;
          }
          assertEquals(0, allocator.getAllocatedMemory(), "limit " + limit);
        }
      }
      assertTrue(failures > 5, "failures: " + failures);
    }
  }
}
