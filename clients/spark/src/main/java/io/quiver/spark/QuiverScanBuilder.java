package io.quiver.spark;

import io.quiver.protocol.Filter;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.connector.read.SupportsPushDownV2Filters;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Pushes the columns a query needs and the predicates the server evaluates exactly (see {@link
 * PredicateTranslation}) into the scan command; Spark keeps the others. Columns are pruned at the
 * top level: a struct column is read whole. Not thread-safe (Spark uses it from one thread).
 */
final class QuiverScanBuilder
    implements ScanBuilder, SupportsPushDownRequiredColumns, SupportsPushDownV2Filters {
  private final QuiverOptions options;
  private final Schema arrowSchema;
  private List<Field> columns;
  private Predicate[] pushed = new Predicate[0];
  private final List<Filter> filters = new ArrayList<>();

  QuiverScanBuilder(QuiverOptions options, Schema arrowSchema) {
    this.options = options;
    this.arrowSchema = arrowSchema;
    this.columns = arrowSchema.getFields();
  }

  @Override
  public void pruneColumns(StructType required) {
    List<Field> kept = new ArrayList<>();
    for (StructField s : required.fields()) {
      for (Field f : arrowSchema.getFields()) {
        if (f.getName().equals(s.name())) {
          kept.add(f);
          break;
        }
      }
    }
    columns = kept;
  }

  @Override
  public Predicate[] pushPredicates(Predicate[] predicates) {
    PredicateTranslation translation = new PredicateTranslation(arrowSchema);
    List<Predicate> accepted = new ArrayList<>();
    List<Predicate> rest = new ArrayList<>();
    filters.clear();
    for (Predicate p : predicates) {
      Filter f = translation.translate(p);
      if (f == null) {
        rest.add(p);
      } else {
        accepted.add(p);
        filters.add(f);
      }
    }
    pushed = accepted.toArray(new Predicate[0]);
    return rest.toArray(new Predicate[0]);
  }

  @Override
  public Predicate[] pushedPredicates() {
    return pushed.clone();
  }

  @Override
  public Scan build() {
    Filter filter =
        filters.isEmpty() ? null : filters.size() == 1 ? filters.get(0) : new Filter.And(filters);
    return new QuiverScan(options, arrowSchema, columns, filter);
  }
}
