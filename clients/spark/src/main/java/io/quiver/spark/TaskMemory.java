package io.quiver.spark;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * Off-heap memory of the connector in one JVM (driver or executor): a root allocator with one
 * bounded child per partition reader ({@code maxTaskMemory}) and per driver-side call. The root has
 * no limit of its own: the executor's concurrency (cores) times the per-task bound is the bound, as
 * for Spark's own Arrow allocations. Thread-safe.
 */
final class TaskMemory {
  private static final BufferAllocator ROOT = new RootAllocator(Long.MAX_VALUE);

  private TaskMemory() {}

  /** A new allocator of at most {@code limit} bytes, owned (and closed) by the caller. */
  static BufferAllocator allocator(String name, long limit) {
    return ROOT.newChildAllocator(name, 0, limit);
  }
}
