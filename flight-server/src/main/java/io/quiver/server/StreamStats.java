package io.quiver.server;

/**
 * What one scan stream did, for its log line: units and rows sent, and where the column chunks came
 * from. Counted per unit and per batch (never per row), so keeping it costs nothing measurable.
 *
 * <p>Not thread-safe: one stream (one {@link ScanCursor} and the loads it makes on its own thread)
 * updates it; read it after the stream has ended. Loads on other threads (a prefetch, a column
 * group decoded in parallel) count into stats of their own, {@linkplain #add added} here once
 * joined.
 */
final class StreamStats {
  long units;
  long rows;

  /** Bytes read from the store (file bytes: compressed pages, footers) by this stream's loads. */
  long storageBytes;

  /** Decoded bytes of the chunks this stream decoded from the store. */
  long loadedBytes;

  /** Decoded bytes of the chunks the cache already had (memory, disk tier or another's load). */
  long cacheBytes;

  long chunksLoaded;
  long chunksCached;

  /** Adds what {@code other} counted (loads made on another thread, once joined). */
  void add(StreamStats other) {
    units += other.units;
    rows += other.rows;
    storageBytes += other.storageBytes;
    loadedBytes += other.loadedBytes;
    cacheBytes += other.cacheBytes;
    chunksLoaded += other.chunksLoaded;
    chunksCached += other.chunksCached;
  }
}
