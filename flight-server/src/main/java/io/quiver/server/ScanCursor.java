package io.quiver.server;

import io.quiver.cache.CachedChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.ResolvedPath;
import io.quiver.format.FileMetadata;
import io.quiver.server.filter.BoundFilter;
import io.quiver.server.filter.RowSelection;
import io.quiver.storage.FileEntry;
import io.quiver.storage.ObjectVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Walks the units of one {@link ScanTicket} and hands out its record batches one at a time: for
 * each unit, the projected column chunks come from the cache (loaded in one pass over the file when
 * missing), and each slice becomes a batch over the cached buffers (zero copy), or, when the ticket
 * has a filter, over copies of the rows it keeps (a slice it keeps whole is still zero copy; one it
 * rejects whole is skipped).
 *
 * <p>Ownership: the cursor holds one {@link CachedChunk} reference per chunk of the unit it is on
 * and releases them when it moves on or is closed. {@link #next} loads a batch into the caller's
 * root, which retains the buffers, so they stay valid after the cursor moves on. Not thread-safe:
 * one consumer at a time.
 */
final class ScanCursor implements AutoCloseable {
  private final Catalog catalog;
  private final UnitLoader units;
  private final BufferAllocator copies;
  private final ScanMetrics metrics;
  private final StreamStats stats;
  private final ScanTicket ticket;
  private final Schema schema;
  private final BoundFilter filter;
  // Sent columns first, then columns only the filter reads.
  private final List<String> loaded;

  private int part = -1;
  private int unitIndex;
  private ResolvedPath resolved;

  /** Keeps the current part's store open even if its mount is removed while it streams. */
  private Catalog.PathLease lease;

  private FileEntry entry;
  private FileMetadata metadata;
  private List<CachedChunk> current;
  private int slice;

  /**
   * @param copies where the rows a filter keeps are copied (the caller's root retains them)
   * @param stats counts this cursor's units, rows and chunk sources (updated on the consumer's
   *     thread)
   * @throws IllegalArgumentException if the ticket does not fit the files it names
   */
  ScanCursor(
      Catalog catalog,
      UnitLoader units,
      BufferAllocator copies,
      ScanMetrics metrics,
      StreamStats stats,
      ScanTicket ticket)
      throws IOException {
    this.catalog = catalog;
    this.stats = stats;
    this.units = units;
    this.copies = copies;
    this.metrics = metrics;
    this.ticket = ticket;
    ScanTicket.Part first = ticket.parts().get(0);
    ResolvedPath firstFile = catalog.resolve(NamespacePath.of(first.path()));
    FileMetadata firstMetadata =
        catalog.metadata(
            firstFile.storage(),
            new FileEntry(firstFile.location(), first.length(), new ObjectVersion(first.version())),
            first.format(),
            firstFile.mount().readOptions());
    this.schema = project(firstMetadata.schema(), ticket.columns());
    this.filter =
        ticket.filter() == null ? null : BoundFilter.bind(ticket.filter(), firstMetadata.schema());
    this.loaded = new ArrayList<>(ticket.columns());
    if (filter != null) {
      for (String c : filter.columns()) {
        if (!loaded.contains(c)) {
          loaded.add(c);
        }
      }
    }
  }

  /** The schema of the batches: the ticket's columns. */
  Schema schema() {
    return schema;
  }

  /**
   * Loads the next batch with at least one row into {@code loader}'s root.
   *
   * @return false when the ticket has no more rows
   */
  boolean next(VectorLoader loader) throws IOException {
    while (true) {
      if (current == null || slice >= current.get(0).chunk().slices().size()) {
        if (!advanceUnit()) {
          return false;
        }
      }
      int i = slice++;
      List<CachedChunk> sent = current.subList(0, ticket.columns().size());
      if (filter == null) {
        try (ArrowRecordBatch batch = batchOf(sent, i)) {
          loader.load(batch);
          metrics.sent(batch.getLength());
          stats.rows += batch.getLength();
        }
        return true;
      }
      Map<String, FieldVector> vectors = new HashMap<>();
      for (int c = 0; c < loaded.size(); c++) {
        vectors.put(loaded.get(c), current.get(c).chunk().slices().get(i));
      }
      int rows = vectors.get(loaded.get(0)).getValueCount();
      RowSelection selection = filter.select(vectors, rows);
      metrics.filtered(rows - selection.selected());
      if (selection.none()) {
        continue;
      }
      if (selection.all()) {
        try (ArrowRecordBatch batch = batchOf(sent, i)) {
          loader.load(batch);
        }
      } else {
        loadSelected(sent, i, selection, loader);
      }
      metrics.sent(selection.selected());
      stats.rows += selection.selected();
      return true;
    }
  }

  /** Releases the current unit's chunks and acquires the next unit's; false at the end. */
  private boolean advanceUnit() throws IOException {
    release();
    while (true) {
      if (part >= 0 && unitIndex < ticket.parts().get(part).rowGroups().size()) {
        break;
      }
      if (++part >= ticket.parts().size()) {
        return false;
      }
      openPart(ticket.parts().get(part));
      unitIndex = 0;
    }
    ScanTicket.Part p = ticket.parts().get(part);
    int unit = p.rowGroups().get(unitIndex++);
    if (unit >= metadata.unitCount()) {
      throw new IllegalArgumentException(
          "Malformed ticket: row group " + unit + " does not exist in " + p.path());
    }
    List<ColumnChunkKey> keys = UnitLoader.keys(entry, metadata, unit, loaded);
    Map<ColumnChunkKey, CachedChunk> chunks =
        units.acquire(resolved, entry, metadata, unit, loaded, stats);
    current = keys.stream().map(chunks::get).toList();
    stats.units++;
    slice = 0;
    return true;
  }

  private void openPart(ScanTicket.Part p) throws IOException {
    closeLease();
    lease = catalog.lease(NamespacePath.of(p.path()));
    resolved = lease.path();
    entry = new FileEntry(resolved.location(), p.length(), new ObjectVersion(p.version()));
    // Plans may come from kept listings (the mount's sync policy): every read checks the file's
    // version with the store, so a file changed since the plan is refused (and the listings
    // holding it dropped, so the next plan sees the change), never served from old chunks.
    Catalog.verify(resolved, entry);
    metadata =
        catalog.metadata(resolved.storage(), entry, p.format(), resolved.mount().readOptions());
    if (part > 0 && !project(metadata.schema(), ticket.columns()).equals(schema)) {
      throw new IllegalArgumentException(
          "Malformed ticket: "
              + p.path()
              + " does not have the schema of "
              + ticket.parts().get(0).path());
    }
  }

  private void release() {
    if (current != null) {
      current.forEach(CachedChunk::close);
      current = null;
    }
  }

  private void closeLease() {
    if (lease != null) {
      lease.close();
      lease = null;
    }
  }

  @Override
  public void close() {
    release();
    closeLease();
  }

  /**
   * Loads the selected rows of slice {@code index} of every chunk: copies in the copies allocator,
   * handed to the root (which retains them) and released here.
   */
  private void loadSelected(
      List<CachedChunk> chunks, int index, RowSelection selection, VectorLoader loader) {
    List<FieldVector> made = new ArrayList<>(chunks.size());
    try {
      List<ArrowFieldNode> nodes = new ArrayList<>();
      List<ArrowBuf> buffers = new ArrayList<>();
      for (CachedChunk c : chunks) {
        FieldVector copy = selection.copySelected(c.chunk().slices().get(index), copies);
        made.add(copy);
        appendNodes(copy, nodes, buffers);
      }
      try (ArrowRecordBatch batch = new ArrowRecordBatch(selection.selected(), nodes, buffers)) {
        loader.load(batch);
      }
    } finally {
      made.forEach(FieldVector::close);
    }
  }

  /**
   * A record batch over slice {@code index} of every chunk, sharing their buffers (the batch
   * retains them; the caller closes the batch).
   */
  private static ArrowRecordBatch batchOf(List<CachedChunk> chunks, int index) {
    List<ArrowFieldNode> nodes = new ArrayList<>();
    List<ArrowBuf> buffers = new ArrayList<>();
    int rows = -1;
    for (CachedChunk c : chunks) {
      FieldVector slice = c.chunk().slices().get(index);
      if (rows < 0) {
        rows = slice.getValueCount();
      } else if (rows != slice.getValueCount()) {
        throw new IllegalStateException(
            "Column chunks of one row group are sliced differently: " + c.key());
      }
      appendNodes(slice, nodes, buffers);
    }
    return new ArrowRecordBatch(rows, nodes, buffers);
  }

  private static void appendNodes(
      FieldVector vector, List<ArrowFieldNode> nodes, List<ArrowBuf> buffers) {
    nodes.add(new ArrowFieldNode(vector.getValueCount(), vector.getNullCount()));
    buffers.addAll(vector.getFieldBuffers());
    for (FieldVector child : vector.getChildrenFromFields()) {
      appendNodes(child, nodes, buffers);
    }
  }

  private static Schema project(Schema full, List<String> columns) {
    Map<String, Field> byName = new LinkedHashMap<>();
    full.getFields().forEach(f -> byName.put(f.getName(), f));
    List<Field> fields = new ArrayList<>();
    for (String c : columns) {
      Field f = byName.get(c);
      if (f == null) {
        throw new IllegalArgumentException(
            "Malformed ticket: column '" + c + "' is not in the file's schema");
      }
      fields.add(f);
    }
    return new Schema(fields);
  }
}
