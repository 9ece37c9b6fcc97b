package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
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
 * Decodes nested columns (lists in every form Arrow C++ reads, structs, maps, combinations) and
 * INT96 timestamps from files written by parquet-hadoop and by Arrow C++, and compares types, child
 * fields and every value with what Arrow C++ reads from the same file.
 */
class NestedDecodeTest {
  private static final int ROWS = 2000;
  private static final int BATCH_ROWS = 152;

  @TempDir static Path dir;

  static Stream<Arguments> parquetHadoopVariants() {
    return Stream.of(
        Arguments.of(CompressionCodecName.UNCOMPRESSED, true, WriterVersion.PARQUET_1_0),
        Arguments.of(CompressionCodecName.SNAPPY, false, WriterVersion.PARQUET_1_0),
        Arguments.of(CompressionCodecName.ZSTD, true, WriterVersion.PARQUET_2_0),
        Arguments.of(CompressionCodecName.GZIP, false, WriterVersion.PARQUET_2_0));
  }

  @ParameterizedTest(name = "{0}, dictionary {1}, {2}")
  @MethodSource("parquetHadoopVariants")
  void decodesParquetHadoopNestedFilesAsArrowCppDoes(
      CompressionCodecName codec, boolean dictionary, WriterVersion version) throws IOException {
    String name = "nested-" + codec + "-" + dictionary + "-" + version + ".parquet";
    Path file =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir, name, codec, dictionary, version, ROWS, 160 * 1024, name.hashCode());
    assertDecodesAsArrowCpp(file);
  }

  @Test
  void decodesArrowCppNestedFilesAsArrowCppDoes() throws IOException {
    // One row group per batch handed to Arrow C++: 900, 900, 200 rows.
    Path file = ParquetTestFiles.writeNestedWithArrowCpp(dir, "nested-arrow.parquet", ROWS, 900, 9);
    assertDecodesAsArrowCpp(file);
  }

  private static void assertDecodesAsArrowCpp(Path file) throws IOException {
    try (StorageInput input = DecodedFile.open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<BlockMetaData> blocks = footer.getBlocks();
      assertTrue(blocks.size() >= 2, "several row groups: " + blocks.size());
      assertTrue(
          blocks.stream()
              .anyMatch(b -> b.getRowCount() > BATCH_ROWS && b.getRowCount() % BATCH_ROWS != 0),
          "a row group of several, uneven slices");
    }
    Table expected = ArrowOracle.readParquet(file);
    Table actual = DecodedFile.decodeAll(file, BATCH_ROWS);
    assertEquals(ROWS, actual.rowCount());
    assertSameTableDeep(expected, actual);
  }
}
