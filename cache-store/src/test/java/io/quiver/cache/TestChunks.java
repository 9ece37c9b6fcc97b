package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;

/** Deterministic test chunks: BigInt columns, or VarChar columns for names starting with "s". */
final class TestChunks {
  private TestChunks() {}

  static ColumnChunkKey key(int i) {
    return new ColumnChunkKey("mem://bucket/part-" + (i / 8) + ".parquet", "etag-1", i % 8, "c");
  }

  static ColumnChunkKey textKey(int i) {
    return new ColumnChunkKey("mem://bucket/part-" + (i / 8) + ".parquet", "etag-1", i % 8, "s");
  }

  static long value(ColumnChunkKey key, int row) {
    return key.hashCode() * 1_000_003L + row;
  }

  static String text(ColumnChunkKey key, int row) {
    return key.rowGroup() + ":" + key.column() + ":" + row + (row % 3 == 0 ? "-longer-value" : "");
  }

  /** Builds the chunk of {@code key} with {@code rows} rows in slices of {@code sliceRows}. */
  static ColumnChunk build(ColumnChunkKey key, BufferAllocator allocator, int rows, int sliceRows) {
    List<FieldVector> slices = new ArrayList<>();
    try {
      for (int start = 0; start < rows; start += sliceRows) {
        int count = Math.min(sliceRows, rows - start);
        slices.add(slice(key, allocator, start, count));
      }
      return new ColumnChunk(slices);
    } catch (RuntimeException | Error e) {
      slices.forEach(FieldVector::close);
      throw e;
    }
  }

  private static FieldVector slice(
      ColumnChunkKey key, BufferAllocator allocator, int start, int count) {
    if (key.column().startsWith("s")) {
      VarCharVector vector = new VarCharVector(key.column(), allocator);
      try {
        vector.allocateNew(count * 8L, count);
        for (int i = 0; i < count; i++) {
          vector.setSafe(i, text(key, start + i).getBytes(StandardCharsets.UTF_8));
        }
        vector.setValueCount(count);
        return vector;
      } catch (RuntimeException | Error e) {
        vector.close();
        throw e;
      }
    }
    BigIntVector vector = new BigIntVector(key.column(), allocator);
    try {
      vector.allocateNew(count);
      for (int i = 0; i < count; i++) {
        vector.set(i, value(key, start + i));
      }
      vector.setValueCount(count);
      return vector;
    } catch (RuntimeException | Error e) {
      vector.close();
      throw e;
    }
  }

  /** Checks every row of {@code chunk} against the data {@link #build} writes for {@code key}. */
  static void verify(ColumnChunkKey key, ColumnChunk chunk, int rows) {
    assertEquals(rows, chunk.rowCount(), "rows of " + key);
    int row = 0;
    for (FieldVector slice : chunk.slices()) {
      for (int i = 0; i < slice.getValueCount(); i++, row++) {
        if (slice instanceof BigIntVector longs) {
          assertEquals(value(key, row), longs.get(i), "row " + row + " of " + key);
        } else {
          VarCharVector strings = (VarCharVector) slice;
          assertEquals(
              text(key, row),
              new String(strings.get(i), StandardCharsets.UTF_8),
              "row " + row + " of " + key);
        }
      }
    }
    assertEquals(rows, row);
  }

  /** Spins (yielding) until the condition holds; fails after the timeout. */
  static void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out waiting for " + what);
      }
      Thread.yield();
    }
  }

  /** The size of one chunk as the cache accounts it, measured in a scratch allocator. */
  static long chunkSize(BufferAllocator root, ColumnChunkKey key, int rows, int sliceRows) {
    try (BufferAllocator scratch = root.newChildAllocator("measure", 0, Long.MAX_VALUE);
        ColumnChunk chunk = build(key, scratch, rows, sliceRows)) {
      assertEquals(scratch.getAllocatedMemory(), chunk.sizeBytes());
      assertTrue(chunk.sizeBytes() > 0);
      return chunk.sizeBytes();
    }
  }

  /** Closes every reference in the map. */
  static void closeAll(Map<ColumnChunkKey, CachedChunk> refs) {
    refs.values().forEach(CachedChunk::close);
  }

  /** A ticker that moves only when a test advances it. */
  static final class FakeTicker implements Ticker {
    private final java.util.concurrent.atomic.AtomicLong now =
        new java.util.concurrent.atomic.AtomicLong(-5_000_000_000L);

    @Override
    public long nanos() {
      return now.get();
    }

    void advance(Duration duration) {
      now.addAndGet(duration.toNanos());
    }
  }

  /** A loader building {@link #build} chunks, recording every call. */
  static class RecordingLoader implements ChunkLoader {
    final int rows;
    final int sliceRows;
    final List<List<ColumnChunkKey>> calls = Collections.synchronizedList(new ArrayList<>());

    RecordingLoader(int rows, int sliceRows) {
      this.rows = rows;
      this.sliceRows = sliceRows;
    }

    /** Runs before anything is allocated; tests override it to block or fail. */
    void beforeLoad(List<ColumnChunkKey> missing) throws IOException {}

    @Override
    public Map<ColumnChunkKey, ColumnChunk> load(
        List<ColumnChunkKey> missing, BufferAllocator allocator) throws IOException {
      calls.add(List.copyOf(missing));
      beforeLoad(missing);
      Map<ColumnChunkKey, ColumnChunk> out = new LinkedHashMap<>();
      try {
        for (ColumnChunkKey key : missing) {
          out.put(key, build(key, allocator, rows, sliceRows));
        }
        return out;
      } catch (RuntimeException | Error e) {
        out.values().forEach(ColumnChunk::close);
        throw e;
      }
    }
  }
}
