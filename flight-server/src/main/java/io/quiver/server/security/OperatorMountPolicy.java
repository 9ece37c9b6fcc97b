package io.quiver.server.security;

import io.quiver.catalog.InvalidMountException;
import io.quiver.catalog.Mount;
import io.quiver.catalog.MountPolicy;
import io.quiver.storage.local.LocalStorageProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A node's mount rules, from its {@link SecurityConfig}:
 *
 * <ul>
 *   <li>Credentials come only from the operator's named credential sets ({@code credentials=NAME});
 *       a mount option that would make the server use an environment variable, a file, a directory,
 *       a profile or a Hadoop setting it names ({@code ...-env}, {@code ...-file}, {@code ...-dir},
 *       {@code profile}, {@code hadoop.*} other than timeouts and retries) is refused, and an
 *       {@code s3://} mount without a set must say {@code anonymous=true} (else the SDK's default
 *       chain would sign with the server's own identity), so a client cannot have the server sign
 *       requests with, or reveal, a secret of the client's choosing.
 *   <li>{@code file://} mounts only inside the operator's {@code allow-local} directories (real
 *       paths compared, links resolved), and each is confined to its target's real path, so links
 *       inside it cannot lead outside.
 * </ul>
 *
 * Applied at mount time and again when the catalog is loaded. Thread-safe (immutable).
 */
public final class OperatorMountPolicy implements MountPolicy {
  /**
   * Options that make the server use something of its own that the client names (a profile of the
   * server's AWS config, a confinement root): the operator's, in credential sets, only.
   */
  private static final java.util.Set<String> OPERATOR_ONLY =
      java.util.Set.of("profile", LocalStorageProvider.CONFINE_TO);

  /**
   * The Hadoop settings a mount may set itself (timeouts, retries, addressing). Any other {@code
   * hadoop.*} key could name classes to load, credential providers, keystores or local files, so it
   * belongs in a credential set.
   */
  private static final java.util.Set<String> CLIENT_HADOOP_KEYS =
      java.util.Set.of(
          "hadoop.ipc.client.connect.timeout",
          "hadoop.ipc.client.connect.max.retries",
          "hadoop.ipc.client.connect.max.retries.on.timeouts",
          "hadoop.ipc.client.rpc-timeout.ms",
          "hadoop.dfs.client.failover.max.attempts",
          "hadoop.dfs.client.retry.max.attempts",
          "hadoop.dfs.client.socket-timeout",
          "hadoop.dfs.client.use.datanode.hostname");

  private final SecurityConfig config;

  public OperatorMountPolicy(SecurityConfig config) {
    this.config = config;
  }

  @Override
  public Map<String, String> storageOptions(Mount mount) {
    Map<String, String> options = new TreeMap<>(mount.storageOptions());
    for (String key : options.keySet()) {
      String k = key.toLowerCase(Locale.ROOT);
      if (k.endsWith("-env")
          || k.endsWith("-file")
          || k.endsWith("-dir")
          || OPERATOR_ONLY.contains(k)
          || (k.startsWith("hadoop.") && !CLIENT_HADOOP_KEYS.contains(k))) {
        throw new InvalidMountException(
            "Mount option '"
                + key
                + "' is set by the operator only: a mount takes credentials from one of the"
                + " node's credential sets, credentials=NAME"
                + setNames());
      }
    }
    String set = mount.credentials();
    if (set == null
        && mount.target().scheme().equals("s3")
        && !"true".equalsIgnoreCase(options.get("anonymous"))) {
      // Otherwise the AWS SDK's default chain would sign with whatever the server's own
      // environment, profile or instance role holds — towards an endpoint the client chose.
      throw new InvalidMountException(
          "An s3:// mount needs credentials=NAME (one of the node's credential sets) or"
              + " anonymous=true"
              + setNames());
    }
    if (set != null) {
      Map<String, String> creds = config.credentialSets().get(set);
      if (creds == null) {
        throw new InvalidMountException("Unknown credential set '" + set + "'" + setNames());
      }
      options.putAll(creds);
    }
    if (mount.target().scheme().equals("file")) {
      options.put(LocalStorageProvider.CONFINE_TO, allowedLocal(mount).toString());
    }
    return options;
  }

  private Path allowedLocal(Mount mount) {
    Path target = Path.of(mount.target().path());
    Path real;
    try {
      real = target.toRealPath();
    } catch (IOException e) {
      // Not there (yet): compare what is given; the mount itself then reports that nothing exists.
      real = target.toAbsolutePath().normalize();
    }
    for (Path root : config.allowLocal()) {
      Path r;
      try {
        r = root.toRealPath();
      } catch (IOException e) {
        continue;
      }
      if (real.startsWith(r)) {
        return real;
      }
    }
    throw new InvalidMountException(
        config.allowLocal().isEmpty()
            ? "file:// mounts are not allowed on this node (the operator allows local directories"
                + " with --allow-local DIR or \"allow-local\" in the config file)"
            : "Cannot mount "
                + mount.target()
                + ": not inside a directory this node allows for file:// mounts");
  }

  private String setNames() {
    return config.credentialSets().isEmpty()
        ? " (this node has none configured)"
        : " (configured: "
            + String.join(", ", new TreeSet<>(config.credentialSets().keySet()))
            + ")";
  }
}
