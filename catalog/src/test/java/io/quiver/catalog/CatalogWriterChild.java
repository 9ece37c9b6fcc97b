package io.quiver.catalog;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that commits changes to a {@link FileCatalogStore} as fast as it can, adding table
 * {@code t<revision>} with each, and prints {@code committed <revision>} once each update returned
 * — to be killed at a random moment by {@link FileCatalogStoreCrashTest}.
 */
public final class CatalogWriterChild {
  private CatalogWriterChild() {}

  public static void main(String[] args) throws Exception {
    try (FileCatalogStore store = new FileCatalogStore(Path.of(args[0]))) {
      System.out.println("ready");
      System.out.flush();
      while (true) {
        CatalogStore.Snapshot s = store.load();
        List<TableDefinition> tables = new ArrayList<>(s.state().tables());
        long next = s.revision() + 1;
        tables.add(new TableDefinition("t" + next, NamespacePath.of("/d/t" + next), "parquet"));
        List<Mount> mounts = new ArrayList<>(s.state().mounts());
        if (mounts.isEmpty()) {
          mounts.add(
              new Mount(
                  NamespacePath.of("/d"),
                  io.quiver.storage.Location.of("file:///tmp/d/"),
                  java.util.Map.of()));
        }
        store.update(s.revision(), new CatalogState(mounts, tables));
        System.out.println("committed " + next);
        System.out.flush();
      }
    }
  }
}
