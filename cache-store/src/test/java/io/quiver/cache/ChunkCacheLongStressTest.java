package io.quiver.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A long, time-bounded concurrency soak of {@link ChunkCache} under each eviction policy: 16
 * threads over a working set of at least five times the capacity (in bytes), mixing full scans of
 * row groups (all or several columns in one {@code getAll}), point reads ({@code getAll} of one key
 * and {@code getIfPresent}), readers that hold a row group's references across later operations,
 * and threads that pin keys.
 *
 * <p>What it proves: every value read matches the data derived from its key (all rows, every time);
 * off-heap use, sampled continuously by a separate thread, never exceeds the capacity; pinned
 * chunks stay resident whatever else is evicted; a held reference stays readable after its entry
 * may have been evicted; the counters add up (every requested key is one hit or one miss, no load
 * fails); nothing leaks (the root allocator closes at zero in try-with-resources); and nothing
 * deadlocks (a watchdog dumps every thread's stack and fails the test if the workers do not finish
 * in time; {@code @Timeout} is the last resort).
 *
 * <p>Each policy runs for {@code -Dquiver.stress.seconds} (default {@value #DEFAULT_SECONDS}) with
 * seed {@code -Dquiver.stress.seed}. Runs longer than about nine minutes also need JUnit's timeout
 * raised ({@code -Djunit.jupiter.execution.timeout.mode=disabled}).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@Tag("long") // run by .ci/run (mvn -Plong), not by mvn verify: see README "Tests"
class ChunkCacheLongStressTest {
  private static final long DEFAULT_SECONDS = 18;
  private static final Duration DURATION =
      Duration.ofSeconds(Long.getLong("quiver.stress.seconds", DEFAULT_SECONDS));
  private static final long SEED = Long.getLong("quiver.stress.seed", 0x51AB_C0DEL);

  /** How long past the end of the run the watchdog waits before declaring a hang. */
  private static final Duration GRACE = Duration.ofSeconds(30);

  private static final int THREADS = 16;
  private static final int PINNING_THREADS = 4;
  private static final int ROWS = 512;
  private static final int SLICE_ROWS = 200;
  private static final String[] COLUMNS = {"l_orderkey", "s_comment", "l_partkey", "s_shipmode"};
  private static final int ROW_GROUPS = 8;
  private static final int CAPACITY_CHUNKS = 160;

  /** The first files get most requests, so both hits and evictions happen all the time. */
  private static final int HOT_FILES = 4;

  private static final String PINNED_FILE = "s3://bucket/pinned/part-0.parquet";

  @ParameterizedTest
  @EnumSource(EvictionPolicy.class)
  void sixteenThreadsOverFiveTimesTheCapacity(EvictionPolicy policy) throws Exception {
    long chunkSize;
    ExecutorService workers = Executors.newFixedThreadPool(THREADS, daemon("stress-worker"));
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(daemon("stress-watchdog"));
    try (RootAllocator root = new RootAllocator(512L << 20)) {
      Sizes sizes = measure(root);
      chunkSize = sizes.maxChunk();
      long capacity = CAPACITY_CHUNKS * chunkSize;
      // Files of the working set: at least five times the capacity in bytes.
      int files = (int) ((5 * capacity + sizes.file() - 1) / sizes.file());
      assertTrue(files * sizes.file() >= 5 * capacity && files > HOT_FILES);
      // Room for one more chunk per thread beyond what is evicted keeps concurrent allocations
      // from colliding at the limit (see ChunkCache(parent, capacity, margin)).
      long margin = THREADS * chunkSize;
      CacheOptions options =
          CacheOptions.of(capacity).withEvictionMargin(margin).withEvictionPolicy(policy);
      Counters counters = new Counters();
      try (ChunkCache cache = new ChunkCache(root, options)) {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong maxSampled = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        AtomicReference<String> hang = new AtomicReference<>();
        Thread sampler =
            new Thread(
                () -> {
                  while (!stop.get()) {
                    maxSampled.accumulateAndGet(cache.allocator().getAllocatedMemory(), Math::max);
                    maxSampled.accumulateAndGet(root.getAllocatedMemory(), Math::max);
                    samples.incrementAndGet();
                    LockSupport.parkNanos(20_000);
                  }
                },
                "stress-sampler");
        sampler.setDaemon(true);
        sampler.start();

        CountDownLatch start = new CountDownLatch(1);
        long deadline = System.nanoTime() + DURATION.toNanos();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          Worker worker =
              new Worker(t, cache, counters, new SplittableRandom(SEED + t), deadline, files, stop);
          futures.add(
              workers.submit(
                  () -> {
                    start.await();
                    worker.run();
                    return null;
                  }));
        }
        ScheduledFuture<?> alarm =
            watchdog.schedule(
                () -> {
                  String dump = threadDump();
                  hang.set(dump);
                  System.err.println("stress watchdog fired, threads:\n" + dump);
                  workers.shutdownNow();
                },
                DURATION.plus(GRACE).toMillis(),
                TimeUnit.MILLISECONDS);
        long began = System.nanoTime();
        start.countDown();
        try {
          for (Future<?> future : futures) {
            long left = deadline + GRACE.toNanos() + 5_000_000_000L - System.nanoTime();
            future.get(Math.max(left, 1), TimeUnit.NANOSECONDS);
          }
        } catch (TimeoutException e) {
          fail("workers did not finish within " + GRACE + " of the deadline:\n" + threadDump());
        } catch (ExecutionException e) {
          // Stop the other workers before the cache and allocator are closed under them, so the
          // first failure is reported rather than the fallout of closing.
          stop.set(true);
          workers.shutdownNow();
          workers.awaitTermination(10, TimeUnit.SECONDS);
          throw asAssertion(e.getCause(), hang.get());
        } finally {
          alarm.cancel(false);
          stop.set(true);
          sampler.join(5_000);
        }
        assertNull(hang.get(), "the watchdog fired");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);

        CacheStats stats = cache.stats();
        System.out.printf(
            "long stress %s: %d files, %d ms, %d ops (%d scans of %d row groups, %d point reads,"
                + " %d pinned checks, %d held-across checks), max sampled %d of %d in %d samples,"
                + " peak %d, %s%n",
            policy,
            files,
            millis,
            counters.operations.get(),
            counters.scans.get(),
            counters.scannedRowGroups.get(),
            counters.pointReads.get(),
            counters.pinnedChecks.get(),
            counters.heldChecks.get(),
            maxSampled.get(),
            capacity,
            samples.get(),
            cache.allocator().getPeakMemoryAllocation(),
            stats);

        assertTrue(samples.get() > 100, "the sampler hardly ran: " + samples.get());
        assertTrue(
            maxSampled.get() <= capacity, "sampled " + maxSampled + " > capacity " + capacity);
        assertTrue(stats.bytes() <= capacity);
        assertEquals(0, stats.loadFailures(), stats.toString());
        assertTrue(stats.evictions() > 0, "a working set 5x the capacity must evict: " + stats);
        assertTrue(stats.hits() > 0, stats.toString());
        assertTrue(counters.scannedRowGroups.get() > 0 && counters.pointReads.get() > 0);
        assertTrue(counters.pinnedChecks.get() > 0 && counters.heldChecks.get() > 0);
        // Every key asked for through getAll or getIfPresent is counted once, as a hit or a miss.
        assertEquals(counters.keysRequested.get(), stats.hits() + stats.misses(), stats.toString());
        // The pinned chunks are still there; the workers unpinned them on their way out, so they
        // are ordinary entries now.
        assertEquals(0, stats.pinnedEntries(), stats.toString());
        // Every reference is closed: the allocator holds exactly the cached bytes.
        assertEquals(stats.bytes(), cache.allocator().getAllocatedMemory());
      }
      assertEquals(0, root.getAllocatedMemory(), "closing the cache must free everything");
    } finally {
      watchdog.shutdownNow();
      workers.shutdownNow();
      assertTrue(workers.awaitTermination(10, TimeUnit.SECONDS), "workers still running");
    }
  }

  /** Operation counts, for the report and to check that every kind of operation ran. */
  private static final class Counters {
    final AtomicLong operations = new AtomicLong();
    final AtomicLong keysRequested = new AtomicLong();
    final AtomicLong scans = new AtomicLong();
    final AtomicLong scannedRowGroups = new AtomicLong();
    final AtomicLong pointReads = new AtomicLong();
    final AtomicLong pinnedChecks = new AtomicLong();
    final AtomicLong heldChecks = new AtomicLong();
  }

  /** One thread's mix of operations until the deadline. */
  private static final class Worker {
    private final int id;
    private final ChunkCache cache;
    private final Counters counters;
    private final SplittableRandom random;
    private final long deadline;
    private final int files;
    private final AtomicBoolean stop;
    private final List<ColumnChunkKey> pins = new ArrayList<>();

    /** References this worker keeps across operations, like a slow stream would. */
    private Map<ColumnChunkKey, CachedChunk> held = Map.of();

    private int heldFor;

    Worker(
        int id,
        ChunkCache cache,
        Counters counters,
        SplittableRandom random,
        long deadline,
        int files,
        AtomicBoolean stop) {
      this.id = id;
      this.cache = cache;
      this.counters = counters;
      this.random = random;
      this.deadline = deadline;
      this.files = files;
      this.stop = stop;
    }

    void run() throws Exception {
      try {
        if (id < PINNING_THREADS) {
          pinOwnKeys();
        }
        for (long op = 0; !stop.get() && System.nanoTime() - deadline < 0; op++) {
          counters.operations.incrementAndGet();
          if (!pins.isEmpty() && op % 32 == 0) {
            checkPinsResident();
          }
          int dice = random.nextInt(100);
          if (dice < 35) {
            scan();
          } else if (dice < 60) {
            pointRead();
          } else if (dice < 85) {
            rowGroupProjection();
          } else {
            peek();
          }
          if (!held.isEmpty() && --heldFor <= 0) {
            releaseHeld();
          }
        }
        if (!pins.isEmpty()) {
          checkPinsResident();
          // Pins must hold until the very end under eviction pressure; unpin only now.
          for (ColumnChunkKey key : pins) {
            assertTrue(cache.unpin(key), "pin of " + key + " vanished");
          }
        }
      } finally {
        held.values().forEach(CachedChunk::close);
      }
    }

    private void pinOwnKeys() throws Exception {
      for (int c = 0; c < 2; c++) {
        ColumnChunkKey key = new ColumnChunkKey(PINNED_FILE, "v1", id, COLUMNS[c]);
        // Pins are state of the cache: pinning first, then loading, pins the loaded entry.
        cache.pin(key, null);
        pins.add(key);
      }
      counters.keysRequested.addAndGet(pins.size());
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(pins, ChunkCacheLongStressTest::load);
      try {
        refs.values().forEach(ref -> verify(ref.key(), ref.chunk()));
      } finally {
        refs.values().forEach(CachedChunk::close);
      }
    }

    /** A pinned key must be served from memory (no load) at any time. */
    private void checkPinsResident() {
      for (ColumnChunkKey key : pins) {
        counters.keysRequested.incrementAndGet();
        try (CachedChunk ref = cache.getIfPresent(key)) {
          assertNotNull(ref, "pinned " + key + " was evicted");
          verify(key, ref.chunk());
        }
        counters.pinnedChecks.incrementAndGet();
      }
    }

    /** Every row group of one file, all columns at once, in order: a full table scan. */
    private void scan() throws Exception {
      String file = randomFile();
      List<String> columns = List.of(COLUMNS);
      for (int rowGroup = 0; rowGroup < ROW_GROUPS; rowGroup++) {
        readRowGroup(file, rowGroup, columns, false);
        counters.scannedRowGroups.incrementAndGet();
      }
      counters.scans.incrementAndGet();
    }

    /** Two or three columns of one row group; sometimes kept open across later operations. */
    private void rowGroupProjection() throws Exception {
      List<String> columns = new ArrayList<>(List.of(COLUMNS));
      while (columns.size() > 2 + random.nextInt(2)) {
        columns.remove(random.nextInt(columns.size()));
      }
      // Even threads sometimes hold the references for a while, as a slow client's stream does.
      boolean hold = held.isEmpty() && id % 2 == 0 && random.nextInt(4) == 0;
      readRowGroup(randomFile(), random.nextInt(ROW_GROUPS), columns, hold);
    }

    private void pointRead() throws Exception {
      ColumnChunkKey key = randomKey();
      counters.keysRequested.incrementAndGet();
      Map<ColumnChunkKey, CachedChunk> refs =
          cache.getAll(List.of(key), ChunkCacheLongStressTest::load);
      try (CachedChunk ref = refs.get(key)) {
        assertEquals(1, refs.size());
        verify(key, ref.chunk());
      }
      counters.pointReads.incrementAndGet();
    }

    private void peek() {
      ColumnChunkKey key = randomKey();
      counters.keysRequested.incrementAndGet();
      try (CachedChunk ref = cache.getIfPresent(key)) {
        if (ref != null) {
          verify(key, ref.chunk());
        }
      }
      counters.pointReads.incrementAndGet();
    }

    private void readRowGroup(String file, int rowGroup, List<String> columns, boolean hold)
        throws Exception {
      List<ColumnChunkKey> keys = new ArrayList<>();
      for (String column : columns) {
        keys.add(new ColumnChunkKey(file, "v1", rowGroup, column));
      }
      counters.keysRequested.addAndGet(keys.size());
      Map<ColumnChunkKey, CachedChunk> refs = cache.getAll(keys, ChunkCacheLongStressTest::load);
      boolean keep = false;
      try {
        assertEquals(keys, List.copyOf(refs.keySet()));
        for (CachedChunk ref : refs.values()) {
          verify(ref.key(), ref.chunk());
        }
        keep = hold;
      } finally {
        if (keep) {
          held = refs;
          heldFor = 5 + random.nextInt(20);
        } else {
          refs.values().forEach(CachedChunk::close);
        }
      }
    }

    /** The held chunks may have been evicted meanwhile; their data must still be intact. */
    private void releaseHeld() {
      try {
        for (CachedChunk ref : held.values()) {
          verify(ref.key(), ref.chunk());
        }
        counters.heldChecks.incrementAndGet();
      } finally {
        held.values().forEach(CachedChunk::close);
        held = Map.of();
      }
    }

    private String randomFile() {
      int file = random.nextInt(10) < 7 ? random.nextInt(HOT_FILES) : random.nextInt(files);
      return "s3://bucket/lineitem/part-" + file + ".parquet";
    }

    private ColumnChunkKey randomKey() {
      return new ColumnChunkKey(
          randomFile(), "v1", random.nextInt(ROW_GROUPS), COLUMNS[random.nextInt(COLUMNS.length)]);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Data derived from the key, so any mix-up (wrong key, freed or reused memory) shows.

  private static Map<ColumnChunkKey, ColumnChunk> load(
      List<ColumnChunkKey> missing, BufferAllocator allocator) {
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

  private static boolean isText(ColumnChunkKey key) {
    return key.column().startsWith("s_");
  }

  private static long seed(ColumnChunkKey key) {
    return (long) key.file().hashCode() * 1_000_003L
        + key.rowGroup() * 7919L
        + key.column().length();
  }

  private static long longValue(ColumnChunkKey key, int row) {
    return seed(key) * 31 + row;
  }

  /** Null for one row in seven, else a string naming the key and row, of varying length. */
  private static String textValue(ColumnChunkKey key, int row) {
    if ((row + key.rowGroup()) % 7 == 0) {
      return null;
    }
    return key.column() + "#" + key.rowGroup() + "#" + row + "-".repeat(row % 5);
  }

  private static ColumnChunk build(ColumnChunkKey key, BufferAllocator allocator) {
    List<FieldVector> slices = new ArrayList<>();
    try {
      for (int start = 0; start < ROWS; start += SLICE_ROWS) {
        int count = Math.min(SLICE_ROWS, ROWS - start);
        if (isText(key)) {
          VarCharVector v = new VarCharVector(key.column(), allocator);
          slices.add(v);
          v.allocateNew(count * 24L, count);
          for (int i = 0; i < count; i++) {
            String s = textValue(key, start + i);
            if (s == null) {
              v.setNull(i);
            } else {
              v.setSafe(i, s.getBytes(StandardCharsets.UTF_8));
            }
          }
          v.setValueCount(count);
        } else {
          BigIntVector v = new BigIntVector(key.column(), allocator);
          slices.add(v);
          v.allocateNew(count);
          for (int i = 0; i < count; i++) {
            v.set(i, longValue(key, start + i));
          }
          v.setValueCount(count);
        }
      }
      return new ColumnChunk(slices);
    } catch (RuntimeException | Error e) {
      slices.forEach(FieldVector::close);
      throw e;
    }
  }

  /** Checks every row of the chunk. */
  private static void verify(ColumnChunkKey key, ColumnChunk chunk) {
    assertEquals(ROWS, chunk.rowCount(), "rows of " + key);
    int row = 0;
    for (FieldVector slice : chunk.slices()) {
      for (int i = 0; i < slice.getValueCount(); i++, row++) {
        if (slice instanceof BigIntVector longs) {
          if (longs.isNull(i) || longs.get(i) != longValue(key, row)) {
            fail("row " + row + " of " + key + ": " + longs.getObject(i));
          }
        } else {
          VarCharVector strings = (VarCharVector) slice;
          String expected = textValue(key, row);
          byte[] actual = strings.get(i);
          String got = actual == null ? null : new String(actual, StandardCharsets.UTF_8);
          if (expected == null ? got != null : !expected.equals(got)) {
            fail("row " + row + " of " + key + ": expected " + expected + ", got " + got);
          }
        }
      }
    }
    assertEquals(ROWS, row, "rows of " + key);
  }

  /** Bytes of the largest chunk and of all chunks of one file, as the cache accounts them. */
  private record Sizes(long maxChunk, long file) {}

  /** Measures {@link Sizes} by building one file's chunks in a scratch allocator. */
  private static Sizes measure(BufferAllocator root) {
    long max = 0;
    long file = 0;
    try (BufferAllocator scratch = root.newChildAllocator("measure", 0, Long.MAX_VALUE)) {
      for (String column : COLUMNS) {
        for (int rowGroup = 0; rowGroup < ROW_GROUPS; rowGroup++) {
          ColumnChunkKey key = new ColumnChunkKey(PINNED_FILE, "v1", rowGroup, column);
          try (ColumnChunk chunk = build(key, scratch)) {
            max = Math.max(max, chunk.sizeBytes());
            file += chunk.sizeBytes();
          }
        }
      }
    }
    return new Sizes(max, file);
  }

  private static ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Every thread's stack with the locks it holds and waits for, and any deadlock the JVM sees. */
  private static String threadDump() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    StringBuilder out = new StringBuilder();
    long[] deadlocked = threads.findDeadlockedThreads();
    if (deadlocked != null) {
      out.append("DEADLOCKED threads: ").append(Arrays.toString(deadlocked)).append('\n');
    }
    for (ThreadInfo info : threads.dumpAllThreads(true, true)) {
      out.append(info.getThreadName())
          .append(" (")
          .append(info.getThreadState())
          .append(info.getLockName() == null ? "" : " on " + info.getLockName())
          .append(info.getLockOwnerName() == null ? "" : " owned by " + info.getLockOwnerName())
          .append(")\n");
      // ThreadInfo.toString() cuts stacks at eight frames; print them whole.
      for (StackTraceElement frame : info.getStackTrace()) {
        out.append("\tat ").append(frame).append('\n');
      }
    }
    return out.toString();
  }

  private static AssertionError asAssertion(Throwable failure, String hangDump) {
    if (failure instanceof AssertionError assertion) {
      return assertion;
    }
    String message = "a worker failed: " + failure;
    if (hangDump != null) {
      message += "\nafter the watchdog fired:\n" + hangDump;
    }
    return new AssertionError(message, failure);
  }
}
