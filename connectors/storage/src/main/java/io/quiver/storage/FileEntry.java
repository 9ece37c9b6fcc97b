package io.quiver.storage;

import java.util.Objects;

/**
 * One stored object as seen by a stat or a listing: where it is, how long, which version, and when
 * it was last modified if the store says ({@link #UNKNOWN_TIME} otherwise).
 *
 * <p>Identity is location, length and version: the modification time is information for people
 * ({@code quiver ls}), not part of equality, so an entry rebuilt from a ticket (which does not
 * carry it) equals the listed one.
 */
public record FileEntry(
    Location location, long length, ObjectVersion version, long modifiedMillis) {
  /** The modification time of an entry whose store did not say. */
  public static final long UNKNOWN_TIME = -1;

  public FileEntry {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(version, "version");
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length + " for " + location);
    }
  }

  /** An entry whose modification time is unknown. */
  public FileEntry(Location location, long length, ObjectVersion version) {
    this(location, length, version, UNKNOWN_TIME);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FileEntry e
        && location.equals(e.location)
        && length == e.length
        && version.equals(e.version);
  }

  @Override
  public int hashCode() {
    return Objects.hash(location, length, version);
  }
}
