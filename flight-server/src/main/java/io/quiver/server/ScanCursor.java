package io.quiver.server;

import io.quiver.cache.CachedChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.NamespacePath;
import io.quiver.catalog.ResolvedPath;
import io.quiver.format.FileMetadata;
import io.quiver.protocol.action.ShortCircuitResponse;
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
 * <p>Columns a file does not hold as the ticket's schema says are made per batch in the copies
 * allocator: nulls for a column the file lacks, the file's partition value for a partition column,
 * a widened copy for a column the file holds narrower ({@link ColumnVectors}); a unit whose columns
 * are all of the first two kinds is not read at all.
 *
 * <p>Cold path: when the cursor moves to a unit, it asks the {@link UnitLoader} to {@linkplain
 * UnitLoader#prefetch prefetch} the next unit of the same file on the decode pool, so that reading
 * and decoding unit k+1 overlaps sending unit k (at most one unit ahead; none with {@link
 * ColdPipeline#SERIAL}). The next move takes the prefetched chunks, or loads the unit itself if the
 * prefetch was dropped.
 *
 * <p>Ownership: the cursor holds one {@link CachedChunk} reference per chunk of the unit it is on
 * and releases them when it moves on or is closed; the prefetch of the next unit holds that unit's
 * until the cursor takes them, and {@link #close} drops it (waiting for a load in progress, then
 * releasing what it acquired). Vectors it makes for a batch are closed once the batch is loaded
 * (the root has retained their buffers). {@link #next} loads a batch into the caller's root, which
 * retains the buffers, so they stay valid after the cursor moves on. Not thread-safe: one consumer
 * at a time.
 */
final class ScanCursor implements AutoCloseable {
  /** Where a loaded column's values come from in the current file. */
  private enum Kind {
    FILE,
    WIDEN,
    NULLS,
    PARTITION
  }

  /**
   * @param chunk the column's index in {@link #current} (FILE, WIDEN)
   * @param value the partition value (PARTITION)
   */
  private record Source(Kind kind, Field field, int chunk, Object value) {}

  private final Catalog catalog;
  private final UnitLoader units;
  private final BufferAllocator copies;
  private final ScanMetrics metrics;
  private final StreamStats stats;
  private final ScanTicket ticket;
  // The fields of the loaded columns: sent columns first, then columns only the filter reads.
  private final Schema target;
  private final Schema schema;
  private final BoundFilter filter;
  private final List<String> loaded;

  private int part = -1;
  private int unitIndex;
  private ResolvedPath resolved;

  /** Keeps the current part's store open even if its mount is removed while it streams. */
  private Catalog.PathLease lease;

  private FileEntry entry;
  private FileMetadata metadata;
  private List<Source> sources;
  // Loaded columns the current file holds, in loaded order.
  private List<String> fileColumns;
  private List<CachedChunk> current;

  /** The next unit of the current part, being loaded ahead; null if none. */
  private UnitLoader.Prefetch ahead;

  private int slices;
  private long unitRows;
  private int slice;

  /**
   * @param copies where the rows a filter keeps are copied and the columns files do not hold are
   *     made (the caller's root retains them)
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
    if (ticket.schema() != null) {
      this.target = ticket.schema();
      this.loaded = target.getFields().stream().map(Field::getName).toList();
      if (loaded.size() < ticket.columns().size()
          || !loaded.subList(0, ticket.columns().size()).equals(ticket.columns())) {
        throw new IllegalArgumentException(
            "Malformed ticket: its schema does not start with its columns");
      }
      this.filter = ticket.filter() == null ? null : BoundFilter.bind(ticket.filter(), target);
      if (filter != null && !loaded.containsAll(filter.columns())) {
        throw new IllegalArgumentException(
            "Malformed ticket: the filter reads columns its schema lacks");
      }
    } else {
      // A ticket whose files all have one schema: the first file's.
      ScanTicket.Part first = ticket.parts().get(0);
      ResolvedPath firstFile = catalog.resolve(NamespacePath.of(first.path()));
      Schema full =
          catalog
              .metadata(
                  firstFile.storage(),
                  new FileEntry(
                      firstFile.location(), first.length(), new ObjectVersion(first.version())),
                  first.format(),
                  firstFile.mount().readOptions())
              .schema();
      this.filter = ticket.filter() == null ? null : BoundFilter.bind(ticket.filter(), full);
      List<String> names = new ArrayList<>(ticket.columns());
      if (filter != null) {
        for (String c : filter.columns()) {
          if (!names.contains(c)) {
            names.add(c);
          }
        }
      }
      this.loaded = List.copyOf(names);
      this.target = project(full, loaded);
    }
    this.schema = new Schema(target.getFields().subList(0, ticket.columns().size()));
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
      if (current == null || slice >= slices) {
        if (!advanceUnit()) {
          return false;
        }
        continue;
      }
      int i = slice++;
      int rows =
          current.isEmpty()
              ? (int) Math.min(units.batchRows(), unitRows - (long) i * units.batchRows())
              : current.get(0).chunk().slices().get(i).getValueCount();
      List<FieldVector> made = new ArrayList<>();
      try {
        List<FieldVector> vectors = new ArrayList<>(loaded.size());
        for (int c = 0; c < loaded.size(); c++) {
          vectors.add(vectorOf(sources.get(c), i, rows, made));
        }
        List<FieldVector> sent = vectors.subList(0, ticket.columns().size());
        if (filter == null) {
          try (ArrowRecordBatch batch = batchOf(sent, rows)) {
            loader.load(batch);
            metrics.sent(batch.getLength());
            stats.rows += batch.getLength();
          }
          return true;
        }
        Map<String, FieldVector> byName = new HashMap<>();
        for (int c = 0; c < loaded.size(); c++) {
          byName.put(loaded.get(c), vectors.get(c));
        }
        RowSelection selection = filter.select(byName, rows);
        metrics.filtered(rows - selection.selected());
        if (selection.none()) {
          continue;
        }
        if (selection.all()) {
          try (ArrowRecordBatch batch = batchOf(sent, rows)) {
            loader.load(batch);
          }
        } else {
          loadSelected(sent, selection, loader);
        }
        metrics.sent(selection.selected());
        stats.rows += selection.selected();
        return true;
      } finally {
        made.forEach(FieldVector::close);
      }
    }
  }

  /**
   * One unit for a short-circuit read ({@link ShortCircuit}): its batches as record batches of the
   * chunks' shared-memory files, or why it cannot be read that way.
   *
   * @param batches the unit's batches (the same rows, in the same order, as {@link #next} loads)
   * @param fallback null, or why the ticket must be read over Flight from this unit on
   */
  record SharedUnit(List<ShortCircuitResponse.Batch> batches, String fallback) {}

  /**
   * Moves to the next unit with rows, acquiring its chunks as {@link #next} does (they stay held
   * until the next move or {@link #close}), and describes it for a short-circuit read: only a
   * ticket without a filter, whose columns are all read as the files hold them and whose chunks are
   * all in shared memory, can be read that way.
   *
   * @return the unit, or null when the ticket has no more units
   */
  SharedUnit nextShared() throws IOException {
    if (filter != null) {
      return new SharedUnit(List.of(), "the ticket has a filter (its rows are selected per batch)");
    }
    while (advanceUnit()) {
      if (slices == 0) {
        continue;
      }
      if (current.isEmpty()) {
        return new SharedUnit(List.of(), "no column of the unit is read from its file");
      }
      for (Source source : sources) {
        if (source.kind() != Kind.FILE) {
          return new SharedUnit(
              List.of(),
              "column '"
                  + source.field().getName()
                  + "' is "
                  + source.kind().name().toLowerCase(java.util.Locale.ROOT)
                  + " in "
                  + ticket.parts().get(part).path()
                  + ", made per batch");
        }
      }
      List<String> files = new ArrayList<>(sources.size());
      for (Source source : sources) {
        CachedChunk chunk = current.get(source.chunk());
        java.nio.file.Path file = chunk.chunk().file();
        if (file == null) {
          return new SharedUnit(
              List.of(),
              chunk.key()
                  + " is not in shared memory (streamed through a full cache, or shared memory"
                  + " was full when it loaded)");
        }
        files.add(file.getFileName().toString());
      }
      List<ShortCircuitResponse.Batch> batches = new ArrayList<>(slices);
      for (int i = 0; i < slices; i++) {
        int rows = current.get(0).chunk().slices().get(i).getValueCount();
        List<ShortCircuitResponse.Column> columns = new ArrayList<>(files.size());
        for (int c = 0; c < files.size(); c++) {
          if (current.get(sources.get(c).chunk()).chunk().slices().get(i).getValueCount() != rows) {
            throw new IllegalStateException(
                "Column chunks of one row group are sliced differently: " + loaded.get(c));
          }
          columns.add(new ShortCircuitResponse.Column(files.get(c), i));
        }
        batches.add(new ShortCircuitResponse.Batch(rows, columns));
        metrics.mapped(rows);
        stats.rows += rows;
      }
      slice = slices; // the unit is consumed: next() would move on
      return new SharedUnit(batches, null);
    }
    return null;
  }

  /** Whether units are left after the current one (some may turn out to have no rows). */
  boolean hasMoreUnits() {
    return (part >= 0 && unitIndex < ticket.parts().get(part).rowGroups().size())
        || part + 1 < ticket.parts().size();
  }

  /** Slice {@code index} of a loaded column; a vector made here is added to {@code made}. */
  private FieldVector vectorOf(Source s, int index, int rows, List<FieldVector> made) {
    FieldVector v =
        switch (s.kind()) {
          case FILE -> current.get(s.chunk()).chunk().slices().get(index);
          case WIDEN ->
              ColumnVectors.widen(
                  current.get(s.chunk()).chunk().slices().get(index), s.field(), copies);
          case NULLS -> ColumnVectors.nulls(s.field(), rows, copies);
          case PARTITION -> ColumnVectors.constant(s.field(), s.value(), rows, copies);
        };
    if (s.kind() != Kind.FILE) {
      made.add(v);
    }
    return v;
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
    unitRows = metadata.unitRows(unit);
    if (fileColumns.isEmpty()) {
      // Only partition columns and columns the file lacks: nothing to read.
      current = List.of();
      slices = (int) ((unitRows + units.batchRows() - 1) / units.batchRows());
    } else {
      List<ColumnChunkKey> keys = UnitLoader.keys(entry, metadata, unit, fileColumns);
      Map<ColumnChunkKey, CachedChunk> chunks = null;
      if (ahead != null && ahead.unit() == unit) {
        chunks = ahead.take(stats);
        ahead = null;
      }
      closeAhead();
      if (chunks == null) {
        chunks = units.acquire(resolved, entry, metadata, unit, fileColumns, stats);
      }
      current = keys.stream().map(chunks::get).toList();
      slices = current.get(0).chunk().slices().size();
      // Sending this unit overlaps loading the next one of the same file.
      if (unitIndex < p.rowGroups().size()) {
        int next = p.rowGroups().get(unitIndex);
        if (next < metadata.unitCount()) {
          ahead = units.prefetch(resolved, entry, metadata, next, fileColumns);
        }
      }
    }
    stats.units++;
    slice = 0;
    return true;
  }

  private void openPart(ScanTicket.Part p) throws IOException {
    closeAhead(); // (a prefetch is only ever of the current part)
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
    Map<String, Field> inFile = new HashMap<>();
    metadata.schema().getFields().forEach(f -> inFile.put(f.getName(), f));
    List<Source> next = new ArrayList<>(loaded.size());
    List<String> columns = new ArrayList<>();
    for (Field want : target.getFields()) {
      String name = want.getName();
      Field have = inFile.get(name);
      if (p.partitions().containsKey(name)) {
        next.add(new Source(Kind.PARTITION, want, -1, p.partitions().get(name)));
      } else if (have == null) {
        if (ticket.schema() == null) {
          throw new IllegalArgumentException(
              "Malformed ticket: column '" + name + "' is not in the schema of " + p.path());
        }
        next.add(new Source(Kind.NULLS, want, -1, null));
      } else if (have.getType().equals(want.getType())
          && have.getChildren().equals(want.getChildren())) {
        next.add(new Source(Kind.FILE, want, columns.size(), null));
        columns.add(name);
      } else if (have.getChildren().isEmpty()
          && ColumnVectors.widens(have.getType(), want.getType())) {
        next.add(new Source(Kind.WIDEN, want, columns.size(), null));
        columns.add(name);
      } else {
        throw new IllegalArgumentException(
            "Malformed ticket: column '"
                + name
                + "' of "
                + p.path()
                + " is "
                + have.getType()
                + ", not "
                + want.getType());
      }
    }
    sources = next;
    fileColumns = columns;
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

  private void closeAhead() {
    if (ahead != null) {
      UnitLoader.Prefetch dropped = ahead;
      ahead = null;
      dropped.close();
    }
  }

  @Override
  public void close() {
    // The prefetch first: it reads through the part's lease.
    closeAhead();
    release();
    closeLease();
  }

  /**
   * Loads the selected rows of every vector: copies in the copies allocator, handed to the root
   * (which retains them) and released here.
   */
  private void loadSelected(
      List<FieldVector> vectors, RowSelection selection, VectorLoader loader) {
    List<FieldVector> made = new ArrayList<>(vectors.size());
    try {
      List<ArrowFieldNode> nodes = new ArrayList<>();
      List<ArrowBuf> buffers = new ArrayList<>();
      for (FieldVector v : vectors) {
        FieldVector copy = selection.copySelected(v, copies);
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
   * A record batch of {@code rows} rows over the vectors, sharing their buffers (the batch retains
   * them; the caller closes the batch).
   */
  private static ArrowRecordBatch batchOf(List<FieldVector> vectors, int rows) {
    List<ArrowFieldNode> nodes = new ArrayList<>();
    List<ArrowBuf> buffers = new ArrayList<>();
    for (FieldVector v : vectors) {
      if (rows != v.getValueCount()) {
        throw new IllegalStateException(
            "Column chunks of one row group are sliced differently: " + v.getName());
      }
      appendNodes(v, nodes, buffers);
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
