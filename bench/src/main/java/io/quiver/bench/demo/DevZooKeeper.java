package io.quiver.bench.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code quiver dev-zookeeper}: a single ZooKeeper server in this process (Curator's {@link
 * TestingServer}) for trying cluster mode on one machine. Not for production: one server, no
 * replication, no authentication, listening on loopback only.
 */
@Command(
    name = "quiver dev-zookeeper",
    mixinStandardHelpOptions = true,
    description = {
      "Run a one-server ZooKeeper on 127.0.0.1 for trying cluster mode (quiver serve --cluster)."
          + " NOT FOR PRODUCTION: no replication, no authentication. Use an existing ensemble"
          + " (3 or 5 servers) in production."
    })
public final class DevZooKeeper implements Callable<Integer> {
  @Option(names = "--port", description = "Client port (default: ${DEFAULT-VALUE}).")
  int port = 2181;

  @Option(
      names = "--data-dir",
      description =
          "Where ZooKeeper keeps its data, kept across restarts (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("quiver-dev-zookeeper");

  @Override
  public Integer call() throws Exception {
    // ZooKeeper's own logs are noise here: warnings and errors only.
    if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
        instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    Files.createDirectories(dataDir);
    InstanceSpec spec =
        new InstanceSpec(dataDir.toFile(), port, -1, -1, false, -1, 2000, 60, null, "127.0.0.1");
    TestingServer server = new TestingServer(spec, true);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.stop(); // keeps the data directory
                  } catch (Exception e) {
                    System.err.println("Error stopping ZooKeeper: " + e.getMessage());
                  } finally {
                    stopped.countDown();
                  }
                }));
    System.out.println(
        "Development ZooKeeper (NOT for production) on 127.0.0.1:"
            + server.getPort()
            + ", data in "
            + dataDir.toAbsolutePath());
    System.out.println(
        "Start nodes with: bin/quiver serve --cluster zk://127.0.0.1:"
            + server.getPort()
            + "/quiver --port 8815 --http-port 8816 --data-dir node-1   (then 8825/8826 node-2, ...)");
    System.out.println("Ctrl-C stops it.");
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new DevZooKeeper()).execute(args));
  }
}
