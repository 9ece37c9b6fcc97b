package io.quiver.protocol.action;

/**
 * One namespace entry as {@code ls} and {@code stat} show it.
 *
 * @param name the last segment of the path
 * @param path the namespace path
 * @param kind {@code file}, {@code directory} or {@code mount}
 * @param size bytes of the file, or of every file below a directory or mount (null if not listed)
 * @param files how many files (1 for a file; null if not listed)
 * @param version the file's version token in its store (null for a directory)
 * @param modified last modification (ISO-8601 UTC) of the file or the newest file below, if known
 * @param format the format the file's name says (null if none)
 */
public record PathInfo(
    String name,
    String path,
    String kind,
    Long size,
    Long files,
    String version,
    String modified,
    String format) {
  public PathInfo {
    ActionJson.required(name, "name");
    ActionJson.required(path, "path");
    ActionJson.required(kind, "kind");
  }
}
