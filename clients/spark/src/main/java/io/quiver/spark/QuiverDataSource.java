package io.quiver.spark;

import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * {@code spark.read.format("quiver")}: a Quiver table ({@code load("sales.orders")}) or namespace
 * path ({@code .option("path", "/lake/orders")}) of the node given by option {@code server} ({@code
 * host:port}, default {@code localhost:8815}). See {@link QuiverOptions} for every option.
 *
 * <p>The schema comes from the node (GetSchema); a user-given schema is refused. Instantiated by
 * Spark through {@code META-INF/services/org.apache.spark.sql.sources.DataSourceRegister}.
 */
public final class QuiverDataSource implements TableProvider, DataSourceRegister {

  @Override
  public String shortName() {
    return "quiver";
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return ArrowToSpark.sparkSchema(arrowSchema(QuiverOptions.parse(options)));
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    QuiverOptions options = QuiverOptions.parse(properties);
    return new QuiverTable(options, arrowSchema(options));
  }

  /** The target's Arrow schema, asked from the node. */
  static Schema arrowSchema(QuiverOptions options) {
    try (BufferAllocator allocator = TaskMemory.allocator("quiver-driver-schema", 1L << 20)) {
      try (var client = options.connect(allocator)) {
        return client.schema(options.command());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while closing a Quiver client", e);
      }
    }
  }
}
