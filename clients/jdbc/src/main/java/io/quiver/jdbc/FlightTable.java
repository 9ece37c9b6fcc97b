package io.quiver.jdbc;

import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.sql.FilterTranslator;
import io.quiver.sql.QuiverTable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.AbstractEnumerable;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.linq4j.Enumerator;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.schema.ProjectableFilterableTable;
import org.apache.calcite.sql.type.SqlTypeFamily;

/**
 * A table of a Quiver node, scanned through Flight. Calcite hands each scan the columns the query
 * uses and the filters above the scan; the filters (split into conjuncts) that {@link
 * FilterTranslator} can express go to the node in the scan command, which prunes row groups by
 * their statistics and removes the rows they reject. A filter all of whose conjuncts went to the
 * node is removed from Calcite's list; any other stays and Calcite applies it to the rows.
 * Prepared-statement parameters are bound before translating, so {@code id = ?} is pushed too.
 *
 * <p>Immutable and thread-safe; every scan reads with its own streams.
 */
final class FlightTable extends QuiverTable implements ProjectableFilterableTable {
  private final NodeConnection node;

  FlightTable(String name, Schema arrowSchema, NodeConnection node) {
    super(name, arrowSchema);
    this.node = node;
  }

  /** What one scan asks of the node and returns to Calcite. */
  record Plan(ScanCommand command, List<String> output) {}

  /**
   * Plans a scan; removes from {@code filters} those the node evaluates exactly.
   *
   * @param projects the columns to return, by index, or null for all
   */
  Plan plan(DataContext root, List<RexNode> filters, int[] projects) {
    List<Field> fields = arrowSchema().getFields();
    RexBuilder rex = new RexBuilder(root.getTypeFactory());
    FilterTranslator translator = new FilterTranslator(fields, rex);
    List<Filter> pushed = new ArrayList<>();
    Set<Integer> filterColumns = new LinkedHashSet<>();
    for (Iterator<RexNode> it = filters.iterator(); it.hasNext(); ) {
      RexNode filter = bindParameters(it.next(), root, rex);
      boolean all = true;
      for (RexNode conjunct : RelOptUtil.conjunctions(filter)) {
        Filter f = translator.translate(conjunct);
        if (f == null) {
          all = false;
        } else {
          pushed.add(f);
          RelOptUtil.InputFinder.bits(conjunct).forEach(filterColumns::add);
        }
      }
      if (all) {
        it.remove();
      }
    }

    List<String> output = new ArrayList<>();
    if (projects == null) {
      fields.forEach(f -> output.add(f.getName()));
    } else {
      for (int p : projects) {
        output.add(fields.get(p).getName());
      }
    }
    List<String> columns = new ArrayList<>(new LinkedHashSet<>(output));
    if (columns.isEmpty()) {
      // COUNT(*) and the like: rows of no columns. Read one column to count rows, one the filter
      // reads anyway if there is one, else a cheap one.
      columns.add(fields.get(countColumn(fields, filterColumns)).getName());
    }
    ScanCommand command = ScanCommand.table(name()).withColumns(columns);
    if (!pushed.isEmpty()) {
      command = command.withFilter(pushed.size() == 1 ? pushed.get(0) : new Filter.And(pushed));
    }
    return new Plan(command, output);
  }

  @Override
  public Enumerable<Object[]> scan(DataContext root, List<RexNode> filters, int[] projects) {
    Plan plan = plan(root, filters, projects);
    // Nothing is read until Calcite enumerates: it may plan a scan again with more columns and
    // drop this one.
    return new AbstractEnumerable<>() {
      @Override
      public Enumerator<Object[]> enumerator() {
        return new ScanEnumerator(node, name(), plan.command(), plan.output());
      }
    };
  }

  /** The first column that is cheap to read (fixed width), or the first column. */
  int cheapestColumn() {
    return countColumn(arrowSchema().getFields(), Set.of());
  }

  private static int countColumn(List<Field> fields, Set<Integer> filterColumns) {
    if (!filterColumns.isEmpty()) {
      return filterColumns.iterator().next();
    }
    for (int i = 0; i < fields.size(); i++) {
      if (ArrowValues.isCheap(fields.get(i).getType())) {
        return i;
      }
    }
    return 0;
  }

  /**
   * {@code filter} with its dynamic parameters replaced by the values this execution binds, where
   * they are numbers, strings or booleans of a matching type; other parameters stay, and the
   * conjuncts holding them stay with Calcite.
   */
  private static RexNode bindParameters(RexNode filter, DataContext root, RexBuilder rex) {
    return filter.accept(
        new RexShuttle() {
          @Override
          public RexNode visitDynamicParam(RexDynamicParam param) {
            RexNode literal = literal(root.get("?" + param.getIndex()), param.getType(), rex);
            return literal == null ? param : literal;
          }
        });
  }

  private static RexNode literal(Object value, RelDataType type, RexBuilder rex) {
    boolean fits =
        (value instanceof Number && SqlTypeFamily.NUMERIC.contains(type))
            || (value instanceof String && SqlTypeFamily.CHARACTER.contains(type))
            || (value instanceof Boolean && SqlTypeFamily.BOOLEAN.contains(type));
    if (!fits) {
      return null;
    }
    try {
      return rex.makeLiteral(value, type, false);
    } catch (RuntimeException e) {
      // A value Calcite cannot make a literal of this type from: the conjunct stays with Calcite,
      // which evaluates it with the parameter as given (no push-down, same result).
      return null;
    }
  }
}
