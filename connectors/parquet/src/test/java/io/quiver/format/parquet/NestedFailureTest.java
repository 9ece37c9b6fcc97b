package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
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
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures while nested columns are being decoded release everything allocated before them. */
class NestedFailureTest {
  private static final String DAMAGED_LEAF = "list_of_structs.list.element.names.list.element";

  @TempDir static Path dir;
  static Path nested;
  static Path noChecksums;

  @BeforeAll
  static void writeFiles() throws IOException {
    nested =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "nested.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            300,
            8 << 20,
            11);
    // GZIP has a CRC of its own, so damaged pages fail when they are decompressed, page by page.
    noChecksums =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "no-checksums.parquet",
            CompressionCodecName.GZIP,
            false,
            WriterVersion.PARQUET_1_0,
            1500,
            64 << 20,
            12,
            false);
  }

  private static void closeAll(Map<String, List<FieldVector>> columns) {
    columns.values().forEach(slices -> slices.forEach(FieldVector::close));
  }

  @Test
  void failuresAtAnyAllocationOfNestedColumnsLeaveNothingAllocated() throws IOException {
    // From "the first buffer fails" to "everything fits": leaf growth, level-derived validity and
    // offsets buffers, and every slice in between must be released when an allocation fails.
    try (StorageInput input = DecodedFile.open(nested)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> names = new ArrayList<>();
      for (Field f : ParquetSchemas.toArrow(footer.getFileMetaData().getSchema()).getFields()) {
        names.add(f.getName());
      }
      int failures = 0;
      boolean succeeded = false;
      for (long limit = 2 * 1024; !succeeded; limit = limit * 3 / 2) {
        try (BufferAllocator allocator = new RootAllocator(limit)) {
          try {
            closeAll(RowGroupDecoder.decode(input, footer, 0, names, allocator, 64));
            succeeded = true;
          } catch (OutOfMemoryException e) {
            failures++;
          }
          assertEquals(0, allocator.getAllocatedMemory(), "limit " + limit);
        }
      }
      assertTrue(failures > 8, "failures: " + failures);
    }
  }

  @Test
  void damagedPageInsideANestedChunkFailsNamingTheColumnWithoutLeaking() throws IOException {
    ColumnChunkMetaData chunk;
    try (StorageInput input = DecodedFile.open(noChecksums)) {
      chunk =
          ParquetFooters.read(input).getBlocks().get(0).getColumns().stream()
              .filter(c -> c.getPath().toDotString().equals(DAMAGED_LEAF))
              .findFirst()
              .orElseThrow();
    }
    int midDecode = 0;
    for (int tenth = 3; tenth <= 9; tenth++) {
      long offset = chunk.getStartingPos() + chunk.getTotalSize() * tenth / 10;
      Path damaged =
          ParquetTestFiles.corruptedCopy(
              noChecksums, dir, "damaged-" + tenth + ".parquet", offset, 32);
      try (StorageInput input = DecodedFile.open(damaged);
          BufferAllocator allocator = new RootAllocator()) {
        ParquetMetadata footer = ParquetFooters.read(input);
        CorruptParquetException e =
            assertThrows(
                CorruptParquetException.class,
                () ->
                    RowGroupDecoder.decode(
                        input, footer, 0, List.of("id", "list_of_structs"), allocator, 64));
        assertTrue(e.getMessage().contains(input.entry().location().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("column 'list_of_structs'"), e.getMessage());
        assertEquals(0, allocator.getAllocatedMemory(), "nothing left allocated");
        if (allocator.getPeakMemoryAllocation() > 0) {
          midDecode++; // slices had been decoded when the damaged page was reached
        }
      }
    }
    assertTrue(midDecode > 0, "at least one damaged page is found in the middle of decoding");
  }
}
