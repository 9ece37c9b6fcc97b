package io.quiver.storage;

import java.io.IOException;
import java.util.Map;

/**
 * Creates {@link Storage} instances for one URI scheme. Found with {@link java.util.ServiceLoader}
 * so that a store's client library is on the classpath only when its module is.
 */
public interface StorageProvider {

  /** The scheme handled, e.g. {@code file} or {@code s3}. */
  String scheme();

  /**
   * Creates a storage for a mount with the given options (credentials by reference, endpoint, ...).
   * Unknown options are refused with an {@link IllegalArgumentException} naming them.
   */
  Storage create(Map<String, String> options) throws IOException;
}
