package io.quiver.format.orc;

import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A read-only Hadoop {@link FileSystem} holding exactly one file, {@link #path()}, whose bytes come
 * from a borrowed {@link StorageInput}. orc-core reads files only through a {@code FileSystem};
 * this adapter routes its reads to Quiver's storage SPI so that every byte is read from one object
 * version, with {@link StorageInput#readFully} positional reads of exactly the ranges orc-core asks
 * for (stripe footers and the included columns' streams; no read-ahead).
 *
 * <p>It remembers the last exception thrown by the storage itself ({@link #storageFailure()}), so
 * that callers can tell a storage failure (to propagate unchanged) from orc-core failing to parse
 * damaged bytes, whatever orc-core wrapped it in.
 *
 * <p>Never closes the input (its owner does). Not registered with Hadoop's {@code FileSystem}
 * cache. Used by one thread at a time, like the input.
 */
final class StorageFileSystem extends FileSystem {
  private static final URI URI_ROOT = URI.create("quiver:///");
  // Empty: the adapter reads no settings, and loading Hadoop's default resources costs time.
  private static final Configuration CONF = new Configuration(false);

  private final StorageInput input;
  private final Path path;
  private volatile IOException storageFailure;
  // Ranges read ahead (by StripeCheck) and served from memory: position -> bytes.
  private final NavigableMap<Long, byte[]> pinned = new TreeMap<>();

  StorageFileSystem(StorageInput input) {
    this.input = Objects.requireNonNull(input, "input");
    setConf(CONF);
    String name = input.entry().location().fileName();
    this.path = new Path("quiver", null, "/" + (name == null || name.isEmpty() ? "file" : name));
  }

  /** The one file of this file system. */
  Path path() {
    return path;
  }

  /**
   * Reads {@code bytes.length} bytes at {@code position} from storage into {@code bytes} and keeps
   * them: later reads inside the range are served from memory. The caller must have checked that
   * the range lies inside the file.
   */
  void readPinned(long position, byte[] bytes) throws IOException {
    readStorage(position, bytes, 0, bytes.length);
    pinned.put(position, bytes);
  }

  /**
   * The bytes {@code [position, position + length)} of a range pinned by {@link #readPinned}, as a
   * buffer whose index 0 is {@code position}.
   *
   * @throws IllegalStateException if no pinned range holds them
   */
  ByteBuffer pinned(long position, long length) {
    if (length == 0) {
      return ByteBuffer.allocate(0);
    }
    Map.Entry<Long, byte[]> range = pinned.floorEntry(position);
    if (range == null || position + length > range.getKey() + range.getValue().length) {
      throw new IllegalStateException(
          "Bytes [" + position + ", " + (position + length) + ") were not read ahead");
    }
    return ByteBuffer.wrap(range.getValue(), (int) (position - range.getKey()), (int) length)
        .slice();
  }

  /** Copies from a pinned range if one holds all of {@code [position, position + len)}. */
  private boolean copyPinned(long position, byte[] buffer, int offset, int len) {
    Map.Entry<Long, byte[]> range = pinned.floorEntry(position);
    if (range == null || position + len > range.getKey() + range.getValue().length) {
      return false;
    }
    System.arraycopy(range.getValue(), (int) (position - range.getKey()), buffer, offset, len);
    return true;
  }

  private void readStorage(long pos, byte[] buffer, int offset, int len) throws IOException {
    try {
      input.readFully(pos, buffer, offset, len);
    } catch (IOException e) {
      storageFailure = e;
      throw e;
    }
  }

  /** The last exception thrown by the underlying {@link StorageInput}, or null. */
  IOException storageFailure() {
    return storageFailure;
  }

  /**
   * Rethrows the storage failure if {@code failure} is it or was caused by it; returns otherwise.
   */
  void rethrowStorageFailure(Throwable failure) throws IOException {
    IOException stored = storageFailure;
    for (Throwable t = failure; t != null && stored != null; t = t.getCause()) {
      if (t == stored) {
        throw stored;
      }
    }
  }

  @Override
  public URI getUri() {
    return URI_ROOT;
  }

  @Override
  public String getScheme() {
    return "quiver";
  }

  @Override
  public Path makeQualified(Path p) {
    return p;
  }

  @Override
  public FSDataInputStream open(Path f) throws IOException {
    return open(f, 0);
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    checkPath(f);
    return new FSDataInputStream(new Stream());
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    checkPath(f);
    return new FileStatus(input.entry().length(), false, 1, 1 << 20, 0, path);
  }

  @Override
  protected void checkPath(Path f) {
    if (!path.equals(f)) {
      throw new IllegalArgumentException("Only " + path + " exists here, not " + f);
    }
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress) {
    throw readOnly();
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) {
    throw readOnly();
  }

  @Override
  public boolean rename(Path src, Path dst) {
    throw readOnly();
  }

  @Override
  public boolean delete(Path f, boolean recursive) {
    throw readOnly();
  }

  @Override
  public FileStatus[] listStatus(Path f) throws FileNotFoundException {
    throw new UnsupportedOperationException("Listing is not supported: one-file read adapter");
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    throw new UnsupportedOperationException("One-file read adapter has no working directory");
  }

  @Override
  public Path getWorkingDirectory() {
    return new Path(URI_ROOT);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) {
    throw readOnly();
  }

  @Override
  public void close() {
    // Nothing to release: the input belongs to the caller; no FileSystem cache entry exists.
  }

  private static UnsupportedOperationException readOnly() {
    return new UnsupportedOperationException("Read-only adapter over Quiver storage");
  }

  /** A seekable stream over the input: positional reads go straight to storage. */
  private final class Stream extends FSInputStream {
    private final long length = input.entry().length();
    private long position;
    private boolean closed;

    @Override
    public void seek(long pos) throws IOException {
      ensureOpen();
      if (pos < 0 || pos > length) {
        throw new EOFException("Seek to " + pos + " outside " + describe());
      }
      position = pos;
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
      return false;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int len) throws IOException {
      int n = read(position, buffer, offset, len);
      if (n > 0) {
        position += n;
      }
      return n;
    }

    @Override
    public int read(long pos, byte[] buffer, int offset, int len) throws IOException {
      ensureOpen();
      Objects.checkFromIndexSize(offset, len, buffer.length);
      if (len == 0) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - pos);
      readBytes(pos, buffer, offset, n);
      return n;
    }

    @Override
    public void readFully(long pos, byte[] buffer, int offset, int len) throws IOException {
      ensureOpen();
      Objects.checkFromIndexSize(offset, len, buffer.length);
      if (pos < 0 || pos > length - len) {
        throw new EOFException(
            "Read of " + len + " bytes at " + pos + " goes past the end of " + describe());
      }
      readBytes(pos, buffer, offset, len);
    }

    @Override
    public void readFully(long pos, byte[] buffer) throws IOException {
      readFully(pos, buffer, 0, buffer.length);
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, length - position);
    }

    @Override
    public void close() {
      closed = true;
    }

    private void readBytes(long pos, byte[] buffer, int offset, int len) throws IOException {
      if (!copyPinned(pos, buffer, offset, len)) {
        readStorage(pos, buffer, offset, len);
      }
    }

    private void ensureOpen() throws IOException {
      if (closed) {
        throw new IOException("Stream of " + describe() + " is closed");
      }
    }

    private String describe() {
      FileEntry entry = input.entry();
      return entry.location() + " (" + entry.length() + " bytes)";
    }
  }
}
