package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code quiver serve} refusing to start says why in one line, without a stack trace. */
class ServerMainTest {
  @TempDir Path tmp;

  private String[] run(String... args) {
    CommandLine cli = ServerMain.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new String[] {Integer.toString(exit), err.toString()};
  }

  private void assertOneLineError(String[] r, String expected) {
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].contains(expected), r[1]);
    assertFalse(r[1].contains("\tat "), "no stack trace: " + r[1]);
    assertEquals(1, r[1].strip().lines().count(), r[1]);
  }

  @Test
  void badSettingsTakenPortsAndExposureAreOneLineErrors() throws Exception {
    String data = tmp.resolve("data").toString();
    Path config = Files.writeString(tmp.resolve("bad.json"), "{\"users\": 1}");
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--config", config.toString()),
        "\"users\" must be an object");
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--host", "0.0.0.0"), "without authentication");
    assertOneLineError(run("--data-dir", data, "--memory", "1000t"), "more than this host's RAM");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertOneLineError(
          run(
              "--data-dir",
              data,
              "--memory",
              "64m",
              "--port",
              Integer.toString(taken.getLocalPort()),
              "--http-port",
              "0"),
          "quiver serve:");
      // The Flight port is free, the monitoring port taken: the node that started stops again.
      assertOneLineError(
          run(
              "--data-dir",
              data,
              "--memory",
              "64m",
              "--port",
              "0",
              "--http-port",
              Integer.toString(taken.getLocalPort())),
          "cannot listen on HTTP port " + taken.getLocalPort());
    }
    String usage = ServerMain.commandLine().getUsageMessage();
    assertTrue(usage.contains("--http-port"), usage);
    assertTrue(usage.contains("25%"), usage);
    assertFalse(usage.contains("%%"), usage);
  }

  @Test
  void clusterSettingsAreCheckedBeforeAnythingStarts() {
    String data = tmp.resolve("data").toString();
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--cluster", "http://zk:2181"),
        "setting 'cluster' (from flag --cluster): Not a ZooKeeper address");
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--cluster", "zk://zk1/quiver"),
        "give host:port");
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--replicas", "1"), "only apply with --cluster");
    ServerMain parsed = new ServerMain();
    new CommandLine(parsed)
        .parseArgs("--cluster", "zk://a:2181,b:2182/prod/quiver", "--advertise", "10.0.0.5:9000");
    ClusterSettings cluster = parsed.config().cluster();
    assertEquals("a:2181,b:2182", cluster.address().connectString());
    assertEquals("/prod/quiver", cluster.address().basePath());
    assertEquals("10.0.0.5", cluster.advertisedHost("127.0.0.1"));
    assertEquals(9000, cluster.advertisedPort(0));
  }

  @Test
  void shortCircuitSettingsAreChecked() {
    String data = tmp.resolve("data").toString();
    assertOneLineError(
        run("--data-dir", data, "--memory", "64m", "--short-circuit-group", "staff"),
        "only apply with --short-circuit");
    assertOneLineError(
        run(
            "--data-dir",
            data,
            "--memory",
            "64m",
            "--port",
            "0",
            "--http-port",
            "0",
            "--short-circuit",
            "--short-circuit-dir",
            tmp.resolve("missing").toString()),
        "does not exist");
    assertOneLineError(
        run(
            "--data-dir",
            data,
            "--memory",
            "64m",
            "--short-circuit",
            "--short-circuit-lease",
            "soon"),
        "short-circuit-lease");
    ServerMain parsed = new ServerMain();
    new CommandLine(parsed)
        .parseArgs(
            "--short-circuit",
            "--short-circuit-dir",
            tmp.toString(),
            "--short-circuit-lease",
            "2m");
    QuiverServer.Config config = parsed.config();
    assertEquals(tmp, config.shortCircuit().parent());
    assertEquals(java.time.Duration.ofMinutes(2), config.shortCircuitLease());
    ServerMain off = new ServerMain();
    new CommandLine(off).parseArgs();
    assertEquals(null, off.config().shortCircuit(), "off by default");
  }

  @Test
  void httpPortDefaultsTo8816AndParses() {
    ServerMain defaults = new ServerMain();
    new CommandLine(defaults).parseArgs();
    assertEquals(8816, defaults.httpPort);
    ServerMain off = new ServerMain();
    new CommandLine(off).parseArgs("--http-port", "0");
    assertEquals(QuiverServer.Config.HTTP_OFF, off.httpPort);
    ServerMain chosen = new ServerMain();
    new CommandLine(chosen).parseArgs("--http-port=9102");
    assertEquals(9102, chosen.httpPort);
    assertEquals(9102, QuiverServer.Config.defaults().withHttpPort(chosen.httpPort).httpPort());
    CommandLine cli = ServerMain.commandLine();
    cli.setErr(new PrintWriter(new StringWriter(), true));
    assertEquals(2, cli.execute("--http-port", "http"), "not a number: usage error");
  }
}
