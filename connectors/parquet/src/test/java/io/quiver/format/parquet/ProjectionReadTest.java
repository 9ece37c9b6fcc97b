package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.CountingStorageInput.Range;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counts storage reads: a footer costs one read, a projection reads only its column chunks. */
class ProjectionReadTest {
  @TempDir static Path dir;
  static Path file;

  @BeforeAll
  static void writeFile() throws IOException {
    file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "projection.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            5000,
            640 * 1024,
            11);
  }

  @Test
  void footerIsOneStorageRead() throws IOException {
    try (CountingStorageInput input = new CountingStorageInput(DecodedFile.open(file))) {
      ParquetFooters.read(input);
      long length = input.entry().length();
      assertEquals(
          List.of(new Range(length - ParquetFooters.TAIL_BYTES, ParquetFooters.TAIL_BYTES)),
          input.reads());
    }
  }

  @Test
  void footerLargerThanTheTailReadIsTwoStorageReads() throws IOException {
    // Tiny row groups: hundreds of column chunk descriptions.
    Path many =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "many-row-groups.parquet",
            CompressionCodecName.UNCOMPRESSED,
            false,
            WriterVersion.PARQUET_1_0,
            1500,
            16 * 1024,
            12);
    try (CountingStorageInput input = new CountingStorageInput(DecodedFile.open(many))) {
      ParquetMetadata footer = ParquetFooters.read(input);
      assertTrue(footer.getBlocks().size() > 5, "row groups: " + footer.getBlocks().size());
      List<Range> reads = input.reads();
      assertEquals(2, reads.size(), reads.toString());
      long length = input.entry().length();
      assertEquals(
          new Range(length - ParquetFooters.TAIL_BYTES, ParquetFooters.TAIL_BYTES), reads.get(0));
      assertEquals(length - 8, reads.get(1).end(), "second read ends where the footer ends");
      assertTrue(reads.get(1).length() > ParquetFooters.TAIL_BYTES - 8);
    }
  }

  @Test
  void projectionReadsOnlyTheRequestedColumnChunks() throws IOException {
    // Two columns far apart, and two adjacent ones (read by parquet-java as one range).
    assertReadsOnlyChunksOf(file, List.of("str_opt", "i64_req"));
    assertReadsOnlyChunksOf(file, List.of("f64_opt", "f64_req"));
  }

  @Test
  void nestedColumnsReadTheChunksOfAllTheirLeavesAndNothingElse() throws IOException {
    Path nested =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "nested-projection.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            2000,
            128 * 1024,
            13);
    // Several leaves each (point has 4, map_lists 2), apart from each other, plus a flat INT96.
    assertReadsOnlyChunksOf(nested, List.of("map_lists", "ts96", "point"));
  }

  private static void assertReadsOnlyChunksOf(Path file, List<String> columns) throws IOException {
    try (CountingStorageInput input = new CountingStorageInput(DecodedFile.open(file))) {
      ParquetMetadata footer = ParquetFooters.read(input);
      input.clear();
      Schema schema =
          new Schema(
              columns.stream()
                  .map(
                      c ->
                          ParquetSchemas.toArrow(footer.getFileMetaData().getSchema()).findField(c))
                  .toList());
      Table decoded = DecodedFile.decode(input, footer, schema, columns, 1024);
      assertSameTableDeep(ArrowOracle.readParquet(file, columns), decoded);

      List<Range> chunks = new ArrayList<>();
      for (BlockMetaData block : footer.getBlocks()) {
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          // A nested column's chunks are those of its leaves.
          if (columns.contains(chunk.getPath().toArray()[0])) {
            chunks.add(new Range(chunk.getStartingPos(), chunk.getTotalSize()));
          }
        }
      }
      List<Range> allowed = merge(chunks);
      List<Range> reads = input.reads();
      for (Range read : reads) {
        assertTrue(
            allowed.stream()
                .anyMatch(a -> a.position() <= read.position() && read.end() <= a.end()),
            "read " + read + " outside the chunks " + allowed + " of " + columns);
      }
      long bytesRead = reads.stream().mapToLong(Range::length).sum();
      long chunkBytes = chunks.stream().mapToLong(Range::length).sum();
      assertEquals(chunkBytes, bytesRead, "every chunk byte read exactly once: " + reads);
    }
  }

  private static List<Range> merge(List<Range> ranges) {
    List<Range> sorted = new ArrayList<>(ranges);
    sorted.sort(Comparator.comparingLong(Range::position));
    List<Range> merged = new ArrayList<>();
    for (Range r : sorted) {
      if (!merged.isEmpty() && merged.get(merged.size() - 1).end() >= r.position()) {
        Range last = merged.remove(merged.size() - 1);
        long end = Math.max(last.end(), r.end());
        merged.add(new Range(last.position(), end - last.position()));
      } else {
        merged.add(r);
      }
    }
    return merged;
  }
}
