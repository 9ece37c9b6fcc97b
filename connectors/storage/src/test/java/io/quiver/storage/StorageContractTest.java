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

  /**
   * Rewrites a local file in place and moves its modification time on by a second, as a real writer
   * would (same-millisecond rewrites happen on fast machines and keep the version).
   */
  protected static void overwriteLocalFile(Location location, byte[] contents) throws Exception {
    java.nio.file.Path p = java.nio.file.Path.of(location.path());
    java.nio.file.attribute.FileTime before = java.nio.file.Files.getLastModifiedTime(p);
    java.nio.file.Files.write(p, contents, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    java.nio.file.Files.setLastModifiedTime(
        p, java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 1000));
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
  void listDirectoryShowsOneLevel() throws Exception {
    storage().write(root().resolve("d/x.bin"), bytes("x"));
    storage().write(root().resolve("d/k=1/y.bin"), bytes("yy"));
    storage().write(root().resolve("d/k=1/deeper/z.bin"), bytes("z"));
    storage().write(root().resolve("d/k=2/w.bin"), bytes("w"));
    storage().write(root().resolve("dd/v.bin"), bytes("v"));
    DirectoryListing level = storage().listDirectory(root().resolve("d"));
    assertEquals(
        List.of(root().resolve("d/x.bin")),
        level.files().stream().map(FileEntry::location).toList());
    assertEquals(1, level.files().get(0).length());
    assertEquals(List.of(root().resolve("d/k=1"), root().resolve("d/k=2")), level.directories());
    DirectoryListing below = storage().listDirectory(root().resolve("d/k=1"));
    assertEquals(
        List.of(root().resolve("d/k=1/y.bin")),
        below.files().stream().map(FileEntry::location).toList());
    assertEquals(List.of(root().resolve("d/k=1/deeper")), below.directories());
    assertTrue(storage().listDirectory(root().resolve("nothing-here")).isEmpty());
    // The object at the prefix itself is not below it.
    assertTrue(storage().listDirectory(root().resolve("d/x.bin")).isEmpty());
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

  private List<Location> listed(Location prefix) throws Exception {
    try (Stream<FileEntry> s = storage().list(prefix)) {
      return s.map(FileEntry::location).sorted().toList();
    }
  }

  @Test
  void listingAPrefixNeverReturnsItsSiblings() throws Exception {
    // Object stores list by string prefix: "l" must not match "l2/..." or "l-x/...".
    storage().write(root().resolve("l/x.bin"), bytes("x"));
    storage().write(root().resolve("l2/y.bin"), bytes("y"));
    storage().write(root().resolve("l-x/z.bin"), bytes("z"));
    storage().write(root().resolve("lz.bin"), bytes("w"));
    assertEquals(List.of(root().resolve("l/x.bin")), listed(root().resolve("l")));
    assertEquals(List.of(root().resolve("l2/y.bin")), listed(root().resolve("l2")));
    assertFalse(storage().exists(root().resolve("l-")));
  }

  @Test
  void keysWithSpacesUnicodeAndPercentRoundTrip() throws Exception {
    Location dir = root().resolve("d ir/ünï cødé");
    Location file = dir.resolve("a b%20c+d=e&f#1.bin");
    byte[] contents = bytes("spécial");
    storage().write(file, contents);
    FileEntry entry = storage().stat(file);
    assertEquals(file, entry.location());
    assertEquals(contents.length, entry.length());
    assertEquals(List.of(file), listed(dir));
    assertEquals(List.of(file), listed(root().resolve("d ir")));
    try (StorageInput in = storage().open(entry)) {
      assertArrayEquals(contents, in.read(0, contents.length));
    }
    // The percent sign is a character, not an escape: "a b c+d..." is another, absent, key.
    assertFalse(storage().exists(dir.resolve("a b c+d=e&f#1.bin")));
  }

  @Test
  void emptyObjectsAreObjects() throws Exception {
    Location file = root().resolve("e/empty.bin");
    storage().write(file, new byte[0]);
    FileEntry entry = storage().stat(file);
    assertEquals(0, entry.length());
    assertTrue(storage().exists(file));
    assertEquals(List.of(file), listed(root().resolve("e")));
    try (StorageInput in = storage().open(entry)) {
      assertArrayEquals(new byte[0], in.readTail(16));
      assertArrayEquals(new byte[0], in.read(0, 0));
      assertThrows(EOFException.class, () -> in.read(0, 1));
    }
  }

  @Test
  void longKeys() throws Exception {
    // Four 200-character segments: within every store's limits (S3/Azure 1024 bytes, HDFS and
    // local file systems 255 per component).
    String segment = "k".repeat(199);
    Location file =
        root().resolve(String.join("/", segment + 1, segment + 2, segment + 3, segment + 4));
    storage().write(file, bytes("long"));
    assertEquals(4, storage().stat(file).length());
    assertEquals(List.of(file), listed(root().resolve(segment + 1)));
  }

  @Test
  void readsOutsideTheObjectFailAlike() throws Exception {
    Location file = root().resolve("r.bin");
    storage().write(file, bytes("0123456789"));
    FileEntry entry = storage().stat(file);
    try (StorageInput in = storage().open(entry)) {
      assertThrows(EOFException.class, () -> in.read(10, 1));
      assertThrows(EOFException.class, () -> in.read(9, 2));
      assertThrows(EOFException.class, () -> in.read(-1, 2));
      assertThrows(EOFException.class, () -> in.read(Long.MAX_VALUE, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> in.readFully(0, new byte[4], 2, 3));
      assertArrayEquals(bytes("9"), in.read(9, 1));
      assertArrayEquals(new byte[0], in.read(10, 0));
    }
  }

  @Test
  void aChangeBetweenStatAndOpenIsNeverMixedIn() throws Exception {
    Location file = root().resolve("s.bin");
    storage().write(file, bytes("aaaaaaaaaa"));
    FileEntry stated = storage().stat(file);
    overwrite(file, bytes("bbbbbbbbbb")); // same length: only the version tells them apart
    assertThrows(
        VersionChangedException.class,
        () -> {
          try (StorageInput in = storage().open(stated)) {
            in.read(0, 10);
          }
        });
  }
}
