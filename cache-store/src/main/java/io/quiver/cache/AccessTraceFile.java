package io.quiver.cache;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link AccessRecorder} writing a cache request trace as text, one request per line: {@code
 * <key id> TAB <chunk bytes>}, after a {@code #} comment header. Key ids are numbers given in order
 * of first request, so the trace holds no file names, versions or column names (it can be shared
 * and committed); the same key always gets the same id within one file. This is the format the
 * bench's {@code PolicySimulator --trace-file} reads.
 *
 * <p>Each request is written through a buffer that is flushed at every {@link #accessed} call's
 * end, so a process killed without closing loses at most the line being written. Thread-safe: calls
 * are serialized on this object.
 */
public final class AccessTraceFile implements AccessRecorder, Closeable {
  private final Path path;
  private final BufferedWriter out;
  private final Map<ColumnChunkKey, Integer> ids = new HashMap<>();
  private boolean closed;

  private AccessTraceFile(Path path, BufferedWriter out) {
    this.path = path;
    this.out = out;
  }

  /**
   * Creates (or truncates) {@code path} and writes the header.
   *
   * @throws IOException if the file cannot be written (the exception names it)
   */
  public static AccessTraceFile create(Path path) throws IOException {
    BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    try {
      out.write(
          "# Quiver chunk cache request trace: <key id> TAB <chunk bytes>, one request a line\n");
      out.flush();
    } catch (IOException e) {
      out.close();
      throw e;
    }
    return new AccessTraceFile(path, out);
  }

  /** The file written. */
  public Path path() {
    return path;
  }

  /**
   * Appends one request; after {@link #close} it is ignored.
   *
   * @throws UncheckedIOException if the file cannot be written (naming it)
   */
  @Override
  public synchronized void accessed(ColumnChunkKey key, long sizeBytes) {
    if (closed) {
      return;
    }
    Integer id = ids.computeIfAbsent(key, k -> ids.size());
    try {
      out.write(id + "\t" + sizeBytes + "\n");
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cache trace " + path, e);
    }
  }

  /** Closes the file; later requests are not written. */
  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }
}
