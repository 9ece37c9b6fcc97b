package io.quiver.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Storage} must meet, run by each implementation against a real store.
 * Subclasses provide the storage and an empty root location to work under.
 */
public abstract class StorageContractTest {

  protected abstract Storage storage();

  /** An empty location the test may write below. */
  protected abstract Location root();

  /**
   * Makes the object at {@code location} a new version in place, as another writer would. The
   * default rewrites it through the storage.
   */
  protected void overwrite(Location location, byte[] contents) throws Exception {
    storage().write(location, contents);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writeStatAndReadRanges() throws Exception {
    Location file = root().resolve("a/b/data.bin");
    byte[] contents = bytes("0123456789abcdefghij");
    storage().write(file, contents);
    FileEntry entry = storage().stat(file);
    assertEquals(file, entry.location());
    assertEquals(contents.length, entry.length());
    try (StorageInput in = storage().open(entry)) {
      assertArrayEquals(bytes("2345"), in.read(2, 4));
      assertArrayEquals(bytes("hij"), in.readTail(3));
      assertArrayEquals(contents, in.readTail(1000));
      assertThrows(EOFException.class, () -> in.read(18, 5));
    }
  }

  @Test
  void missingObjects() throws Exception {
    Location missing = root().resolve("nope.bin");
    assertThrows(FileNotFoundException.class, () -> storage().stat(missing));
    assertFalse(storage().exists(missing));
    try (Stream<FileEntry> s = storage().list(root().resolve("nothing-here"))) {
      assertEquals(0, s.count());
    }
    storage().delete(missing); // not an error
  }

  @Test
  void listIsRecursiveWithVersions() throws Exception {
    storage().write(root().resolve("l/x.bin"), bytes("x"));
    storage().write(root().resolve("l/sub/y.bin"), bytes("yy"));
    storage().write(root().resolve("other/z.bin"), bytes("z"));
    List<FileEntry> entries;
    try (Stream<FileEntry> s = storage().list(root().resolve("l"))) {
      entries = s.sorted(java.util.Comparator.comparing(FileEntry::location)).toList();
    }
    assertEquals(
        List.of(root().resolve("l/sub/y.bin"), root().resolve("l/x.bin")),
        entries.stream().map(FileEntry::location).toList());
    assertEquals(2, entries.get(0).length());
    assertTrue(storage().exists(root().resolve("l")));
  }

  @Test
  void readOfChangedObjectFailsWithVersionChanged() throws Exception {
    Location file = root().resolve("v.bin");
    storage().write(file, bytes("first version"));
    FileEntry old = storage().stat(file);
    overwrite(file, bytes("second version, longer"));
    FileEntry now = storage().stat(file);
    assertNotEquals(old.version(), now.version());
    assertThrows(
        VersionChangedException.class,
        () -> {
          try (StorageInput in = storage().open(old)) {
            in.read(0, 5);
          }
        });
    try (StorageInput in = storage().open(now)) {
      assertArrayEquals(bytes("second"), in.read(0, 6));
    }
  }

  @Test
  void deletedObjectIsNotFound() throws Exception {
    Location file = root().resolve("d.bin");
    storage().write(file, bytes("bye"));
    FileEntry entry = storage().stat(file);
    storage().delete(file);
    assertFalse(storage().exists(file));
    assertThrows(FileNotFoundException.class, () -> storage().open(entry).close());
  }
}
