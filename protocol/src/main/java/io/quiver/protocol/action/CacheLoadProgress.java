package io.quiver.protocol.action;

/**
 * A result of {@code cache-load}: {@code {"state": "loading", "name": ..., "units": 10,
 * "unitsDone": 3, "rows": ..., "bytes": ..., "estimatedBytes": ...}} as the load goes, and last
 * {@code {"state": "done", ..., "storageBytesRead": ...}}, with a {@code "warning"} when more was
 * loaded than the cache holds.
 *
 * @param state {@code loading} or {@code done}
 * @param name the dataset loaded
 * @param units the units (row groups, stripes) to load
 * @param unitsDone the units loaded so far
 * @param rows the rows of the units loaded so far
 * @param bytes the decoded bytes loaded so far
 * @param estimatedBytes the bytes of the loaded columns in the files' metadata
 * @param storageBytesRead bytes read from storage by the whole load (done only), or null
 * @param warning what the caller should know (done only), or null
 */
public record CacheLoadProgress(
    String state,
    String name,
    long units,
    long unitsDone,
    long rows,
    long bytes,
    long estimatedBytes,
    Long storageBytesRead,
    String warning) {
  public static final String LOADING = "loading";
  public static final String DONE = "done";

  public CacheLoadProgress {
    ActionJson.required(state, "state");
  }

  public static CacheLoadProgress loading(
      String name, long units, long unitsDone, long rows, long bytes, long estimatedBytes) {
    return new CacheLoadProgress(
        LOADING, name, units, unitsDone, rows, bytes, estimatedBytes, null, null);
  }

  public static CacheLoadProgress done(
      String name,
      long units,
      long unitsDone,
      long rows,
      long bytes,
      long estimatedBytes,
      long storageBytesRead,
      String warning) {
    return new CacheLoadProgress(
        DONE, name, units, unitsDone, rows, bytes, estimatedBytes, storageBytesRead, warning);
  }

  public boolean done() {
    return DONE.equals(state);
  }
}
