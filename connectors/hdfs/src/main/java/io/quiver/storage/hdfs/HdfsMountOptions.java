package io.quiver.storage.hdfs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;

/**
 * The options of an {@code hdfs://} mount, parsed and validated once: the Hadoop client
 * configuration to use and the user to act as.
 *
 * <p>The configuration is built in layers, each overriding the one before:
 *
 * <ol>
 *   <li>Hadoop's defaults and any {@code core-site.xml}/{@code hdfs-site.xml} on the classpath;
 *   <li>{@link #CLIENT_DEFAULTS}: timeouts and retries short enough that an unreachable NameNode
 *       fails in seconds rather than minutes;
 *   <li>the files in {@code config-dir};
 *   <li>{@code hadoop.}-prefixed mount options, with the prefix removed.
 * </ol>
 *
 * <p>Immutable; {@link #configuration()} returns a fresh copy each time.
 */
final class HdfsMountOptions {
  static final String CONFIG_DIR = "config-dir";
  static final String USER = "user";
  static final String HADOOP_PREFIX = "hadoop.";

  static final String ACCEPTED =
      CONFIG_DIR
          + "=<directory holding core-site.xml and/or hdfs-site.xml>, "
          + USER
          + "=<HDFS user to act as>, "
          + HADOOP_PREFIX
          + "<Hadoop configuration key>=<value> (e.g. "
          + HADOOP_PREFIX
          + "dfs.client.use.datanode.hostname=true)";

  /**
   * Client timeouts and retries Quiver sets over Hadoop's defaults, which wait for minutes on a
   * NameNode that drops packets (45 connection attempts of 20 s each). With these:
   *
   * <ul>
   *   <li>a refused connection (nothing listening) fails at once: the non-HA NameNode proxy makes
   *       one connection attempt unless {@code dfs.client.retry.policy.enabled} is set (off in
   *       Hadoop and here), and ignores {@code ipc.client.connect.max.retries};
   *   <li>a dropped connection (host down, firewall) fails after 3 attempts of 4 s, about 12 s;
   *   <li>a NameNode that accepts the connection but does not answer fails the call after 60 s;
   *   <li>an HA nameservice gives up after 3 failovers, 0.5 s to 4 s apart (about 20 s when every
   *       NameNode drops connections); HA proxies take their per-NameNode connection retries from
   *       {@code dfs.client.failover.connection.retries}, 0 in Hadoop.
   * </ul>
   *
   * {@code ipc.client.connect.max.retries} and {@code ipc.client.connect.retry.interval} bound the
   * Hadoop IPC connections that use the default connection retry policy (not the NameNode proxy).
   */
  static final Map<String, String> CLIENT_DEFAULTS = clientDefaults();

  private static Map<String, String> clientDefaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("ipc.client.connect.timeout", "4000"); // Hadoop: 20000
    d.put("ipc.client.connect.max.retries", "3"); // Hadoop: 10
    d.put("ipc.client.connect.retry.interval", "1000"); // Hadoop: 1000
    d.put("ipc.client.connect.max.retries.on.timeouts", "2"); // Hadoop: 45
    d.put("ipc.client.rpc-timeout.ms", "60000"); // Hadoop: 120000
    d.put("dfs.client.failover.max.attempts", "3"); // Hadoop: 15
    d.put("dfs.client.failover.sleep.base.millis", "500"); // Hadoop: 500
    d.put("dfs.client.failover.sleep.max.millis", "4000"); // Hadoop: 15000
    return Map.copyOf(d);
  }

  private static final String SOURCE_DEFAULTS = "quiver hdfs client defaults";

  private final Configuration configuration;
  private final String user;

  private HdfsMountOptions(Configuration configuration, String user) {
    this.configuration = configuration;
    this.user = user;
  }

  /**
   * Parses mount options.
   *
   * @throws IllegalArgumentException naming the problem and the accepted forms, for an unknown
   *     option, an empty value, an unreadable {@code config-dir}, or a Kerberos configuration
   */
  static HdfsMountOptions parse(Map<String, String> options) {
    Objects.requireNonNull(options, "options");
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, String> option : options.entrySet()) {
      String key = option.getKey();
      boolean known =
          key.equals(CONFIG_DIR)
              || key.equals(USER)
              || (key.startsWith(HADOOP_PREFIX) && key.length() > HADOOP_PREFIX.length());
      if (!known) {
        unknown.add(key);
      } else if (option.getValue() == null || option.getValue().isBlank()) {
        throw new IllegalArgumentException("hdfs:// mount option '" + key + "' has an empty value");
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "Unknown hdfs:// mount option(s): "
              + String.join(", ", new TreeSet<>(unknown))
              + ". Accepted: "
              + ACCEPTED);
    }

    Configuration conf = new Configuration();
    CLIENT_DEFAULTS.forEach((key, value) -> conf.set(key, value, SOURCE_DEFAULTS));
    String configDir = options.get(CONFIG_DIR);
    if (configDir != null) {
      loadSiteFiles(conf, Path.of(configDir));
    }
    // Sorted so that a later key deterministically wins over a deprecated alias of it.
    for (String key : new TreeSet<>(options.keySet())) {
      if (key.startsWith(HADOOP_PREFIX)) {
        conf.set(
            key.substring(HADOOP_PREFIX.length()), options.get(key), "quiver mount option " + key);
      }
    }
    String auth = conf.get("hadoop.security.authentication", "simple");
    if (!auth.toLowerCase(Locale.ROOT).equals("simple")) {
      throw new IllegalArgumentException(
          "hdfs:// mounts support only simple authentication, but the configuration sets"
              + " hadoop.security.authentication="
              + auth
              + " (Kerberos is not supported)");
    }
    return new HdfsMountOptions(conf, options.get(USER));
  }

  private static void loadSiteFiles(Configuration conf, Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "hdfs:// mount option " + CONFIG_DIR + "=" + dir + " is not a directory");
    }
    boolean found = false;
    for (String name : List.of("core-site.xml", "hdfs-site.xml")) {
      Path file = dir.resolve(name);
      if (!Files.isRegularFile(file)) {
        continue;
      }
      found = true;
      // Read each file on its own and copy its entries, so that they override the client defaults
      // above (a resource added to conf would lose to values set on it).
      Configuration site = new Configuration(false);
      site.addResource(new org.apache.hadoop.fs.Path(file.toUri()));
      try {
        for (Map.Entry<String, String> entry : site) {
          conf.set(entry.getKey(), entry.getValue(), file.toString());
        }
      } catch (RuntimeException e) {
        // Configuration reports unreadable or malformed XML as a RuntimeException.
        throw new IllegalArgumentException("Cannot read Hadoop configuration file " + file, e);
      }
    }
    if (!found) {
      throw new IllegalArgumentException(
          "hdfs:// mount option "
              + CONFIG_DIR
              + "="
              + dir
              + " holds neither core-site.xml nor hdfs-site.xml");
    }
  }

  /** A copy of the Hadoop configuration for a new client. */
  Configuration configuration() {
    return new Configuration(configuration);
  }

  /** The user to act as, or null for the process user. */
  String user() {
    return user;
  }
}
