package io.quiver.format.orc;

import io.quiver.format.CorruptFileException;
import io.quiver.format.FileFormat;
import io.quiver.format.UnitDecoder;
import io.quiver.format.UnitDecoderContractTest;
import io.quiver.testing.OrcTestFiles;
import java.nio.file.Path;
import org.apache.orc.CompressionKind;

/** The ORC decoder meets the {@link UnitDecoder} contract. */
class OrcUnitDecoderContractTest extends UnitDecoderContractTest {
  private final OrcFormat format = new OrcFormat();

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
    return OrcTestFiles.writeAllTypesWithOrcCore(
        dir, name + ".orc", rows, CompressionKind.ZLIB, 64 << 10, 7);
  }

  @Override
  protected Class<? extends CorruptFileException> corruptType() {
    return CorruptOrcException.class;
  }
}
