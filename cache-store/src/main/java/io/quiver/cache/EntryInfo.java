package io.quiver.cache;

import java.time.Duration;

/**
 * One entry of one tier, as listed by {@link ChunkCache#entries}. A key cached in memory and on
 * disk is listed once per tier.
 *
 * <p>Immutable value; safe to share between threads.
 *
 * @param key the key
 * @param tier where this copy is
 * @param bytes its size: {@link ColumnChunk#sizeBytes()} in memory, the file size on disk
 * @param pinned whether a pin holds it (memory only; always false on disk)
 * @param readers open references to it (memory only; 0 on disk)
 * @param hits requests served from this copy since it entered the tier
 * @param age time since it entered the tier, by the cache's {@link Ticker} (for files re-indexed
 *     after a restart: since the re-index)
 */
public record EntryInfo(
    ColumnChunkKey key,
    Tier tier,
    long bytes,
    boolean pinned,
    int readers,
    long hits,
    Duration age) {}
