package io.quiver.storage;

import java.io.IOException;

/**
 * A read asked for one version of an object but the store holds another: the object was overwritten
 * (or replaced) since it was listed. No bytes of the other version are returned.
 */
public class VersionChangedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final Location location;

  public VersionChangedException(Location location, ObjectVersion expected, ObjectVersion actual) {
    super(
        "Object "
            + location
            + " changed while it was being read (expected version "
            + expected
            + ", found "
            + (actual == null ? "none" : actual)
            + "); refresh and retry the scan");
    this.location = location;
  }

  public Location location() {
    return location;
  }
}
