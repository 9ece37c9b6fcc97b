package io.quiver.format.natives;

import static io.quiver.testing.ArrowAssertions.assertSameTable;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.format.parquet.ParquetFooters;
import io.quiver.format.parquet.RowGroupDecoder;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written by Arrow C++ from large strings and a timestamp in a named zone carries {@code
 * ARROW:schema} metadata that makes Arrow C++ read those columns back as large_utf8 and
 * timestamp[us, Europe/Paris]. Quiver's types ({@code ParquetSchemas}) are utf8 and timestamp[us,
 * UTC]; the native decoder must give those, with the Java decoder's values.
 */
class ArrowSchemaMetadataTest {
  @TempDir Path dir;
  @TempDir Path scratch;

  @Test
  void typesFollowParquetSchemasNotArrowSchemaMetadata() throws IOException {
    Schema written =
        new Schema(
            List.of(
                new Field("text", FieldType.nullable(ArrowType.LargeUtf8.INSTANCE), null),
                new Field(
                    "at",
                    FieldType.nullable(
                        new ArrowType.Timestamp(TimeUnit.MICROSECOND, "Europe/Paris")),
                    null)));
    Path file;
    try (BufferAllocator allocator = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(written, allocator)) {
      LargeVarCharVector text = (LargeVarCharVector) root.getVector("text");
      TimeStampMicroTZVector at = (TimeStampMicroTZVector) root.getVector("at");
      for (int i = 0; i < 3000; i++) {
        if (i % 11 == 0) {
          text.setNull(i);
          at.setNull(i);
        } else {
          text.setSafe(i, ("value " + (i % 37)).getBytes(StandardCharsets.UTF_8));
          at.setSafe(i, 1_700_000_000_000_000L + i * 1_000_003L);
        }
      }
      root.setRowCount(3000);
      file = ParquetTestFiles.writeWithArrowCpp(dir, "arrow-schema.parquet", root, 1000);
    }
    try (StorageInput input = Decoding.open(file)) {
      ParquetMetadata footer = ParquetFooters.read(input);
      List<String> columns = List.of("text", "at");
      Table actual =
          Decoding.decode(
              input, footer, columns, 512, new NativeParquetDecoder(scratch)::decodeRowGroup);
      assertEquals(ArrowType.Utf8.INSTANCE, actual.schema().findField("text").getType());
      assertEquals(
          new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"),
          actual.schema().findField("at").getType());
      assertSameTable(
          Decoding.decode(input, footer, columns, 512, RowGroupDecoder::decode), actual);
      assertEquals(3000, actual.rowCount());
    }
  }
}
