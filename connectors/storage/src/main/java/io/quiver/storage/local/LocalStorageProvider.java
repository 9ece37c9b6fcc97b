package io.quiver.storage.local;

import io.quiver.storage.Storage;
import io.quiver.storage.StorageProvider;
import java.util.Map;

/** Provides {@link LocalStorage} for {@code file://}; it takes no options. */
public final class LocalStorageProvider implements StorageProvider {
  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public Storage create(Map<String, String> options) {
    if (!options.isEmpty()) {
      throw new IllegalArgumentException(
          "file:// mounts take no options, got: " + String.join(", ", options.keySet()));
    }
    return new LocalStorage();
  }
}
