package io.quiver.format.natives;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FileMetadata;
import io.quiver.format.parquet.ParquetFormat;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native decoder behind the format SPI: its name, its supports check, its decoding. */
class NativeParquetUnitDecoderTest {
  @TempDir Path dir;
  @TempDir Path scratch;

  @Test
  void decodesThroughTheFormatSpi() throws IOException {
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "spi.parquet",
            org.apache.parquet.hadoop.metadata.CompressionCodecName.GZIP,
            true,
            org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_1_0,
            500,
            640 * 1024,
            9);
    List<String> columns = List.of("dec38_10_flba16_opt", "str_req", "ts_us_utc_opt");
    NativeParquetUnitDecoder decoder =
        new NativeParquetUnitDecoder(new NativeParquetDecoder(scratch));
    assertEquals("parquet", decoder.format());
    assertEquals("native", decoder.name());
    try (StorageInput input = Decoding.open(file)) {
      FileMetadata metadata =
          new io.quiver.format.parquet.ParquetFileMetadata(
              io.quiver.format.parquet.ParquetFooters.read(input));
      assertTrue(decoder.supports(metadata, columns));
      assertFalse(decoder.supports(metadata, List.of("str_req", "no_such")));
      assertEquals(ParquetFormat.NAME, new ParquetFormat().name());
      assertSameTable(
          ArrowOracle.readParquet(file, columns),
          Decoding.decode(
              input,
              io.quiver.format.parquet.ParquetFileMetadata.footerOf(metadata),
              columns,
              64,
              (in, footer, rowGroup, names, allocator, batchRows) ->
                  decoder.decode(in, metadata, rowGroup, names, allocator, batchRows)));
    }
  }
}
