package io.quiver.storage;

import java.util.Objects;

/** One stored object as seen by a stat or a listing: where it is, how long, and which version. */
public record FileEntry(Location location, long length, ObjectVersion version) {
  public FileEntry {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(version, "version");
    if (length < 0) {
      throw new IllegalArgumentException("negative length " + length + " for " + location);
    }
  }
}
