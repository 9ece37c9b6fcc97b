package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quiver.storage.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightStatusCode;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The end-to-end scenarios on S3: S3Proxy in this JVM, with SigV4 keys from the environment. */
class S3StoreFlightTest extends StoreFlightTest {
  private static final String BUCKET = "lake";
  private static final String ACCESS_VAR = "QUIVER_TEST_S3_ACCESS_KEY";
  private static final String SECRET_VAR = "QUIVER_TEST_S3_SECRET_KEY";
  private static final String WRONG_SECRET_VAR = "QUIVER_TEST_S3_WRONG_SECRET";

  private static S3Store shared;

  @BeforeAll
  static void startS3Proxy() throws Exception {
    // The proxy accepts only its own keys: the environment must hold those.
    assertEquals(S3ProxyServer.ACCESS_KEY, env(ACCESS_VAR), ACCESS_VAR);
    assertEquals(S3ProxyServer.SECRET_KEY, env(SECRET_VAR), SECRET_VAR);
    shared = S3Store.start();
  }

  @AfterAll
  static void stopS3Proxy() throws Exception {
    if (shared != null) {
      shared.stop();
    }
  }

  @Override
  Store store() {
    return shared;
  }

  @Override
  Store startOwnStore(Path dir) throws Exception {
    return S3Store.start();
  }

  @Override
  List<RefusedMount> refusedMounts(String prefix) throws Exception {
    String unreachable = "http://127.0.0.1:" + closedPort();
    return List.of(
        new RefusedMount(
            "wrong secret key",
            FlightStatusCode.UNAUTHORIZED,
            shared.uri(prefix),
            with(shared.options(), "credentials", "wrong-secret"),
            List.of("S3 refused", "HTTP 403", ACCESS_VAR, WRONG_SECRET_VAR)),
        new RefusedMount(
            "missing bucket",
            FlightStatusCode.INVALID_ARGUMENT,
            "s3://no-such-bucket/" + prefix,
            shared.options(),
            List.of("bucket 'no-such-bucket' does not exist")),
        new RefusedMount(
            "unreachable endpoint",
            FlightStatusCode.UNAVAILABLE,
            shared.uri(prefix),
            with(shared.failFastOptions(), "endpoint", unreachable),
            List.of(unreachable, "did not answer")));
  }

  @Override
  Map<String, Map<String, String>> credentialSets() {
    return Map.of(
        "test-s3", Map.of("access-key-env", ACCESS_VAR, "secret-key-env", SECRET_VAR),
        "wrong-secret", Map.of("access-key-env", ACCESS_VAR, "secret-key-env", WRONG_SECRET_VAR));
  }

  @Override
  List<String> secretValues() {
    return List.of(env(SECRET_VAR), env(WRONG_SECRET_VAR));
  }

  /** One S3Proxy (the s3 connector's test server) with one bucket. */
  static final class S3Store implements Store {
    private final S3ProxyServer proxy;
    private final String endpoint;
    private final BlobStore blobs;
    private boolean closed;

    private S3Store(S3ProxyServer proxy) {
      this.proxy = proxy;
      this.endpoint = proxy.endpoint().toString();
      this.blobs = proxy.blobStore();
    }

    static S3Store start() throws Exception {
      S3ProxyServer proxy = S3ProxyServer.startTransient();
      try {
        proxy.createBucket(BUCKET);
        return new S3Store(proxy);
      } catch (Exception | Error e) {
        proxy.close();
        throw e;
      }
    }

    @Override
    public String uri(String path) {
      return "s3://" + BUCKET + "/" + path;
    }

    @Override
    public Map<String, String> options() {
      return Map.of("endpoint", endpoint, "credentials", "test-s3");
    }

    @Override
    public Map<String, String> failFastOptions() {
      return with(options(), "connect-timeout", "1s", "request-timeout", "2s", "max-attempts", "1");
    }

    @Override
    public String endpoint() {
      return endpoint;
    }

    @Override
    public void upload(String path, Path local) throws Exception {
      blobs.putBlob(BUCKET, blobs.blobBuilder(path).payload(Files.readAllBytes(local)).build());
    }

    @Override
    public void delete(String path) {
      blobs.removeBlob(BUCKET, path);
    }

    @Override
    public void stop() throws Exception {
      if (!closed) {
        closed = true;
        proxy.close();
      }
    }
  }
}
