package io.quiver.catalog;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Where the catalog's state lives between restarts (an embedded file on one node; ZooKeeper in a
 * cluster), as a sequence of numbered revisions.
 *
 * <p>The contract, checked by {@code CatalogStoreContractTest} (in the catalog's test-jar) for
 * every implementation:
 *
 * <ul>
 *   <li>A store never written loads {@link CatalogState#EMPTY} at revision 0.
 *   <li>{@link #update} is a compare-and-set: it commits only if the persisted revision is still
 *       the expected one, and the new revision is the next number. Concurrent writers (threads,
 *       other instances over the same place, other processes or nodes) therefore never lose an
 *       update.
 *   <li>A committed update is durable: it survives a crash of the process at any moment after
 *       {@link #update} returned, and a crash during an update leaves either the old or the new
 *       revision, never a mix or an unreadable store.
 *   <li>{@link #watch} listeners hear of every later revision, whichever instance committed it,
 *       within a bounded delay ({@link #watchDelayMillis}), in increasing revision order (revisions
 *       committed in quick succession may be reported as the latest one only).
 *   <li>Persisted state that cannot be read is an {@link IOException} naming where it is and how to
 *       recover; it is never silently replaced by an empty catalog.
 * </ul>
 *
 * <p>Implementations are thread-safe. Closing a store stops its watches.
 */
public interface CatalogStore extends AutoCloseable {

  /** One revision of the catalog: its number and state. */
  record Snapshot(long revision, CatalogState state) {
    public static final Snapshot EMPTY = new Snapshot(0, CatalogState.EMPTY);

    public Snapshot {
      if (revision < 0) {
        throw new IllegalArgumentException("Negative revision " + revision);
      }
    }
  }

  /** Stops a watch; idempotent. */
  interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** The latest committed revision. */
  Snapshot load() throws IOException;

  /**
   * Commits {@code next} as revision {@code expectedRevision + 1} if the latest revision is still
   * {@code expectedRevision}.
   *
   * @return the committed snapshot
   * @throws CatalogConflictException if another revision was committed first (load and retry)
   */
  Snapshot update(long expectedRevision, CatalogState next) throws IOException;

  /**
   * Calls {@code listener} with each revision committed after this call, through any instance, on a
   * thread of the store's; the listener must not block for long. A listener that throws is logged
   * and keeps being called.
   */
  Watch watch(Consumer<Snapshot> listener);

  /** The longest a change takes to reach the watchers of another instance, in milliseconds. */
  long watchDelayMillis();

  @Override
  void close() throws IOException;
}
