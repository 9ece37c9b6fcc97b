package io.quiver.storage.hdfs;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A lazy, depth-first walk of the files below a directory.
 *
 * <p>Each directory is read with {@link FileSystem#listStatusIterator}, which fetches its entries
 * from the NameNode in pages ({@code dfs.ls.limit}, 1000 by default) only as they are consumed; the
 * walk holds one open page per directory level. Unlike {@link FileSystem#listFiles} it does not ask
 * the NameNode for every file's block locations, which Quiver never uses. A directory deleted
 * during the walk is skipped; other failures are translated by {@link HdfsErrors} and thrown as
 * {@link UncheckedIOException}.
 *
 * <p>Not thread-safe (a stream's iterator).
 */
final class RecursiveListing implements Iterator<FileEntry> {
  private record Level(String relativePath, RemoteIterator<FileStatus> entries) {}

  private final FileSystem fs;
  private final Location prefix;
  private final URI nameNode;
  private final Deque<Level> levels = new ArrayDeque<>();
  private FileEntry next;

  /** The directory being read, for error messages. */
  private Location reading;

  /**
   * Starts a walk of the directory at {@code prefix}; reads its first page now, so a failure to
   * list the directory itself is thrown here.
   *
   * @throws FileNotFoundException if the directory does not exist
   */
  RecursiveListing(FileSystem fs, Location prefix, URI nameNode) throws IOException {
    this.fs = fs;
    this.prefix = prefix;
    this.nameNode = nameNode;
    this.reading = prefix;
    levels.push(new Level("", fs.listStatusIterator(HdfsStorage.toPath(prefix))));
  }

  @Override
  public boolean hasNext() {
    try {
      while (next == null && !levels.isEmpty()) {
        Level level = levels.peek();
        reading = prefix.resolve(level.relativePath());
        FileStatus status;
        try {
          if (!level.entries().hasNext()) {
            levels.pop();
            continue;
          }
          status = level.entries().next();
        } catch (FileNotFoundException e) {
          // The directory was deleted while being listed: nothing more below it.
          levels.pop();
          continue;
        }
        String name = status.getPath().getName();
        String relative = level.relativePath().isEmpty() ? name : level.relativePath() + "/" + name;
        if (status.isDirectory()) {
          Location dir = prefix.resolve(relative);
          reading = dir;
          try {
            levels.push(new Level(relative, fs.listStatusIterator(HdfsStorage.toPath(dir))));
          } catch (FileNotFoundException e) {
            // Deleted since its parent was listed.
          }
        } else if (status.isFile()) {
          next = HdfsStorage.entry(prefix.resolve(relative), status);
        }
        // Symbolic links (disabled in HDFS by default) are not objects: skipped.
      }
      return next != null;
    } catch (IOException e) {
      throw new UncheckedIOException(HdfsErrors.translate(e, "list", reading, nameNode));
    }
  }

  @Override
  public FileEntry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    FileEntry entry = next;
    next = null;
    return entry;
  }
}
