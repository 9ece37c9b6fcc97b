package io.quiver.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file: what it accepts, and a clear error for everything it does not. */
class SecurityConfigTest {
  @TempDir Path tmp;

  private static final String HASH =
      BCrypt.withDefaults().hashToString(4, "pw-12345".toCharArray());
  private static final String SHA = Authenticator.sha256Hex("some-token");

  private SecurityConfig load(String json) throws Exception {
    Path f = tmp.resolve("q.json");
    Files.writeString(f, json);
    return SecurityConfig.load(f);
  }

  private String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> load(json)).getMessage();
  }

  @Test
  void readsUsersTokensSetsAndRoots() throws Exception {
    SecurityConfig c =
        load(
            "{\"users\": {\"a\": {\"password\": \""
                + HASH
                + "\", \"roles\": [\"admin\"]}}, \"tokens\": {\"t\": {\"sha256\": \""
                + SHA
                + "\", \"roles\": [\"reader\"]}}, \"token-ttl\": \"15m\", \"credentials\":"
                + " {\"lake\": {\"access-key-env\": \"K\"}}, \"allow-local\": [\"/data\"]}");
    assertTrue(c.authenticationEnabled());
    assertEquals(Duration.ofMinutes(15), c.tokenTtl());
    assertEquals("K", c.credentialSets().get("lake").get("access-key-env"));
    assertEquals(Path.of("/data"), c.allowLocal().get(0));
    assertTrue(c.principal("a").isAdmin());
    assertFalse(c.principal("t").isAdmin());
    assertTrue(c.principal("t").canRead());
    // Its description names counts, never hashes.
    assertFalse(c.toString().contains(HASH.substring(7)), c.toString());
    assertFalse(SecurityConfig.none().authenticationEnabled());
  }

  @Test
  void refusesPlainPasswordsBadHashesAndUnknownSettings() {
    assertTrue(
        error("{\"users\": {\"a\": {\"password\": \"secret\", \"roles\": [\"admin\"]}}}")
            .contains("must be a bcrypt hash"));
    assertTrue(
        error("{\"tokens\": {\"t\": {\"sha256\": \"abc\", \"roles\": [\"reader\"]}}}")
            .contains("64 hex digits"));
    assertTrue(error("{\"user\": {}}").contains("unknown setting \"user\""));
    assertTrue(
        error("{\"users\": {\"a\": {\"password\": \"" + HASH + "\"}}}").contains("\"roles\""));
    assertTrue(
        error(
                "{\"users\": {\"a\": {\"password\": \""
                    + HASH
                    + "\", \"roles\": [\"admin\"]}}, \"tokens\": {\"a\": {\"sha256\": \""
                    + SHA
                    + "\", \"roles\": [\"reader\"]}}}")
            .contains("same name"));
    assertTrue(error("{\"allow-local\": [\"relative/dir\"]}").contains("absolute"));
    assertTrue(error("{\"token-ttl\": \"0s\"}").contains("token-ttl"));
    assertTrue(error("not json").contains("not valid JSON"));
  }
}
