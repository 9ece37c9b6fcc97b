package io.quiver.storage.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;
import software.amazon.awssdk.regions.Region;

/**
 * The validated options of one {@code s3://} mount. Parsing resolves credential environment
 * variables once; the secret values live only in {@link #credentials()} (whose {@code toString}
 * redacts them) and never in messages.
 *
 * <p>Immutable and thread-safe.
 */
final class S3MountOptions {
  static final String ENDPOINT = "endpoint";
  static final String REGION = "region";
  static final String PATH_STYLE = "path-style";
  static final String ACCESS_KEY_ENV = "access-key-env";
  static final String SECRET_KEY_ENV = "secret-key-env";
  static final String PROFILE = "profile";
  static final String ANONYMOUS = "anonymous";
  static final String CONNECT_TIMEOUT = "connect-timeout";
  static final String REQUEST_TIMEOUT = "request-timeout";
  static final String MAX_ATTEMPTS = "max-attempts";

  /** Every option, in the order the documentation lists them. */
  static final List<String> KNOWN =
      List.of(
          ENDPOINT,
          REGION,
          PATH_STYLE,
          ACCESS_KEY_ENV,
          SECRET_KEY_ENV,
          PROFILE,
          ANONYMOUS,
          CONNECT_TIMEOUT,
          REQUEST_TIMEOUT,
          MAX_ATTEMPTS);

  static final Region DEFAULT_ENDPOINT_REGION = Region.US_EAST_1;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  static final int DEFAULT_MAX_ATTEMPTS = 3;

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
  private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

  /** Where the keys come from. Exactly one source per mount. */
  sealed interface CredentialSource {
    /** For messages: says which credentials were used, never what they are. */
    String describe();
  }

  /** Static keys read from two environment variables (their names are kept, for messages). */
  record EnvironmentKeys(
      String accessKeyVariable, String secretKeyVariable, AwsBasicCredentials keys)
      implements CredentialSource {
    @Override
    public String describe() {
      return "static keys from environment variables "
          + accessKeyVariable
          + " and "
          + secretKeyVariable;
    }

    @Override
    public String toString() {
      return describe();
    }
  }

  /** A named profile of the shared AWS config and credentials files. */
  record NamedProfile(String name) implements CredentialSource {
    @Override
    public String describe() {
      return "profile '" + name + "'";
    }
  }

  /** No credentials: requests are not signed (public buckets). */
  record Anonymous() implements CredentialSource {
    @Override
    public String describe() {
      return "anonymous access";
    }
  }

  /** The AWS SDK's default credentials provider chain (environment, profile, instance role...). */
  record DefaultChain() implements CredentialSource {
    @Override
    public String describe() {
      return "the AWS SDK default credentials chain";
    }
  }

  private final URI endpoint;
  private final Region region;
  private final boolean pathStyle;
  private final CredentialSource credentials;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final int maxAttempts;

  private S3MountOptions(
      URI endpoint,
      Region region,
      boolean pathStyle,
      CredentialSource credentials,
      Duration connectTimeout,
      Duration requestTimeout,
      int maxAttempts) {
    this.endpoint = endpoint;
    this.region = region;
    this.pathStyle = pathStyle;
    this.credentials = credentials;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.maxAttempts = maxAttempts;
  }

  /**
   * Validates mount options.
   *
   * @param environment looks up environment variables (injectable for tests); returns null for a
   *     variable that is not set
   * @throws IllegalArgumentException naming the offending option or variable
   */
  static S3MountOptions parse(Map<String, String> options, Function<String, String> environment) {
    Objects.requireNonNull(options, "options");
    List<String> unknown = new ArrayList<>();
    for (String key : options.keySet()) {
      if (!KNOWN.contains(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      unknown.sort(null);
      throw new IllegalArgumentException(
          "Unknown s3 mount option"
              + (unknown.size() == 1 ? " " : "s ")
              + String.join(", ", unknown)
              + " (known options: "
              + String.join(", ", KNOWN)
              + ")");
    }
    URI endpoint = endpoint(options.get(ENDPOINT));
    Region region = region(options.get(REGION));
    // A custom endpoint is usually an IP address or a host without per-bucket DNS names
    // (MinIO, Ceph, S3Proxy): path-style is the default that works there.
    boolean pathStyle = bool(PATH_STYLE, options.get(PATH_STYLE), endpoint != null);
    CredentialSource credentials = credentials(options, environment);
    if (region == null && credentials instanceof NamedProfile profile) {
      // The SDK's region chain reads the default profile, not the mount's.
      region =
          ProfileFile.defaultProfileFile()
              .profile(profile.name())
              .flatMap(p -> p.property(ProfileProperty.REGION))
              .map(S3MountOptions::region)
              .orElse(null);
    }
    if (region == null && endpoint != null) {
      region = DEFAULT_ENDPOINT_REGION;
    }
    Duration connectTimeout =
        duration(CONNECT_TIMEOUT, options.get(CONNECT_TIMEOUT), DEFAULT_CONNECT_TIMEOUT);
    Duration requestTimeout =
        duration(REQUEST_TIMEOUT, options.get(REQUEST_TIMEOUT), DEFAULT_REQUEST_TIMEOUT);
    int maxAttempts = maxAttempts(options.get(MAX_ATTEMPTS));
    return new S3MountOptions(
        endpoint, region, pathStyle, credentials, connectTimeout, requestTimeout, maxAttempts);
  }

  private static URI endpoint(String value) {
    if (value == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "Option " + ENDPOINT + " is not a URL: '" + value + "' (e.g. http://127.0.0.1:9000)", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "Option "
              + ENDPOINT
              + " must be an http:// or https:// URL with a host and no user, query or fragment,"
              + " got '"
              + value
              + "' (e.g. http://127.0.0.1:9000)");
    }
    return uri;
  }

  private static Region region(String value) {
    if (value == null) {
      return null;
    }
    String name = value.trim();
    if (!REGION_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Option " + REGION + " is not a region name: '" + value + "' (e.g. eu-west-1)");
    }
    return Region.of(name);
  }

  private static boolean bool(String option, String value, boolean defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(
            "Option " + option + " must be true or false, got '" + value + "'");
    }
  }

  private static CredentialSource credentials(
      Map<String, String> options, Function<String, String> environment) {
    String accessVar = options.get(ACCESS_KEY_ENV);
    String secretVar = options.get(SECRET_KEY_ENV);
    String profile = options.get(PROFILE);
    boolean anonymous = bool(ANONYMOUS, options.get(ANONYMOUS), false);
    int sources = (accessVar != null || secretVar != null ? 1 : 0) + (profile != null ? 1 : 0);
    sources += anonymous ? 1 : 0;
    if (sources > 1) {
      throw new IllegalArgumentException(
          "Options "
              + ACCESS_KEY_ENV
              + "/"
              + SECRET_KEY_ENV
              + ", "
              + PROFILE
              + " and "
              + ANONYMOUS
              + "=true exclude each other: choose one source of credentials");
    }
    if (accessVar != null || secretVar != null) {
      if (accessVar == null || secretVar == null) {
        throw new IllegalArgumentException(
            "Options "
                + ACCESS_KEY_ENV
                + " and "
                + SECRET_KEY_ENV
                + " go together: both name environment variables, got only "
                + (accessVar == null ? SECRET_KEY_ENV : ACCESS_KEY_ENV));
      }
      String access = variable(ACCESS_KEY_ENV, accessVar, environment);
      String secret = variable(SECRET_KEY_ENV, secretVar, environment);
      return new EnvironmentKeys(
          accessVar.trim(), secretVar.trim(), AwsBasicCredentials.create(access, secret));
    }
    if (profile != null) {
      String name = profile.trim();
      if (name.isEmpty()) {
        throw new IllegalArgumentException("Option " + PROFILE + " is empty");
      }
      if (ProfileFile.defaultProfileFile().profile(name).isEmpty()) {
        throw new IllegalArgumentException(
            "Option "
                + PROFILE
                + ": no profile '"
                + name
                + "' in the AWS config or credentials file (~/.aws/config, ~/.aws/credentials)");
      }
      return new NamedProfile(name);
    }
    return anonymous ? new Anonymous() : new DefaultChain();
  }

  private static String variable(
      String option, String variable, Function<String, String> environment) {
    String name = variable.trim();
    if (name.isEmpty()) {
      throw new IllegalArgumentException(
          "Option " + option + " must name an environment variable, got an empty name");
    }
    String value = environment.apply(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(
          "Environment variable "
              + name
              + " (named by option "
              + option
              + ") is not set in the server's environment");
    }
    return value;
  }

  static Duration duration(String option, String value, Duration defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "Option "
              + option
              + " must be a duration such as 500ms, 5s, 2m or 1h, got '"
              + value
              + "'");
    }
    long amount;
    try {
      amount = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Option " + option + " is too large: '" + value + "'", e);
    }
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
    if (d.isZero()) {
      throw new IllegalArgumentException(
          "Option " + option + " must be positive, got '" + value + "'");
    }
    return d;
  }

  private static int maxAttempts(String value) {
    if (value == null) {
      return DEFAULT_MAX_ATTEMPTS;
    }
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "Option " + MAX_ATTEMPTS + " must be a whole number, got '" + value + "'", e);
    }
    if (n < 1 || n > 100) {
      throw new IllegalArgumentException(
          "Option " + MAX_ATTEMPTS + " must be between 1 and 100, got " + n);
    }
    return n;
  }

  /** The endpoint override, or null for AWS S3 itself. */
  URI endpoint() {
    return endpoint;
  }

  /** The region, or null to let the SDK's default region chain decide. */
  Region region() {
    return region;
  }

  boolean pathStyle() {
    return pathStyle;
  }

  CredentialSource credentials() {
    return credentials;
  }

  Duration connectTimeout() {
    return connectTimeout;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  int maxAttempts() {
    return maxAttempts;
  }

  @Override
  public String toString() {
    return "S3MountOptions[endpoint="
        + (endpoint == null ? "AWS" : endpoint)
        + ", region="
        + (region == null ? "default chain" : region.id())
        + ", pathStyle="
        + pathStyle
        + ", credentials="
        + credentials.describe()
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + ", maxAttempts="
        + maxAttempts
        + "]";
  }
}
