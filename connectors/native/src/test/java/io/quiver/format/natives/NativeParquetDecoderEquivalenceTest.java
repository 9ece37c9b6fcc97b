package io.quiver.format.natives;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decodes every flat type written by parquet-hadoop (all codecs, dictionary on and off, data pages
 * v1 and v2, several row groups) and by Arrow C++ with {@link NativeParquetDecoder}, row group by
 * row group, and checks that fields and values are identical to {@link RowGroupDecoder}'s output
 * and to Arrow C++ reading the whole file ({@link ArrowOracle}).
 */
class NativeParquetDecoderEquivalenceTest {
  private static final int BATCH_ROWS = 1024;
  private static final int ROWS = 5000;
  private static final int ROW_GROUP_BYTES = 640 * 1024;

  @TempDir static Path dir;
  @TempDir Path scratch;

  static Stream<Arguments> parquetHadoopVariants() {
    List<Arguments> variants = new ArrayList<>();
    for (CompressionCodecName codec :
        new CompressionCodecName[] {
          CompressionCodecName.UNCOMPRESSED,
          CompressionCodecName.SNAPPY,
          CompressionCodecName.GZIP,
          CompressionCodecName.ZSTD
        }) {
      for (boolean dictionary : new boolean[] {true, false}) {
        for (WriterVersion version : WriterVersion.values()) {
          variants.add(Arguments.of(codec, dictionary, version));
        }
      }
    }
    // Arrow C++ reads LZ4_RAW too; one variant keeps it covered.
    variants.add(Arguments.of(CompressionCodecName.LZ4_RAW, false, WriterVersion.PARQUET_2_0));
    return variants.stream();
  }

  @ParameterizedTest(name = "{0}, dictionary {1}, {2}")
  @MethodSource("parquetHadoopVariants")
  void decodesParquetHadoopFilesLikeTheJavaDecoderAndArrowCpp(
      CompressionCodecName codec, boolean dictionary, WriterVersion version) throws IOException {
    String name = codec + "-" + dictionary + "-" + version + ".parquet";
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir, name, codec, dictionary, version, ROWS, ROW_GROUP_BYTES, name.hashCode());
    assertSameAsJavaDecoderAndArrowCpp(file);
  }

  @Test
  void decodesArrowCppFilesLikeTheJavaDecoderAndArrowCpp() throws IOException {
    // One row group per batch handed to Arrow C++: 2100, 2100, 800 rows.
    Path file = ParquetTestFiles.writeAllTypesWithArrowCpp(dir, "arrow-cpp.parquet", ROWS, 2100, 3);
    assertSameAsJavaDecoderAndArrowCpp(file);
  }

  @Test
  void everyFlatColumnIsSupported() throws IOException {
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "supported.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            100,
            ROW_GROUP_BYTES,
            1);
    try (StorageInput input = Decoding.open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      assertTrue(NativeParquetDecoder.supports(footer, Decoding.allColumns(footer)));
    }
  }

  @Test
  void everySliceOwnsItsBuffersAlone() throws IOException {
    // Imported Arrow C++ batches keep all their columns alive together; the decoder copies so
    // that a cache can free one column of one slice and really free its memory.
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "ownership.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_2_0,
            2000,
            ROW_GROUP_BYTES,
            2);
    try (StorageInput input = Decoding.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> columns = List.of("str_opt", "i64_req", "dec38_10_flba16_opt");
      Map<String, List<FieldVector>> decoded =
          new NativeParquetDecoder(scratch)
              .decodeRowGroup(input, footer, 0, columns, allocator, 512);
      try {
        for (List<FieldVector> slices : decoded.values()) {
          for (FieldVector slice : slices) {
            for (ArrowBuf buffer : slice.getFieldBuffers()) {
              assertSame(allocator, buffer.getReferenceManager().getAllocator());
              assertEquals(1, buffer.getReferenceManager().getRefCount());
            }
          }
        }
        // Only the caller's allocator holds memory: nothing lives on in an import allocator.
        assertEquals(allocator.getAllocatedMemory(), allocator.getRoot().getAllocatedMemory());
        assertEquals(List.of(), List.copyOf(allocator.getChildAllocators()));
      } finally {
        decoded.values().forEach(slices -> slices.forEach(FieldVector::close));
      }
    }
  }

  private void assertSameAsJavaDecoderAndArrowCpp(Path file) throws IOException {
    try (StorageInput input = Decoding.open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<BlockMetaData> blocks = footer.getBlocks();
      assertTrue(blocks.size() >= 2, "several row groups: " + blocks.size());
      assertTrue(
          blocks.stream()
              .anyMatch(b -> b.getRowCount() > BATCH_ROWS && b.getRowCount() % BATCH_ROWS != 0),
          "a row group of several, uneven slices");
    }
    NativeParquetDecoder decoder = new NativeParquetDecoder(scratch);
    Table actual = Decoding.decodeAll(file, BATCH_ROWS, decoder::decodeRowGroup);
    assertEquals(ROWS, actual.rowCount());
    assertSameTable(Decoding.decodeAll(file, BATCH_ROWS, RowGroupDecoder::decode), actual);
    assertSameTable(ArrowOracle.readParquet(file), actual);
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(List.of(), left.toList(), "temporary files left behind");
    }
  }
}
