package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that are not Parquet, truncated or damaged fail with a CorruptParquetException. */
class CorruptFileTest {
  @TempDir static Path dir;
  static Path good;

  @BeforeAll
  static void writeFile() throws IOException {
    good =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "good.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            3000,
            256 * 1024,
            3);
  }

  private static CorruptParquetException assertCorruptFooter(Path file) throws IOException {
    try (StorageInput input = DecodedFile.open(file)) {
      CorruptParquetException e =
          assertThrows(CorruptParquetException.class, () -> ParquetFooters.read(input));
      assertTrue(
          e.getMessage().contains(input.entry().location().toString()),
          "names the file: " + e.getMessage());
      return e;
    }
  }

  @Test
  void truncatedFilesAreCorrupt() throws IOException {
    long length = Files.size(good);
    for (long keep : new long[] {length - 1, length / 2, 100, 11, 0}) {
      assertCorruptFooter(
          ParquetTestFiles.truncatedCopy(good, dir, "truncated-" + keep + ".parquet", keep));
    }
  }

  @Test
  void garbageIsCorrupt() throws IOException {
    CorruptParquetException noMagic =
        assertCorruptFooter(ParquetTestFiles.garbageFile(dir, "garbage", 100_000, false, 1));
    assertTrue(noMagic.getMessage().contains("PAR1"), noMagic.getMessage());
    for (int size : new int[] {40, 5_000, 200_000}) {
      CorruptParquetException badFooter =
          assertCorruptFooter(
              ParquetTestFiles.garbageFile(dir, "garbage-tail-" + size, size, true, size));
      assertTrue(badFooter.getMessage().contains("footer"), badFooter.getMessage());
    }
  }

  @Test
  void damagedColumnChunkNamesFileRowGroupAndColumn() throws IOException {
    ParquetMetadata footer;
    try (StorageInput input = DecodedFile.open(good)) {
      footer = ParquetFooters.read(input);
    }
    ColumnChunkMetaData chunk = chunk(footer, 1, "str_req");
    Path damaged =
        ParquetTestFiles.corruptedCopy(
            good, dir, "damaged.parquet", chunk.getStartingPos() + chunk.getTotalSize() / 2, 64);
    try (StorageInput input = DecodedFile.open(damaged);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata damagedFooter = ParquetFooters.read(input);
      // Row group 0 is intact.
      RowGroupDecoder.decode(input, damagedFooter, 0, List.of("str_req"), allocator, 1024)
          .values()
          .forEach(slices -> slices.forEach(v -> v.close()));
      CorruptParquetException e =
          assertThrows(
              CorruptParquetException.class,
              () ->
                  RowGroupDecoder.decode(
                      input, damagedFooter, 1, List.of("i64_req", "str_req"), allocator, 1024));
      assertTrue(e.getMessage().contains(input.entry().location().toString()), e.getMessage());
      assertTrue(e.getMessage().contains("row group 1"), e.getMessage());
      assertTrue(e.getMessage().contains("column 'str_req'"), e.getMessage());
      assertFalse(e.getMessage().contains("i64_req"), "names only the damaged column");
      assertEquals(0, allocator.getAllocatedMemory(), "nothing left allocated");
    }
  }

  static ColumnChunkMetaData chunk(ParquetMetadata footer, int rowGroup, String column) {
    return footer.getBlocks().get(rowGroup).getColumns().stream()
        .filter(c -> c.getPath().toDotString().equals(column))
        .findFirst()
        .orElseThrow();
  }
}
