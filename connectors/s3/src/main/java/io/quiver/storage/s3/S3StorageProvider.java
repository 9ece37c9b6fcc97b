package io.quiver.storage.s3;

import io.quiver.storage.StorageProvider;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Provides {@link S3Storage} for {@code s3://bucket/key} locations. Registered for {@link
 * java.util.ServiceLoader} in {@code META-INF/services/io.quiver.storage.StorageProvider}.
 *
 * <p>Mount options (all optional; an unknown key is refused with an {@link
 * IllegalArgumentException} that names it and lists the known ones):
 *
 * <table>
 *   <caption>s3 mount options</caption>
 *   <tr><th>option</th><th>value</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code endpoint}</td><td>http(s) URL</td><td>AWS S3</td>
 *       <td>an S3-compatible endpoint such as {@code http://127.0.0.1:9000} (MinIO, Ceph,
 *       S3Proxy); with it, SDK checksums are sent and checked only where S3 requires them</td></tr>
 *   <tr><td>{@code region}</td><td>region name</td>
 *       <td>the {@code profile}'s region if it has one, else {@code us-east-1} with an endpoint,
 *       else the SDK's region chain</td>
 *       <td>signing region (and AWS endpoint)</td></tr>
 *   <tr><td>{@code path-style}</td><td>{@code true}/{@code false}</td>
 *       <td>{@code true} with an endpoint, else {@code false}</td>
 *       <td>{@code http://host/bucket/key} instead of {@code http://bucket.host/key}</td></tr>
 *   <tr><td>{@code access-key-env}</td><td>variable name</td><td></td>
 *       <td>the NAME of the environment variable holding the access key id (never the key)</td></tr>
 *   <tr><td>{@code secret-key-env}</td><td>variable name</td><td></td>
 *       <td>the NAME of the environment variable holding the secret key; required with
 *       {@code access-key-env}</td></tr>
 *   <tr><td>{@code profile}</td><td>profile name</td><td></td>
 *       <td>a profile of {@code ~/.aws/config} / {@code ~/.aws/credentials}</td></tr>
 *   <tr><td>{@code anonymous}</td><td>{@code true}/{@code false}</td><td>{@code false}</td>
 *       <td>unsigned requests, for public buckets</td></tr>
 *   <tr><td>{@code connect-timeout}</td><td>duration ({@code 500ms}, {@code 5s}, {@code 1m},
 *       {@code 1h})</td><td>{@code 5s}</td><td>TCP connect timeout</td></tr>
 *   <tr><td>{@code request-timeout}</td><td>duration</td><td>{@code 60s}</td>
 *       <td>limit of one attempt of one request, body included (and the socket read timeout)</td></tr>
 *   <tr><td>{@code max-attempts}</td><td>1..100</td><td>{@code 3}</td>
 *       <td>attempts per request, first one included (the SDK's standard retry policy)</td></tr>
 * </table>
 *
 * <p>Credentials come from exactly one of {@code access-key-env}+{@code secret-key-env}, {@code
 * profile} or {@code anonymous=true}; without any of them, from the SDK's default chain. A named
 * variable that is not set, or a profile that does not exist, fails {@link #create} with an {@link
 * IllegalArgumentException} naming it.
 *
 * <p>Thread-safe and stateless.
 */
public final class S3StorageProvider implements StorageProvider {
  /** The scheme handled: {@code s3}. */
  public static final String SCHEME = "s3";

  private final Function<String, String> environment;

  /** A provider reading credential variables from the process environment. */
  public S3StorageProvider() {
    this(System::getenv);
  }

  /** For tests: environment variables are looked up with {@code environment}. */
  S3StorageProvider(Function<String, String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  /**
   * Creates an {@link S3Storage}; the caller owns and closes it. Nothing is sent to S3 yet: a wrong
   * endpoint, bucket or credentials fail the first call on the storage.
   *
   * @throws IllegalArgumentException if an option is unknown or invalid, a named environment
   *     variable is not set, or the SDK cannot be configured (e.g. no region)
   */
  @Override
  public S3Storage create(Map<String, String> options) {
    return new S3Storage(
        S3MountOptions.parse(options, environment), List.of(), S3Storage.DEFAULT_LIST_PAGE_SIZE);
  }
}
