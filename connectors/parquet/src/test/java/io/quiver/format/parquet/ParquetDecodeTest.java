package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Decodes files written by parquet-hadoop and by Arrow C++ and compares every field type and value
 * with what Arrow C++ reads from the same file.
 */
class ParquetDecodeTest {
  private static final int BATCH_ROWS = 1024;
  private static final int ROWS = 5000;
  private static final int ROW_GROUP_BYTES = 640 * 1024;

  @TempDir static Path dir;

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
    // parquet-java also reads LZ4_RAW; one variant keeps it covered.
    variants.add(Arguments.of(CompressionCodecName.LZ4_RAW, false, WriterVersion.PARQUET_2_0));
    return variants.stream();
  }

  @ParameterizedTest(name = "{0}, dictionary {1}, {2}")
  @MethodSource("parquetHadoopVariants")
  void decodesParquetHadoopFilesAsArrowCppDoes(
      CompressionCodecName codec, boolean dictionary, WriterVersion version) throws IOException {
    String name = codec + "-" + dictionary + "-" + version + ".parquet";
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir, name, codec, dictionary, version, ROWS, ROW_GROUP_BYTES, name.hashCode());
    assertDecodesAsArrowCpp(file);
  }

  @Test
  void decodesArrowCppFilesAsArrowCppDoes() throws IOException {
    // Arrow C++ writes one row group per batch: 2100, 2100, 800 rows.
    Path file = ParquetTestFiles.writeAllTypesWithArrowCpp(dir, "arrow-cpp.parquet", ROWS, 2100, 7);
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
    assertSameTable(expected, actual);
  }
}
