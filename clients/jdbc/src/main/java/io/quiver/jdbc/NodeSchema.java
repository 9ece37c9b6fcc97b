package io.quiver.jdbc;

import io.quiver.sql.CatalogSchema;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.tree.Expression;
import org.apache.calcite.linq4j.tree.Expressions;
import org.apache.calcite.schema.Schema;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.lookup.Lookup;
import org.apache.calcite.util.BuiltInMethod;

/**
 * The root schema of a Quiver JDBC connection: the node's catalog as a {@link CatalogSchema}
 * (top-level names are schemas, or tables when undotted), tied to the {@link NodeConnection} that
 * answers it. Thread-safe.
 */
final class NodeSchema extends AbstractSchema {
  private final NodeConnection node;
  private final CatalogSchema catalog;

  NodeSchema(NodeConnection node) {
    this.node = node;
    this.catalog = new CatalogSchema(node::tableNames, node::table);
  }

  NodeConnection node() {
    return node;
  }

  @Override
  public Lookup<Table> tables() {
    return catalog.tables();
  }

  @Override
  public Lookup<? extends Schema> subSchemas() {
    return catalog.subSchemas();
  }

  /** The root schema, as generated code finds it. */
  @Override
  public Expression getExpression(SchemaPlus parentSchema, String name) {
    return Expressions.call(DataContext.ROOT, BuiltInMethod.DATA_CONTEXT_GET_ROOT_SCHEMA.method);
  }

  @Override
  public boolean isMutable() {
    return false;
  }
}
