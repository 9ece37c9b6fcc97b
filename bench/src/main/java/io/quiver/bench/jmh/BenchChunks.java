package io.quiver.bench.jmh;

import io.quiver.cache.ColumnChunk;
import io.quiver.cache.ColumnChunkKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Column chunks for the micro-benchmarks: a row group of a lineitem-like table whose columns cycle
 * through int64, float64 (with nulls), int32 and short strings, so that batches carry the buffer
 * layouts the server streams (validity + data, and validity + offsets + data).
 *
 * <p>Not thread-safe; used from benchmark setup only.
 */
final class BenchChunks {
  private static final byte[][] WORDS = {
    "AIR".getBytes(StandardCharsets.UTF_8),
    "RAIL".getBytes(StandardCharsets.UTF_8),
    "TRUCK".getBytes(StandardCharsets.UTF_8),
    "DELIVER IN PERSON".getBytes(StandardCharsets.UTF_8),
  };

  private BenchChunks() {}

  /** A root like the server's: Unsafe allocation manager, bounded. */
  static RootAllocator newRoot(long limit) {
    return new RootAllocator(
        RootAllocator.configBuilder()
            .allocationManagerFactory(UnsafeAllocationManager.FACTORY)
            .maxAllocation(limit)
            .build());
  }

  /** The name of column {@code c}; its type is {@code c % 4}: int64, float64, int32, utf8. */
  static String column(int c) {
    return "c" + c;
  }

  /** The keys of the {@code columns} columns of one row group. */
  static List<ColumnChunkKey> rowGroupKeys(String file, int rowGroup, int columns) {
    List<ColumnChunkKey> keys = new ArrayList<>(columns);
    for (int c = 0; c < columns; c++) {
      keys.add(new ColumnChunkKey(file, "v1", rowGroup, column(c)));
    }
    return keys;
  }

  /** The schema of the first {@code columns} columns. */
  static Schema schema(int columns, BufferAllocator scratch) {
    List<Field> fields = new ArrayList<>();
    for (int c = 0; c < columns; c++) {
      try (FieldVector v = vector(column(c), c % 4, scratch)) {
        fields.add(v.getField());
      }
    }
    return new Schema(fields);
  }

  /** Builds chunks for {@code keys}, each {@code slices} slices of {@code sliceRows} rows. */
  static Map<ColumnChunkKey, ColumnChunk> build(
      List<ColumnChunkKey> keys, BufferAllocator allocator, int slices, int sliceRows) {
    Map<ColumnChunkKey, ColumnChunk> out = new LinkedHashMap<>();
    try {
      for (ColumnChunkKey key : keys) {
        out.put(key, chunk(key, allocator, slices, sliceRows));
      }
      return out;
    } catch (RuntimeException | Error e) {
      out.values().forEach(ColumnChunk::close);
      throw e;
    }
  }

  private static ColumnChunk chunk(
      ColumnChunkKey key, BufferAllocator allocator, int slices, int sliceRows) {
    int type = Integer.parseInt(key.column().substring(1)) % 4;
    List<FieldVector> vectors = new ArrayList<>(slices);
    try {
      for (int s = 0; s < slices; s++) {
        FieldVector v = vector(key.column(), type, allocator);
        vectors.add(v);
        fill(v, s * sliceRows, sliceRows);
      }
      return new ColumnChunk(vectors);
    } catch (RuntimeException | Error e) {
      vectors.forEach(FieldVector::close);
      throw e;
    }
  }

  private static FieldVector vector(String name, int type, BufferAllocator allocator) {
    return switch (type) {
      case 0 -> new BigIntVector(name, allocator);
      case 1 -> new Float8Vector(name, allocator);
      case 2 -> new IntVector(name, allocator);
      default -> new VarCharVector(name, allocator);
    };
  }

  private static void fill(FieldVector vector, int first, int rows) {
    if (vector instanceof BigIntVector v) {
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        v.set(i, first + i);
      }
    } else if (vector instanceof Float8Vector v) {
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        if ((first + i) % 10 != 0) { // every tenth value null, so validity matters
          v.set(i, (first + i) * 0.5);
        }
      }
    } else if (vector instanceof IntVector v) {
      v.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        v.set(i, (first + i) % 50);
      }
    } else {
      VarCharVector v = (VarCharVector) vector;
      v.allocateNew(rows * 8L, rows);
      for (int i = 0; i < rows; i++) {
        v.setSafe(i, WORDS[(first + i) % WORDS.length]);
      }
    }
    vector.setValueCount(rows);
  }
}
