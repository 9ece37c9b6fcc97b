package io.quiver.storage.local;

import io.quiver.storage.Storage;
import io.quiver.storage.StorageProvider;
import java.util.Map;

/**
 * Provides {@link LocalStorage} for {@code file://}. Its one option, {@code confine-to} (an
 * absolute directory or file), is set by a node on every local mount — to the real path of the
 * mount's target — so that symbolic links cannot lead reads outside it.
 */
public final class LocalStorageProvider implements StorageProvider {
  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public Storage create(Map<String, String> options) {
    Map<String, String> rest = new java.util.TreeMap<>(options);
    String root = rest.remove(CONFINE_TO);
    if (!rest.isEmpty()) {
      throw new IllegalArgumentException(
          "file:// mounts take no options, got: " + String.join(", ", rest.keySet()));
    }
    if (root == null) {
      return new LocalStorage();
    }
    java.nio.file.Path p = java.nio.file.Path.of(root);
    if (!p.isAbsolute()) {
      throw new IllegalArgumentException(CONFINE_TO + " must be an absolute path, was " + root);
    }
    return new LocalStorage(p.normalize());
  }

  /** The option confining a local storage to a directory (links resolved inside it). */
  public static final String CONFINE_TO = "confine-to";
}
