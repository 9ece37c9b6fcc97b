package io.quiver.server.testformat;

import io.quiver.format.FileFormat;
import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.storage.StorageInput;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A format (files named {@code *.broken}, tests only) whose decoder fails with an {@link Error}, as
 * a broken deployment (a missing class) or a bug would: the server must still answer the call.
 */
public final class BrokenFormat implements FileFormat {
  @Override
  public String name() {
    return "broken";
  }

  @Override
  public List<String> extensions() {
    return List.of(".broken");
  }

  @Override
  public FileMetadata readMetadata(StorageInput input) {
    return new FileMetadata() {
      @Override
      public String format() {
        return "broken";
      }

      @Override
      public Schema schema() {
        return new Schema(List.of(Field.nullable("x", new ArrowType.Int(64, true))));
      }

      @Override
      public int unitCount() {
        return 1;
      }

      @Override
      public long unitRows(int unit) {
        return 10;
      }

      @Override
      public long columnBytes(int unit, String column) {
        return 80;
      }

      @Override
      public long heapBytes() {
        return 100;
      }
    };
  }

  @Override
  public UnitDecoder defaultDecoder() {
    return new UnitDecoder() {
      @Override
      public String format() {
        return "broken";
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
          int batchRows) {
        throw new NoClassDefFoundError("io/quiver/Simulated (a broken deployment)");
      }
    };
  }
}
