package io.quiver.cache;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.ReferenceManager;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * The decoded data of one column of one row group: a list of vectors ("slices") of at most a
 * configured number of rows each which, in order, hold every row of the row group.
 *
 * <p>Ownership: the constructor takes ownership of the vectors; {@link #close()} closes them. If
 * the constructor throws, the caller still owns them. The vectors must not be modified, transferred
 * or closed by anyone else afterwards: {@link #sizeBytes()} is measured once, at construction.
 * Inside the cache, readers get a chunk through a {@link CachedChunk} and must not close the chunk
 * itself.
 *
 * <p>Thread-safety: reading the vectors from several threads is safe (they are not modified).
 * {@link #close()} is idempotent and thread-safe, but must not race with readers.
 */
public final class ColumnChunk implements AutoCloseable {
  private final List<FieldVector> slices;
  private final long rowCount;
  private final long sizeBytes;
  private final Path file;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Wraps decoded vectors.
   *
   * @param slices the vectors, in row order, all with the same {@link Field}; may be empty for a
   *     row group without rows; ownership passes to this chunk
   * @throws NullPointerException if the list or an element is null
   * @throws IllegalArgumentException if the slices do not all have the same field
   */
  public ColumnChunk(List<FieldVector> slices) {
    this(slices, null);
  }

  /**
   * A chunk whose vectors are the record batches of {@code file}, mapped ({@link SharedMemory}).
   */
  ColumnChunk(List<FieldVector> slices, Path file) {
    this.file = file;
    List<FieldVector> copy = List.copyOf(Objects.requireNonNull(slices, "slices"));
    if (!copy.isEmpty()) {
      Field first = copy.get(0).getField();
      for (FieldVector slice : copy) {
        if (!first.equals(slice.getField())) {
          throw new IllegalArgumentException(
              "all slices of a column chunk must have the same field: "
                  + first
                  + " vs "
                  + slice.getField());
        }
      }
    }
    long rows = 0;
    for (FieldVector slice : copy) {
      rows += slice.getValueCount();
    }
    this.slices = copy;
    this.rowCount = rows;
    this.sizeBytes = measure(copy);
  }

  /** The vectors, in row order; unmodifiable. Valid until this chunk is closed. */
  public List<FieldVector> slices() {
    return slices;
  }

  /**
   * The shared-memory file this chunk is mapped from, whose record batch {@code i} holds slice
   * {@code i} (see {@link SharedMemory}); null when the chunk is in ordinary off-heap memory.
   */
  public Path file() {
    return file;
  }

  /** The number of rows: the sum of the slices' value counts. */
  public long rowCount() {
    return rowCount;
  }

  /**
   * Off-heap bytes this chunk keeps alive, as its allocator accounts them: the sizes of the
   * distinct memory ledgers behind the vectors' buffers (after Arrow's rounding of each allocation
   * to a power of two below 16 MiB, and counting a buffer shared by several slices once), not the
   * bytes of data written into them. Memory shared with another chunk is counted by both.
   */
  public long sizeBytes() {
    return sizeBytes;
  }

  /** Closes the vectors; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        AutoCloseables.close(slices);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        // FieldVector.close() declares no checked exception; AutoCloseables only widens the type.
        throw new IllegalStateException("closing column chunk vectors failed", e);
      }
    }
  }

  /** Whether every buffer of this chunk is accounted to {@code allocator}. */
  boolean isAllocatedFrom(BufferAllocator allocator) {
    for (ReferenceManager ledger : ledgers(slices)) {
      if (ledger.getAllocator() != allocator) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "ColumnChunk[slices="
        + slices.size()
        + ", rows="
        + rowCount
        + ", bytes="
        + sizeBytes
        + "]";
  }

  private static long measure(List<FieldVector> vectors) {
    long total = 0;
    for (ReferenceManager ledger : ledgers(vectors)) {
      total += ledger.getAccountedSize();
    }
    return total;
  }

  /** The distinct ledgers behind all buffers of the vectors and their children. */
  private static Set<ReferenceManager> ledgers(List<FieldVector> vectors) {
    Set<ReferenceManager> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<FieldVector> pending = new ArrayDeque<>(vectors);
    while (!pending.isEmpty()) {
      FieldVector vector = pending.pop();
      // getFieldBuffers (unlike getBuffers) also reports memory of vectors whose value count is 0.
      for (ArrowBuf buffer : vector.getFieldBuffers()) {
        ReferenceManager ledger = buffer == null ? null : buffer.getReferenceManager();
        if (ledger != null && ledger != ReferenceManager.NO_OP) {
          seen.add(ledger);
        }
      }
      pending.addAll(vector.getChildrenFromFields());
    }
    return seen;
  }
}
