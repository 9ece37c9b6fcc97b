package io.quiver.catalog;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;

/** What every {@link CatalogStore} does to tell its watchers of a revision. */
public final class CatalogWatchers {
  private CatalogWatchers() {}

  /**
   * Calls each of {@code listeners} with {@code s}; a listener that throws is logged on {@code log}
   * and the others still hear of it (the contract of {@link CatalogStore#watch}).
   */
  public static void tell(
      List<Consumer<CatalogStore.Snapshot>> listeners, CatalogStore.Snapshot s, Logger log) {
    for (Consumer<CatalogStore.Snapshot> l : listeners) {
      try {
        l.accept(s);
      } catch (RuntimeException e) {
        log.warn("A catalog watcher failed on revision {}", s.revision(), e);
      }
    }
  }
}
