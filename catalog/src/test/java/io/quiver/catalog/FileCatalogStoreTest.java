package io.quiver.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.LocalDiskException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded catalog file passes the store contract; its disk failures are the node's. */
class FileCatalogStoreTest extends CatalogStoreContractTest {
  @TempDir Path dir;

  @Override
  protected CatalogStore open() {
    return new FileCatalogStore(dir);
  }

  @Override
  protected boolean damagePersistedState() throws IOException {
    Path file = dir.resolve("catalog.json");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    return true;
  }

  @Test
  void aDamagedFileIsNamedAndIsNotADiskFailure() throws IOException {
    open().save(CatalogState.EMPTY);
    damagePersistedState();
    IOException e = assertThrows(IOException.class, () -> open().load());
    assertTrue(e.getMessage().contains(dir.resolve("catalog.json").toString()), e.getMessage());
    assertTrue(!(e instanceof LocalDiskException), e.toString());
  }

  @Test
  void aFileFromAnotherFormatVersionIsRefusedByName() throws IOException {
    Files.writeString(dir.resolve("catalog.json"), "{\"version\": 99, \"mounts\": []}");
    IOException e = assertThrows(IOException.class, () -> open().load());
    assertTrue(e.getMessage().contains("format version 99"), e.getMessage());
  }

  @Test
  void aSaveTheDiskRefusesIsALocalDiskFailureAndKeepsTheOldState() throws IOException {
    CatalogStore store = open();
    CatalogState before =
        new CatalogState(
            List.of(), List.of(new TableDefinition("t", NamespacePath.of("/x/t"), "parquet")));
    store.save(before);
    // The catalog file's place is taken by a non-empty directory: the rename over it fails (as
    // root, permissions would not stop the write).
    Path file = dir.resolve("catalog.json");
    Path aside = dir.resolve("catalog.json.aside");
    Files.move(file, aside);
    Files.createDirectories(file.resolve("occupied"));
    IOException e = assertThrows(IOException.class, () -> store.save(CatalogState.EMPTY));
    assertInstanceOf(LocalDiskException.class, e);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertInstanceOf(LocalDiskException.class, assertThrows(IOException.class, store::load));
    // Nothing was lost: the state saved before is intact where it was.
    Files.delete(file.resolve("occupied"));
    Files.delete(file);
    Files.move(aside, file);
    assertEquals(before, open().load());
  }

  @Test
  void declaredPartitionTypesArePersistedAndOldFilesWithoutThemLoad() throws IOException {
    Files.writeString(
        dir.resolve("catalog.json"),
        "{\"version\": 1, \"mounts\": [], \"tables\": [{\"name\": \"t\", \"path\": \"/x/t\","
            + " \"format\": \"parquet\"}]}");
    CatalogState old = open().load();
    assertEquals(java.util.Map.of(), old.tables().get(0).partitionTypes());
    CatalogState state =
        new CatalogState(
            List.of(),
            List.of(
                new TableDefinition(
                    "t",
                    NamespacePath.of("/x/t"),
                    "parquet",
                    java.util.Map.of("day", PartitionType.DATE))));
    open().save(state);
    assertEquals(state, open().load());
    assertTrue(Files.readString(dir.resolve("catalog.json")).contains("\"day\" : \"date\""));
  }
}
