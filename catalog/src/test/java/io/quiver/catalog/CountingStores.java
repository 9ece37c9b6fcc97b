package io.quiver.catalog;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageInput;
import io.quiver.storage.StorageProvider;
import io.quiver.storage.local.LocalStorage;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Local files through store clients that count every call by kind, how many clients are open, and
 * refuse use after close: what a test needs to prove "no store call" or "no store write".
 */
final class CountingStores implements StorageProvider {
  final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

  long calls(String kind) {
    AtomicLong n = calls.get(kind);
    return n == null ? 0 : n.get();
  }

  /** Every call of every kind. */
  long calls() {
    return calls.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Store writes and deletes. */
  long writes() {
    return calls("write") + calls("delete");
  }

  private void count(String kind) {
    calls.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public Storage create(Map<String, String> options) {
    open.incrementAndGet();
    LocalStorage local = new LocalStorage();
    return new Storage() {
      private volatile boolean closed;

      private void check(String kind) throws IOException {
        if (closed) {
          throw new IOException("client closed");
        }
        count(kind);
      }

      @Override
      public Stream<FileEntry> list(Location prefix) throws IOException {
        check("list");
        return local.list(prefix);
      }

      @Override
      public io.quiver.storage.DirectoryListing listDirectory(Location prefix) throws IOException {
        check("listDirectory");
        return local.listDirectory(prefix);
      }

      @Override
      public boolean supportsDirectoryListing() {
        return true;
      }

      @Override
      public FileEntry stat(Location location) throws IOException {
        check("stat");
        return local.stat(location);
      }

      @Override
      public boolean exists(Location location) throws IOException {
        check("exists");
        return local.exists(location);
      }

      @Override
      public StorageInput open(FileEntry entry) throws IOException {
        check("open");
        return local.open(entry);
      }

      @Override
      public void write(Location location, byte[] contents) throws IOException {
        check("write");
        local.write(location, contents);
      }

      @Override
      public void delete(Location location) throws IOException {
        check("delete");
        local.delete(location);
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          open.decrementAndGet();
        }
      }
    };
  }
}
