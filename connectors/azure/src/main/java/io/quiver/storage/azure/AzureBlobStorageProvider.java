package io.quiver.storage.azure;

import io.quiver.storage.Storage;
import io.quiver.storage.StorageProvider;
import java.util.Map;

/**
 * Provides {@link AzureBlobStorage} for one of the schemes {@code abfs}, {@code abfss} and {@code
 * wasbs} (one nested class per scheme, each registered with {@link java.util.ServiceLoader}). See
 * {@link AzureBlobStorage} for the location form and the options.
 *
 * <p>Stateless and thread-safe.
 */
public abstract class AzureBlobStorageProvider implements StorageProvider {
  private final String scheme;

  AzureBlobStorageProvider(String scheme) {
    this.scheme = scheme;
  }

  @Override
  public final String scheme() {
    return scheme;
  }

  /**
   * Creates a storage; credentials are read from the environment variables the options name.
   *
   * @throws IllegalArgumentException if an option is unknown or invalid, naming the known ones, or
   *     a named variable is not set
   */
  @Override
  public final Storage create(Map<String, String> options) {
    return new AzureBlobStorage(options);
  }

  /** {@code abfs://container@account.dfs.core.windows.net/path}. */
  public static final class Abfs extends AzureBlobStorageProvider {
    public Abfs() {
      super("abfs");
    }
  }

  /** {@code abfss://container@account.dfs.core.windows.net/path} (Hadoop's TLS spelling). */
  public static final class Abfss extends AzureBlobStorageProvider {
    public Abfss() {
      super("abfss");
    }
  }

  /** {@code wasbs://container@account.blob.core.windows.net/path}. */
  public static final class Wasbs extends AzureBlobStorageProvider {
    public Wasbs() {
      super("wasbs");
    }
  }
}
