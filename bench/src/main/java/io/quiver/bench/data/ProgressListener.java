package io.quiver.bench.data;

/**
 * Receives generation progress, for example to draw a progress bar. Calls come from writer threads
 * but never concurrently, with {@code rowsDone} non-decreasing; the last call has {@code rowsDone
 * == rowsTotal}.
 */
@FunctionalInterface
public interface ProgressListener {

  /** A listener that ignores progress. */
  ProgressListener NONE = (rowsDone, rowsTotal) -> {};

  void onProgress(long rowsDone, long rowsTotal);
}
