package io.quiver.sql;

import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.schema.impl.AbstractTable;

/**
 * A Quiver table as Calcite sees it: its catalog name and Arrow schema, with the row type of {@link
 * ArrowTypes}. Subclasses add how rows are read (the JDBC driver scans through Flight; the server
 * plans only and hands execution to its engine).
 *
 * <p>Immutable and thread-safe.
 */
public class QuiverTable extends AbstractTable {
  private final String name;
  private final Schema arrowSchema;

  /**
   * @param name the catalog's dotted table name, e.g. {@code sales.orders}
   */
  public QuiverTable(String name, Schema arrowSchema) {
    this.name = name;
    this.arrowSchema = arrowSchema;
  }

  /** The catalog's dotted table name. */
  public String name() {
    return name;
  }

  public Schema arrowSchema() {
    return arrowSchema;
  }

  @Override
  public RelDataType getRowType(RelDataTypeFactory typeFactory) {
    return ArrowTypes.rowType(arrowSchema, typeFactory);
  }
}
