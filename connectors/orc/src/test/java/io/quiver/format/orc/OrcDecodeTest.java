package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.Table;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.orc.CompressionKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Decodes orc-core-written files with every type and compares with Arrow C++'s ORC reader. */
class OrcDecodeTest {
  private static final int ROWS = 3_000;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = CompressionKind.class,
      names = {"NONE", "ZLIB", "SNAPPY", "ZSTD"})
  void everyTypeEveryStripeMatchesArrowCpp(CompressionKind codec) throws Exception {
    Path file = OrcTestFiles.writeAllTypesWithOrcCore(dir, "all.orc", ROWS, codec, 32 * 1024, 42);
    Table expected = ArrowOracle.readOrc(file);
    try (StorageInput input = DecodedOrc.open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      assertTrue(metadata.unitCount() >= 3, "several stripes: " + metadata.stripes());
      assertEquals(ROWS, metadata.rowCount());
      assertEquals(codec, metadata.compression());
    }
    // 1000 rows per slice divides neither the stripes' row counts nor ORC's 1024-row batches.
    ArrowAssertions.assertSameTable(expected, DecodedOrc.decodeAll(file, 1000));
  }

  @Test
  void fieldsMatchArrowCppIncludingNestedChildren() throws Exception {
    Path file =
        OrcTestFiles.writeAllTypesWithOrcCore(dir, "f.orc", 100, CompressionKind.NONE, 1 << 20, 1);
    Table expected = ArrowOracle.readOrc(file);
    try (StorageInput input = DecodedOrc.open(file)) {
      List<Field> actual = OrcFooters.read(input).schema().getFields();
      List<Field> fields = expected.schema().getFields();
      assertEquals(fields.size(), actual.size());
      for (int i = 0; i < fields.size(); i++) {
        assertEquals(withoutMetadata(fields.get(i)), withoutMetadata(actual.get(i)));
      }
    }
  }

  @Test
  void sliceLargerThanStripeAndTinySlices() throws Exception {
    Path file =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "s.orc", 3_000, CompressionKind.ZLIB, 32 << 10, 7);
    Table expected = ArrowOracle.readOrc(file);
    ArrowAssertions.assertSameTable(expected, DecodedOrc.decodeAll(file, 64 * 1024));
    ArrowAssertions.assertSameTable(expected, DecodedOrc.decodeAll(file, 8));
  }

  @Test
  void projectionInAnyOrderMatchesArrowCpp() throws Exception {
    Path file =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "p.orc", ROWS, CompressionKind.SNAPPY, 64 << 10, 3);
    List<String> columns = List.of("c_map", "c_string", "c_dec_large", "c_struct", "c_const");
    Table expected = ArrowOracle.readOrc(file, columns);
    try (StorageInput input = DecodedOrc.open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      ArrowAssertions.assertSameTable(expected, DecodedOrc.decode(input, metadata, columns, 512));
    }
  }

  static Field withoutMetadata(Field f) {
    List<Field> children = f.getChildren().stream().map(OrcDecodeTest::withoutMetadata).toList();
    return new Field(
        f.getName(),
        new org.apache.arrow.vector.types.pojo.FieldType(
            f.isNullable(), f.getType(), f.getDictionary(), null),
        children);
  }
}
