package io.quiver.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A path in Quiver's own namespace, e.g. {@code /sales/2024}: absolute, {@code /}-separated, with
 * no empty, {@code .} or {@code ..} segments. The namespace is Quiver's: mounts map its paths onto
 * store locations. Immutable.
 */
public record NamespacePath(List<String> segments) implements Comparable<NamespacePath> {
  public static final NamespacePath ROOT = new NamespacePath(List.of());

  public NamespacePath {
    segments = List.copyOf(segments);
    for (String s : segments) {
      if (s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("/")) {
        throw new IllegalArgumentException(
            "Invalid namespace path segment '"
                + s
                + "' (empty, '.', '..' and '/' are not allowed)");
      }
    }
  }

  /** The longest path accepted, in characters (a 5 MB path was once persisted). */
  public static final int MAX_LENGTH = 4096;

  /**
   * Parses {@code /a/b} (a leading {@code /} is optional, a trailing one ignored).
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static NamespacePath of(String text) {
    Objects.requireNonNull(text, "path");
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "Invalid namespace path: " + text.length() + " characters, at most " + MAX_LENGTH);
    }
    String t = text.strip();
    if (t.startsWith("/")) {
      t = t.substring(1);
    }
    if (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.isEmpty()) {
      return ROOT;
    }
    try {
      return new NamespacePath(List.of(t.split("/", -1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid namespace path '" + text + "': " + e.getMessage());
    }
  }

  public boolean isRoot() {
    return segments.isEmpty();
  }

  /** True if {@code other} is this path or below it. */
  public boolean contains(NamespacePath other) {
    return other.segments.size() >= segments.size()
        && other.segments.subList(0, segments.size()).equals(segments);
  }

  /** The segments of {@code descendant} below this path, joined with {@code /}. */
  public String relativize(NamespacePath descendant) {
    if (!contains(descendant)) {
      throw new IllegalArgumentException(descendant + " is not below " + this);
    }
    return String.join(
        "/", descendant.segments.subList(segments.size(), descendant.segments.size()));
  }

  /** This path with a relative {@code a/b} appended. */
  public NamespacePath resolve(String relative) {
    if (relative.isEmpty()) {
      return this;
    }
    List<String> all = new ArrayList<>(segments);
    all.addAll(List.of(relative.split("/", -1)));
    return new NamespacePath(all);
  }

  @Override
  public int compareTo(NamespacePath o) {
    return toString().compareTo(o.toString());
  }

  @Override
  public String toString() {
    return "/" + String.join("/", segments);
  }
}
