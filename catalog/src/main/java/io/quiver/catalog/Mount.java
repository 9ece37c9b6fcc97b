package io.quiver.catalog;

import io.quiver.format.ReadOptions;
import io.quiver.storage.Location;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A mount: the namespace path {@code path} shows the store location {@code target}. Options
 * configure the store (endpoint, region, credentials by reference to an environment variable or
 * config entry — never the secret itself).
 */
public record Mount(NamespacePath path, Location target, Map<String, String> options) {
  /**
   * The option choosing the decoder of this mount's files ({@code java}, {@code native}); handled
   * by Quiver, not passed to the store.
   */
  public static final String DECODER_OPTION = "decoder";

  /**
   * The option bounding how much of the cache this mount's files may hold ({@code 10g}); handled by
   * Quiver, not passed to the store.
   */
  public static final String CACHE_QUOTA_OPTION = "cache-quota";

  /**
   * The option naming one of the operator's credential sets ({@code lake}): the node adds that
   * set's store options; handled by Quiver, not passed to the store as such.
   */
  public static final String CREDENTIALS_OPTION = "credentials";

  /**
   * The option limiting who may read this mount's files ({@code finance,audit}): only principals
   * holding one of these roles (and admins); handled by Quiver, not passed to the store.
   */
  public static final String ROLES_OPTION = "roles";

  /**
   * The option choosing the unit Parquet INT96 timestamps are read in ({@code ns}, the default,
   * {@code us}, {@code ms}, {@code s}), as Arrow C++'s {@code coerce_int96_timestamp_unit}; handled
   * by Quiver, not passed to the store. See {@link ReadOptions}.
   */
  public static final String INT96_TIMESTAMP_UNIT_OPTION = ReadOptions.INT96_TIMESTAMP_UNIT_OPTION;

  private static final Set<String> QUIVER_OPTIONS =
      Set.of(
          DECODER_OPTION,
          CACHE_QUOTA_OPTION,
          CREDENTIALS_OPTION,
          ROLES_OPTION,
          INT96_TIMESTAMP_UNIT_OPTION,
          SyncPolicy.OPTION);

  public Mount {
    options = Map.copyOf(options);
  }

  /** The options the store itself takes: all but Quiver's own ({@link #DECODER_OPTION}, ...). */
  public Map<String, String> storageOptions() {
    Map<String, String> store = new TreeMap<>(options);
    store.keySet().removeAll(QUIVER_OPTIONS);
    return store;
  }

  /**
   * How fresh this mount's listings are kept (option {@code sync}; see {@link SyncPolicy}).
   *
   * @throws InvalidMountException if the option is malformed
   */
  public SyncPolicy syncPolicy() {
    return SyncPolicy.parse(options.get(SyncPolicy.OPTION));
  }

  /** The cache quota of this mount's files as given ({@code 10g}), or null for none. */
  public String cacheQuota() {
    return options.get(CACHE_QUOTA_OPTION);
  }

  /** The roles this mount is limited to (empty: every reader). */
  public Set<String> roles() {
    String r = options.get(ROLES_OPTION);
    if (r == null || r.isBlank()) {
      return Set.of();
    }
    Set<String> out = new java.util.TreeSet<>();
    for (String x : r.split(",")) {
      if (!x.isBlank()) {
        out.add(x.strip());
      }
    }
    return out;
  }

  /** The credential set this mount names, or null. */
  public String credentials() {
    return options.get(CREDENTIALS_OPTION);
  }

  /**
   * How this mount's files are read (INT96 timestamp unit).
   *
   * @throws IllegalArgumentException naming the option and the values allowed, if one is bad
   *     (checked when the mount is made)
   */
  public ReadOptions readOptions() {
    return ReadOptions.fromMountOptions(options);
  }

  /** The decoder chosen for this mount's files, or null for the server's default. */
  public String decoder() {
    return options.get(DECODER_OPTION);
  }

  /**
   * Options for display: values of anything that looks like a secret are masked, references ({@code
   * ...-env}, {@code ...-file}) are shown since they name where a secret lives.
   */
  public Map<String, String> maskedOptions() {
    return mask(options);
  }

  /**
   * {@code options} for display, by the rule of {@link #maskedOptions()}: the value of a key that
   * names a secret (secret, password, token, key, sas, credential, connection string) becomes
   * {@code ****} unless the key is a reference ({@code ...-env}, {@code ...-file}, {@code
   * credentials}). Sorted by key.
   */
  public static Map<String, String> mask(Map<String, String> options) {
    Map<String, String> masked = new TreeMap<>();
    options.forEach(
        (k, v) -> {
          String key = k.toLowerCase(Locale.ROOT);
          boolean reference =
              key.endsWith("-env") || key.endsWith("-file") || key.equals(CREDENTIALS_OPTION);
          boolean secret =
              key.contains("secret")
                  || key.contains("password")
                  || key.contains("token")
                  || key.contains("key")
                  || key.contains("sas")
                  || key.contains("credential")
                  || key.contains("connection-string");
          masked.put(k, secret && !reference ? "****" : v);
        });
    return masked;
  }
}
