package io.quiver.protocol.action;

/**
 * What a cache action applies to: a table (dotted name, {@code "table"}) or a namespace path
 * ({@code "path"}). When a body names both, the table wins.
 */
public interface Target {
  /** The table's dotted name, or null. */
  String table();

  /** The namespace path, or null. */
  String path();

  /** Whether a table or a path is named (actions that allow neither apply to everything). */
  default boolean named() {
    return table() != null || path() != null;
  }

  /** {@code "table"} for a dotted name, {@code "path"} for a namespace path (starting with /). */
  static boolean isPath(String tableOrPath) {
    return tableOrPath.startsWith("/");
  }

  /** Checks an optional target: if present, not blank. */
  static void check(String table, String path) {
    ActionJson.optional(table, "table");
    ActionJson.optional(path, "path");
  }

  /** Checks a required target: a non-blank table, or else a non-blank path. */
  static void require(String table, String path) {
    if (table == null && path == null) {
      throw new IllegalArgumentException(
          "Missing string field \"table\" or \"path\" in action body");
    }
    check(table, path);
  }
}
