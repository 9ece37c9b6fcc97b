package io.quiver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.quiver.server.QuiverServer;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import io.quiver.testing.ParquetTestFiles;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's secrets commands, and logging in to a node with authentication. */
class CliSecurityTest {
  @TempDir Path tmp;
  private final Map<String, String> env = new HashMap<>();
  private QuiverServer server;

  record Run(int exit, String out, String err) {}

  @AfterEach
  void stop() throws Exception {
    QuiverCli.env = System::getenv;
    if (server != null) {
      server.close();
    }
  }

  private Run quiver(String... args) {
    QuiverCli.env = env::get;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = QuiverCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void hashPasswordPrintsABcryptHashOfTheGivenPassword() {
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("correct horse\n".getBytes(StandardCharsets.UTF_8)));
      Run r = quiver("hash-password", "--stdin", "--cost", "10");
      assertEquals(0, r.exit(), r.err());
      String hash = r.out().strip();
      assertTrue(hash.startsWith("$2a$10$"), hash);
      assertTrue(BCrypt.verifyer().verify("correct horse".toCharArray(), hash).verified);
      assertFalse(r.out().contains("correct horse"));
      System.setIn(new ByteArrayInputStream("short\n".getBytes(StandardCharsets.UTF_8)));
      Run weak = quiver("hash-password", "--stdin");
      assertEquals(1, weak.exit());
      assertTrue(weak.err().contains("at least 8"), weak.err());
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void newTokenPrintsATokenAndTheConfigEntryHoldingOnlyItsHash() throws Exception {
    Run r = quiver("new-token", "etl", "--role", "reader");
    assertEquals(0, r.exit(), r.err());
    Matcher token = Pattern.compile("token: (\\S+)").matcher(r.out());
    Matcher sha = Pattern.compile("\"sha256\": \"([0-9a-f]{64})\"").matcher(r.out());
    assertTrue(token.find() && sha.find(), r.out());
    String expected =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(token.group(1).getBytes(StandardCharsets.UTF_8)));
    assertEquals(expected, sha.group(1));
    assertTrue(r.out().contains("\"etl\""), r.out());
  }

  @Test
  void commandsLogInWithUserAndPasswordOrAToken() throws Exception {
    String hash = BCrypt.withDefaults().hashToString(4, "pw-for-ops".toCharArray());
    Path config = tmp.resolve("quiver.json");
    Run token = quiver("new-token", "jobs");
    Matcher t = Pattern.compile("token: (\\S+)").matcher(token.out());
    Matcher sha = Pattern.compile("\"sha256\": \"([0-9a-f]{64})\"").matcher(token.out());
    assertTrue(t.find() && sha.find());
    Files.writeString(
        config,
        "{\"users\": {\"ops\": {\"password\": \""
            + hash
            + "\", \"roles\": [\"admin\"]}}, \"tokens\": {\"jobs\": {\"sha256\": \""
            + sha.group(1)
            + "\", \"roles\": [\"reader\"]}}, \"allow-local\": [\""
            + tmp
            + "\"]}");
    Path lake = Files.createDirectories(tmp.resolve("lake/t"));
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        lake,
        "p.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        1000,
        1 << 20,
        1);
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(SecurityConfig.load(config))
                .withPort(0)
                .withDataDir(tmp.resolve("data"))
                .withMemory(64L << 20));
    String at = "localhost:" + server.port();

    Run anonymous = quiver("table", "ls", "--server", at);
    assertEquals(1, anonymous.exit());
    assertTrue(anonymous.err().contains("UNAUTHENTICATED"), anonymous.err());

    env.put("QUIVER_PASSWORD", "pw-for-ops");
    Run ops = quiver("table", "ls", "--server", at, "--user", "ops");
    assertEquals(0, ops.exit(), ops.err());
    // --server is accepted before the sub-command as well.
    Run before = quiver("--server", at, "table", "ls", "--user", "ops");
    assertEquals(0, before.exit(), before.err());
    Run mount =
        quiver(
            "mount",
            "/lake",
            Location.ofLocalPath(tmp.resolve("lake")).toString(),
            "--server",
            at,
            "--user",
            "ops");
    assertEquals(0, mount.exit(), mount.err());
    assertEquals(
        0, quiver("table", "create", "t.p", "/lake/t", "--server", at, "--user", "ops").exit());

    env.put("QUIVER_PASSWORD", "wrong");
    Run wrong = quiver("table", "ls", "--server", at, "--user", "ops");
    assertEquals(1, wrong.exit());
    assertTrue(wrong.err().contains("Invalid credentials"), wrong.err());
    assertFalse(wrong.err().contains("wrong"), wrong.err());

    env.clear();
    env.put("QUIVER_TOKEN", t.group(1));
    assertEquals(0, quiver("table", "ls", "--server", at).exit());
    Run denied = quiver("cache", "free", "--server", at);
    assertEquals(1, denied.exit());
    assertTrue(denied.err().contains("admin role"), denied.err());
    Run sql = quiver("sql", "--server", at, "-e", "select count(*) as n from t.p");
    assertEquals(0, sql.exit(), sql.err());
    assertTrue(sql.out().contains("1000"), sql.out());
    env.clear();
    Run sqlAnonymous = quiver("sql", "--server", at, "-e", "select count(*) as n from t.p");
    assertEquals(1, sqlAnonymous.exit(), sqlAnonymous.out());
  }
}
