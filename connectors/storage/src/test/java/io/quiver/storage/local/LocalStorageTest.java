package io.quiver.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageContractTest;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest extends StorageContractTest {
  @TempDir Path dir;
  private final LocalStorage storage = new LocalStorage();

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
  void inPlaceOverwriteDuringReadIsDetected() throws Exception {
    Path p = dir.resolve("f.bin");
    Files.write(p, new byte[100]);
    FileEntry entry = storage.stat(Location.ofLocalPath(p));
    try (StorageInput in = storage.open(entry)) {
      in.read(0, 10);
      Files.write(p, new byte[100], StandardOpenOption.WRITE);
      Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis() + 5000));
      assertThrows(VersionChangedException.class, () -> in.read(10, 10));
    }
  }

  @Test
  void rejectsHostsAndOptions() {
    assertThrows(IllegalArgumentException.class, () -> storage.stat(Location.of("file://host/x")));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LocalStorageProvider().create(java.util.Map.of("region", "x")));
    assertEquals("file", new LocalStorageProvider().scheme());
  }
}
