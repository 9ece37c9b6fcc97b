package io.quiver.format.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.format.UnsupportedSchemaException;
import io.quiver.format.parquet.ParquetFormat;
import io.quiver.format.parquet.UnsupportedParquetSchemaException;
import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A column Quiver cannot decode refuses only itself, at projection: the file's metadata reads, its
 * schema lists the column with Arrow C++'s type where Quiver knows it, both decoders decode the
 * other columns as Arrow C++ does, and both refuse the column with the same message naming it.
 */
class ColumnRefusalTest {
  private static final ParquetFormat PARQUET = new ParquetFormat();

  @TempDir Path dir;
  @TempDir Path scratch;

  private List<UnitDecoder> decoders() {
    return List.of(
        PARQUET.defaultDecoder(), new NativeParquetUnitDecoder(new NativeParquetDecoder(scratch)));
  }

  /** Decodes {@code columns} of every row group with {@code decoder} into a table. */
  private static Table decode(
      UnitDecoder decoder, StorageInput input, FileMetadata metadata, List<String> columns)
      throws Exception {
    Schema schema = new Schema(columns.stream().map(c -> metadata.schema().findField(c)).toList());
    Table.Builder table = Table.builder(schema);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int u = 0; u < metadata.unitCount(); u++) {
        Map<String, List<FieldVector>> decoded =
            decoder.decode(input, metadata, u, columns, allocator, 8);
        try {
          decoded.forEach((name, slices) -> slices.forEach(s -> table.append(name, s)));
        } finally {
          decoded.values().forEach(s -> s.forEach(FieldVector::close));
        }
      }
    }
    return table.build();
  }

  @Test
  void aListOfIntervalsRefusesOnlyItself() throws Exception {
    // tags_spans is a LIST of INTERVAL, which Arrow C++ 18 reads as list<null>: it has no INTERVAL
    // type and drops the values.
    Path file = ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(dir, "mixed.parquet");
    Table arrowCpp = ArrowOracle.readParquet(file);
    try (StorageInput input = Decoding.open(file)) {
      FileMetadata metadata = PARQUET.readMetadata(input);
      String reason =
          "Column 'tags_spans' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL at"
              + " tags_spans.list.element, which Quiver cannot decode yet";
      assertEquals(Map.of("tags_spans", reason), metadata.unsupportedColumns());
      // The schema is the whole file's, the refused column typed as Arrow C++ types it.
      assertEquals(
          arrowCpp.schema().getFields().stream().map(Field::getName).toList(),
          metadata.schema().getFields().stream().map(Field::getName).toList());
      Field spans = metadata.schema().findField("tags_spans");
      assertEquals(ArrowType.List.INSTANCE, spans.getType());
      assertEquals(ArrowType.Null.INSTANCE, spans.getChildren().get(0).getType());
      assertEquals(
          arrowCpp.schema().findField("tags_spans").getChildren().get(0).getType(),
          spans.getChildren().get(0).getType());

      List<String> others = List.of("id", "tags", "ts96", "scores", "point");
      metadata.checkDecodable(others);
      UnsupportedSchemaException planned =
          assertThrows(
              UnsupportedSchemaException.class,
              () -> metadata.checkDecodable(List.of("id", "tags_spans")));
      assertEquals(reason, planned.getMessage());
      for (UnitDecoder decoder : decoders()) {
        ArrowAssertions.assertSameTableDeep(
            ArrowOracle.readParquet(file, others), decode(decoder, input, metadata, others));
        try (BufferAllocator allocator = new RootAllocator()) {
          UnsupportedParquetSchemaException e =
              assertThrows(
                  UnsupportedParquetSchemaException.class,
                  () ->
                      decoder.decode(input, metadata, 0, List.of("id", "tags_spans"), allocator, 8),
                  decoder.name());
          assertEquals(reason, e.getMessage(), decoder.name());
          assertEquals(0, allocator.getAllocatedMemory());
        }
      }
    }
  }

  @Test
  void aMapShapeArrowCppRefusesTooIsANullColumnThatRefusesItself() throws Exception {
    // parquet-testing's incorrect_map_schema.parquet (Apache License 2.0): a MAP whose key is
    // optional. Arrow C++ refuses the whole file; Quiver lists the column, typed null, and
    // refuses it when asked.
    Path file =
        Path.of(
            getClass().getResource("/parquet-testing/data/incorrect_map_schema.parquet").toURI());
    try (StorageInput input = Decoding.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = PARQUET.readMetadata(input);
      assertEquals(
          List.of(Field.nullable("my_map", ArrowType.Null.INSTANCE)),
          metadata.schema().getFields());
      String reason = metadata.unsupportedColumns().get("my_map");
      assertTrue(reason.contains("'my_map'") && reason.contains("MAP key not REQUIRED"), reason);
      for (UnitDecoder decoder : decoders()) {
        UnsupportedParquetSchemaException e =
            assertThrows(
                UnsupportedParquetSchemaException.class,
                () -> decoder.decode(input, metadata, 0, List.of("my_map"), allocator, 8));
        assertEquals(reason, e.getMessage(), decoder.name());
      }
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }
}
