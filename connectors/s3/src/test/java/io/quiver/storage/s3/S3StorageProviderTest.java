package io.quiver.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.Location;
import io.quiver.storage.Storage;
import io.quiver.storage.StorageRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** Mount options: parsing, defaults and refusals. No server needed. */
class S3StorageProviderTest {
  private static final Function<String, String> ENV =
      Map.of("MY_ACCESS", "AKIAEXAMPLE", "MY_SECRET", "s3cr3t-value")::get;

  private static S3MountOptions parse(Map<String, String> options) {
    return S3MountOptions.parse(options, ENV);
  }

  private static IllegalArgumentException refused(Map<String, String> options) {
    return assertThrows(IllegalArgumentException.class, () -> parse(options));
  }

  @Test
  void registeredForTheS3Scheme() throws Exception {
    assertEquals("s3", new S3StorageProvider().scheme());
    try (Storage storage =
        StorageRegistry.loadInstalled()
            .create(
                Location.of("s3://bucket/data"),
                Map.of("endpoint", "http://127.0.0.1:9", "anonymous", "true"))) {
      assertInstanceOf(S3Storage.class, storage);
      assertTrue(storage.toString().contains("http://127.0.0.1:9"));
    }
  }

  @Test
  void unknownOptionsAreNamedWithTheKnownOnes() {
    IllegalArgumentException e =
        refused(Map.of("endpoint", "http://h:1", "secret-key", "x", "bogus", "y"));
    assertTrue(e.getMessage().contains("bogus, secret-key"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "endpoint, region, path-style, access-key-env, secret-key-env, profile,"
                    + " anonymous, connect-timeout, request-timeout, max-attempts"),
        e.getMessage());
  }

  @Test
  void missingEnvironmentVariableIsNamed() {
    IllegalArgumentException e =
        refused(Map.of("access-key-env", "MY_ACCESS", "secret-key-env", "NOT_SET_ANYWHERE"));
    assertTrue(e.getMessage().contains("NOT_SET_ANYWHERE"), e.getMessage());
    assertTrue(e.getMessage().contains("secret-key-env"), e.getMessage());
    IllegalArgumentException viaProvider =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new S3StorageProvider(ENV)
                    .create(Map.of("access-key-env", "NOPE_A", "secret-key-env", "MY_SECRET")));
    assertTrue(viaProvider.getMessage().contains("NOPE_A"), viaProvider.getMessage());
  }

  @Test
  void credentialSourcesAreExclusiveAndComplete() {
    refused(Map.of("access-key-env", "MY_ACCESS"));
    refused(Map.of("secret-key-env", "MY_SECRET"));
    refused(Map.of("anonymous", "true", "profile", "p"));
    refused(Map.of("access-key-env", "MY_ACCESS", "secret-key-env", "MY_SECRET", "profile", "p"));
    refused(Map.of("access-key-env", " ", "secret-key-env", "MY_SECRET"));
  }

  @Test
  void environmentKeysAreNeverPrinted() {
    S3MountOptions options =
        parse(Map.of("access-key-env", "MY_ACCESS", "secret-key-env", "MY_SECRET"));
    S3MountOptions.CredentialSource credentials = options.credentials();
    assertEquals(
        "static keys from environment variables MY_ACCESS and MY_SECRET", credentials.describe());
    assertFalse(options.toString().contains("s3cr3t-value"), options.toString());
    assertFalse(credentials.toString().contains("s3cr3t-value"), credentials.toString());
    assertEquals(
        "s3cr3t-value", ((S3MountOptions.EnvironmentKeys) credentials).keys().secretAccessKey());
  }

  @Test
  void defaults() {
    S3MountOptions custom = parse(Map.of("endpoint", "http://127.0.0.1:9000"));
    assertEquals(URI.create("http://127.0.0.1:9000"), custom.endpoint());
    assertEquals(Region.US_EAST_1, custom.region());
    assertTrue(custom.pathStyle());
    assertInstanceOf(S3MountOptions.DefaultChain.class, custom.credentials());
    assertEquals(Duration.ofSeconds(5), custom.connectTimeout());
    assertEquals(Duration.ofSeconds(60), custom.requestTimeout());
    assertEquals(3, custom.maxAttempts());

    S3MountOptions aws = parse(Map.of("region", "eu-west-1"));
    assertNull(aws.endpoint());
    assertEquals(Region.EU_WEST_1, aws.region());
    assertFalse(aws.pathStyle());

    assertNull(parse(Map.of()).region(), "left to the SDK's region chain");
    assertInstanceOf(
        S3MountOptions.Anonymous.class, parse(Map.of("anonymous", "true")).credentials());
  }

  @Test
  void explicitValues() {
    Map<String, String> options = new HashMap<>();
    options.put("endpoint", "https://minio.example.com:9000");
    options.put("region", "eu-central-1");
    options.put("path-style", "false");
    options.put("connect-timeout", "500ms");
    options.put("request-timeout", "2m");
    options.put("max-attempts", "1");
    S3MountOptions parsed = parse(options);
    assertEquals(Region.EU_CENTRAL_1, parsed.region());
    assertFalse(parsed.pathStyle());
    assertEquals(Duration.ofMillis(500), parsed.connectTimeout());
    assertEquals(Duration.ofMinutes(2), parsed.requestTimeout());
    assertEquals(1, parsed.maxAttempts());
    assertEquals(Duration.ofHours(1), S3MountOptions.duration("x", "1h", null));
    assertEquals(Duration.ofSeconds(5), S3MountOptions.duration("x", " 5S ", null));
  }

  @Test
  void invalidValuesAreRefusedNamingTheOption() {
    Map<String, String> bad =
        Map.of(
            "endpoint", "ftp://host",
            "region", "EU West",
            "path-style", "yes",
            "anonymous", "1",
            "connect-timeout", "5",
            "request-timeout", "0s",
            "max-attempts", "0");
    for (Map.Entry<String, String> option : bad.entrySet()) {
      IllegalArgumentException e = refused(Map.of(option.getKey(), option.getValue()));
      assertTrue(e.getMessage().contains(option.getKey()), e.getMessage());
    }
    refused(Map.of("endpoint", "not a url"));
    refused(Map.of("endpoint", "http://user:pw@host:9000"));
    refused(Map.of("max-attempts", "three"));
    refused(Map.of("request-timeout", "-1s"));
  }
}
