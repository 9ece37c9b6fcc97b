package io.quiver.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Field;

/** JUnit assertions on {@link Table}s. Stateless and thread-safe. */
public final class ArrowAssertions {
  private ArrowAssertions() {}

  /**
   * Asserts that {@code actual} has the same fields and values as {@code expected}.
   *
   * <p>Fields are compared by name, order, Arrow type (including time units, time zones, decimal
   * precision/scale/bit width) and <b>nullability</b>: a reader that reports a REQUIRED column as
   * nullable is a difference worth failing on. Field and schema metadata and dictionary encodings
   * are not compared (readers attach different metadata to the same data). Values are compared row
   * by row with {@link Objects#deepEquals}, so {@code byte[]} compare by content and {@code NaN}
   * equals {@code NaN}; the failure message names the column and row of the first difference.
   */
  public static void assertSameTable(Table expected, Table actual) {
    List<Field> expectedFields = expected.schema().getFields();
    List<Field> actualFields = actual.schema().getFields();
    if (expectedFields.size() != actualFields.size()) {
      fail(
          "Expected "
              + expectedFields.size()
              + " columns "
              + expected.columnNames()
              + " but got "
              + actualFields.size()
              + " "
              + actual.columnNames());
    }
    for (int i = 0; i < expectedFields.size(); i++) {
      Field e = expectedFields.get(i);
      Field a = actualFields.get(i);
      if (!e.getName().equals(a.getName())
          || !e.getType().equals(a.getType())
          || e.isNullable() != a.isNullable()) {
        fail("Column " + i + ": expected field " + describe(e) + " but got " + describe(a));
      }
    }
    if (expected.rowCount() != actual.rowCount()) {
      fail("Expected " + expected.rowCount() + " rows but got " + actual.rowCount());
    }
    for (Field field : expectedFields) {
      String name = field.getName();
      List<Object> e = expected.column(name);
      List<Object> a = actual.column(name);
      for (int row = 0; row < e.size(); row++) {
        if (!Objects.deepEquals(e.get(row), a.get(row))) {
          fail(
              "Column '"
                  + name
                  + "' row "
                  + row
                  + ": expected "
                  + format(e.get(row))
                  + " but got "
                  + format(a.get(row)));
        }
      }
    }
  }

  /**
   * Like {@link #assertSameTable}, and also compares the child fields of nested columns (list
   * elements, struct fields, map entries, keys and values) recursively by name, Arrow type and
   * nullability, so a reader that names a list element differently or makes a struct field nullable
   * fails.
   */
  public static void assertSameTableDeep(Table expected, Table actual) {
    List<Field> expectedFields = expected.schema().getFields();
    List<Field> actualFields = actual.schema().getFields();
    for (int i = 0; i < Math.min(expectedFields.size(), actualFields.size()); i++) {
      assertSameChildren(
          expectedFields.get(i).getName(), expectedFields.get(i), actualFields.get(i));
    }
    assertSameTable(expected, actual);
  }

  private static void assertSameChildren(String path, Field expected, Field actual) {
    List<Field> e = expected.getChildren();
    List<Field> a = actual.getChildren();
    if (e.size() != a.size()) {
      fail("Field '" + path + "': expected children " + e + " but got " + a);
    }
    for (int i = 0; i < e.size(); i++) {
      Field ec = e.get(i);
      Field ac = a.get(i);
      String childPath = path + "." + ec.getName();
      if (!ec.getName().equals(ac.getName())
          || !ec.getType().equals(ac.getType())
          || ec.isNullable() != ac.isNullable()) {
        fail(
            "Field '"
                + path
                + "' child "
                + i
                + ": expected "
                + describe(ec)
                + " but got "
                + describe(ac));
      }
      assertSameChildren(childPath, ec, ac);
    }
  }

  private static String describe(Field f) {
    return "'" + f.getName() + "' " + f.getType() + (f.isNullable() ? " nullable" : " not null");
  }

  private static String format(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof byte[] bytes) {
      return "0x" + HexFormat.of().formatHex(bytes) + " (byte[" + bytes.length + "])";
    }
    return "<" + value + "> (" + value.getClass().getSimpleName() + ")";
  }
}
