package io.quiver.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * A validated storage location: {@code scheme://authority/path}.
 *
 * <p>Parsed and validated once; layers pass {@code Location}s, never raw path strings. The path is
 * absolute, uses {@code /} as separator, and has no empty, {@code .} or {@code ..} segments. A
 * location whose path is {@code /} is the root of its authority (bucket, container, host).
 *
 * <p>Immutable and thread-safe.
 */
public final class Location implements Comparable<Location> {
  private final String scheme;
  private final String authority;
  private final String path;

  private Location(String scheme, String authority, String path) {
    this.scheme = scheme;
    this.authority = authority;
    this.path = path;
  }

  /**
   * Parses a location such as {@code file:///data/sales} or {@code s3://bucket/prefix}.
   *
   * @throws IllegalArgumentException with a message naming the problem if the text is not a valid
   *     location
   */
  public static Location of(String text) {
    Objects.requireNonNull(text, "location");
    int sep = text.indexOf("://");
    if (sep <= 0) {
      throw new IllegalArgumentException(
          "Not a location: '" + text + "' (expected scheme://authority/path, e.g. file:///data)");
    }
    String scheme = text.substring(0, sep).toLowerCase(java.util.Locale.ROOT);
    if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
      throw new IllegalArgumentException("Invalid scheme in location '" + text + "'");
    }
    String rest = text.substring(sep + 3);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String rawPath = slash < 0 ? "/" : rest.substring(slash);
    if (rawPath.indexOf('?') >= 0 || rawPath.indexOf('#') >= 0) {
      throw new IllegalArgumentException(
          "Location '" + text + "' must not contain a query or fragment");
    }
    return new Location(scheme, authority, normalizePath(rawPath, text));
  }

  /** A location for a local file system path. */
  public static Location ofLocalPath(java.nio.file.Path localPath) {
    String p = localPath.toAbsolutePath().normalize().toString().replace('\\', '/');
    return new Location("file", "", normalizePath(p.startsWith("/") ? p : "/" + p, p));
  }

  private static String normalizePath(String rawPath, String original) {
    if (rawPath.equals("/") || rawPath.isEmpty()) {
      return "/";
    }
    String trimmed = rawPath.endsWith("/") ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    String[] segments = trimmed.substring(1).split("/", -1);
    for (String segment : segments) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "Invalid path in location '"
                + original
                + "': empty, '.' and '..' segments are not allowed");
      }
    }
    return trimmed;
  }

  public String scheme() {
    return scheme;
  }

  /** Host, bucket or container; empty for {@code file://}. */
  public String authority() {
    return authority;
  }

  /** Absolute path, starting with {@code /}; {@code /} for the root. */
  public String path() {
    return path;
  }

  public boolean isRoot() {
    return path.equals("/");
  }

  /** The last path segment, or empty for the root. */
  public String fileName() {
    return isRoot() ? "" : path.substring(path.lastIndexOf('/') + 1);
  }

  /**
   * Appends a relative path ({@code a/b.parquet}); the result is validated like any location.
   *
   * @throws IllegalArgumentException if {@code relative} is absolute or has invalid segments
   */
  public Location resolve(String relative) {
    if (relative.isEmpty()) {
      return this;
    }
    if (relative.startsWith("/")) {
      throw new IllegalArgumentException("Cannot resolve an absolute path: '" + relative + "'");
    }
    String joined = isRoot() ? "/" + relative : path + "/" + relative;
    return new Location(scheme, authority, normalizePath(joined, relative));
  }

  /** The location one segment up, or null for the root. */
  public Location parent() {
    if (isRoot()) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    return new Location(scheme, authority, slash == 0 ? "/" : path.substring(0, slash));
  }

  /** True if {@code other} is this location or lies below it. */
  public boolean contains(Location other) {
    if (!scheme.equals(other.scheme) || !authority.equals(other.authority)) {
      return false;
    }
    return isRoot() || other.path.equals(path) || other.path.startsWith(path + "/");
  }

  /** The path of {@code descendant} relative to this location ("" for itself). */
  public String relativize(Location descendant) {
    if (!contains(descendant)) {
      throw new IllegalArgumentException(descendant + " is not below " + this);
    }
    if (descendant.path.equals(path)) {
      return "";
    }
    return descendant.path.substring(isRoot() ? 1 : path.length() + 1);
  }

  /** This location as a URI (for SDKs and libraries that take one). */
  public URI toUri() {
    try {
      return new URI(scheme, authority.isEmpty() ? null : authority, path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("Location is not a valid URI: " + this, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Location l
        && scheme.equals(l.scheme)
        && authority.equals(l.authority)
        && path.equals(l.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheme, authority, path);
  }

  @Override
  public int compareTo(Location o) {
    return toString().compareTo(o.toString());
  }

  @Override
  public String toString() {
    return scheme + "://" + authority + path;
  }
}
