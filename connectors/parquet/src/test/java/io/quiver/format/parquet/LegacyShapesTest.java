package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.testing.ArrowOracle;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Unusual nesting shapes: Quiver accepts exactly those Arrow C++ accepts, with the same schema, and
 * decodes them as it does (the files hold rows that are null, empty and filled at every level).
 */
class LegacyShapesTest {
  @TempDir static Path dir;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "optional group s { repeated int32 x; }",
        "optional group s { repeated group x { optional int32 y; } }",
        "optional group l (LIST) { repeated group list { optional group element {"
            + " repeated int32 x; } } }",
        "optional group kv (MAP_KEY_VALUE) { repeated group map {"
            + " required binary key (UTF8); optional int32 value; } }",
        "optional group mp (MAP) { repeated group kv {"
            + " required binary key (UTF8); repeated int32 value; } }",
        "optional group l (LIST) { repeated group list (LIST) { repeated int32 element; } }",
        // The spec's backward-compatibility rules for LIST, one shape each:
        // 1. the repeated field is primitive: it is the element, required (2-level form);
        "optional group l (LIST) { repeated int32 element; }",
        // 2. the repeated group has several fields: it is the element, a struct;
        "optional group l (LIST) { repeated group pair { required int32 a;"
            + " optional binary b (UTF8); } }",
        // 3. the repeated group has one field and is named array or <list>_tuple: it is the
        //    element, a struct ...
        "required group l (LIST) { repeated group array { required int32 a; } }",
        "optional group l (LIST) { repeated group l_tuple { optional int32 a; } }",
        //    ... or a list, when it is itself annotated LIST (parquet-testing's
        //    old_list_structure.parquet);
        "optional group a (LIST) { repeated group array (LIST) { repeated int32 array; } }",
        // 4. otherwise the repeated group only wraps the element (the standard 3-level form).
        "optional group l (LIST) { repeated group list { optional int32 element; } }",
        "optional group l (LIST) { repeated group bag { optional group array_element {"
            + " optional binary s (UTF8); } } }"
      })
  void acceptedShapesMatchArrowCpp(String column) throws IOException {
    Path file = write(column);
    MessageType schema = MessageTypeParser.parseMessageType("message m { " + column + " }");
    assertSameTableDeep(ArrowOracle.readParquet(file), DecodedFile.decodeAll(file, 8));
    assertEquals(
        ArrowOracle.readParquet(file).schema().getFields(),
        ParquetSchemas.toArrow(schema).getFields());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "optional group l (LIST) { repeated group list { repeated int32 element; } }",
        "optional group kv (MAP) { repeated group map {"
            + " required binary key (UTF8); optional int32 value; } required int32 x; }",
        "optional group mp (MAP) { repeated group kv { optional binary key (UTF8); } }"
      })
  void refusedShapesAreRefusedByArrowCppToo(String column) throws IOException {
    Path file = write(column);
    MessageType schema = MessageTypeParser.parseMessageType("message m { " + column + " }");
    UnsupportedParquetSchemaException e =
        assertThrows(UnsupportedParquetSchemaException.class, () -> ParquetSchemas.toArrow(schema));
    assertEquals(schema.getFields().get(0).getName(), e.column());
    RuntimeException arrow =
        assertThrows(RuntimeException.class, () -> ArrowOracle.readParquet(file));
    assertTrue(arrow.getMessage().contains("schema"), arrow.getMessage());
  }

  /** Writes rows whose groups are absent, empty, and filled twice at every repeated level. */
  private static Path write(String column) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message m { " + column + " }");
    Path file = dir.resolve("shape-" + Integer.toHexString(column.hashCode()) + ".parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(schema)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (int depth = 0; depth < 4; depth++) {
        Group row = groups.newGroup();
        fill(row, depth, 0);
        writer.write(row);
      }
    }
    return file;
  }

  /** Adds every field down to {@code depth} levels (required ones always), repeated ones twice. */
  private static void fill(Group group, int depth, int level) {
    org.apache.parquet.schema.GroupType type = group.getType();
    for (int i = 0; i < type.getFieldCount(); i++) {
      org.apache.parquet.schema.Type field = type.getType(i);
      boolean required = field.isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED);
      if (level >= depth && !required) {
        continue;
      }
      int times = field.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED) ? 2 : 1;
      for (int k = 0; k < times; k++) {
        if (field.isPrimitive()) {
          if (field.asPrimitiveType().getPrimitiveTypeName()
              == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY) {
            group.add(i, "v" + level + k);
          } else {
            group.add(i, level * 10 + k);
          }
        } else {
          fill(group.addGroup(i), depth, level + 1);
        }
      }
    }
  }
}
