package io.quiver.storage;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Routes a scheme to its {@link StorageProvider}. The one place where schemes are resolved.
 *
 * <p>Thread-safe; immutable after construction.
 */
public final class StorageRegistry {
  private final Map<String, StorageProvider> providers;

  public StorageRegistry(Iterable<StorageProvider> providers) {
    Map<String, StorageProvider> byScheme = new HashMap<>();
    for (StorageProvider p : providers) {
      byScheme.putIfAbsent(p.scheme(), p);
    }
    this.providers = Map.copyOf(byScheme);
  }

  /** A registry of every provider on the classpath. */
  public static StorageRegistry loadInstalled() {
    return new StorageRegistry(ServiceLoader.load(StorageProvider.class));
  }

  /**
   * Creates a storage for {@code location}'s scheme.
   *
   * @throws IllegalArgumentException if no provider handles the scheme, or options are invalid
   */
  public Storage create(Location location, Map<String, String> options) throws IOException {
    StorageProvider provider = providers.get(location.scheme());
    if (provider == null) {
      throw new IllegalArgumentException(
          "No storage for scheme '"
              + location.scheme()
              + "' (supported: "
              + String.join(", ", new TreeSet<>(providers.keySet()))
              + ")");
    }
    return provider.create(options);
  }
}
