package io.quiver.format.orc;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * ORC as a {@link FileFormat}: tails through {@link OrcFooters}, units are stripes, decoded by
 * {@link StripeDecoder} (the {@code java} decoder). Stateless and thread-safe.
 */
public final class OrcFormat implements FileFormat {
  /** The format's name in table definitions. */
  public static final String NAME = OrcMetadata.FORMAT;

  private static final UnitDecoder JAVA_DECODER = new JavaDecoder();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> extensions() {
    return List.of(".orc");
  }

  /**
   * @throws CorruptOrcException if the file is not valid ORC
   */
  @Override
  public OrcMetadata readMetadata(StorageInput input) throws IOException {
    return OrcFooters.read(input);
  }

  @Override
  public UnitDecoder defaultDecoder() {
    return JAVA_DECODER;
  }

  /** {@link StripeDecoder} as a {@link UnitDecoder} named {@code java}. */
  private static final class JavaDecoder implements UnitDecoder {
    @Override
    public String format() {
      return NAME;
    }

    @Override
    public String name() {
      return "java";
    }

    @Override
    public Map<String, List<FieldVector>> decode(
        StorageInput input,
        FileMetadata metadata,
        int unit,
        List<String> columns,
        BufferAllocator allocator,
        int batchRows)
        throws IOException {
      return StripeDecoder.decode(
          input, OrcMetadata.of(metadata), unit, columns, allocator, batchRows);
    }
  }
}
