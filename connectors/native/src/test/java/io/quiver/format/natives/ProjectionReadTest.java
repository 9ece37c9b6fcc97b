package io.quiver.format.natives;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts storage reads: decoding a projection reads exactly the requested chunks' bytes, one read
 * per contiguous run of chunks, and nothing of other columns.
 */
class ProjectionReadTest {
  @TempDir Path dir;
  @TempDir Path scratch;

  @Test
  void readsOnlyTheRequestedChunksOncePerContiguousRange() throws IOException {
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "projection.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            3000,
            640 * 1024,
            11);
    // Two neighbours (one read) and one column further on (a second read), out of file order.
    List<String> columns = List.of("str_opt", "i64_opt", "i64_req");
    NativeParquetDecoder decoder = new NativeParquetDecoder(scratch);
    try (CountingStorageInput input = new CountingStorageInput(Decoding.open(file));
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      for (int rowGroup = 0; rowGroup < footer.getBlocks().size(); rowGroup++) {
        BlockMetaData block = footer.getBlocks().get(rowGroup);
        List<CountingStorageInput.Range> expected = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (ColumnChunkMetaData chunk : block.getColumns()) {
          if (!columns.contains(chunk.getPath().toDotString())) {
            continue;
          }
          if (chunk.getStartingPos() == end) {
            end += chunk.getTotalSize();
          } else {
            if (start >= 0) {
              expected.add(new CountingStorageInput.Range(start, end - start));
            }
            start = chunk.getStartingPos();
            end = start + chunk.getTotalSize();
          }
        }
        expected.add(new CountingStorageInput.Range(start, end - start));
        assertEquals(2, expected.size(), "test layout: two runs of chunks");

        input.clear();
        Map<String, List<FieldVector>> decoded =
            decoder.decodeRowGroup(input, footer, rowGroup, columns, allocator, 512);
        decoded.values().forEach(slices -> slices.forEach(FieldVector::close));
        assertEquals(expected, input.reads(), "reads of row group " + rowGroup);
      }
      input.clear();
      assertSameTable(
          ArrowOracle.readParquet(file, columns),
          Decoding.decode(input, footer, columns, 512, decoder::decodeRowGroup));
    }
  }
}
