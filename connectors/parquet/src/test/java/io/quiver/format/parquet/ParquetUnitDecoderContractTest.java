package io.quiver.format.parquet;

import io.quiver.format.CorruptFileException;
import io.quiver.format.FileFormat;
import io.quiver.format.UnitDecoder;
import io.quiver.format.UnitDecoderContractTest;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Path;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** The Java Parquet decoder meets the {@link UnitDecoder} contract. */
class ParquetUnitDecoderContractTest extends UnitDecoderContractTest {
  private final ParquetFormat format = new ParquetFormat();

  @Override
  protected UnitDecoder decoder() {
    return format.defaultDecoder();
  }

  @Override
  protected FileFormat format() {
    return format;
  }

  @Override
  protected Path writeFile(Path dir, String name, int rows) throws Exception {
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        dir,
        name + ".parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        rows,
        64 << 10,
        7);
  }

  @Override
  protected Class<? extends CorruptFileException> corruptType() {
    return CorruptParquetException.class;
  }
}
