package io.quiver.bench.jmh;

import io.quiver.cache.CacheOptions;
import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ChunkLoader;
import io.quiver.cache.ColumnChunkKey;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of turning cached chunks into the record batches a DoGet sends, reproducing the steps of
 * the flight-server's {@code ChunkStreamer} ({@code batchOf}/{@code appendNodes}, which are package
 * private there): an {@link ArrowRecordBatch} over slice {@code i} of each of 16 column chunks
 * (sharing, not copying, their buffers: the batch retains them), {@link VectorLoader#load} into the
 * stream's {@link VectorSchemaRoot} (which retains them again and releases the previous batch's),
 * and closing the batch. {@code putNext} (serialization and gRPC) is not included.
 *
 * <p>{@link #assembleBatch} is one batch with the row group's references already held; {@link
 * #serveRowGroup} is the whole cached path of one row group: {@code getAll} of the 16 keys (hits),
 * every slice's batch, and release of the references. No column data is copied, but {@link
 * VectorLoader} gives every column without nulls a fresh all-ones validity bitmap allocated in the
 * root's allocator (Arrow's {@code BitVectorHelper.loadValidityBuffer}), so the cost grows a little
 * with {@code sliceRows}; 65536 is the server's default batch size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BatchAssemblyBenchmark {
  static final int COLUMNS = 16;
  static final int SLICES = 2;

  @Param({"8192", "65536"})
  public int sliceRows;

  private RootAllocator rootAllocator;
  private BufferAllocator streams;
  private ChunkCache cache;
  private List<ColumnChunkKey> keys;
  // Package-private for BenchmarksSmokeTest, which checks what a batch holds.
  List<CachedChunk> held;
  VectorSchemaRoot root;
  private VectorLoader loader;
  private int nextSlice;

  private static final ChunkLoader REFUSING =
      (missing, allocator) -> {
        throw new IllegalStateException("benchmark expected hits only, asked to load " + missing);
      };

  /** Caches one row group of 16 columns and holds references to it, as a stream would. */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    rootAllocator = BenchChunks.newRoot(2L << 30);
    cache = new ChunkCache(rootAllocator, CacheOptions.of(1L << 30));
    streams = rootAllocator.newChildAllocator("streams", 0, 64L << 20);
    keys = BenchChunks.rowGroupKeys("bench://batch/part-0", 0, COLUMNS);
    Map<ColumnChunkKey, CachedChunk> refs =
        cache.getAll(
            keys, (missing, allocator) -> BenchChunks.build(missing, allocator, SLICES, sliceRows));
    held = keys.stream().map(refs::get).toList();
    root = VectorSchemaRoot.create(BenchChunks.schema(COLUMNS, streams), streams);
    loader = new VectorLoader(root);
  }

  /** Releases everything in ownership order; Arrow throws here if a buffer leaked. */
  @TearDown(Level.Trial)
  public void tearDown() {
    root.close(); // drops the root's retains of the last batch's buffers
    held.forEach(CachedChunk::close);
    cache.close();
    streams.close();
    rootAllocator.close();
  }

  /** One batch over slice {@code i} of the 16 held chunks, loaded into the stream's root. */
  @Benchmark
  public void assembleBatch(Blackhole bh) {
    int slice = nextSlice++ & (SLICES - 1);
    try (ArrowRecordBatch batch = batchOf(held, slice)) {
      loader.load(batch);
    }
    bh.consume(root.getRowCount());
  }

  /** A whole cached row group: getAll of 16 hits, one batch per slice, release. */
  @Benchmark
  public void serveRowGroup(Blackhole bh) throws IOException {
    Map<ColumnChunkKey, CachedChunk> chunks = cache.getAll(keys, REFUSING);
    try {
      List<CachedChunk> ordered = new ArrayList<>(keys.size());
      for (ColumnChunkKey key : keys) {
        ordered.add(chunks.get(key));
      }
      int slices = ordered.get(0).chunk().slices().size();
      for (int i = 0; i < slices; i++) {
        try (ArrowRecordBatch batch = batchOf(ordered, i)) {
          loader.load(batch);
        }
        bh.consume(root.getRowCount());
      }
    } finally {
      chunks.values().forEach(CachedChunk::close);
    }
  }

  /** As ChunkStreamer.batchOf: the batch retains the slices' buffers; the caller closes it. */
  static ArrowRecordBatch batchOf(List<CachedChunk> chunks, int index) {
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

  /** As ChunkStreamer.appendNodes: one node per vector, depth first, with its buffers. */
  private static void appendNodes(
      FieldVector vector, List<ArrowFieldNode> nodes, List<ArrowBuf> buffers) {
    nodes.add(new ArrowFieldNode(vector.getValueCount(), vector.getNullCount()));
    buffers.addAll(vector.getFieldBuffers());
    for (FieldVector child : vector.getChildrenFromFields()) {
      appendNodes(child, nodes, buffers);
    }
  }
}
