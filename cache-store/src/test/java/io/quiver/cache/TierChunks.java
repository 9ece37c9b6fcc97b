package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * Test chunks of three shapes, chosen by the column name: "n…" nullable BigInt (every 5th row
 * null), "s…" VarChar, "l…" a list of ints with null lists and empty lists. Anything else is a
 * BigInt without nulls.
 */
final class TierChunks {
  static final int ROWS = 300;
  static final int SLICE_ROWS = 128;

  private TierChunks() {}

  static ColumnChunkKey key(String file, String version, int rowGroup, String column) {
    return new ColumnChunkKey("mem://bucket/" + file, version, rowGroup, column);
  }

  static ColumnChunk build(ColumnChunkKey key, BufferAllocator allocator) {
    List<FieldVector> slices = new ArrayList<>();
    try {
      for (int start = 0; start < ROWS; start += SLICE_ROWS) {
        slices.add(slice(key, allocator, start, Math.min(SLICE_ROWS, ROWS - start)));
      }
      return new ColumnChunk(slices);
    } catch (RuntimeException | Error e) {
      slices.forEach(FieldVector::close);
      throw e;
    }
  }

  private static long seed(ColumnChunkKey key) {
    return key.hashCode() * 31L;
  }

  private static FieldVector slice(
      ColumnChunkKey key, BufferAllocator allocator, int start, int n) {
    String column = key.column();
    if (column.startsWith("s")) {
      VarCharVector v = new VarCharVector(column, allocator);
      try {
        v.allocateNew(n * 24L, n);
        for (int i = 0; i < n; i++) {
          String text = seed(key) + ":" + (start + i) + ((start + i) % 3 == 0 ? "-longer" : "");
          v.setSafe(i, text.getBytes(StandardCharsets.UTF_8));
        }
        v.setValueCount(n);
        return v;
      } catch (RuntimeException | Error e) {
        v.close();
        throw e;
      }
    }
    if (column.startsWith("l")) {
      ListVector v = ListVector.empty(column, allocator);
      try {
        v.addOrGetVector(FieldType.nullable(new ArrowType.Int(32, true)));
        v.setInitialCapacity(n, 1.5);
        v.allocateNew();
        IntVector child = (IntVector) v.getDataVector();
        for (int i = 0; i < n; i++) {
          int row = start + i;
          if (row % 7 == 3) {
            v.setNull(i);
            continue;
          }
          int length = row % 4;
          int offset = v.startNewValue(i);
          for (int j = 0; j < length; j++) {
            child.setSafe(offset + j, (int) (seed(key) + row * 10L + j));
          }
          v.endValue(i, length);
        }
        v.setValueCount(n);
        return v;
      } catch (RuntimeException | Error e) {
        v.close();
        throw e;
      }
    }
    BigIntVector v = new BigIntVector(column, allocator);
    try {
      v.allocateNew(n);
      for (int i = 0; i < n; i++) {
        int row = start + i;
        if (column.startsWith("n") && row % 5 == 0) {
          v.setNull(i);
        } else {
          v.set(i, seed(key) + row);
        }
      }
      v.setValueCount(n);
      return v;
    } catch (RuntimeException | Error e) {
      v.close();
      throw e;
    }
  }

  /** Checks {@code chunk} slice by slice against a freshly built chunk of {@code key}. */
  static void verify(BufferAllocator root, ColumnChunkKey key, ColumnChunk chunk) {
    try (BufferAllocator scratch = root.newChildAllocator("verify", 0, 16 << 20);
        ColumnChunk expected = build(key, scratch)) {
      assertEquals(expected.rowCount(), chunk.rowCount(), "rows of " + key);
      assertEquals(expected.slices().size(), chunk.slices().size(), "slices of " + key);
      for (int i = 0; i < expected.slices().size(); i++) {
        FieldVector want = expected.slices().get(i);
        FieldVector got = chunk.slices().get(i);
        assertEquals(want.getField(), got.getField(), "field of slice " + i + " of " + key);
        assertTrue(
            VectorEqualsVisitor.vectorEquals(want, got), "values of slice " + i + " of " + key);
      }
    }
  }

  /** The accounted size of the chunk of {@code key}. */
  static long size(BufferAllocator root, ColumnChunkKey key) {
    try (BufferAllocator scratch = root.newChildAllocator("measure", 0, 16 << 20);
        ColumnChunk chunk = build(key, scratch)) {
      return chunk.sizeBytes();
    }
  }

  /** A loader of {@link #build} chunks that records its calls and can be made to fail. */
  static final class Loader implements ChunkLoader {
    final List<List<ColumnChunkKey>> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Map<ColumnChunkKey, ColumnChunk> load(
        List<ColumnChunkKey> missing, BufferAllocator allocator) throws IOException {
      calls.add(List.copyOf(missing));
      Map<ColumnChunkKey, ColumnChunk> out = new LinkedHashMap<>();
      try {
        for (ColumnChunkKey key : missing) {
          out.put(key, build(key, allocator));
        }
        return out;
      } catch (RuntimeException | Error e) {
        out.values().forEach(ColumnChunk::close);
        throw e;
      }
    }

    int loadedKeys() {
      synchronized (calls) {
        return calls.stream().mapToInt(List::size).sum();
      }
    }
  }

  /** An executor that only queues tasks until the test runs them. */
  static final class ManualExecutor implements Executor {
    final List<Runnable> tasks = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger ran = new AtomicInteger();

    @Override
    public void execute(Runnable command) {
      tasks.add(command);
    }

    void runAll() {
      List<Runnable> copy;
      synchronized (tasks) {
        copy = new ArrayList<>(tasks);
        tasks.clear();
      }
      for (Runnable task : copy) {
        task.run();
        ran.incrementAndGet();
      }
    }
  }
}
