package io.quiver.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageUnavailableException;
import java.io.FileNotFoundException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/** Bad credentials, missing buckets and unreachable or failing endpoints. */
class S3FailuresTest {
  private static final String BUCKET = "present";

  /** Far above the configured timeouts: only guards against a hang. */
  private static final Duration HANG = Duration.ofSeconds(60);

  private static S3ProxyServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3ProxyServer.startTransient();
    server.createBucket(BUCKET);
    try (S3Storage storage = server.storage()) {
      storage.write(Location.of("s3://" + BUCKET + "/x.bin"), new byte[] {1, 2, 3});
    }
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static S3Storage storageWith(
      Function<String, String> environment, Map<String, String> extra) {
    return new S3StorageProvider(environment).create(server.options(extra));
  }

  private static void assertDeniedNamingCredentials(Executable call, String... mustContain) {
    AccessDeniedException e = assertThrows(AccessDeniedException.class, call);
    for (String s : mustContain) {
      assertTrue(e.getMessage().contains(s), e.getMessage());
    }
    assertFalse(e.getMessage().contains(S3ProxyServer.SECRET_KEY), e.getMessage());
    assertFalse(e.getMessage().contains("wrong-secret"), e.getMessage());
  }

  @Test
  void wrongSecretIsAccessDeniedNamingTheVariables() throws Exception {
    Location object = Location.of("s3://" + BUCKET + "/x.bin");
    try (S3Storage storage =
        storageWith(
            S3ProxyServer.environment(S3ProxyServer.ACCESS_KEY, "wrong-secret"), Map.of())) {
      String[] names = {S3ProxyServer.ACCESS_VAR, S3ProxyServer.SECRET_VAR};
      assertDeniedNamingCredentials(() -> storage.stat(object), names);
      assertDeniedNamingCredentials(
          () -> storage.list(Location.of("s3://" + BUCKET)).close(), names);
      assertDeniedNamingCredentials(() -> storage.write(object, new byte[1]), names);
      assertDeniedNamingCredentials(() -> storage.exists(Location.of("s3://" + BUCKET)), names);
      assertDeniedNamingCredentials(
          () -> storage.open(new FileEntry(object, 3, new ObjectVersion("x"))), names);
    }
  }

  @Test
  void unknownAccessKeyIsAccessDenied() throws Exception {
    try (S3Storage storage =
        storageWith(S3ProxyServer.environment("nobody", S3ProxyServer.SECRET_KEY), Map.of())) {
      AccessDeniedException e =
          assertThrows(
              AccessDeniedException.class,
              () -> storage.list(Location.of("s3://" + BUCKET)).close());
      assertTrue(e.getMessage().contains("InvalidAccessKeyId"), e.getMessage());
    }
  }

  @Test
  void missingBucketIsNotFoundNamingTheBucket() throws Exception {
    Location root = Location.of("s3://no-such-bucket");
    Location object = root.resolve("a/b.parquet");
    try (S3Storage storage = server.storage()) {
      for (Executable call :
          List.<Executable>of(
              () -> storage.stat(object),
              () -> storage.list(root).close(),
              () -> storage.list(object).close(),
              () -> storage.exists(object),
              () -> storage.write(object, new byte[1]),
              () -> storage.delete(object),
              () -> storage.open(new FileEntry(object, 1, new ObjectVersion("v"))))) {
        FileNotFoundException e = assertThrows(FileNotFoundException.class, call);
        assertTrue(e.getMessage().contains("bucket 'no-such-bucket'"), e.getMessage());
      }
      assertFalse(storage.exists(root));
    }
  }

  @Test
  void closedPortIsUnavailableNamingTheEndpoint() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Map<String, String> options =
        Map.of(
            "endpoint", endpoint,
            "anonymous", "true",
            "connect-timeout", "1s",
            "request-timeout", "2s",
            "max-attempts", "2");
    try (S3Storage storage = new S3StorageProvider().create(options)) {
      StorageUnavailableException e =
          assertTimeoutPreemptively(
              HANG,
              () ->
                  assertThrows(
                      StorageUnavailableException.class,
                      () -> storage.stat(Location.of("s3://b/k"))));
      assertTrue(e.getMessage().contains(endpoint), e.getMessage());
    }
  }

  @Test
  void silentServerIsUnavailableAfterTheRequestTimeout() throws Exception {
    // Connections complete in the kernel's backlog, but nothing ever answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String endpoint = "http://127.0.0.1:" + silent.getLocalPort();
      Map<String, String> options =
          Map.of(
              "endpoint", endpoint,
              "anonymous", "true",
              "request-timeout", "500ms",
              "max-attempts", "1");
      try (S3Storage storage = new S3StorageProvider().create(options)) {
        StorageUnavailableException e =
            assertTimeoutPreemptively(
                HANG,
                () ->
                    assertThrows(
                        StorageUnavailableException.class,
                        () -> storage.stat(Location.of("s3://b/k"))));
        assertTrue(e.getMessage().contains(endpoint), e.getMessage());
      }
    }
  }

  @Test
  void serverErrorsAreRetriedOnlyByTheSdkThenUnavailable() throws Exception {
    AtomicInteger received = new AtomicInteger();
    HttpServer failing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    failing.createContext(
        "/",
        exchange -> {
          received.incrementAndGet();
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
                      + "<Message>boom</Message></Error>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/xml");
          exchange.sendResponseHeaders(500, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    failing.start();
    try {
      String endpoint = "http://127.0.0.1:" + failing.getAddress().getPort();
      Map<String, String> options =
          Map.of("endpoint", endpoint, "anonymous", "true", "max-attempts", "3");
      try (S3Storage storage = new S3StorageProvider().create(options)) {
        StorageUnavailableException e =
            assertThrows(
                StorageUnavailableException.class,
                () -> storage.list(Location.of("s3://b/prefix")).close());
        assertTrue(e.getMessage().contains(endpoint), e.getMessage());
        assertTrue(e.getMessage().contains("InternalError"), e.getMessage());
        assertEquals(3, received.get(), "max-attempts=3 is three requests in all");
      }
    } finally {
      failing.stop(0);
    }
  }

  @Test
  void namedProfileCredentials(@TempDir Path dir) throws Exception {
    Path credentials = dir.resolve("credentials");
    Files.writeString(
        credentials,
        "[quiver-good]\naws_access_key_id = "
            + S3ProxyServer.ACCESS_KEY
            + "\naws_secret_access_key = "
            + S3ProxyServer.SECRET_KEY
            + "\n\n[quiver-bad]\naws_access_key_id = "
            + S3ProxyServer.ACCESS_KEY
            + "\naws_secret_access_key = wrong-secret\n");
    Path config = dir.resolve("config");
    Files.writeString(config, "[profile quiver-good]\nregion = eu-west-3\n");
    String oldCredentials = System.setProperty("aws.sharedCredentialsFile", credentials.toString());
    String oldConfig = System.setProperty("aws.configFile", config.toString());
    try {
      assertEquals(
          Region.EU_WEST_3,
          S3MountOptions.parse(Map.of("profile", "quiver-good"), name -> null).region(),
          "the region of the mount's profile");
      assertEquals(
          Region.US_EAST_1,
          S3MountOptions.parse(Map.of("profile", "quiver-bad", "endpoint", "http://h:1"), n -> null)
              .region());
      Map<String, String> endpoint = Map.of("endpoint", server.endpoint().toString());
      try (S3Storage good = profileStorage(endpoint, "quiver-good")) {
        try (Stream<FileEntry> s = good.list(Location.of("s3://" + BUCKET))) {
          assertEquals(1, s.count());
        }
      }
      try (S3Storage bad = profileStorage(endpoint, "quiver-bad")) {
        assertDeniedNamingCredentials(
            () -> bad.stat(Location.of("s3://" + BUCKET + "/x.bin")), "profile 'quiver-bad'");
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> profileStorage(endpoint, "quiver-missing"));
      assertTrue(e.getMessage().contains("quiver-missing"), e.getMessage());
    } finally {
      restore("aws.sharedCredentialsFile", oldCredentials);
      restore("aws.configFile", oldConfig);
    }
  }

  private static S3Storage profileStorage(Map<String, String> endpoint, String profile) {
    Map<String, String> options = new HashMap<>(endpoint);
    options.put("profile", profile);
    return new S3StorageProvider().create(options);
  }

  private static void restore(String property, String value) {
    if (value == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, value);
    }
  }
}
