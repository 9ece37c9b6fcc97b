package io.quiver.storage.azure;

import io.quiver.storage.Location;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@link Location} resolved to Azure Blob terms: {@code scheme://container@account.service.suffix
 * /blob/name}. The container is the part of the authority before {@code @}, the account the first
 * label of the host. The service label ({@code dfs} or {@code blob}) only tells where the cloud's
 * suffix starts: every request goes to the account's Blob endpoint.
 */
record BlobPath(
    Location location, String container, String account, String hostSuffix, String blobName) {

  static final Set<String> SCHEMES = Set.of("abfs", "abfss", "wasbs");

  // Azure's container naming rules, plus the special containers.
  private static final Pattern CONTAINER =
      Pattern.compile("(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]|\\$root|\\$web|\\$logs");
  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{1,63}");

  /**
   * Resolves {@code location}.
   *
   * @throws IllegalArgumentException if it is not an Azure Blob location
   */
  static BlobPath of(Location location) {
    if (!SCHEMES.contains(location.scheme())) {
      throw new IllegalArgumentException(
          "Not an Azure Blob location: "
              + location
              + " (expected abfs://container@account.dfs.core.windows.net/path, abfss://... or"
              + " wasbs://container@account.blob.core.windows.net/path)");
    }
    String authority = location.authority();
    int at = authority.indexOf('@');
    if (at <= 0 || at == authority.length() - 1) {
      throw new IllegalArgumentException(
          "Azure Blob location "
              + location
              + " must name a container and an account: "
              + location.scheme()
              + "://container@account.dfs.core.windows.net/path");
    }
    String container = authority.substring(0, at);
    String host = authority.substring(at + 1).toLowerCase(Locale.ROOT);
    if (!CONTAINER.matcher(container).matches()) {
      throw new IllegalArgumentException(
          "Invalid container name '"
              + container
              + "' in "
              + location
              + " (3-63 lowercase letters, digits and single hyphens)");
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      throw new IllegalArgumentException(
          "Azure Blob location "
              + location
              + " must not carry a port; use the endpoint option for emulators");
    }
    int dot = host.indexOf('.');
    String account = dot < 0 ? host : host.substring(0, dot);
    if (!ACCOUNT.matcher(account).matches()) {
      throw new IllegalArgumentException(
          "Invalid storage account name '" + account + "' in " + location);
    }
    // "account.dfs.core.windows.net" -> "core.windows.net" (sovereign clouds keep theirs).
    String suffix = null;
    if (dot >= 0) {
      String rest = host.substring(dot + 1);
      int next = rest.indexOf('.');
      if (next > 0) {
        String service = rest.substring(0, next);
        if (service.equals("dfs") || service.equals("blob")) {
          suffix = rest.substring(next + 1);
        }
      }
    }
    String blobName = location.isRoot() ? "" : location.path().substring(1);
    return new BlobPath(location, container, account, suffix, blobName);
  }

  boolean isContainerRoot() {
    return blobName.isEmpty();
  }

  /**
   * The default Blob endpoint of the account, e.g. {@code https://account.blob.core.windows.net},
   * or empty if the host does not say which cloud it is in.
   */
  Optional<String> defaultEndpoint() {
    return Optional.ofNullable(hostSuffix).map(s -> "https://" + account + ".blob." + s);
  }

  /** The location of the blob {@code name} in the same container, with this path's scheme. */
  Location sibling(String name) {
    // The name is a blob name, not URI text: spaces, '%', '#' and '?' are characters of it.
    return Location.of(location.scheme() + "://" + location.authority()).resolve(name);
  }
}
