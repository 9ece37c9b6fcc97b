package io.quiver.catalog;

/**
 * One entry of a namespace listing ({@code quiver ls}) or a {@code stat}: a file, a directory, or a
 * mount point. Immutable.
 *
 * @param name the last segment of {@code path}
 * @param kind what it is
 * @param size bytes: of the file, or of every file below a directory or mount point (-1 for a mount
 *     point or directory whose contents are not listed here, such as a mount below the listed path)
 * @param files how many files: 1 for a file, every file below a directory (-1 when not listed)
 * @param version the file's version token in its store (null for a directory)
 * @param modifiedMillis when the file, or the newest file below a directory, was last modified, if
 *     the store says ({@link io.quiver.storage.FileEntry#UNKNOWN_TIME} otherwise)
 * @param format the file format its name says (null if none, or for a directory)
 */
public record PathEntry(
    String name,
    NamespacePath path,
    Kind kind,
    long size,
    long files,
    String version,
    long modifiedMillis,
    String format) {

  /** What a namespace entry is. */
  public enum Kind {
    FILE,
    DIRECTORY,
    MOUNT
  }
}
