package io.quiver.server;

import io.quiver.cache.DiskDirectory;
import io.quiver.cache.EvictionPolicy;
import io.quiver.server.config.Settings;
import io.quiver.server.logging.NodeLogging;
import io.quiver.server.security.SecurityConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quiver serve}: runs a node until SIGTERM/Ctrl-C, then shuts down cleanly. */
@Command(
    name = "quiver serve",
    mixinStandardHelpOptions = true,
    description = "Start a Quiver node: an Arrow Flight server with an off-heap column cache.")
public final class ServerMain implements Callable<Integer> {
  @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(
      names = "--port",
      description = "Flight port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port = 8815;

  @Option(
      names = "--http-port",
      description =
          "Monitoring HTTP port on the --host address: a status page at / (admins only when"
              + " users or tokens are configured), Prometheus /metrics, /health, /ready (those"
              + " unauthenticated, no data) (default: ${DEFAULT-VALUE}; 0 turns it off, -1 picks"
              + " a free one).")
  int httpPort = 8816;

  @Option(
      names = "--data-dir",
      description = "Where the catalog is kept (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("quiver-data");

  @Option(
      names = "--memory",
      description = "Off-heap cache capacity, e.g. 4g, 512m or 25%% of RAM (default: 25%%).")
  String memory = "25%";

  @Option(
      names = "--batch-rows",
      description = "Rows per record batch (multiple of 8; default: ${DEFAULT-VALUE}).")
  int batchRows = 65536;

  @Option(
      names = "--eviction",
      description =
          "Cache eviction policy: TINY_LFU (frequency-aware: resists one-off scans and repeated"
              + " scans larger than the cache; wins every trace of the bench's policy simulator),"
              + " or LRU (default: ${DEFAULT-VALUE}).")
  EvictionPolicy eviction = EvictionPolicy.TINY_LFU;

  @Option(
      names = "--decoder",
      description =
          "Default decoder: java, or native (Arrow C++ through arrow-dataset); a mount's"
              + " 'decoder' option overrides it (default: ${DEFAULT-VALUE}).")
  String decoder = QuiverServer.DEFAULT_DECODER;

  @Option(
      names = "--cold-pipeline",
      description =
          "How a scan overlaps loading with sending on a cache miss: prefetch (the next row"
              + " group loaded while this one is sent, on a pool of one thread per core), parallel"
              + " (also a row group's columns decoded in parallel on that pool) or serial"
              + " (default: ${DEFAULT-VALUE}).")
  String coldPipeline = "prefetch";

  @Option(
      names = "--short-circuit",
      description =
          "Keep the memory tier in shared memory so that clients on this host map cached columns"
              + " instead of streaming them (no copy, no socket); clients elsewhere, or of other"
              + " users, read over Flight as before (default: off).")
  boolean shortCircuit;

  @Option(
      names = "--short-circuit-dir",
      paramLabel = "DIR",
      description =
          "With --short-circuit: where the node's shared-memory directory is created; a tmpfs"
              + " with room for --memory (default: ${DEFAULT-VALUE}).")
  Path shortCircuitDir = Path.of("/dev/shm");

  @Option(
      names = "--short-circuit-group",
      paramLabel = "GROUP",
      description =
          "With --short-circuit: a group whose members may map the files too (default: this"
              + " user only).")
  String shortCircuitGroup;

  @Option(
      names = "--short-circuit-lease",
      paramLabel = "DURATION",
      description =
          "With --short-circuit: how long an idle client's lease keeps its chunks from eviction"
              + " (default: 30s).")
  String shortCircuitLease;

  @Option(
      names = "--disk",
      paramLabel = "DIR[=SIZE]",
      description =
          "Add a local-disk cache tier in DIR holding up to SIZE (e.g. /mnt/nvme/quiver=200g;"
              + " default SIZE: half the free space there). Repeat for several disks. Chunks"
              + " evicted from memory are kept there and found again after a restart.")
  List<String> disks = new ArrayList<>();

  @Option(
      names = "--expire-after",
      description =
          "Re-read cached data older than this, e.g. 30m, 12h, 7d (default: never; changed files"
              + " are always detected by version).")
  String expireAfter;

  @Option(
      names = "--sql-memory",
      description =
          "Working memory of SQL queries (Flight SQL), e.g. 2g; a query needing more fails with"
              + " RESOURCE_EXHAUSTED; up to 4x this may be spilled under the data dir"
              + " (default: a quarter of the cache, at least 256m).")
  String sqlMemory;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Config file (YAML; JSON when named *.json; default: $QUIVER_CONFIG): any option below"
              + " by its name without dashes (e.g. 'memory: 4g'), plus the security settings —"
              + " users with bcrypt password hashes and roles, API token hashes, named credential"
              + " sets for mounts. Flags win over QUIVER_* environment variables, which win over"
              + " the file. See the README's Configuration and Security sections.")
  Path configFile;

  @Option(
      names = "--allow-local",
      split = ",",
      paramLabel = "DIR",
      description =
          "Directories file:// mounts may use (comma-separated or repeated; none by default).")
  List<Path> allowLocal = new ArrayList<>();

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      description = "Serve TLS (grpc+tls) with this certificate chain (PEM); needs --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      description = "The TLS private key (PEM, PKCS#8).")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      paramLabel = "PEM",
      description = "Mutual TLS: accept only clients with a certificate this CA (PEM) signed.")
  Path tlsClientCa;

  @Option(
      names = "--insecure",
      description =
          "Allow listening on a non-loopback address without authentication (anyone who reaches"
              + " the port is admin).")
  boolean insecure;

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      description =
          "Log lines as text or as JSON objects, one a line (default: ${DEFAULT-VALUE}). With"
              + " --log-file, stderr stays text.")
  String logFormat = "text";

  @Option(
      names = "--log-file",
      paramLabel = "FILE",
      description =
          "Write the log to FILE, rotated by size (default: stderr only). stderr then keeps only"
              + " the start-up and shutdown lines, warnings and errors.")
  Path logFile;

  @Option(
      names = "--log-max-size",
      description =
          "Roll the log file over at this size, e.g. 100m (default: ${DEFAULT-VALUE}); FILE.1 is"
              + " the newest old one.")
  String logMaxSize = "100m";

  @Option(
      names = "--log-max-files",
      description =
          "Log files to keep, the current one included, 2 to 21 (default: ${DEFAULT-VALUE}).")
  int logMaxFiles = 10;

  @Option(
      names = "--log-level",
      description =
          "Level of Quiver's own logs, scan lines included: ERROR, WARN, INFO, DEBUG or TRACE"
              + " (default: ${DEFAULT-VALUE}). Libraries log warnings only.")
  String logLevel = "INFO";

  @Option(
      names = "--cluster",
      paramLabel = "zk://HOST:PORT[,HOST:PORT...][/PATH]",
      description =
          "Join the cluster coordinated by this ZooKeeper ensemble (znode path default /quiver):"
              + " shared catalog, placement of cached data across nodes, fail-over. Without it"
              + " the node runs alone with an embedded catalog.")
  String cluster;

  @Option(
      names = "--advertise",
      paramLabel = "HOST[:PORT]",
      description =
          "In a cluster: the address other nodes and clients reach this node at (default: --host"
              + " and the Flight port; required when --host is a wildcard such as 0.0.0.0).")
  String advertise;

  @Option(
      names = "--replicas",
      description =
          "In a cluster: extra copies of each cached unit on other nodes, for hot data"
              + " (default: ${DEFAULT-VALUE}).")
  int replicas = 0;

  @Option(
      names = "--cluster-secret-file",
      paramLabel = "FILE",
      description =
          "In a cluster: the key (at least 32 bytes, the same file on every node) that signs"
              + " tickets so that any node serves what another planned. Required with users or"
              + " tokens; without, the cluster keeps a random key in ZooKeeper.")
  Path clusterSecretFile;

  /** How the options were resolved (set before {@link #call()} by {@link #commandLine}). */
  private Settings settings;

  @Override
  public Integer call() throws Exception {
    QuiverServer.Config config = config();
    // Before the node starts, so that everything from its start-up on logs where asked.
    NodeLogging.configure(logging());
    QuiverServer server = QuiverServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (Exception e) {
                    System.err.println("Error during shutdown: " + e.getMessage());
                  } finally {
                    stopped.countDown();
                  }
                },
                "quiver-shutdown"));
    stopped.await();
    return 0;
  }

  /**
   * The node's configuration from these options and the config file's security section; checks
   * every value a converter could not (sizes, durations, disks) and names the setting and its
   * source when one is bad.
   */
  QuiverServer.Config config() {
    logging(); // checked with the rest, applied by call()
    SecurityConfig fromFile =
        settings == null
            ? SecurityConfig.none()
            : SecurityConfig.fromConfigFile(settings.extra(), settings.file());
    SecurityConfig security = setting("allow-local", () -> fromFile.withAllowLocal(allowLocal));
    QuiverServer.Config config =
        QuiverServer.Config.defaults()
            .withHost(host)
            .withPort(port)
            .withHttpPort(httpPort)
            .withDataDir(dataDir)
            .withMemory(setting("memory", () -> ByteSize.parse(memory)))
            .withBatchRows(batchRows)
            .withEvictionPolicy(eviction)
            .withDecoder(decoder)
            .withColdPipeline(ColdPipeline.parse(coldPipeline))
            .withDiskDirectories(
                setting("disk", () -> disks.stream().map(ServerMain::diskDirectory).toList()))
            .withExpireAfterWrite(
                expireAfter == null
                    ? null
                    : setting("expire-after", () -> Durations.parse(expireAfter)))
            .withSecurity(security)
            .withInsecure(insecure)
            .withTls(tlsCert, tlsKey, tlsClientCa);
    if (cluster != null && !cluster.isBlank()) {
      config =
          config.withCluster(
              setting(
                  "cluster",
                  () ->
                      new ClusterSettings(
                          io.quiver.cluster.ZooKeeperAddress.parse(cluster.trim()),
                          advertise,
                          replicas,
                          clusterSecretFile)));
    } else if (advertise != null || replicas != 0 || clusterSecretFile != null) {
      throw new IllegalArgumentException(
          "--advertise, --replicas and --cluster-secret-file only apply with --cluster");
    }
    if (shortCircuit) {
      config =
          config.withShortCircuit(
              setting(
                  "short-circuit-dir",
                  () -> {
                    if (!java.nio.file.Files.isDirectory(shortCircuitDir)) {
                      throw new IllegalArgumentException(
                          shortCircuitDir + " does not exist (a tmpfs such as /dev/shm is best)");
                    }
                    return new io.quiver.cache.SharedMemoryOptions(
                        shortCircuitDir, shortCircuitGroup);
                  }));
      if (shortCircuitLease != null) {
        config =
            config.withShortCircuitLease(
                setting("short-circuit-lease", () -> Durations.parse(shortCircuitLease)));
      }
    } else if (shortCircuitGroup != null || shortCircuitLease != null) {
      throw new IllegalArgumentException(
          "--short-circuit-group and --short-circuit-lease only apply with --short-circuit");
    }
    if (sqlMemory != null) {
      config = config.withSqlMemory(setting("sql-memory", () -> ByteSize.parse(sqlMemory)));
    }
    return config;
  }

  /** The logging options, checked, each error naming its setting. */
  NodeLogging.Settings logging() {
    return new NodeLogging.Settings(
        setting("log-format", () -> NodeLogging.Format.parse(logFormat)),
        logFile,
        setting("log-max-size", () -> ByteSize.parse(logMaxSize)),
        logMaxFiles,
        setting("log-level", () -> NodeLogging.parseLevel(logLevel)));
  }

  /** {@code parse.get()}, its IllegalArgumentException naming the setting and its source. */
  private <T> T setting(String key, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      Settings.Source source = settings == null ? null : settings.sources().get(key);
      if (source == null) {
        throw e;
      }
      throw new IllegalArgumentException(
          "setting '" + key + "' (from " + source + "): " + e.getMessage(), e);
    }
  }

  /**
   * {@code DIR} or {@code DIR=SIZE}.
   *
   * @throws IllegalArgumentException for a bad size or a directory whose space cannot be read
   */
  static DiskDirectory diskDirectory(String spec) {
    int eq = spec.lastIndexOf('=');
    Path dir = Path.of(eq < 0 ? spec : spec.substring(0, eq));
    if (eq >= 0) {
      return new DiskDirectory(dir, ByteSize.parse(spec.substring(eq + 1)));
    }
    try {
      Files.createDirectories(dir);
      return new DiskDirectory(dir, Files.getFileStore(dir).getUsableSpace() / 2);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot use " + dir + " for the disk tier: " + e, e);
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** {@link #commandLine(Map)} with this process's environment. */
  static CommandLine commandLine() {
    return commandLine(System.getenv());
  }

  /**
   * The command: options from the command line, then the environment, then the config file (see
   * {@link Settings}); operator-facing errors — a bad setting, a taken port, a locked data dir or
   * an unreadable config — are one line naming the problem (exit 2), not a stack trace.
   */
  static CommandLine commandLine(Map<String, String> env) {
    return withErrors(
        new CommandLine(new ServerMain())
            .setExecutionStrategy(parsed -> run(parsed, env, ServerMain::call)));
  }

  /** What runs once the options are resolved: serve, or show the configuration. */
  @FunctionalInterface
  interface Action {
    int run(ServerMain effective) throws Exception;
  }

  /**
   * Resolves the parsed options against the environment and the config file into a fresh command,
   * then runs {@code action} on it; help and version requests are answered as usual.
   */
  static int run(CommandLine.ParseResult parsed, Map<String, String> env, Action action) {
    if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
      return new CommandLine.RunLast().execute(parsed);
    }
    CommandLine cli = parsed.commandSpec().commandLine();
    try {
      ServerMain effective = resolve(parsed, env);
      return action.run(effective);
    } catch (CommandLine.ExecutionException e) {
      throw e;
    } catch (Exception e) {
      throw new CommandLine.ExecutionException(cli, String.valueOf(e.getMessage()), e);
    }
  }

  /** The options as the command line, the environment and the config file set them. */
  static ServerMain resolve(CommandLine.ParseResult parsed, Map<String, String> env) {
    Settings settings =
        Settings.resolve(
            parsed, parsed.originalArgs(), env, SecurityConfig.FILE_KEYS, ServerMain::new);
    ServerMain effective = new ServerMain();
    new CommandLine(effective).parseArgs(settings.args().toArray(String[]::new));
    effective.settings = settings;
    return effective;
  }

  /** How these options were resolved (null before {@link #resolve}). */
  Settings settings() {
    return settings;
  }

  private static CommandLine withErrors(CommandLine cli) {
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          Throwable t = e;
          if (t instanceof IOException
              || t instanceof IllegalArgumentException
              || t instanceof IllegalStateException) {
            String message = t.getMessage();
            if (t.getCause() instanceof java.net.BindException b
                && (message == null || !message.startsWith("cannot listen"))) {
              message = "cannot listen: " + b.getMessage() + " (is another node on that port?)";
            }
            cmd.getErr()
                .println(cmd.getCommandName() + ": " + (message == null ? t.toString() : message));
            cmd.getErr().flush();
            return 2;
          }
          throw e;
        });
    return cli;
  }
}
