package io.quiver.server;

import io.quiver.catalog.NamespacePath;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import java.util.List;
import java.util.function.Predicate;
import org.apache.arrow.flight.FlightDescriptor;

/**
 * What a client asks to scan, parsed from a {@link FlightDescriptor}.
 *
 * <ul>
 *   <li>Path descriptor {@code ["sales","orders"]}: the table {@code sales.orders} if defined, else
 *       the namespace path {@code /sales/orders}; all columns, no filter.
 *   <li>Command descriptor: a JSON {@link ScanCommand} ({@code {"table": "sales.orders", "columns":
 *       ["a","b"], "filter": {...}}} or {@code {"path": "/lake/x", ...}}).
 * </ul>
 *
 * @param table the table name, or null when a namespace path is named
 * @param path the namespace path when {@code table} is null
 * @param columns projected columns, or null for all
 * @param filter rows wanted, or null for all
 * @param exact whether rows the filter rejects are removed (else only units are pruned)
 */
public record ScanRequest(
    String table, NamespacePath path, List<String> columns, Filter filter, boolean exact) {

  /**
   * @param isTable tells whether a dotted name is a defined table
   * @throws IllegalArgumentException for a malformed descriptor
   */
  public static ScanRequest parse(FlightDescriptor descriptor, Predicate<String> isTable) {
    if (descriptor.isCommand()) {
      ScanCommand command = ScanCommand.parse(descriptor.getCommand());
      return new ScanRequest(
          command.table(),
          command.path() == null ? null : NamespacePath.of(command.path()),
          command.columns(),
          command.filter(),
          command.exact());
    }
    List<String> segments = descriptor.getPath();
    if (segments.isEmpty()) {
      throw new IllegalArgumentException("Empty descriptor path: name a table or a namespace path");
    }
    String dotted = String.join(".", segments);
    if (isTable.test(dotted)) {
      return new ScanRequest(dotted, null, null, null, true);
    }
    if (segments.size() == 1 && segments.get(0).contains("/")) {
      return new ScanRequest(null, NamespacePath.of(segments.get(0)), null, null, true);
    }
    return new ScanRequest(null, new NamespacePath(segments), null, null, true);
  }

  public String displayName() {
    return table != null ? table : path.toString();
  }
}
