package io.quiver.server;

import io.quiver.catalog.Catalog;
import io.quiver.catalog.DataFile;
import io.quiver.catalog.Dataset;
import io.quiver.catalog.NoSuchPathException;
import io.quiver.catalog.NoSuchTableException;
import io.quiver.format.FileMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Turns a {@link FlightDescriptor} into a {@link FlightInfo}: resolves the table or path through
 * the catalog (listing and footers come from its caches), applies the projection and splits the
 * units (Parquet row groups, ORC stripes) into endpoints of at most {@code rowGroupsPerEndpoint}
 * units of one file, each with an opaque {@link ScanTicket}. Endpoints carry no location: the
 * client reads them from this server.
 *
 * <p>Thread-safe (stateless apart from the catalog).
 */
public final class ScanPlanner {
  private final Catalog catalog;
  private final int rowGroupsPerEndpoint;

  public ScanPlanner(Catalog catalog, int rowGroupsPerEndpoint) {
    if (rowGroupsPerEndpoint < 1) {
      throw new IllegalArgumentException("rowGroupsPerEndpoint must be >= 1");
    }
    this.catalog = catalog;
    this.rowGroupsPerEndpoint = rowGroupsPerEndpoint;
  }

  /** The dataset and projected schema a request names. */
  public record Resolved(Dataset dataset, Schema schema, List<String> columns) {}

  /**
   * @throws NoSuchTableException if neither a table nor a mounted path goes by that name
   * @throws IllegalArgumentException for unknown columns or a malformed descriptor
   */
  public Resolved resolve(FlightDescriptor descriptor) throws IOException {
    ScanRequest request =
        ScanRequest.parse(descriptor, name -> catalog.findTable(name).isPresent());
    Dataset dataset;
    if (request.table() != null) {
      dataset = catalog.tableDataset(request.table());
    } else {
      try {
        dataset = catalog.dataset(request.path().toString(), request.path(), null);
      } catch (NoSuchPathException e) {
        if (!descriptor.isCommand()) {
          throw new NoSuchTableException(
              "No table "
                  + String.join(".", descriptor.getPath())
                  + " and nothing at namespace path "
                  + request.path()
                  + " (see 'quiver table ls' and 'quiver mounts')");
        }
        throw e;
      }
    }
    return project(dataset, request.columns());
  }

  private static Resolved project(Dataset dataset, List<String> requested) {
    Schema full = dataset.schema();
    if (requested == null) {
      List<String> all = full.getFields().stream().map(Field::getName).toList();
      return new Resolved(dataset, full, all);
    }
    List<Field> fields = new ArrayList<>();
    for (String c : new LinkedHashSet<>(requested)) {
      Field f =
          full.getFields().stream().filter(x -> x.getName().equals(c)).findFirst().orElse(null);
      if (f == null) {
        throw new IllegalArgumentException(
            "Unknown column '"
                + c
                + "' in "
                + dataset.name()
                + " (columns: "
                + String.join(", ", full.getFields().stream().map(Field::getName).toList())
                + ")");
      }
      fields.add(f);
    }
    return new Resolved(dataset, new Schema(fields), fields.stream().map(Field::getName).toList());
  }

  public FlightInfo plan(FlightDescriptor descriptor) throws IOException {
    Resolved r = resolve(descriptor);
    List<FlightEndpoint> endpoints = new ArrayList<>();
    long bytes = 0;
    for (DataFile file : r.dataset().files()) {
      FileMetadata metadata = file.metadata();
      int units = metadata.unitCount();
      for (int start = 0; start < units; start += rowGroupsPerEndpoint) {
        List<Integer> groups = new ArrayList<>();
        for (int g = start; g < Math.min(units, start + rowGroupsPerEndpoint); g++) {
          groups.add(g);
          for (String column : r.columns()) {
            bytes += metadata.columnBytes(g, column);
          }
        }
        ScanTicket ticket =
            new ScanTicket(
                r.columns(),
                List.of(
                    new ScanTicket.Part(
                        file.path().toString(),
                        file.format(),
                        file.entry().length(),
                        file.entry().version().token(),
                        groups)));
        endpoints.add(new FlightEndpoint(new Ticket(ticket.encode())));
      }
    }
    return new FlightInfo(r.schema(), descriptor, endpoints, bytes, r.dataset().rowCount());
  }
}
