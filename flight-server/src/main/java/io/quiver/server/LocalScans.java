package io.quiver.server;

import io.quiver.catalog.Catalog;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.TableDefinition;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.sql.TableScans;
import io.quiver.storage.FileEntry;
import io.quiver.storage.ObjectVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** {@link TableScans} over this node's planner and cache. Thread-safe. */
final class LocalScans implements TableScans {
  private final Catalog catalog;
  private final ScanPlanner planner;
  private final UnitLoader units;
  private final ScanMetrics metrics;

  LocalScans(Catalog catalog, ScanPlanner planner, UnitLoader units, ScanMetrics metrics) {
    this.catalog = catalog;
    this.planner = planner;
    this.units = units;
    this.metrics = metrics;
  }

  @Override
  public List<String> tableNames() {
    return catalog.tables().stream().map(TableDefinition::name).toList();
  }

  @Override
  public Schema schema(String table) throws IOException {
    return catalog.tableDataset(table).schema();
  }

  @Override
  public ArrowReader scan(ScanCommand command, BufferAllocator allocator) throws IOException {
    // Planned and read in this process: the tickets never leave it, so no caller is bound.
    ScanPlanner.Planned planned = planner.planScan(FlightDescriptor.command(command.toBytes()), "");
    List<ScanTicket> tickets = tickets(planned);
    // The statement was planned (its schema too) from kept listings; before the first batch, every
    // file is checked with the store, so a changed file fails the statement as VERSION_CHANGED
    // rather than answering from its old version. The check drops the stale listings: the
    // statement run again is planned over the files as they are.
    checkCurrent(tickets);
    return new Reader(allocator, planned.resolved().schema(), tickets);
  }

  private List<ScanTicket> tickets(ScanPlanner.Planned planned) {
    List<ScanTicket> tickets = new ArrayList<>();
    for (FlightEndpoint e : planned.info().getEndpoints()) {
      tickets.add(planner.signer().open(e.getTicket().getBytes(), ""));
    }
    return tickets;
  }

  /**
   * Checks that every file the tickets name is still at the planned version (one store call per
   * file; the reads that follow are then answered from {@link Catalog#verify}'s memory of it).
   *
   * @throws io.quiver.storage.VersionChangedException if one changed
   * @throws java.io.FileNotFoundException if one is gone
   */
  private void checkCurrent(List<ScanTicket> tickets) throws IOException {
    java.util.Set<String> checked = new java.util.HashSet<>();
    for (ScanTicket t : tickets) {
      for (ScanTicket.Part p : t.parts()) {
        if (!checked.add(p.path() + "@" + p.version())) {
          continue;
        }
        try (Catalog.PathLease lease = catalog.lease(NamespacePath.of(p.path()))) {
          Catalog.verify(
              lease.path(),
              new FileEntry(lease.path().location(), p.length(), new ObjectVersion(p.version())),
              true);
        }
      }
    }
  }

  /** Pulls the tickets' batches one cursor at a time. Not thread-safe (one consumer). */
  private final class Reader extends ArrowReader {
    private final Schema schema;
    private final List<ScanTicket> tickets;
    private int next;
    private ScanCursor cursor;
    private VectorLoader loader;

    Reader(BufferAllocator allocator, Schema schema, List<ScanTicket> tickets) {
      super(allocator);
      this.schema = schema;
      this.tickets = tickets;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (loader == null) {
        loader = new VectorLoader(getVectorSchemaRoot());
      }
      while (true) {
        if (cursor == null) {
          if (next >= tickets.size()) {
            return false;
          }
          cursor =
              new ScanCursor(
                  catalog, units, allocator, metrics, new StreamStats(), tickets.get(next++));
        }
        if (cursor.next(loader)) {
          return true;
        }
        cursor.close();
        cursor = null;
      }
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {
      if (cursor != null) {
        cursor.close();
        cursor = null;
      }
    }

    @Override
    protected Schema readSchema() {
      return schema;
    }
  }
}
