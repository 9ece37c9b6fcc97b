package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.LocalDiskException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded catalog file passes the store contract; its disk failures are the node's. */
class FileCatalogStoreTest extends CatalogStoreContractTest {
  @TempDir Path dir;

  @Override
  protected CatalogStore open() {
    return new FileCatalogStore(dir, 50);
  }

  @Override
  protected boolean damagePersistedState() throws IOException {
    Path file = dir.resolve("catalog.json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    return true;
  }

  private static CatalogState oneTable(String name) {
    return new CatalogState(
        List.of(), List.of(new TableDefinition(name, NamespacePath.of("/x/" + name), "parquet")));
  }

  @Test
  void aDamagedFileIsNamedWithHowToRecoverAndIsNotADiskFailure() throws IOException {
    try (CatalogStore store = open()) {
      store.update(0, oneTable("first"));
      store.update(1, oneTable("second"));
    }
    damagePersistedState();
    try (CatalogStore store = open()) {
      IOException e = assertThrows(IOException.class, store::load);
      Path file = dir.resolve("catalog.json");
      assertTrue(e.getMessage().contains(file + " is damaged"), e.getMessage());
      assertFalse(e instanceof LocalDiskException, e.toString());
      // The previous revision is kept beside it, intact, and the message says so.
      Path prev = dir.resolve("catalog.json.prev");
      assertTrue(
          e.getMessage().contains("previous revision (1, 0 mounts, 1 tables)"), e.getMessage());
      assertTrue(e.getMessage().contains(prev.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("move " + file + " aside"), e.getMessage());
      // Following the advice recovers it.
      Files.copy(prev, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertEquals(new CatalogStore.Snapshot(1, oneTable("first")), store.load());
    }
  }

  @Test
  void aFileFromAnotherFormatVersionIsRefusedByName() throws IOException {
    Files.writeString(dir.resolve("catalog.json"), "{\"version\": 99, \"mounts\": []}");
    try (CatalogStore store = open()) {
      IOException e = assertThrows(IOException.class, store::load);
      assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
    }
  }

  /** Catalogs written before revisions existed (format 1) load as revision 1 and can be updated. */
  @Test
  void aFormatOneFileLoadsAsRevisionOne() throws IOException {
    Files.writeString(
        dir.resolve("catalog.json"),
        "{\"version\": 1, \"mounts\": [{\"path\": \"/d\", \"target\": \"file:///tmp/d/\","
            + " \"options\": {\"decoder\": \"java\"}}], \"tables\": [{\"name\": \"t\","
            + " \"path\": \"/d/t\", \"format\": \"parquet\"}]}");
    try (CatalogStore store = open()) {
      CatalogStore.Snapshot s = store.load();
      assertEquals(1, s.revision());
      assertEquals("java", s.state().mounts().get(0).options().get("decoder"));
      assertEquals("t", s.state().tables().get(0).name());
      assertEquals(2, store.update(1, CatalogState.EMPTY).revision());
    }
  }

  @Test
  void noTemporaryFilesAreLeftBehind() throws IOException {
    try (CatalogStore store = open()) {
      for (int i = 0; i < 5; i++) {
        store.update(i, oneTable("t" + i));
      }
    }
    // A writer killed between writing its temporary file and renaming it leaves one; the next
    // update removes it.
    Files.writeString(dir.resolve(".catalog.json123.tmp"), "{half");
    try (CatalogStore store = open()) {
      store.update(5, oneTable("t5"));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          List.of("catalog.json", "catalog.json.prev", "catalog.lock"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void anUpdateTheDiskRefusesIsALocalDiskFailureAndKeepsTheOldState() throws IOException {
    CatalogState before = oneTable("t");
    try (CatalogStore store = open()) {
      store.update(0, before);
      // The catalog file's place is taken by a non-empty directory: it cannot be read or replaced
      // (as root, permissions would not stop the write).
      Path file = dir.resolve("catalog.json");
      Path aside = dir.resolve("catalog.json.aside");
      Files.move(file, aside);
      Files.createDirectories(file.resolve("occupied"));
      IOException e = assertThrows(IOException.class, () -> store.update(1, CatalogState.EMPTY));
      assertInstanceOf(LocalDiskException.class, e);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertInstanceOf(LocalDiskException.class, assertThrows(IOException.class, store::load));
      // Nothing was lost: the state saved before is intact where it was.
      Files.delete(file.resolve("occupied"));
      Files.delete(file);
      Files.move(aside, file);
    }
    try (CatalogStore store = open()) {
      assertEquals(new CatalogStore.Snapshot(1, before), store.load());
    }
  }

  @Test
  void declaredPartitionTypesArePersistedAndOldFilesWithoutThemLoad() throws IOException {
    Files.writeString(
        dir.resolve("catalog.json"),
        "{\"version\": 1, \"mounts\": [], \"tables\": [{\"name\": \"t\", \"path\": \"/x/t\","
            + " \"format\": \"parquet\"}]}");
    try (CatalogStore store = open()) {
      CatalogStore.Snapshot old = store.load();
      assertEquals(java.util.Map.of(), old.state().tables().get(0).partitionTypes());
      CatalogState state =
          new CatalogState(
              List.of(),
              List.of(
                  new TableDefinition(
                      "t",
                      NamespacePath.of("/x/t"),
                      "parquet",
                      java.util.Map.of("day", PartitionType.DATE))));
      store.update(old.revision(), state);
      try (CatalogStore again = open()) {
        assertEquals(state, again.load().state());
      }
    }
    assertTrue(Files.readString(dir.resolve("catalog.json")).contains("\"day\" : \"date\""));
  }
}
