package io.quiver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

class ArrowAssertionsTest {

  /** A table of (id bigint, name utf8, raw binary) with the given values. */
  private static Table table(boolean idNullable, long[] ids, String[] names, byte[][] raws) {
    try (BufferAllocator allocator = new RootAllocator();
        BigIntVector id =
            new BigIntVector(
                new Field("id", new FieldType(idNullable, new ArrowType.Int(64, true), null), null),
                allocator);
        VarCharVector name = new VarCharVector("name", allocator);
        VarBinaryVector raw = new VarBinaryVector("raw", allocator)) {
      for (int i = 0; i < ids.length; i++) {
        id.setSafe(i, ids[i]);
        if (names[i] == null) {
          name.setNull(i);
        } else {
          name.setSafe(i, names[i].getBytes(StandardCharsets.UTF_8));
        }
        raw.setSafe(i, raws[i]);
      }
      VectorSchemaRoot root = VectorSchemaRoot.of(id, name, raw);
      root.setRowCount(ids.length);
      // Two batches: the first row, then the rest.
      try (VectorSchemaRoot first = root.slice(0, 1);
          VectorSchemaRoot rest = root.slice(1, ids.length - 1)) {
        return Table.builder(root.getSchema()).append(first).append(rest).build();
      }
    }
  }

  private static final long[] IDS = {1, 2, 3};
  private static final String[] NAMES = {"a", null, "ü"};
  private static final byte[][] RAWS = {{1}, {}, {2, 3}};

  @Test
  void tablesHoldNormalizedOnHeapValues() {
    Table t = table(true, IDS, NAMES, RAWS);
    assertEquals(3, t.rowCount());
    assertEquals(List.of("id", "name", "raw"), t.columnNames());
    assertEquals(List.of(1L, 2L, 3L), t.column("id"));
    assertEquals(java.util.Arrays.asList("a", null, "ü"), t.column("name"));
    assertEquals(2, ((byte[]) t.column("raw").get(2)).length);
  }

  @Test
  void equalTablesPass() {
    ArrowAssertions.assertSameTable(
        table(true, IDS, NAMES, RAWS), table(true, IDS, NAMES, new byte[][] {{1}, {}, {2, 3}}));
  }

  @Test
  void differencesNameColumnAndRow() {
    Table expected = table(true, IDS, NAMES, RAWS);
    AssertionFailedError value =
        assertThrows(
            AssertionFailedError.class,
            () ->
                ArrowAssertions.assertSameTable(
                    expected, table(true, IDS, new String[] {"a", null, "u"}, RAWS)));
    assertEquals(
        "Column 'name' row 2: expected <ü> (String) but got <u> (String)", value.getMessage());

    AssertionFailedError bytes =
        assertThrows(
            AssertionFailedError.class,
            () ->
                ArrowAssertions.assertSameTable(
                    expected, table(true, IDS, NAMES, new byte[][] {{1}, {}, {2, 4}})));
    assertEquals(
        "Column 'raw' row 2: expected 0x0203 (byte[2]) but got 0x0204 (byte[2])",
        bytes.getMessage());

    AssertionFailedError nullability =
        assertThrows(
            AssertionFailedError.class,
            () -> ArrowAssertions.assertSameTable(expected, table(false, IDS, NAMES, RAWS)));
    assertEquals(
        "Column 0: expected field 'id' Int(64, true) nullable but got 'id' Int(64, true) not null",
        nullability.getMessage());
  }

  @Test
  void schemaOnlyTablesCompare() {
    Schema schema =
        new Schema(List.of(new Field("x", FieldType.nullable(new ArrowType.Utf8()), null)));
    ArrowAssertions.assertSameTable(Table.builder(schema).build(), Table.builder(schema).build());
  }
}
