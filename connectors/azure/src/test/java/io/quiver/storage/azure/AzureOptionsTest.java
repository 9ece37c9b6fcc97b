package io.quiver.storage.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AzureOptionsTest {
  private static final String KEY = AzuriteServer.KEY;
  private static final Function<String, String> ENV =
      Map.of(
              "KEY", KEY,
              "SAS", "?sv=2024-01-01&sig=abc",
              "CS", "AccountName=acct;AccountKey=" + KEY + ";EndpointSuffix=core.windows.net",
              "NOT_BASE64", "this is not a key!",
              "BLANK", "  ")
          ::get;

  private static IllegalArgumentException refused(Map<String, String> options) {
    return assertThrows(IllegalArgumentException.class, () -> AzureOptions.parse(options, ENV));
  }

  @Test
  void unknownOptionsAreRefusedListingTheKnownOnes() {
    IllegalArgumentException e = refused(Map.of("account-key-env", "KEY", "regoin", "x"));
    assertEquals(
        "Unknown Azure Blob mount option(s): regoin (known: account-key-env,"
            + " connection-string-env, endpoint, max-tries, request-timeout, sas-token-env)",
        e.getMessage());
  }

  @Test
  void credentialsAreNamesOfEnvironmentVariables() {
    IllegalArgumentException none = refused(Map.of("endpoint", "http://127.0.0.1:1/a"));
    assertTrue(
        none.getMessage().contains("give connection-string-env, account-key-env or sas-token-env"),
        none.getMessage());
    IllegalArgumentException missing = refused(Map.of("account-key-env", "NO_SUCH_VARIABLE"));
    assertTrue(missing.getMessage().contains("NO_SUCH_VARIABLE"), missing.getMessage());
    assertTrue(refused(Map.of("sas-token-env", "BLANK")).getMessage().contains("BLANK"));
    IllegalArgumentException two =
        refused(Map.of("account-key-env", "KEY", "sas-token-env", "SAS"));
    assertTrue(two.getMessage().contains("only one"), two.getMessage());
    IllegalArgumentException bad = refused(Map.of("account-key-env", "NOT_BASE64"));
    assertTrue(bad.getMessage().contains("NOT_BASE64"), bad.getMessage());
    assertFalse(bad.getMessage().contains("this is not a key"), "the value is a secret");

    AzureOptions key = AzureOptions.parse(Map.of("account-key-env", "KEY"), ENV);
    assertEquals(AzureOptions.CredentialKind.ACCOUNT_KEY, key.credentialKind());
    assertEquals(KEY, key.secret());
    assertFalse(key.toString().contains(KEY), key.toString());
    assertEquals(
        "sv=2024-01-01&sig=abc",
        AzureOptions.parse(Map.of("sas-token-env", "SAS"), ENV).secret(),
        "a leading '?' is dropped");
    AzureOptions cs = AzureOptions.parse(Map.of("connection-string-env", "CS"), ENV);
    assertEquals("acct", cs.connectionStringAccount().orElseThrow());
    assertFalse(cs.toString().contains(KEY), cs.toString());
  }

  @Test
  void badConnectionStringIsNamedNotQuoted() {
    Function<String, String> env = Map.of("CS", "AccountKey=" + KEY + ";Foo=bar")::get;
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new AzureBlobStorage(Map.of("connection-string-env", "CS"), env));
    assertTrue(e.getMessage().contains("CS"), e.getMessage());
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
  }

  @Test
  void defaultsAndDurations() {
    AzureOptions defaults = AzureOptions.parse(Map.of("account-key-env", "KEY"), ENV);
    assertEquals(Duration.ofSeconds(60), defaults.requestTimeout());
    assertEquals(3, defaults.maxTries());
    assertTrue(defaults.endpoint().isEmpty());
    assertEquals(Duration.ofMillis(500), AzureOptions.duration("500ms"));
    assertEquals(Duration.ofSeconds(30), AzureOptions.duration("30s"));
    assertEquals(Duration.ofMinutes(2), AzureOptions.duration("2m"));
    assertEquals(Duration.ofMinutes(1), AzureOptions.duration("PT1M"));
    for (String bad : new String[] {"0s", "-1s", "soon", "10", "PT0S"}) {
      assertThrows(IllegalArgumentException.class, () -> AzureOptions.duration(bad), bad);
    }
    AzureOptions tuned =
        AzureOptions.parse(
            Map.of("account-key-env", "KEY", "request-timeout", "5s", "max-tries", "7"), ENV);
    assertEquals(Duration.ofSeconds(5), tuned.requestTimeout());
    assertEquals(7, tuned.maxTries());
    for (String bad : new String[] {"0", "21", "three", ""}) {
      IllegalArgumentException e = refused(Map.of("account-key-env", "KEY", "max-tries", bad));
      assertTrue(e.getMessage().contains("max-tries"), e.getMessage());
    }
  }

  @Test
  void endpointIsAPlainHttpUrl() {
    assertEquals(
        "http://127.0.0.1:10000/devstoreaccount1",
        AzureOptions.parse(
                Map.of(
                    "account-key-env",
                    "KEY",
                    "endpoint",
                    "http://127.0.0.1:10000/devstoreaccount1/"),
                ENV)
            .endpoint()
            .orElseThrow());
    IllegalArgumentException sas =
        refused(
            Map.of("account-key-env", "KEY", "endpoint", "https://a.blob.core.windows.net/?sig=x"));
    assertTrue(sas.getMessage().contains("sas-token-env"), sas.getMessage());
    refused(Map.of("account-key-env", "KEY", "endpoint", "ftp://a.blob.core.windows.net"));
    refused(Map.of("account-key-env", "KEY", "endpoint", "not a url"));
  }
}
