package io.quiver.catalog;

/**
 * The catalog changed between reading it and committing a change to it (another thread, process or
 * node committed first). The change was not made; reading the catalog again and retrying is safe.
 */
public final class CatalogConflictException extends CatalogException {
  private static final long serialVersionUID = 1L;
  private final long expected;
  private final long actual;

  public CatalogConflictException(long expected, long actual) {
    super(
        "The catalog changed concurrently (expected revision "
            + expected
            + ", found "
            + actual
            + "); retry");
    this.expected = expected;
    this.actual = actual;
  }

  /** The revision the change was based on. */
  public long expectedRevision() {
    return expected;
  }

  /** The revision found when committing. */
  public long actualRevision() {
    return actual;
  }
}
