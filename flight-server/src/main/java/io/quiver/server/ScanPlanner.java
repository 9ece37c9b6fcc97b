package io.quiver.server;

import io.quiver.catalog.Catalog;
import io.quiver.catalog.DataFile;
import io.quiver.catalog.Dataset;
import io.quiver.catalog.NoSuchPathException;
import io.quiver.catalog.NoSuchTableException;
import io.quiver.format.ColumnStatistics;
import io.quiver.format.FileMetadata;
import io.quiver.protocol.Filter;
import io.quiver.server.filter.BoundFilter;
import io.quiver.server.filter.PartitionPruner;
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
 * units of one file, each with an opaque {@link ScanTicket}. A filter prunes units by their
 * statistics and, unless the request says {@code exact: false}, travels in the tickets so that the
 * stream removes the rows it rejects. On a single node endpoints carry no location: the client
 * reads them from this server. In a cluster ({@link Placement}) the units of a file are grouped by
 * their owners, and each endpoint's locations are its owners then the nodes that would own it next,
 * so that clients read in parallel from the nodes holding the data and fail over in order.
 *
 * <p>Thread-safe (stateless apart from the catalog).
 */
public final class ScanPlanner {
  private final Catalog catalog;
  private final int rowGroupsPerEndpoint;
  private final ScanMetrics metrics;
  private final TicketSigner signer;
  private final Placement placement;

  /** A planner signing with a fresh key, tickets valid for an hour, no metrics. */
  public ScanPlanner(Catalog catalog, int rowGroupsPerEndpoint) {
    this(catalog, rowGroupsPerEndpoint, null, new TicketSigner(java.time.Duration.ofHours(1)));
  }

  /**
   * A single node's planner.
   *
   * @param metrics counts planned and pruned units, or null
   * @param signer signs the endpoints' tickets (the node's, which checks them at DoGet)
   */
  public ScanPlanner(
      Catalog catalog, int rowGroupsPerEndpoint, ScanMetrics metrics, TicketSigner signer) {
    this(catalog, rowGroupsPerEndpoint, metrics, signer, null);
  }

  /**
   * @param placement where units are served in a cluster, or null on a single node
   */
  public ScanPlanner(
      Catalog catalog,
      int rowGroupsPerEndpoint,
      ScanMetrics metrics,
      TicketSigner signer,
      Placement placement) {
    if (rowGroupsPerEndpoint < 1) {
      throw new IllegalArgumentException("rowGroupsPerEndpoint must be >= 1");
    }
    this.catalog = catalog;
    this.rowGroupsPerEndpoint = rowGroupsPerEndpoint;
    this.metrics = metrics;
    this.signer = signer;
    this.placement = placement;
  }

  /** The signer of this planner's tickets. */
  public TicketSigner signer() {
    return signer;
  }

  /**
   * The dataset and projected schema a request names, and its filter bound to the dataset's schema.
   *
   * @param filter the request's filter, or null
   * @param bound {@code filter} bound to the dataset's full schema, or null
   * @param exact whether rows the filter rejects are removed when streaming
   */
  public record Resolved(
      Dataset dataset,
      Schema schema,
      List<String> columns,
      Filter filter,
      BoundFilter bound,
      boolean exact) {}

  /** What planning did, for the scan's log line. */
  public record Planned(FlightInfo info, Resolved resolved, int units, int pruned) {}

  /**
   * @throws NoSuchTableException if neither a table nor a mounted path goes by that name
   * @throws IllegalArgumentException for unknown columns or a malformed descriptor
   */
  public Resolved resolve(FlightDescriptor descriptor) throws IOException {
    ScanRequest request =
        ScanRequest.parse(descriptor, name -> catalog.findTable(name).isPresent());
    Dataset dataset;
    // A filter prunes partitions already while the dataset is discovered (not listed, not read).
    PartitionPruner partitions =
        request.filter() == null ? null : new PartitionPruner(request.filter());
    if (request.table() != null) {
      dataset = catalog.tableDataset(request.table(), partitions);
    } else {
      try {
        dataset = catalog.dataset(request.path().toString(), request.path(), null, partitions);
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
    if (partitions != null && !namesAll(dataset, request, partitions)) {
      // The kept partitions' files lack a column the request names: the whole dataset has it
      // (as nulls there) or the request is refused naming it.
      dataset =
          request.table() != null
              ? catalog.tableDataset(request.table())
              : catalog.dataset(request.path().toString(), request.path(), null);
    }
    return project(dataset, request);
  }

  /** Whether {@code dataset} has every column {@code request} projects or filters on. */
  private static boolean namesAll(Dataset dataset, ScanRequest request, PartitionPruner filter) {
    java.util.Set<String> names = new java.util.HashSet<>();
    dataset.schema().getFields().forEach(f -> names.add(f.getName()));
    return names.containsAll(filter.columns())
        && (request.columns() == null || names.containsAll(request.columns()));
  }

  private static Resolved project(Dataset dataset, ScanRequest request) {
    Schema full = dataset.schema();
    List<String> requested = request.columns();
    BoundFilter bound = request.filter() == null ? null : BoundFilter.bind(request.filter(), full);
    if (requested == null) {
      List<String> all = full.getFields().stream().map(Field::getName).toList();
      return new Resolved(dataset, full, all, request.filter(), bound, request.exact());
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
    return new Resolved(
        dataset,
        new Schema(fields),
        fields.stream().map(Field::getName).toList(),
        request.filter(),
        bound,
        request.exact());
  }

  /**
   * Refuses, at planning, a scan needing a column (projected or filtered on) that some file of the
   * dataset cannot decode, with that file's reason (naming the column and its type).
   */
  private static void checkDecodable(Resolved r) {
    List<String> needed = new ArrayList<>(r.columns());
    if (r.bound() != null) {
      needed.addAll(r.bound().columns());
    }
    for (DataFile file : r.dataset().files()) {
      file.metadata().checkDecodable(needed);
    }
  }

  /**
   * Plans for {@code principal} (its name; empty for anonymous) without counting it in {@link
   * ScanMetrics} (for listings).
   */
  public FlightInfo plan(FlightDescriptor descriptor, String principal) throws IOException {
    return doPlan(descriptor, principal, false).info();
  }

  /**
   * Plans a client's scan for {@code principal} (its name; empty for anonymous, or an in-process
   * reader), counted in {@link ScanMetrics}; see {@link #doPlan}.
   *
   * @throws io.quiver.format.UnsupportedSchemaException if the projection or the filter needs a
   *     column Quiver cannot decode (the other columns of the files can be scanned)
   */
  public Planned planScan(FlightDescriptor descriptor, String principal) throws IOException {
    Planned planned = doPlan(descriptor, principal, true);
    if (metrics != null) {
      metrics.planned(planned.units(), planned.pruned());
    }
    return planned;
  }

  /**
   * Plans a scan: units whose statistics prove that the filter matches none of their rows are left
   * out; the rest are grouped into endpoints of at most {@code rowGroupsPerEndpoint} units of one
   * file. {@code total_records} and {@code total_bytes} are estimates: the rows and decoded bytes
   * of the projected columns of the units kept (before exact filtering). With {@code
   * refuseUndecodable} (a client's scan; not a listing) a column Quiver cannot decode is refused
   * here rather than when streaming.
   */
  private Planned doPlan(FlightDescriptor descriptor, String principal, boolean refuseUndecodable)
      throws IOException {
    Resolved r = resolve(descriptor);
    if (refuseUndecodable) {
      checkDecodable(r);
    }
    java.time.Instant expires = signer.expiryFromNow();
    List<FlightEndpoint> endpoints = new ArrayList<>();
    long bytes = 0;
    long rows = 0;
    int considered = 0;
    int pruned = 0;
    // The ticket carries the filter only when the server filters rows.
    Filter ticketFilter = r.exact() ? r.filter() : null;
    List<ScanTicket.Part> parts = new ArrayList<>();
    Dataset dataset = r.dataset();
    // The columns the streams read: the projection, then those only the filter reads.
    List<String> loaded = new ArrayList<>(r.columns());
    if (ticketFilter != null) {
      for (String c : r.bound().columns()) {
        if (!loaded.contains(c)) {
          loaded.add(c);
        }
      }
    }
    Schema tableFields = fieldsOf(dataset.schema(), loaded);
    // A ticket carries the table's fields only when its file's differ (kept small otherwise).
    List<Schema> partSchemas = new ArrayList<>();
    List<List<org.apache.arrow.flight.Location>> partLocations = new ArrayList<>();
    for (DataFile file : dataset.files()) {
      FileMetadata metadata = file.metadata();
      int units = metadata.unitCount();
      // Partition pruning: a file whose partition values the filter rejects is not read at all.
      if (r.bound() != null
          && !file.partitionValues().isEmpty()
          && !r.bound().mayMatch(c -> partitionStatistics(file, c, metadata.rowCount()))) {
        considered += units;
        pruned += units;
        continue;
      }
      java.util.Set<String> inFile = new java.util.HashSet<>();
      metadata.schema().getFields().forEach(f -> inFile.add(f.getName()));
      List<Integer> kept = new ArrayList<>();
      for (int g = 0; g < units; g++) {
        considered++;
        final int unit = g;
        if (r.bound() != null && !r.bound().mayMatch(c -> statistics(file, inFile, unit, c))) {
          pruned++;
          continue;
        }
        kept.add(g);
        rows += metadata.unitRows(g);
        for (String column : r.columns()) {
          if (inFile.contains(column)) {
            bytes += metadata.columnBytes(g, column);
          }
        }
      }
      Schema partSchema =
          file.partitionValues().isEmpty()
                  && loaded.stream().allMatch(inFile::contains)
                  && fieldsOf(metadata.schema(), loaded).equals(tableFields)
              ? null
              : tableFields;
      // Single node: one group. Cluster: the units of each owner set, in file order.
      java.util.Map<List<String>, List<Integer>> byOwners = new java.util.LinkedHashMap<>();
      java.util.Map<List<String>, List<org.apache.arrow.flight.Location>> routes =
          new java.util.HashMap<>();
      String version = file.entry().version().token();
      for (int g : kept) {
        if (placement == null) {
          byOwners.computeIfAbsent(List.of(), k -> new ArrayList<>()).add(g);
        } else {
          Placement.Route route = placement.route(file.path().toString(), version, g);
          byOwners.computeIfAbsent(route.owners(), k -> new ArrayList<>()).add(g);
          routes.putIfAbsent(route.owners(), route.locations());
        }
      }
      for (java.util.Map.Entry<List<String>, List<Integer>> owned : byOwners.entrySet()) {
        List<Integer> ownedUnits = owned.getValue();
        for (int start = 0; start < ownedUnits.size(); start += rowGroupsPerEndpoint) {
          partSchemas.add(partSchema);
          partLocations.add(routes.getOrDefault(owned.getKey(), List.of()));
          List<Integer> groups =
              ownedUnits.subList(start, Math.min(ownedUnits.size(), start + rowGroupsPerEndpoint));
          parts.add(
              new ScanTicket.Part(
                  file.path().toString(),
                  file.format(),
                  file.entry().length(),
                  version,
                  groups,
                  file.partitionValues()));
        }
      }
    }
    // The plan's pruned units are reported by its first stream's log line only (see ScanTicket).
    for (int i = 0; i < parts.size(); i++) {
      ScanTicket ticket =
          new ScanTicket(
              r.columns(),
              List.of(parts.get(i)),
              ticketFilter,
              r.dataset().name(),
              i == 0 ? pruned : 0,
              partSchemas.get(i));
      endpoints.add(
          new FlightEndpoint(
              new Ticket(signer.sign(ticket, principal, expires)),
              expires,
              partLocations.get(i).toArray(new org.apache.arrow.flight.Location[0])));
    }
    FlightInfo info = new FlightInfo(r.schema(), descriptor, endpoints, bytes, rows);
    return new Planned(info, r, considered, pruned);
  }

  /**
   * A unit's statistics of column {@code c}: a partition column has one value in the whole file, a
   * column the file lacks is all nulls, others are the file's.
   */
  private static ColumnStatistics statistics(
      DataFile file, java.util.Set<String> inFile, int unit, String c) {
    long unitRows = file.metadata().unitRows(unit);
    if (file.partitionValues().containsKey(c)) {
      return partitionStatistics(file, c, unitRows);
    }
    if (!inFile.contains(c)) {
      return new ColumnStatistics(null, null, unitRows, unitRows);
    }
    return file.metadata().statistics(unit, c);
  }

  /** The statistics of partition column {@code c} over {@code rows} rows of a file, or null. */
  private static ColumnStatistics partitionStatistics(DataFile file, String c, long rows) {
    if (!file.partitionValues().containsKey(c)) {
      return null; // not a partition column: nothing known at this level
    }
    Object value = file.partitionValues().get(c);
    return value == null
        ? new ColumnStatistics(null, null, rows, rows)
        : new ColumnStatistics(value, value, 0, rows);
  }

  private static Schema fieldsOf(Schema full, List<String> columns) {
    List<Field> fields = new ArrayList<>(columns.size());
    for (String c : columns) {
      fields.add(full.findField(c));
    }
    return new Schema(fields);
  }
}
