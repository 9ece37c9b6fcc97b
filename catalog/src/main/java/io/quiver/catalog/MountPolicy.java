package io.quiver.catalog;

import java.util.Map;

/**
 * What the operator allows mounts to do, applied every time a mount's store is opened (when it is
 * mounted and when the catalog is loaded at start-up): it may refuse the mount or rewrite the
 * options its store gets (for example expand a named credential set). Implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface MountPolicy {

  /** Every mount allowed, its store options as given (embedded use and tests). */
  MountPolicy TRUSTED = Mount::storageOptions;

  /**
   * The options to open {@code mount}'s store with.
   *
   * @throws InvalidMountException if the operator does not allow this mount, saying why
   */
  Map<String, String> storageOptions(Mount mount);
}
