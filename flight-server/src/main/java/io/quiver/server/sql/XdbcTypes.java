package io.quiver.server.sql;

import java.nio.charset.StandardCharsets;
import java.sql.Types;
import java.util.List;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The SQL types Quiver's tables have, as Flight SQL's GetXdbcTypeInfo rows. Stateless. */
final class XdbcTypes {
  private XdbcTypes() {}

  /**
   * One type.
   *
   * @param name SQL name
   * @param jdbcType {@link java.sql.Types} code
   * @param size maximum precision or length, or null
   */
  record TypeRow(String name, int jdbcType, Integer size, boolean caseSensitive, String quote) {}

  private static final List<TypeRow> ALL =
      List.of(
          new TypeRow("BOOLEAN", Types.BOOLEAN, 1, false, null),
          new TypeRow("TINYINT", Types.TINYINT, 3, false, null),
          new TypeRow("SMALLINT", Types.SMALLINT, 5, false, null),
          new TypeRow("INTEGER", Types.INTEGER, 10, false, null),
          new TypeRow("BIGINT", Types.BIGINT, 19, false, null),
          new TypeRow("REAL", Types.REAL, 7, false, null),
          new TypeRow("DOUBLE", Types.DOUBLE, 15, false, null),
          new TypeRow("DECIMAL", Types.DECIMAL, 38, false, null),
          new TypeRow("VARCHAR", Types.VARCHAR, null, true, "'"),
          new TypeRow("VARBINARY", Types.VARBINARY, null, false, "X'"),
          new TypeRow("DATE", Types.DATE, 10, false, "DATE '"),
          new TypeRow("TIME", Types.TIME, 18, false, "TIME '"),
          new TypeRow("TIMESTAMP", Types.TIMESTAMP, 29, false, "TIMESTAMP '"),
          new TypeRow("ARRAY", Types.ARRAY, null, false, null),
          new TypeRow("STRUCT", Types.STRUCT, null, false, null));

  static List<TypeRow> rows(Integer jdbcType) {
    return jdbcType == null ? ALL : ALL.stream().filter(r -> r.jdbcType() == jdbcType).toList();
  }

  static void fill(VectorSchemaRoot root, List<TypeRow> rows) {
    VarCharVector name = (VarCharVector) root.getVector("type_name");
    IntVector dataType = (IntVector) root.getVector("data_type");
    IntVector size = (IntVector) root.getVector("column_size");
    VarCharVector prefix = (VarCharVector) root.getVector("literal_prefix");
    VarCharVector suffix = (VarCharVector) root.getVector("literal_suffix");
    IntVector nullable = (IntVector) root.getVector("nullable");
    BitVector caseSensitive = (BitVector) root.getVector("case_sensitive");
    IntVector searchable = (IntVector) root.getVector("searchable");
    BitVector fixed = (BitVector) root.getVector("fixed_prec_scale");
    IntVector sqlType = (IntVector) root.getVector("sql_data_type");
    for (int i = 0; i < rows.size(); i++) {
      TypeRow r = rows.get(i);
      name.setSafe(i, r.name().getBytes(StandardCharsets.UTF_8));
      dataType.setSafe(i, r.jdbcType());
      if (r.size() != null) {
        size.setSafe(i, r.size());
      }
      if (r.quote() != null) {
        prefix.setSafe(i, r.quote().getBytes(StandardCharsets.UTF_8));
        suffix.setSafe(i, "'".getBytes(StandardCharsets.UTF_8));
      }
      nullable.setSafe(i, 1); // columnNullable
      caseSensitive.setSafe(i, r.caseSensitive() ? 1 : 0);
      searchable.setSafe(i, 3); // searchable with any operator
      fixed.setSafe(i, 0);
      sqlType.setSafe(i, r.jdbcType());
    }
  }
}
