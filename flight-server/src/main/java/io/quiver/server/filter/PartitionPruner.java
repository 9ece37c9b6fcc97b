package io.quiver.server.filter;

import io.quiver.catalog.PartitionFilter;
import io.quiver.catalog.PartitionType;
import io.quiver.format.ColumnStatistics;
import io.quiver.protocol.Filter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A scan's {@link Filter} as a {@link PartitionFilter}: the part of it that reads only the
 * partition columns known so far (an {@code AND} keeps its operands that do, an {@code OR} or
 * {@code NOT} over another column constrains nothing) is bound to their types and asked, like the
 * planner asks it per file, whether a row with those values may match. The projection is implied by
 * the filter, so a {@code false} proves that no row matches. A filter that cannot be bound to the
 * partition types (a literal of another type) rejects nothing.
 *
 * <p>Immutable apart from a cache of bound filters; thread-safe.
 */
public final class PartitionPruner implements PartitionFilter {
  private final Filter filter;
  private final Set<String> columns;
  private final Map<Map<String, PartitionType>, Optional<BoundFilter>> bound =
      new ConcurrentHashMap<>();

  public PartitionPruner(Filter filter) {
    this.filter = filter;
    Set<String> c = new LinkedHashSet<>();
    collect(filter, c);
    this.columns = Collections.unmodifiableSet(c);
  }

  @Override
  public Set<String> columns() {
    return columns;
  }

  @Override
  public boolean mayMatch(Map<String, PartitionType> types, Map<String, Object> values) {
    Optional<BoundFilter> b = bound.computeIfAbsent(Map.copyOf(types), this::bind);
    if (b.isEmpty()) {
      return true;
    }
    return b.get()
        .mayMatch(
            c -> {
              if (!values.containsKey(c)) {
                return null;
              }
              Object v = values.get(c);
              return v == null
                  ? new ColumnStatistics(null, null, 1, 1)
                  : new ColumnStatistics(v, v, 0, 1);
            });
  }

  private Optional<BoundFilter> bind(Map<String, PartitionType> types) {
    Filter projected = project(filter, types.keySet());
    if (projected == null) {
      return Optional.empty();
    }
    List<Field> fields = new ArrayList<>();
    types.forEach((k, t) -> fields.add(new Field(k, FieldType.nullable(t.arrowType()), null)));
    try {
      return Optional.of(BoundFilter.bind(projected, new Schema(fields)));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // refused when the whole filter is bound to the dataset
    }
  }

  /**
   * The weakest part of {@code f} reading only {@code keys}, implied by {@code f}; null if none
   * (anything may match).
   */
  static Filter project(Filter f, Set<String> keys) {
    if (f instanceof Filter.And a) {
      List<Filter> kept = new ArrayList<>();
      for (Filter o : a.operands()) {
        Filter p = project(o, keys);
        if (p != null) {
          kept.add(p);
        }
      }
      return kept.isEmpty() ? null : kept.size() == 1 ? kept.get(0) : new Filter.And(kept);
    }
    if (f instanceof Filter.Or o) {
      List<Filter> all = new ArrayList<>();
      for (Filter x : o.operands()) {
        Filter p = project(x, keys);
        if (p == null) {
          return null;
        }
        all.add(p);
      }
      return all.size() == 1 ? all.get(0) : new Filter.Or(all);
    }
    if (f instanceof Filter.Not n) {
      // NOT of a weaker filter is not implied: only an operand on the keys alone may be negated.
      Set<String> read = new LinkedHashSet<>();
      collect(n.operand(), read);
      return keys.containsAll(read) ? f : null;
    }
    Set<String> read = new LinkedHashSet<>();
    collect(f, read);
    return keys.containsAll(read) ? f : null;
  }

  private static void collect(Filter f, Set<String> into) {
    if (f instanceof Filter.Compare c) {
      into.add(c.column());
    } else if (f instanceof Filter.In in) {
      into.add(in.column());
    } else if (f instanceof Filter.Between b) {
      into.add(b.column());
    } else if (f instanceof Filter.IsNull n) {
      into.add(n.column());
    } else if (f instanceof Filter.IsNotNull n) {
      into.add(n.column());
    } else if (f instanceof Filter.And a) {
      a.operands().forEach(o -> collect(o, into));
    } else if (f instanceof Filter.Or o) {
      o.operands().forEach(x -> collect(x, into));
    } else if (f instanceof Filter.Not n) {
      collect(n.operand(), into);
    }
  }
}
