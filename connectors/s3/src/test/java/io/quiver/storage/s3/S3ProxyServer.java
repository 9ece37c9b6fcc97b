package io.quiver.storage.s3;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * An in-process S3 server for tests: S3Proxy on a random free port of 127.0.0.1 with SigV4
 * authentication, over jclouds' {@code transient} (memory) or {@code filesystem} backend.
 *
 * <p>Public as test support shared with other modules via this module's test-jar.
 */
public final class S3ProxyServer implements AutoCloseable {
  /** Public as test support shared with other modules via this module's test-jar. */
  public static final String ACCESS_KEY = "quiver-test-access";

  /** Public as test support shared with other modules via this module's test-jar. */
  public static final String SECRET_KEY = "quiver-test-secret-value";

  static final String ACCESS_VAR = "QUIVER_TEST_S3_ACCESS";
  static final String SECRET_VAR = "QUIVER_TEST_S3_SECRET";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final URI endpoint;
  private final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * The blob store as S3Proxy uses it, noting what each S3 request asked of it: {@code LIST prefix
   * delimiter}, {@code HEAD key}, {@code GET key}.
   */
  private final class Recording extends org.jclouds.blobstore.util.ForwardingBlobStore {
    Recording(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public org.jclouds.blobstore.domain.PageSet<
            ? extends org.jclouds.blobstore.domain.StorageMetadata>
        list(String container, org.jclouds.blobstore.options.ListContainerOptions options) {
      String prefix = options.getPrefix() != null ? options.getPrefix() : options.getDir();
      requests.add(
          "LIST "
              + (prefix == null ? "" : prefix)
              + (options.getDelimiter() == null ? "" : " delimiter=" + options.getDelimiter()));
      return super.list(container, options);
    }

    @Override
    public org.jclouds.blobstore.domain.BlobMetadata blobMetadata(String container, String name) {
      requests.add("HEAD " + name);
      return super.blobMetadata(container, name);
    }

    @Override
    public org.jclouds.blobstore.domain.Blob getBlob(
        String container, String name, org.jclouds.blobstore.options.GetOptions options) {
      requests.add("GET " + name);
      return super.getBlob(container, name, options);
    }
  }

  private S3ProxyServer(BlobStoreContext context) throws Exception {
    this.context = context;
    this.proxy =
        S3Proxy.builder()
            .blobStore(new Recording(context.getBlobStore()))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
      }
      Thread.onSpinWait();
    }
    this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /**
   * A server keeping objects in memory. Public as test support shared with other modules via this
   * module's test-jar.
   */
  public static S3ProxyServer startTransient() throws Exception {
    return new S3ProxyServer(
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class));
  }

  /** A server keeping bucket {@code b}'s object {@code k} in the file {@code dir/b/k}. */
  static S3ProxyServer startFilesystem(Path dir) throws Exception {
    Properties properties = new Properties();
    properties.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dir.toString());
    return new S3ProxyServer(
        ContextBuilder.newBuilder("filesystem")
            .credentials("identity", "credential")
            .overrides(properties)
            .build(BlobStoreContext.class));
  }

  /** Public as test support shared with other modules via this module's test-jar. */
  public URI endpoint() {
    return endpoint;
  }

  /** Public as test support shared with other modules via this module's test-jar. */
  public BlobStore blobStore() {
    return context.getBlobStore();
  }

  /**
   * What the S3 requests served so far asked of the store, in order: {@code LIST <prefix>
   * [delimiter=/]}, {@code HEAD <key>}, {@code GET <key>} (a ranged read). Public as test support
   * shared with other modules via this module's test-jar.
   */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** Forgets the requests noted so far. Public as test support (see {@link #requests()}). */
  public void clearRequests() {
    requests.clear();
  }

  /** Public as test support shared with other modules via this module's test-jar. */
  public void createBucket(String bucket) {
    blobStore().createContainerInLocation(null, bucket);
  }

  /** Environment holding the right keys under {@link #ACCESS_VAR} and {@link #SECRET_VAR}. */
  static Function<String, String> environment() {
    return environment(ACCESS_KEY, SECRET_KEY);
  }

  static Function<String, String> environment(String accessKey, String secretKey) {
    return Map.of(ACCESS_VAR, accessKey, SECRET_VAR, secretKey)::get;
  }

  /** Mount options for this server, plus {@code extra}. */
  Map<String, String> options(Map<String, String> extra) {
    Map<String, String> options = new HashMap<>();
    options.put(S3MountOptions.ENDPOINT, endpoint.toString());
    options.put(S3MountOptions.ACCESS_KEY_ENV, ACCESS_VAR);
    options.put(S3MountOptions.SECRET_KEY_ENV, SECRET_VAR);
    options.putAll(extra);
    return options;
  }

  /** A storage for this server with the right keys. */
  S3Storage storage() {
    return new S3StorageProvider(environment()).create(options(Map.of()));
  }

  /** A storage for this server with the right keys, extra interceptors and a list page size. */
  S3Storage storage(List<ExecutionInterceptor> interceptors, int listPageSize) {
    return new S3Storage(
        S3MountOptions.parse(options(Map.of()), environment()), interceptors, listPageSize);
  }

  @Override
  public void close() throws IOException {
    try {
      proxy.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping S3Proxy");
    } catch (Exception e) {
      throw new IOException("S3Proxy did not stop", e);
    } finally {
      context.close();
    }
  }
}
