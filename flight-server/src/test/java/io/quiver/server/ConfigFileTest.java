package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quiver.cache.DiskDirectory;
import io.quiver.cache.EvictionPolicy;
import io.quiver.server.config.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The config file, {@code QUIVER_*} variables and flags of {@code quiver serve}: precedence, the
 * sources {@code quiver config show} reports, and errors that name the key and where it came from.
 */
class ConfigFileTest {
  private static final String HASH = "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";

  @TempDir Path tmp;

  private ServerMain resolve(Map<String, String> env, String... args) {
    CommandLine cli = new CommandLine(new ServerMain());
    return ServerMain.resolve(cli.parseArgs(args), env);
  }

  private Path file(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  private String failure(Map<String, String> env, String... args) {
    return assertThrows(IllegalArgumentException.class, () -> resolve(env, args).config())
        .getMessage();
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsDefault() throws Exception {
    Path conf =
        file(
            "quiver.yaml",
            """
            # every kind of value
            port: 9001
            http-port: 9002
            memory: 512m
            eviction: TINY_LFU
            expire-after: 2h
            batch-rows: 8192
            """);
    Map<String, String> env = Map.of("QUIVER_HTTP_PORT", "9102", "QUIVER_MEMORY", "256m");
    ServerMain m = resolve(env, "--config", conf.toString(), "--memory", "128m");
    QuiverServer.Config c = m.config();
    assertEquals(9001, c.port(), "file");
    assertEquals(9102, c.httpPort(), "environment over file");
    assertEquals(128L << 20, c.memoryBytes(), "flag over environment and file");
    assertEquals(EvictionPolicy.TINY_LFU, c.evictionPolicy());
    assertEquals(Duration.ofHours(2), c.expireAfterWrite());
    assertEquals(8192, c.batchRows());
    assertEquals("127.0.0.1", c.host(), "default");

    Map<String, Settings.Source> s = m.settings().sources();
    assertEquals(new Settings.Source(Settings.Origin.FILE, conf.toString()), s.get("port"));
    assertEquals(new Settings.Source(Settings.Origin.ENV, "QUIVER_HTTP_PORT"), s.get("http-port"));
    assertEquals(new Settings.Source(Settings.Origin.FLAG, "--memory"), s.get("memory"));
    assertEquals(Settings.Origin.DEFAULT, s.get("host").origin());
    assertEquals(Settings.Origin.FLAG, s.get("config").origin());
  }

  @Test
  void theFileCanComeFromQuiverConfigAndAFlagNamesAnother() throws Exception {
    Path a = file("a.yaml", "port: 7001\n");
    Path b = file("b.yaml", "port: 7002\n");
    Map<String, String> env = Map.of("QUIVER_CONFIG", a.toString());
    ServerMain fromEnv = resolve(env);
    assertEquals(7001, fromEnv.config().port());
    assertEquals(
        new Settings.Source(Settings.Origin.ENV, "QUIVER_CONFIG"), fromEnv.settings().fileSource());
    assertEquals(7002, resolve(env, "--config", b.toString()).config().port());
    assertEquals(8815, resolve(Map.of()).config().port(), "no file, no variable: the default");
  }

  @Test
  void listsReplaceRatherThanMergeAcrossSources() throws Exception {
    Path d1 = tmp.resolve("d1");
    Path d2 = tmp.resolve("d2");
    Path d3 = tmp.resolve("d3");
    Path conf =
        file(
            "lists.yaml",
            "disk:\n  - " + d1 + "=1g\n  - " + d2 + "=2g\nallow-local: [" + tmp + "]\n");
    ServerMain fromFile = resolve(Map.of(), "--config", conf.toString());
    assertEquals(
        List.of(new DiskDirectory(d1, 1L << 30), new DiskDirectory(d2, 2L << 30)),
        fromFile.config().diskDirectories());
    assertEquals(List.of(tmp), fromFile.config().security().allowLocal());

    ServerMain fromEnv =
        resolve(Map.of("QUIVER_DISK", d3 + "=3g, " + d1 + "=1g"), "--config", conf.toString());
    assertEquals(
        List.of(new DiskDirectory(d3, 3L << 30), new DiskDirectory(d1, 1L << 30)),
        fromEnv.config().diskDirectories(),
        "comma-separated in a variable; the variable replaces the file's list");

    ServerMain fromFlag = resolve(Map.of(), "--config", conf.toString(), "--disk", d3 + "=3g");
    assertEquals(List.of(new DiskDirectory(d3, 3L << 30)), fromFlag.config().diskDirectories());
  }

  @Test
  void switchesTakeTrueOrFalse() throws Exception {
    assertTrue(resolve(Map.of("QUIVER_INSECURE", "true")).config().insecure());
    assertFalse(resolve(Map.of("QUIVER_INSECURE", "false")).config().insecure());
    assertTrue(
        resolve(Map.of(), "--config", file("i.yaml", "insecure: true\n").toString())
            .config()
            .insecure());
    String e = failure(Map.of("QUIVER_INSECURE", "maybe"));
    assertTrue(
        e.contains("setting 'insecure' (from env QUIVER_INSECURE)") && e.contains("true or false"),
        e);
  }

  @Test
  void badValuesNameTheKeyTheSourceAndWhatIsAllowed() throws Exception {
    Path conf = file("bad.yaml", "eviction: LFUX\n");
    String enumError = failure(Map.of(), "--config", conf.toString());
    assertTrue(enumError.contains("setting 'eviction' (from file " + conf + ")"), enumError);
    assertTrue(enumError.contains("LRU") && enumError.contains("TINY_LFU"), enumError);

    String intError = failure(Map.of("QUIVER_PORT", "88x"));
    assertTrue(intError.contains("setting 'port' (from env QUIVER_PORT)"), intError);

    String sizeError = failure(Map.of(), "--config", file("m.yaml", "memory: 12x\n").toString());
    assertTrue(sizeError.startsWith("setting 'memory' (from file "), sizeError);
    assertTrue(sizeError.contains("Invalid size '12x'"), sizeError);

    String flagError = failure(Map.of(), "--expire-after", "soon");
    assertTrue(
        flagError.startsWith("setting 'expire-after' (from flag --expire-after)"), flagError);

    String listError = failure(Map.of(), "--config", file("l.yaml", "port: [1, 2]\n").toString());
    assertTrue(listError.contains("setting 'port'") && listError.contains("not a list"), listError);

    String mapError =
        failure(Map.of(), "--config", file("o.yaml", "memory: {size: 4g}\n").toString());
    assertTrue(mapError.contains("setting 'memory'") && mapError.contains("mapping"), mapError);
  }

  @Test
  void unknownKeysAndMalformedFilesAreRefusedByName() throws Exception {
    Path typo = file("typo.yaml", "memroy: 4g\n");
    String e = failure(Map.of(), "--config", typo.toString());
    assertTrue(e.contains(typo + ": unknown key 'memroy' (did you mean 'memory'?)"), e);
    assertTrue(e.contains("known keys:") && e.contains("users"), e);

    String nested =
        failure(Map.of(), "--config", file("n.yaml", "config: other.yaml\n").toString());
    assertTrue(nested.contains("'config' cannot be set inside the config file"), nested);

    Path broken = file("broken.yaml", "port: 1\nmemory: [4g\n");
    String syntax = failure(Map.of(), "--config", broken.toString());
    assertTrue(syntax.startsWith(broken + ": not valid YAML (line "), syntax);

    String scalar = failure(Map.of(), "--config", file("s.yaml", "just text\n").toString());
    assertTrue(scalar.contains("must be a mapping"), scalar);

    String missing = failure(Map.of(), "--config", tmp.resolve("nope.yaml").toString());
    assertTrue(missing.contains("does not exist"), missing);

    ServerMain empty =
        resolve(Map.of(), "--config", file("empty.yaml", "# nothing yet\n").toString());
    assertEquals(8815, empty.config().port(), "a file of comments only is empty");
  }

  @Test
  void securitySettingsComeFromTheSameFileInYamlOrJson() throws Exception {
    Path yaml =
        file(
            "secure.yaml",
            "users:\n  alice:\n    password: \""
                + HASH
                + "\"\n    roles: [admin]\ntoken-ttl: 10m\n"
                + "credentials:\n  lake: {access-key-env: LAKE_AK, secret-key-env: LAKE_SK}\n");
    QuiverServer.Config c = resolve(Map.of(), "--config", yaml.toString()).config();
    assertTrue(c.security().authenticationEnabled());
    assertEquals(Duration.ofMinutes(10), c.security().tokenTtl());
    assertEquals(
        Map.of("access-key-env", "LAKE_AK", "secret-key-env", "LAKE_SK"),
        c.security().credentialSets().get("lake"));

    // JSON as earlier releases wrote it, tab-indented (which YAML itself would refuse).
    Path json =
        file(
            "secure.json",
            "{\n\t\"users\": {\"alice\": {\"password\": \""
                + HASH
                + "\", \"roles\": [\"admin\"]}},\n\t\"allow-local\": [\""
                + tmp
                + "\"],\n\t\"port\": 7003\n}\n");
    QuiverServer.Config j = resolve(Map.of(), "--config", json.toString()).config();
    assertTrue(j.security().authenticationEnabled());
    assertEquals(List.of(tmp), j.security().allowLocal());
    assertEquals(7003, j.port());

    String bad = failure(Map.of(), "--config", file("u.yaml", "users: 1\n").toString());
    assertTrue(bad.contains("u.yaml: \"users\" must be an object"), bad);
  }

  @Test
  void configShowPrintsEverySettingWithItsSourceAndMasksSecrets() throws Exception {
    Path conf =
        file(
            "show.yaml",
            "memory: 512m\nusers:\n  alice: {password: \""
                + HASH
                + "\", roles: [admin, reader]}\ntokens:\n  etl: {sha256: \""
                + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                + "\", roles: [reader]}\ncredentials:\n"
                + "  lake: {access-key-env: LAKE_AK, secret-key: plain-text-secret}\n");
    Map<String, String> env = new HashMap<>(Map.of("QUIVER_HTTP_PORT", "0"));
    env.put("QUIVER_CONFIG", conf.toString());
    CommandLine cli = ConfigShow.commandLine(env);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertEquals(0, cli.execute("--port", "9009"), err.toString());
    String text = out.toString();
    assertTrue(text.contains("port: 9009  # flag --port"), text);
    assertTrue(text.contains("http-port: 0  # env QUIVER_HTTP_PORT"), text);
    assertTrue(text.contains("memory: 512m  # file " + conf), text);
    assertTrue(text.contains("host: 127.0.0.1  # default"), text);
    assertTrue(text.contains("# config file: " + conf + " (from env QUIVER_CONFIG)"), text);
    assertFalse(text.contains(HASH), "no password hash: " + text);
    assertFalse(text.contains("9f86d081"), "no token hash: " + text);
    assertFalse(text.contains("plain-text-secret"), "no secret: " + text);

    JsonNode shown = new YAMLMapper().readTree(text);
    assertEquals(9009, shown.get("port").asInt());
    assertEquals("****", shown.at("/users/alice/password").asText());
    assertEquals("admin", shown.at("/users/alice/roles/0").asText());
    assertEquals("reader", shown.at("/tokens/etl/roles/0").asText());
    assertEquals("LAKE_AK", shown.at("/credentials/lake/access-key-env").asText());
    assertEquals("****", shown.at("/credentials/lake/secret-key").asText());
    assertTrue(shown.get("expire-after").isNull());

    StringWriter badErr = new StringWriter();
    CommandLine bad = ConfigShow.commandLine(Map.of("QUIVER_MEMORY", "lots"));
    bad.setErr(new PrintWriter(badErr, true));
    bad.setOut(new PrintWriter(new StringWriter(), true));
    assertEquals(2, bad.execute());
    assertTrue(
        badErr
            .toString()
            .startsWith("quiver config show: setting 'memory' (from env QUIVER_MEMORY)"),
        badErr.toString());
  }

  @Test
  void unsetOptionalSettingsStayUnset() {
    QuiverServer.Config c = resolve(Map.of()).config();
    assertNull(c.expireAfterWrite());
    assertEquals(List.of(), c.diskDirectories());
  }
}
