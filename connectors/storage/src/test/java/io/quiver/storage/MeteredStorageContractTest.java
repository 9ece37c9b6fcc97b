package io.quiver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.local.LocalStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decorator keeps the contract of the store it wraps, and counts what passes through it. */
class MeteredStorageContractTest extends StorageContractTest {
  @TempDir Path dir;
  private final StorageMetrics metrics = new StorageMetrics();
  private final MeteredStorage storage = new MeteredStorage(new LocalStorage(), metrics);

  @Override
  protected Storage storage() {
    return storage;
  }

  @Override
  protected Location root() {
    return Location.ofLocalPath(dir);
  }

  @Override
  protected void overwrite(Location location, byte[] contents) throws Exception {
    overwriteLocalFile(location, contents);
  }

  @Test
  void countsCallsAndBytes() throws Exception {
    Location file = root().resolve("m.bin");
    storage.write(file, "0123456789".getBytes(StandardCharsets.UTF_8));
    FileEntry entry = storage.stat(file);
    try (StorageInput in = storage.open(entry)) {
      in.read(0, 4);
      in.read(6, 3);
    }
    try (var s = storage.list(root())) {
      assertTrue(s.count() >= 1);
    }
    assertEquals(1, metrics.stats());
    assertEquals(1, metrics.opens());
    assertEquals(2, metrics.reads());
    assertEquals(7, metrics.bytesRead());
    assertEquals(1, metrics.lists());
  }
}
