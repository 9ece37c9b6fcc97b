package io.quiver.spark;

import java.util.EnumSet;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A Quiver table or namespace path, read in batches. Immutable. */
final class QuiverTable implements SupportsRead {
  private final QuiverOptions options;
  private final Schema arrowSchema;
  private final StructType schema;

  QuiverTable(QuiverOptions options, Schema arrowSchema) {
    this.options = options;
    this.arrowSchema = arrowSchema;
    this.schema = ArrowToSpark.sparkSchema(arrowSchema);
  }

  @Override
  public String name() {
    return "quiver:" + options.target();
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    return new QuiverScanBuilder(options, arrowSchema);
  }
}
