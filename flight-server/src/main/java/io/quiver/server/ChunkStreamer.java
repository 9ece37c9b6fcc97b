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
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Serves one DoGet: for each row group of the ticket, gets the projected column chunks from the
 * cache (loading the missing ones in one pass over the file), and streams them as record batches
 * without copying: each batch is the cached slices' buffers loaded into the stream's root.
 *
 * <p>Ownership: the stream holds a {@link CachedChunk} reference for every chunk of the row group
 * it is sending and releases them when it moves on, fails or is cancelled. Each batch's buffers are
 * additionally retained by the root (and by gRPC until written), so a chunk evicted meanwhile stays
 * valid until the last of them lets go.
 */
final class ChunkStreamer {
  private static final long READY_POLL_MILLIS = 1_000;
  private static final long IDLE_LIMIT_MILLIS = 10 * 60_000;

  private final Catalog catalog;
  private final UnitLoader units;
  private final BufferAllocator streams;
  private final ScanMetrics metrics;

  private final Object activeLock = new Object();
  private int active;

  ChunkStreamer(Catalog catalog, UnitLoader loader, BufferAllocator streams, ScanMetrics metrics) {
    this.catalog = catalog;
    this.units = loader;
    this.streams = streams;
    this.metrics = metrics;
  }

  /**
   * Streams the ticket's row groups to {@code listener}; returns normally after {@code completed()}
   * or a cancellation, throws on failure (the caller reports it to the client).
   */
  void stream(ScanTicket ticket, ServerStreamListener listener) throws IOException {
    synchronized (activeLock) {
      active++;
    }
    try {
      streamTracked(ticket, listener);
    } finally {
      synchronized (activeLock) {
        active--;
        activeLock.notifyAll();
      }
    }
  }

  /**
   * Waits until no stream is running (they notice cancellation within about a second).
   *
   * @return false if streams were still running at the deadline
   */
  boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (activeLock) {
      while (active > 0) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          return false;
        }
        activeLock.wait(left);
      }
      return true;
    }
  }

  private void streamTracked(ScanTicket ticket, ServerStreamListener listener) throws IOException {
    ScanTicket.Part first = ticket.parts().get(0);
    ResolvedPath firstFile = catalog.resolve(NamespacePath.of(first.path()));
    FileMetadata firstMetadata =
        catalog.metadata(
            firstFile.storage(),
            new FileEntry(firstFile.location(), first.length(), new ObjectVersion(first.version())),
            first.format());
    Schema schema = project(firstMetadata.schema(), ticket.columns());
    BoundFilter filter =
        ticket.filter() == null ? null : BoundFilter.bind(ticket.filter(), firstMetadata.schema());
    // The filter may read columns that are not sent: load them too, after the sent ones.
    List<String> loaded = new ArrayList<>(ticket.columns());
    if (filter != null) {
      for (String c : filter.columns()) {
        if (!loaded.contains(c)) {
          loaded.add(c);
        }
      }
    }
    BackpressureStrategy backpressure = new BackpressureStrategy.CallbackBackpressureStrategy();
    backpressure.register(listener);
    // Zero-copy write: gRPC sends the cached buffers themselves and releases them once written,
    // possibly after this method returns. So the root lives in the shared streams allocator (closed
    // with the server, where a leak still fails) rather than a per-stream one closed here.
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, streams)) {
      listener.setUseZeroCopy(true);
      listener.start(root);
      VectorLoader loader = new VectorLoader(root);
      for (ScanTicket.Part part : ticket.parts()) {
        ResolvedPath resolved = catalog.resolve(NamespacePath.of(part.path()));
        FileEntry entry =
            new FileEntry(resolved.location(), part.length(), new ObjectVersion(part.version()));
        FileMetadata metadata = catalog.metadata(resolved.storage(), entry, part.format());
        if (part != first && !project(metadata.schema(), ticket.columns()).equals(schema)) {
          throw new IllegalArgumentException(
              "Malformed ticket: " + part.path() + " does not have the schema of " + first.path());
        }
        for (int rowGroup : part.rowGroups()) {
          if (rowGroup >= metadata.unitCount()) {
            throw new IllegalArgumentException(
                "Malformed ticket: row group " + rowGroup + " does not exist in " + part.path());
          }
          if (!sendRowGroup(
              resolved,
              entry,
              metadata,
              rowGroup,
              ticket.columns().size(),
              loaded,
              filter,
              root,
              loader,
              listener,
              backpressure)) {
            return; // cancelled
          }
        }
      }
      listener.completed();
    }
  }

  private boolean sendRowGroup(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int rowGroup,
      int sent,
      List<String> columns,
      BoundFilter filter,
      VectorSchemaRoot root,
      VectorLoader loader,
      ServerStreamListener listener,
      BackpressureStrategy backpressure)
      throws IOException {
    List<ColumnChunkKey> keys = UnitLoader.keys(entry, rowGroup, columns);
    Map<ColumnChunkKey, CachedChunk> chunks =
        units.acquire(resolved, entry, metadata, rowGroup, columns);
    try {
      List<CachedChunk> ordered = keys.stream().map(chunks::get).toList();
      List<CachedChunk> sentChunks = ordered.subList(0, sent);
      int slices = ordered.get(0).chunk().slices().size();
      for (int i = 0; i < slices; i++) {
        RowSelection selection = null;
        if (filter != null) {
          Map<String, FieldVector> vectors = new HashMap<>();
          for (int c = 0; c < columns.size(); c++) {
            vectors.put(columns.get(c), ordered.get(c).chunk().slices().get(i));
          }
          int rows = vectors.get(columns.get(0)).getValueCount();
          selection = filter.select(vectors, rows);
          metrics.filtered(rows - selection.selected());
          if (selection.none()) {
            continue;
          }
        }
        if (!awaitReady(listener, backpressure)) {
          return false;
        }
        if (selection == null || selection.all()) {
          try (ArrowRecordBatch batch = batchOf(sentChunks, i)) {
            loader.load(batch);
            metrics.sent(batch.getLength());
          }
        } else {
          loadSelected(sentChunks, i, selection, loader);
          metrics.sent(selection.selected());
        }
        listener.putNext();
      }
      return true;
    } finally {
      chunks.values().forEach(CachedChunk::close);
    }
  }

  /**
   * Waits until the client can take another batch. Returns false if the call was cancelled; a
   * client that takes nothing for {@link #IDLE_LIMIT_MILLIS} fails the stream with TIMED_OUT so
   * that its chunk references are not held forever.
   */
  private static boolean awaitReady(
      ServerStreamListener listener, BackpressureStrategy backpressure) {
    long deadline = System.nanoTime() + IDLE_LIMIT_MILLIS * 1_000_000;
    while (true) {
      if (listener.isCancelled()) {
        return false;
      }
      switch (backpressure.waitForListener(READY_POLL_MILLIS)) {
        case READY:
          return true;
        case CANCELLED:
          return false;
        case TIMEOUT:
          if (System.nanoTime() > deadline) {
            throw CallStatus.TIMED_OUT
                .withDescription("The client read nothing for " + IDLE_LIMIT_MILLIS / 1000 + " s")
                .toRuntimeException();
          }
          continue;
        default:
          throw CallStatus.INTERNAL.withDescription("stream listener failed").toRuntimeException();
      }
    }
  }

  /**
   * Loads into the stream's root the selected rows of slice {@code index} of every chunk: copies in
   * the streams allocator, handed to the root (which retains them) and released here.
   */
  private void loadSelected(
      List<CachedChunk> chunks, int index, RowSelection selection, VectorLoader loader) {
    List<FieldVector> copies = new ArrayList<>(chunks.size());
    try {
      List<ArrowFieldNode> nodes = new ArrayList<>();
      List<ArrowBuf> buffers = new ArrayList<>();
      for (CachedChunk c : chunks) {
        FieldVector copy = selection.copySelected(c.chunk().slices().get(index), streams);
        copies.add(copy);
        appendNodes(copy, nodes, buffers);
      }
      try (ArrowRecordBatch batch = new ArrowRecordBatch(selection.selected(), nodes, buffers)) {
        loader.load(batch);
      }
    } finally {
      copies.forEach(FieldVector::close);
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
