package io.quiver.server.filter;

import io.quiver.format.ColumnStatistics;
import io.quiver.protocol.Filter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A {@link Filter} bound to a schema: columns resolved, literals converted to the columns' types.
 * It answers two questions with SQL's three-valued logic:
 *
 * <ul>
 *   <li>{@link #mayMatch}: can any row of a unit be TRUE, given the unit's column statistics? (Plan
 *       time pruning: false only when the statistics prove it.)
 *   <li>{@link #select}: which rows of a batch are TRUE? Evaluated column at a time into bitmaps
 *       (one TRUE and one FALSE bit per row; NULL is neither), reading Arrow buffers directly.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class BoundFilter {
  private final Node root;
  private final Set<String> columns;

  private BoundFilter(Node root, Set<String> columns) {
    this.root = root;
    this.columns = Collections.unmodifiableSet(columns);
  }

  /**
   * @throws IllegalArgumentException naming the column for an unknown column, a column whose type
   *     cannot be compared, or a literal that does not fit the column's type
   */
  public static BoundFilter bind(Filter filter, Schema schema) {
    Set<String> columns = new LinkedHashSet<>();
    Node root = bind(filter, schema, columns);
    return new BoundFilter(root, columns);
  }

  /** The columns the filter reads, in first-use order. */
  public Set<String> columns() {
    return columns;
  }

  /**
   * Whether a unit whose columns have these statistics may hold a row for which the filter is TRUE.
   *
   * @param statistics the unit's statistics of a column the filter reads
   */
  public boolean mayMatch(Function<String, ColumnStatistics> statistics) {
    return root.possible(statistics).canBeTrue;
  }

  /**
   * Evaluates the filter over one batch.
   *
   * @param vectors the batch's vectors by column name; must hold every column of {@link #columns()}
   *     with at least {@code rows} values. Borrowed: not retained or closed.
   * @return the rows for which the filter is TRUE
   */
  public RowSelection select(Map<String, FieldVector> vectors, int rows) {
    long[][] tf = root.evaluate(vectors, rows);
    return new RowSelection(tf[0], rows);
  }

  private static Node bind(Filter filter, Schema schema, Set<String> columns) {
    if (filter instanceof Filter.Compare c) {
      Field field = field(schema, c.column(), columns);
      return new CompareNode(field.getName(), c.op(), LiteralComparator.of(field, c.value()));
    }
    if (filter instanceof Filter.In in) {
      List<Node> eqs = new ArrayList<>();
      for (Object v : in.values()) {
        eqs.add(bind(new Filter.Compare(in.column(), Filter.CompareOp.EQ, v), schema, columns));
      }
      return eqs.size() == 1 ? eqs.get(0) : new OrNode(eqs);
    }
    if (filter instanceof Filter.Between b) {
      return new AndNode(
          List.of(
              bind(new Filter.Compare(b.column(), Filter.CompareOp.GE, b.low()), schema, columns),
              bind(
                  new Filter.Compare(b.column(), Filter.CompareOp.LE, b.high()), schema, columns)));
    }
    if (filter instanceof Filter.IsNull n) {
      return new NullNode(field(schema, n.column(), columns).getName(), true);
    }
    if (filter instanceof Filter.IsNotNull n) {
      return new NullNode(field(schema, n.column(), columns).getName(), false);
    }
    if (filter instanceof Filter.And a) {
      List<Node> nodes = new ArrayList<>();
      a.operands().forEach(f -> nodes.add(bind(f, schema, columns)));
      return nodes.size() == 1 ? nodes.get(0) : new AndNode(nodes);
    }
    if (filter instanceof Filter.Or o) {
      List<Node> nodes = new ArrayList<>();
      o.operands().forEach(f -> nodes.add(bind(f, schema, columns)));
      return nodes.size() == 1 ? nodes.get(0) : new OrNode(nodes);
    }
    return new NotNode(bind(((Filter.Not) filter).operand(), schema, columns));
  }

  private static Field field(Schema schema, String name, Set<String> columns) {
    for (Field f : schema.getFields()) {
      if (f.getName().equals(name)) {
        columns.add(name);
        return f;
      }
    }
    throw new IllegalArgumentException(
        "Unknown column '"
            + name
            + "' in filter (columns: "
            + String.join(", ", schema.getFields().stream().map(Field::getName).toList())
            + ")");
  }

  /** What statistics allow a node to be for some row of a unit. */
  private record Possible(boolean canBeTrue, boolean canBeFalse) {
    static final Possible ANY = new Possible(true, true);
  }

  private abstract static class Node {
    abstract Possible possible(Function<String, ColumnStatistics> statistics);

    /** {TRUE bitmap, FALSE bitmap} of {@code rows} rows. */
    abstract long[][] evaluate(Map<String, FieldVector> vectors, int rows);
  }

  private static FieldVector vector(Map<String, FieldVector> vectors, String column) {
    FieldVector v = vectors.get(column);
    if (v == null) {
      throw new IllegalStateException("Filter column '" + column + "' was not loaded");
    }
    return v;
  }

  private static long[] words(int rows) {
    return new long[(rows + 63) >>> 6];
  }

  private static final class CompareNode extends Node {
    private final String column;
    private final Filter.CompareOp op;
    private final LiteralComparator literal;

    CompareNode(String column, Filter.CompareOp op, LiteralComparator literal) {
      this.column = column;
      this.op = op;
      this.literal = literal;
    }

    @Override
    Possible possible(Function<String, ColumnStatistics> statistics) {
      ColumnStatistics s = statistics.apply(column);
      if (s == null) {
        return Possible.ANY;
      }
      if (!s.mayHaveNonNull()) {
        return new Possible(false, false); // every value is null: the comparison is NULL
      }
      if (!s.hasBounds()) {
        return Possible.ANY;
      }
      int min = literal.compareBound(s.min());
      int max = literal.compareBound(s.max());
      if (min == Integer.MIN_VALUE || max == Integer.MIN_VALUE) {
        return Possible.ANY;
      }
      return new Possible(canHold(op, min, max), canHold(op.negate(), min, max));
    }

    /** Whether some value v with sign(min - L) = min, sign(max - L) = max satisfies {@code op}. */
    private static boolean canHold(Filter.CompareOp op, int min, int max) {
      return switch (op) {
        case EQ -> min <= 0 && max >= 0;
        case NE -> !(min == 0 && max == 0);
        case LT -> min < 0;
        case LE -> min <= 0;
        case GT -> max > 0;
        case GE -> max >= 0;
      };
    }

    @Override
    long[][] evaluate(Map<String, FieldVector> vectors, int rows) {
      FieldVector v = vector(vectors, column);
      long[] t = words(rows);
      long[] f = words(rows);
      boolean lt = op.test(-1);
      boolean eq = op.test(0);
      boolean gt = op.test(1);
      var validity = v.getValidityBuffer();
      boolean allValid = v.getNullCount() == 0;
      for (int i = 0; i < rows; i++) {
        if (!allValid && BitVectorHelper.get(validity, i) == 0) {
          continue;
        }
        int c = literal.compareRow(v, i);
        boolean keep = c < 0 ? lt : c == 0 ? eq : gt;
        long bit = 1L << i;
        if (keep) {
          t[i >>> 6] |= bit;
        } else {
          f[i >>> 6] |= bit;
        }
      }
      return new long[][] {t, f};
    }
  }

  private static final class NullNode extends Node {
    private final String column;
    private final boolean isNull;

    NullNode(String column, boolean isNull) {
      this.column = column;
      this.isNull = isNull;
    }

    @Override
    Possible possible(Function<String, ColumnStatistics> statistics) {
      ColumnStatistics s = statistics.apply(column);
      if (s == null) {
        return Possible.ANY;
      }
      boolean nulls = s.mayHaveNull();
      boolean values = s.mayHaveNonNull();
      return isNull ? new Possible(nulls, values) : new Possible(values, nulls);
    }

    @Override
    long[][] evaluate(Map<String, FieldVector> vectors, int rows) {
      FieldVector v = vector(vectors, column);
      long[] valid = words(rows);
      long[] invalid = words(rows);
      for (int i = 0; i < rows; i++) {
        if (v.isNull(i)) {
          invalid[i >>> 6] |= 1L << i;
        } else {
          valid[i >>> 6] |= 1L << i;
        }
      }
      return isNull ? new long[][] {invalid, valid} : new long[][] {valid, invalid};
    }
  }

  private static final class AndNode extends Node {
    private final List<Node> operands;

    AndNode(List<Node> operands) {
      this.operands = List.copyOf(operands);
    }

    @Override
    Possible possible(Function<String, ColumnStatistics> statistics) {
      boolean t = true;
      boolean f = false;
      for (Node n : operands) {
        Possible p = n.possible(statistics);
        t &= p.canBeTrue;
        f |= p.canBeFalse;
      }
      return new Possible(t, f);
    }

    @Override
    long[][] evaluate(Map<String, FieldVector> vectors, int rows) {
      long[][] acc = operands.get(0).evaluate(vectors, rows);
      for (int k = 1; k < operands.size(); k++) {
        long[][] next = operands.get(k).evaluate(vectors, rows);
        for (int w = 0; w < acc[0].length; w++) {
          acc[0][w] &= next[0][w];
          acc[1][w] |= next[1][w];
        }
      }
      return acc;
    }
  }

  private static final class OrNode extends Node {
    private final List<Node> operands;

    OrNode(List<Node> operands) {
      this.operands = List.copyOf(operands);
    }

    @Override
    Possible possible(Function<String, ColumnStatistics> statistics) {
      boolean t = false;
      boolean f = true;
      for (Node n : operands) {
        Possible p = n.possible(statistics);
        t |= p.canBeTrue;
        f &= p.canBeFalse;
      }
      return new Possible(t, f);
    }

    @Override
    long[][] evaluate(Map<String, FieldVector> vectors, int rows) {
      long[][] acc = operands.get(0).evaluate(vectors, rows);
      for (int k = 1; k < operands.size(); k++) {
        long[][] next = operands.get(k).evaluate(vectors, rows);
        for (int w = 0; w < acc[0].length; w++) {
          acc[0][w] |= next[0][w];
          acc[1][w] &= next[1][w];
        }
      }
      return acc;
    }
  }

  private static final class NotNode extends Node {
    private final Node operand;

    NotNode(Node operand) {
      this.operand = operand;
    }

    @Override
    Possible possible(Function<String, ColumnStatistics> statistics) {
      Possible p = operand.possible(statistics);
      return new Possible(p.canBeFalse, p.canBeTrue);
    }

    @Override
    long[][] evaluate(Map<String, FieldVector> vectors, int rows) {
      long[][] tf = operand.evaluate(vectors, rows);
      return new long[][] {tf[1], tf[0]};
    }
  }
}
