package io.quiver.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quiver.client.QuiverClient;
import io.quiver.protocol.Filter;
import io.quiver.protocol.FilterJson;
import io.quiver.protocol.ScanCommand;
import io.quiver.protocol.action.Actions;
import io.quiver.protocol.action.CacheFreeRequest;
import io.quiver.protocol.action.CacheLoadRequest;
import io.quiver.protocol.action.CacheLsRequest;
import io.quiver.protocol.action.Empty;
import io.quiver.protocol.action.LsRequest;
import io.quiver.protocol.action.MountRequest;
import io.quiver.protocol.action.MoveRequest;
import io.quiver.protocol.action.PinRequest;
import io.quiver.protocol.action.RefreshRequest;
import io.quiver.protocol.action.RenameTableRequest;
import io.quiver.protocol.action.StatRequest;
import io.quiver.protocol.action.UnmountRequest;
import io.quiver.protocol.action.UnpinRequest;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.VectorSchemaRoot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code quiver} command line. Client commands talk to a running node over Flight; {@code
 * serve} and {@code demo} are run by the {@code bin/quiver} launcher from the server and bench
 * modules and are listed here for help only.
 *
 * <p><b>Size.</b> Over the ~800-line guideline: picocli's layout of one small nested class per
 * sub-command (options, help text, a few lines of work each) next to the shared connection options;
 * the SQL shell and the secret commands are their own files.
 */
@Command(
    name = "quiver",
    mixinStandardHelpOptions = true,
    version = "quiver 0.1.0",
    description = "Quiver: a cache of decoded Parquet columns in front of object storage.",
    subcommands = {
      QuiverCli.Mount.class,
      QuiverCli.Unmount.class,
      QuiverCli.Mounts.class,
      QuiverCli.Ls.class,
      QuiverCli.Stat.class,
      QuiverCli.Mv.class,
      QuiverCli.Refresh.class,
      QuiverCli.TableCommand.class,
      QuiverCli.CacheCommand.class,
      QuiverCli.Scan.class,
      SqlCommand.class,
      QuiverCli.Nodes.class,
      QuiverCli.Health.class,
      Secrets.HashPassword.class,
      Secrets.NewToken.class,
    },
    footer = {
      "",
      "Also (run by bin/quiver):",
      "  serve    Start a node (bin/quiver serve --help)",
      "  config   bin/quiver config show: the settings serve would use, and where each came from",
      "  demo     Sample data, a node, a cold and a warm scan (bin/quiver demo --help)",
    })
public final class QuiverCli implements Runnable {
  static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandLine.Model.CommandSpec spec;

  /**
   * {@code --server host:port}: accepted before or after the sub-command (an inherited option), so
   * {@code quiver --server h:8815 table ls} and {@code quiver table ls --server h:8815} agree.
   */
  @Option(
      names = "--server",
      scope = CommandLine.ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      description = "Quiver node as host:port (default: $QUIVER_SERVER or localhost:8815).")
  void server(String hostPort) {
    for (CommandLine c : spec.commandLine().getSubcommands().values()) {
      setServer(c, hostPort);
    }
  }

  private static void setServer(CommandLine c, String hostPort) {
    if (c.getCommand() instanceof ClientCommand cc) {
      cc.server.server = hostPort;
    } else if (c.getCommand() instanceof SqlCommand sc) {
      sc.server.server = hostPort;
    }
    for (CommandLine sub : c.getSubcommands().values()) {
      setServer(sub, hostPort);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The environment the CLI reads ($QUIVER_*); tests replace it. */
  static java.util.function.UnaryOperator<String> env = System::getenv;

  /** {@code --server host:port}, shared by every client command. */
  static final class ServerOption {
    /** The node, as {@code --server} (before or after the sub-command) or the default gave it. */
    String server = System.getenv().getOrDefault("QUIVER_SERVER", "localhost:8815");

    @Option(
        names = "--user",
        description =
            "Log in as this user (default: $QUIVER_USER); the password comes from $QUIVER_PASSWORD"
                + " or is asked for. An API token comes from $QUIVER_TOKEN (never from the command"
                + " line, where other users of the machine could see it).")
    String user = env.apply("QUIVER_USER");

    /** Adds the credentials the options and environment give to {@code b}. */
    QuiverClient.Builder credentials(QuiverClient.Builder b) {
      String token = env.apply("QUIVER_TOKEN");
      if (user != null && !user.isBlank()) {
        return b.basicAuth(user, password());
      }
      if (token != null && !token.isBlank()) {
        return b.bearerToken(token.strip());
      }
      return b;
    }

    /**
     * The same credentials as JDBC connection properties ({@code user}/{@code password}, or {@code
     * token}).
     */
    java.util.Properties jdbcCredentials() {
      java.util.Properties p = new java.util.Properties();
      String token = env.apply("QUIVER_TOKEN");
      if (user != null && !user.isBlank()) {
        p.setProperty("user", user);
        p.setProperty("password", password());
      } else if (token != null && !token.isBlank()) {
        p.setProperty("token", token.strip());
      }
      return p;
    }

    private String password() {
      String p = env.apply("QUIVER_PASSWORD");
      if (p != null) {
        return p;
      }
      java.io.Console console = System.console();
      if (console == null) {
        throw new CommandLine.ParameterException(
            new CommandLine(new QuiverCli()),
            "--user " + user + ": set QUIVER_PASSWORD (no terminal to ask for the password)");
      }
      char[] typed = console.readPassword("Password for %s: ", user);
      return typed == null ? "" : new String(typed);
    }

    QuiverClient connect() {
      int colon = server.lastIndexOf(':');
      if (colon <= 0 || colon == server.length() - 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(new QuiverCli()), "--server must be host:port, got '" + server + "'");
      }
      int port;
      try {
        port = Integer.parseInt(server.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(
            new CommandLine(new QuiverCli()), "--server port is not a number: '" + server + "'");
      }
      return credentials(QuiverClient.builder().host(server.substring(0, colon)).port(port))
          .build();
    }
  }

  /** Base of client commands: connects, runs, and turns Flight errors into one clear line. */
  abstract static class ClientCommand implements Callable<Integer> {
    @Mixin ServerOption server = new ServerOption();
    @Spec CommandLine.Model.CommandSpec spec;

    abstract void run(QuiverClient client, PrintWriter out) throws Exception;

    /**
     * Checks options that depend on each other, before connecting.
     *
     * @throws CommandLine.ParameterException saying what is wrong
     */
    void validate() {}

    @Override
    public Integer call() throws Exception {
      validate();
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (QuiverClient client = server.connect()) {
        run(client, out);
        out.flush();
        return 0;
      } catch (FlightRuntimeException e) {
        if (e.status().code() == FlightStatusCode.UNAVAILABLE
            && (e.getMessage() == null
                || e.getMessage().contains("io exception")
                || e.getMessage().contains("Connection refused"))) {
          err.println(
              "quiver: cannot reach a Quiver node at "
                  + server.server
                  + " (is 'bin/quiver serve' running? use --server host:port)");
        } else {
          err.println("quiver: " + e.status().code() + ": " + e.status().description());
        }
        err.flush();
        return 1;
      } catch (IllegalArgumentException e) {
        // A request refused before it is sent (e.g. by its action record: --limit 0).
        err.println("quiver: " + e.getMessage());
        err.flush();
        return 1;
      }
    }
  }

  static void printJson(PrintWriter out, JsonNode node) throws Exception {
    out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
  }

  @Command(
      name = "mount",
      mixinStandardHelpOptions = true,
      description = "Mount a store location into the namespace.")
  static final class Mount extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PATH", description = "Namespace path, e.g. /sales")
    String path;

    @Parameters(
        index = "1",
        paramLabel = "URI",
        description = "Store location, e.g. file:///data/sales")
    String uri;

    @Option(
        names = "--option",
        paramLabel = "KEY=VALUE",
        description = "Store option (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(
        names = "--force",
        description = "Mount below another mount even if tables there then read this one instead.")
    boolean force;

    @Override
    void run(QuiverClient client, PrintWriter out) {
      JsonNode m = client.action(Actions.MOUNT, new MountRequest(path, uri, options, force));
      out.println("Mounted " + m.path("uri").asText() + " at " + m.path("path").asText());
    }
  }

  @Command(name = "unmount", mixinStandardHelpOptions = true, description = "Remove a mount.")
  static final class Unmount extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PATH")
    String path;

    @Option(
        names = "--force",
        description =
            "Unmount even though tables read through it (they stay defined, unreadable until it is"
                + " mounted again).")
    boolean force;

    @Override
    void run(QuiverClient client, PrintWriter out) {
      client.action(Actions.UNMOUNT, new UnmountRequest(path, force));
      out.println("Unmounted " + path);
    }
  }

  @Command(
      name = "mounts",
      mixinStandardHelpOptions = true,
      description = "List mounts (secrets masked).")
  static final class Mounts extends ClientCommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    void run(QuiverClient client, PrintWriter out) throws Exception {
      JsonNode result = client.mounts();
      if (json) {
        printJson(out, result);
        return;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"PATH", "URI", "OPTIONS"});
      for (JsonNode m : result.path("mounts")) {
        List<String> opts = new ArrayList<>();
        m.path("options")
            .fields()
            .forEachRemaining(e -> opts.add(e.getKey() + "=" + e.getValue().asText()));
        rows.add(
            new String[] {m.path("path").asText(), m.path("uri").asText(), String.join(",", opts)});
      }
      Tables.print(out, rows);
    }
  }

  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description =
          "List a namespace directory: mounts, directories (files and bytes below) and files (size,"
              + " modification time, format), from the node's kept listings.")
  static final class Ls extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PATH", defaultValue = "/", description = "Default: /")
    String path;

    @Option(names = "--limit", paramLabel = "N", description = "Print at most N entries.")
    Integer limit;

    @Option(names = "--after", paramLabel = "NAME", description = "Start after this name.")
    String after;

    @Option(names = "--json", description = "Print JSON (one page: --limit entries, and next).")
    boolean json;

    @Override
    void validate() {
      if (limit != null && limit <= 0) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be positive");
      }
    }

    @Override
    void run(QuiverClient client, PrintWriter out) throws Exception {
      if (json) {
        int page = limit == null ? LsRequest.DEFAULT_LIMIT : Math.min(limit, LsRequest.MAX_LIMIT);
        printJson(out, client.action(Actions.LS, new LsRequest(path, after, page)));
        return;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "KIND", "SIZE", "FILES", "MODIFIED", "FORMAT"});
      String next = after;
      int printed = 0;
      do {
        int want = LsRequest.DEFAULT_LIMIT;
        if (limit != null) {
          want = Math.min(want, limit - printed);
        }
        JsonNode page = client.action(Actions.LS, new LsRequest(path, next, want));
        for (JsonNode e : page.path("entries")) {
          String kind = e.path("kind").asText();
          rows.add(
              new String[] {
                e.path("name").asText() + (kind.equals("file") ? "" : "/"),
                kind,
                e.hasNonNull("size") ? Sizes.format(e.path("size").asLong()) : "-",
                e.hasNonNull("files") ? e.path("files").asText() : "-",
                e.hasNonNull("modified") ? e.path("modified").asText() : "-",
                e.hasNonNull("format") ? e.path("format").asText() : "-"
              });
          printed++;
        }
        next = page.hasNonNull("next") ? page.path("next").asText() : null;
      } while (next != null && (limit == null || printed < limit));
      Tables.print(out, rows);
      if (next != null) {
        out.println("(more: --after " + next + ")");
      }
    }
  }

  @Command(
      name = "stat",
      mixinStandardHelpOptions = true,
      description = "What a namespace path is: file, directory or mount, size, version, tables.")
  static final class Stat extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PATH")
    String path;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    void run(QuiverClient client, PrintWriter out) throws Exception {
      JsonNode r = client.action(Actions.STAT, new StatRequest(path));
      if (json) {
        printJson(out, r);
        return;
      }
      JsonNode e = r.path("entry");
      out.println("Path:     " + e.path("path").asText());
      out.println("Kind:     " + e.path("kind").asText());
      if (e.hasNonNull("size")) {
        out.println(
            "Size:     "
                + Sizes.format(e.path("size").asLong())
                + " ("
                + e.path("size").asLong()
                + " bytes"
                + (e.path("kind").asText().equals("file")
                    ? ")"
                    : " in " + e.path("files").asLong() + " files)"));
      }
      if (e.hasNonNull("modified")) {
        out.println("Modified: " + e.path("modified").asText());
      }
      if (e.hasNonNull("version")) {
        out.println("Version:  " + e.path("version").asText());
      }
      if (e.hasNonNull("format")) {
        out.println("Format:   " + e.path("format").asText());
      }
      if (r.hasNonNull("mount")) {
        out.println(
            "Mount:    " + r.path("mount").asText() + " (sync " + r.path("sync").asText() + ")");
      }
      List<String> tables = new ArrayList<>();
      r.path("tables").forEach(t -> tables.add(t.asText()));
      if (!tables.isEmpty()) {
        out.println("Tables:   " + String.join(", ", tables));
      }
    }
  }

  @Command(
      name = "mv",
      mixinStandardHelpOptions = true,
      description =
          "Move a directory, file or mount in the namespace. Metadata only: nothing is copied or"
              + " deleted in any store, so it is instant at any size; tables over it follow.")
  static final class Mv extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Override
    void run(QuiverClient client, PrintWriter out) {
      JsonNode r = client.action(Actions.MOVE, new MoveRequest(source, target));
      int tables = r.path("tables").asInt();
      out.println(
          "Moved "
              + source
              + " to "
              + target
              + (tables == 0
                  ? ""
                  : " (" + tables + (tables == 1 ? " table" : " tables") + " followed)"));
    }
  }

  @Command(
      name = "refresh",
      mixinStandardHelpOptions = true,
      description =
          "List a path or table again now, whatever its mount's sync policy (new files appear).")
  static final class Refresh extends ClientCommand {
    @Parameters(index = "0", paramLabel = "PATH|TABLE")
    String target;

    @Override
    void run(QuiverClient client, PrintWriter out) {
      JsonNode r = client.action(Actions.REFRESH, RefreshRequest.of(target));
      out.println(
          "Refreshed "
              + r.path("path").asText()
              + ": "
              + r.path("files").asLong()
              + " files, "
              + Sizes.format(r.path("bytes").asLong()));
    }
  }

  @Command(
      name = "table",
      mixinStandardHelpOptions = true,
      description = "Define, list, describe, rename and drop tables.",
      subcommands = {
        TableCommand.Create.class,
        TableCommand.Ls.class,
        TableCommand.Describe.class,
        TableCommand.Rename.class,
        TableCommand.Drop.class
      })
  static final class TableCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
        name = "create",
        mixinStandardHelpOptions = true,
        description = "Define a table over a namespace path (a file or a directory of files).")
    static final class Create extends ClientCommand {
      @Parameters(index = "0", paramLabel = "NAME", description = "Dotted name, e.g. sales.orders")
      String name;

      @Parameters(
          index = "1",
          paramLabel = "PATH",
          description = "Namespace path, e.g. /sales/orders")
      String path;

      @Option(
          names = "--format",
          description = "File format: parquet or orc (default: from the files' extension).")
      String format;

      @Option(
          names = "--partition",
          paramLabel = "KEY=TYPE",
          description =
              "Declare the type of a key=value directory level: int64, date or string"
                  + " (repeatable; undeclared keys are inferred).")
      Map<String, String> partitions = new LinkedHashMap<>();

      @Option(
          names = "--schema",
          paramLabel = "COLUMNS",
          description =
              "Declare the table's columns: 'name type, ...' with Arrow types by pyarrow's names,"
                  + " e.g. 'id int64, name string, ts timestamp[us], d date32, price"
                  + " decimal(12,2)'. Files are read against it: a missing column reads as nulls,"
                  + " other columns are not exposed, a type that does not widen is refused."
                  + " Default: inferred from the files.")
      String schema;

      @Override
      void run(QuiverClient client, PrintWriter out) {
        JsonNode t = client.createTable(name, path, format, partitions, schema);
        out.printf(
            "Created %s table %s over %s (%d files, %d rows)%n",
            t.path("format").asText(),
            t.path("name").asText(),
            t.path("path").asText(),
            t.path("files").asLong(),
            t.path("rows").asLong());
      }
    }

    @Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description =
            "List tables like directories: the tables and sub-schemas directly in SCHEMA (table"
                + " a.b.c is in schema a.b, which is in schema a), or at the top level.")
    static final class Ls extends ClientCommand {
      @Parameters(
          index = "0",
          arity = "0..1",
          paramLabel = "SCHEMA",
          description = "A dotted schema name, e.g. sales (default: the top level).")
      String schema;

      @Option(names = "--all", description = "List every table, whatever its schema.")
      boolean all;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        if (all && schema != null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "Give either SCHEMA or --all, not both");
        }
        JsonNode result = all ? client.tables() : client.tables(schema == null ? "" : schema);
        if (json) {
          printJson(out, result);
          return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "KIND", "PATH", "FORMAT"});
        // Sub-schemas first, with a trailing dot, like directories.
        for (JsonNode s : result.path("schemas")) {
          long n = s.path("tables").asLong();
          rows.add(
              new String[] {
                s.path("name").asText() + ".", "schema", n + (n == 1 ? " table" : " tables"), ""
              });
        }
        for (JsonNode t : result.path("tables")) {
          rows.add(
              new String[] {
                t.path("name").asText(), "table", t.path("path").asText(), t.path("format").asText()
              });
        }
        Tables.print(out, rows);
      }
    }

    @Command(
        name = "rename",
        mixinStandardHelpOptions = true,
        description = "Rename a table (its files and definition are not touched).")
    static final class Rename extends ClientCommand {
      @Parameters(index = "0", paramLabel = "NAME")
      String name;

      @Parameters(index = "1", paramLabel = "NEW_NAME")
      String newName;

      @Override
      void run(QuiverClient client, PrintWriter out) {
        client.action(Actions.RENAME_TABLE, new RenameTableRequest(name, newName));
        out.println("Renamed table " + name + " to " + newName);
      }
    }

    @Command(
        name = "describe",
        mixinStandardHelpOptions = true,
        description =
            "Show a table's columns and types (partition columns marked), files, rows, bytes,"
                + " row groups and how much of each column is cached.")
    static final class Describe extends ClientCommand {
      @Parameters(index = "0", paramLabel = "NAME")
      String name;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode d = client.describeTable(name);
        if (json) {
          printJson(out, d);
          return;
        }
        out.printf(
            "Table %s over %s (%s): %d files, %d rows, %s, %d row groups%n",
            d.path("name").asText(),
            d.path("path").asText(),
            d.path("format").asText(),
            d.path("fileCount").asLong(),
            d.path("rows").asLong(),
            Sizes.format(d.path("bytes").asLong()),
            d.path("rowGroups").asLong());
        out.println(
            "declared".equals(d.path("schemaSource").asText())
                ? "Columns declared: " + d.path("declaredSchema").asText()
                : "Columns inferred from the files' footers");
        out.println();
        List<String[]> columns = new ArrayList<>();
        columns.add(
            new String[] {"COLUMN", "TYPE", "SOURCE", "FILES", "DECODED", "CACHED", "CHUNKS"});
        for (JsonNode c : d.path("columns")) {
          boolean partition = c.path("partition").asBoolean();
          columns.add(
              new String[] {
                c.path("name").asText(),
                c.path("type").asText() + (c.path("nullable").asBoolean() ? "" : " not null"),
                partition ? "partition" : "file",
                partition ? "-" : c.path("files").asText(),
                partition ? "-" : Sizes.format(c.path("bytes").asLong()),
                partition ? "-" : Sizes.format(c.path("cachedBytes").asLong()),
                partition ? "-" : c.path("cachedChunks").asLong() + "/" + c.path("chunks").asLong()
              });
        }
        Tables.print(out, columns);
        out.println();
        List<String[]> files = new ArrayList<>();
        files.add(new String[] {"FILE", "SIZE", "ROWS", "ROW GROUPS"});
        for (JsonNode f : d.path("files")) {
          files.add(
              new String[] {
                f.path("path").asText(),
                Sizes.format(f.path("bytes").asLong()),
                f.path("rows").asText(),
                f.path("rowGroups").asText()
              });
        }
        Tables.print(out, files);
        long listed = d.path("files").size();
        if (listed < d.path("fileCount").asLong()) {
          out.printf("(%d more files not listed)%n", d.path("fileCount").asLong() - listed);
        }
      }
    }

    @Command(
        name = "drop",
        mixinStandardHelpOptions = true,
        description = "Drop a table definition (files are not touched).")
    static final class Drop extends ClientCommand {
      @Parameters(index = "0", paramLabel = "NAME")
      String name;

      @Override
      void run(QuiverClient client, PrintWriter out) {
        client.dropTable(name);
        out.println("Dropped table " + name);
      }
    }
  }

  @Command(
      name = "cache",
      mixinStandardHelpOptions = true,
      description = "Inspect and control the cache.",
      subcommands = {
        CacheCommand.Stats.class,
        CacheCommand.Load.class,
        CacheCommand.Ls.class,
        CacheCommand.Free.class,
        CacheCommand.Pin.class,
        CacheCommand.Unpin.class
      })
  static final class CacheCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
        name = "load",
        mixinStandardHelpOptions = true,
        description =
            "Load a table's or path's chunks (optionally some columns) into the cache, with a"
                + " progress bar.")
    static final class Load extends ClientCommand {
      @Parameters(index = "0", paramLabel = "TABLE_OR_PATH")
      String target;

      @Option(names = "--columns", split = ",", description = "Only these columns.")
      List<String> columns;

      @Option(names = "--json", description = "Print the final result as JSON, no progress bar.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode nodes = client.nodes();
        if (ClusterNodes.cluster(nodes) != null) {
          loadEverywhere(client, ClusterNodes.of(nodes), out);
          return;
        }
        if (json) {
          printJson(out, client.load(target, columns, r -> {}));
          return;
        }
        JsonNode done;
        try (ProgressBar bar =
            new ProgressBarBuilder()
                .setTaskName("Loading " + target)
                .setUnit(" units", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setInitialMax(-1)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build()) {
          done =
              client.load(
                  target,
                  columns,
                  r -> {
                    bar.maxHint(r.path("units").asLong());
                    bar.stepTo(r.path("unitsDone").asLong());
                    bar.setExtraMessage(" " + Sizes.format(r.path("bytes").asLong()));
                  });
        }
        out.println(loaded(target + ": ", done));
        if (done.hasNonNull("warning")) {
          out.println("Warning: " + done.get("warning").asText());
        }
      }

      /**
       * In a cluster: every node loads the units it owns, at once, so that each unit is read from
       * storage once cluster-wide; one progress bar sums them.
       */
      private void loadEverywhere(
          QuiverClient client, List<ClusterNodes.Node> nodes, PrintWriter out) throws Exception {
        Map<String, JsonNode> latest = new java.util.concurrent.ConcurrentHashMap<>();
        CacheLoadRequest request = CacheLoadRequest.of(target, columns);
        ProgressBar bar =
            json
                ? null
                : new ProgressBarBuilder()
                    .setTaskName("Loading " + target + " on " + nodes.size() + " nodes")
                    .setUnit(" units", 1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setInitialMax(-1)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .build();
        List<ClusterNodes.Outcome> outcomes;
        try {
          outcomes =
              ClusterNodes.onEach(
                  nodes,
                  n ->
                      ClusterNodes.action(
                          client,
                          n,
                          Actions.CACHE_LOAD,
                          request,
                          r -> {
                            latest.put(n.id(), r);
                            if (bar != null) {
                              synchronized (bar) {
                                bar.maxHint(sum(latest, "units"));
                                bar.stepTo(sum(latest, "unitsDone"));
                                bar.setExtraMessage(" " + Sizes.format(sum(latest, "bytes")));
                              }
                            }
                          }));
        } finally {
          if (bar != null) {
            bar.close();
          }
        }
        JsonNode summary =
            ClusterNodes.summary(
                outcomes, List.of("units", "unitsDone", "rows", "bytes", "storageBytesRead"));
        if (json) {
          printJson(out, summary);
        } else {
          for (ClusterNodes.Outcome o : outcomes) {
            out.println(
                "  "
                    + o.node().id()
                    + ": "
                    + (o.error() != null
                        ? "failed: " + o.error().status().description()
                        : o.result().path("unitsDone").asLong()
                            + " row groups, "
                            + Sizes.format(o.result().path("bytes").asLong())
                            + " in memory, "
                            + Sizes.format(o.result().path("storageBytesRead").asLong())
                            + " read from storage"));
          }
          out.println(loaded(target + " on " + nodes.size() + " nodes: ", summary.path("total")));
        }
        failIfAnyFailed(outcomes);
      }

      /** {@code Loaded WHAT: N row groups, R rows, B in memory, S read from storage}. */
      private static String loaded(String what, JsonNode done) {
        return "Loaded "
            + what
            + done.path("unitsDone").asLong()
            + " row groups, "
            + done.path("rows").asLong()
            + " rows, "
            + Sizes.format(done.path("bytes").asLong())
            + " in memory, "
            + Sizes.format(done.path("storageBytesRead").asLong())
            + " read from storage";
      }

      private static long sum(Map<String, JsonNode> latest, String field) {
        return latest.values().stream().mapToLong(r -> r.path(field).asLong()).sum();
      }
    }

    @Command(
        name = "ls",
        mixinStandardHelpOptions = true,
        description =
            "List cached chunks (memory and disk) of a table or path, or all, newest first.")
    static final class Ls extends ClientCommand {
      @Parameters(index = "0", arity = "0..1", paramLabel = "TABLE_OR_PATH")
      String target;

      @Option(names = "--limit", description = "At most this many (default: ${DEFAULT-VALUE}).")
      int limit = 50;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode r = client.action(Actions.CACHE_LS, CacheLsRequest.of(target, limit));
        if (json) {
          printJson(out, r);
          return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"file", "unit", "column", "tier", "bytes", "pinned", "hits", "age"});
        for (JsonNode e : r.path("entries")) {
          rows.add(
              new String[] {
                e.path("file").asText(),
                Long.toString(e.path("unit").asLong()),
                e.path("column").asText(),
                e.path("tier").asText(),
                Sizes.format(e.path("bytes").asLong()),
                e.path("pinned").asBoolean() ? "yes" : "",
                Long.toString(e.path("hits").asLong()),
                String.format("%.0fs", e.path("ageSeconds").asDouble())
              });
        }
        Tables.print(out, rows);
        out.println(
            r.path("total").asLong()
                + " chunks, "
                + Sizes.format(r.path("bytes").asLong())
                + (r.path("total").asLong() > r.path("entries").size()
                    ? " (showing " + r.path("entries").size() + "; --limit for more)"
                    : ""));
      }
    }

    @Command(
        name = "free",
        mixinStandardHelpOptions = true,
        description = "Drop the cached chunks of a table or path (all, if none is named).")
    static final class Free extends ClientCommand {
      @Parameters(index = "0", arity = "0..1", paramLabel = "TABLE_OR_PATH")
      String target;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        CacheFreeRequest request =
            target == null ? CacheFreeRequest.ALL : CacheFreeRequest.of(target);
        JsonNode r = onEveryNode(client, Actions.CACHE_FREE, request, List.of("freedEntries"));
        if (json) {
          printJson(out, r);
          return;
        }
        out.println(
            "Freed "
                + (r.has("total") ? r.path("total") : r).path("freedEntries").asLong()
                + " cached chunks"
                + (r.has("total") ? " on " + r.path("nodes").size() + " nodes" : ""));
        failIfAnyFailed(r);
      }
    }

    @Command(
        name = "pin",
        mixinStandardHelpOptions = true,
        description = "Keep a table's or path's chunks cached as they load, optionally for a time.")
    static final class Pin extends ClientCommand {
      @Parameters(index = "0", paramLabel = "TABLE_OR_PATH")
      String target;

      @Option(names = "--columns", split = ",", description = "Only these columns.")
      List<String> columns;

      @Option(names = "--ttl", description = "Unpin after this long, e.g. 30m, 2h, 1d.")
      String ttl;

      @Option(
          names = "--replicas",
          description =
              "In a cluster: cache the pinned units on this many more nodes (hot data read by"
                  + " many clients).")
      Integer replicas;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode r =
            onEveryNode(
                client, Actions.PIN, PinRequest.of(target, columns, ttl, replicas), List.of());
        if (json) {
          printJson(out, r);
          return;
        }
        JsonNode one = r.has("total") ? r.path("nodes").path(0).path("result") : r;
        out.println(
            "Pinned "
                + target
                + " ("
                + one.path("files").asLong()
                + " files"
                + (ttl == null ? "" : ", for " + ttl)
                + (r.has("total") ? ", on " + r.path("nodes").size() + " nodes" : "")
                + ")");
        failIfAnyFailed(r);
      }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Remove a pin.")
    static final class Unpin extends ClientCommand {
      @Parameters(index = "0", paramLabel = "TABLE_OR_PATH")
      String target;

      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode r = onEveryNode(client, Actions.UNPIN, UnpinRequest.of(target), List.of());
        if (json) {
          printJson(out, r);
          return;
        }
        out.println(
            "Unpinned "
                + target
                + (r.has("total") ? " on " + r.path("nodes").size() + " nodes" : ""));
        failIfAnyFailed(r);
      }
    }

    @Command(
        name = "stats",
        mixinStandardHelpOptions = true,
        description = "Entries, bytes, capacity, hits, misses, evictions, bytes read from storage.")
    static final class Stats extends ClientCommand {
      @Option(names = "--json", description = "Print JSON.")
      boolean json;

      @Override
      void run(QuiverClient client, PrintWriter out) throws Exception {
        JsonNode nodes = client.nodes();
        if (ClusterNodes.cluster(nodes) != null) {
          JsonNode r =
              onEveryNode(
                  client,
                  ClusterNodes.of(nodes),
                  Actions.STATS,
                  Empty.INSTANCE,
                  List.of(
                      "entries",
                      "bytes",
                      "capacity",
                      "hits",
                      "misses",
                      "evictions",
                      "pinnedBytes",
                      "storageReads",
                      "storageBytesRead"));
          if (json) {
            printJson(out, r);
          } else {
            printClusterStats(out, r);
          }
          failIfAnyFailed(r);
          return;
        }
        JsonNode s = client.stats();
        if (json) {
          printJson(out, s);
          return;
        }
        long hits = s.path("hits").asLong();
        long misses = s.path("misses").asLong();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"entries", Long.toString(s.path("entries").asLong())});
        rows.add(new String[] {"bytes", Sizes.format(s.path("bytes").asLong())});
        rows.add(new String[] {"capacity", Sizes.format(s.path("capacity").asLong())});
        rows.add(new String[] {"hits", Long.toString(hits)});
        rows.add(new String[] {"misses", Long.toString(misses)});
        rows.add(
            new String[] {
              "hit ratio",
              hits + misses == 0 ? "-" : String.format("%.1f%%", 100.0 * hits / (hits + misses))
            });
        rows.add(new String[] {"evictions", Long.toString(s.path("evictions").asLong())});
        JsonNode disk = s.path("disk");
        rows.add(
            new String[] {
              "memory hits / misses",
              s.path("memory").path("hits").asLong()
                  + " / "
                  + s.path("memory").path("misses").asLong()
            });
        rows.add(
            new String[] {
              "disk entries / bytes",
              disk.path("entries").asLong() + " / " + Sizes.format(disk.path("bytes").asLong())
            });
        rows.add(
            new String[] {
              "disk hits / misses",
              disk.path("hits").asLong() + " / " + disk.path("misses").asLong()
            });
        rows.add(
            new String[] {
              "demotions / promotions",
              s.path("demotions").asLong() + " / " + s.path("promotions").asLong()
            });
        rows.add(
            new String[] {"streamed through", Long.toString(s.path("streamedThrough").asLong())});
        JsonNode latency = s.path("loadLatencyMillis");
        rows.add(
            new String[] {
              "load latency p50 / p99",
              String.format(
                  "%.1f / %.1f ms", latency.path("p50").asDouble(), latency.path("p99").asDouble())
            });
        rows.add(new String[] {"pinned entries", Long.toString(s.path("pinnedEntries").asLong())});
        rows.add(new String[] {"pinned bytes", Sizes.format(s.path("pinnedBytes").asLong())});
        rows.add(new String[] {"load failures", Long.toString(s.path("loadFailures").asLong())});
        rows.add(
            new String[] {
              "bytes read from storage", Sizes.format(s.path("storageBytesRead").asLong())
            });
        JsonNode scans = s.path("scans");
        rows.add(
            new String[] {
              "scans planned",
              scans.path("planned").asLong()
                  + " ("
                  + scans.path("unitsPruned").asLong()
                  + " of "
                  + scans.path("units").asLong()
                  + " units pruned by statistics)"
            });
        rows.add(
            new String[] {
              "rows sent",
              scans.path("rowsSent").asLong()
                  + " ("
                  + scans.path("rowsFilteredOut").asLong()
                  + " removed by filters)"
            });
        Tables.print(out, rows);
      }
    }
  }

  /**
   * Runs an action on the connected node, or, when it is in a cluster, on every member at once;
   * returns its result, or {@link ClusterNodes#summary} (with {@code summed} fields totalled).
   */
  static <Req> JsonNode onEveryNode(
      QuiverClient client,
      io.quiver.protocol.action.ActionType<Req, ?> type,
      Req request,
      List<String> summed)
      throws InterruptedException {
    JsonNode nodes = client.nodes();
    if (ClusterNodes.cluster(nodes) == null) {
      return client.action(type, request);
    }
    return onEveryNode(client, ClusterNodes.of(nodes), type, request, summed);
  }

  static <Req> JsonNode onEveryNode(
      QuiverClient client,
      List<ClusterNodes.Node> nodes,
      io.quiver.protocol.action.ActionType<Req, ?> type,
      Req request,
      List<String> summed)
      throws InterruptedException {
    return ClusterNodes.summary(
        ClusterNodes.onEach(nodes, n -> ClusterNodes.action(client, n, type, request, r -> {})),
        summed);
  }

  /** Fails the command (exit 1) if a node of a cluster-wide summary answered with an error. */
  static void failIfAnyFailed(JsonNode summary) {
    List<String> failed = new ArrayList<>();
    for (JsonNode n : summary.path("nodes")) {
      if (n.has("error")) {
        failed.add(n.path("id").asText() + " (" + n.path("error").asText() + ")");
      }
    }
    if (!failed.isEmpty()) {
      throw new IllegalArgumentException(
          "failed on " + failed.size() + " node(s): " + String.join("; ", failed));
    }
  }

  static void failIfAnyFailed(List<ClusterNodes.Outcome> outcomes) {
    failIfAnyFailed(ClusterNodes.summary(outcomes, List.of()));
  }

  /** {@code 42s}, {@code 5m 3s}, {@code 2h 5m}, {@code 3d 4h}. */
  static String upTime(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m " + seconds % 60 + "s";
    }
    if (seconds < 86400) {
      return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
    }
    return seconds / 86400 + "d " + seconds % 86400 / 3600 + "h";
  }

  static String hitRatio(long hits, long misses) {
    return hits + misses == 0 ? "-" : String.format("%.1f%%", 100.0 * hits / (hits + misses));
  }

  /** A cluster's cache statistics: a row per node, then the totals. */
  static void printClusterStats(PrintWriter out, JsonNode r) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "node", "entries", "bytes", "capacity", "hit ratio", "evictions", "read from storage"
        });
    for (JsonNode n : r.path("nodes")) {
      JsonNode s = n.path("result");
      rows.add(
          n.has("error")
              ? new String[] {n.path("id").asText(), "unreachable", "", "", "", "", ""}
              : new String[] {
                n.path("id").asText(),
                Long.toString(s.path("entries").asLong()),
                Sizes.format(s.path("bytes").asLong()),
                Sizes.format(s.path("capacity").asLong()),
                hitRatio(s.path("hits").asLong(), s.path("misses").asLong()),
                Long.toString(s.path("evictions").asLong()),
                Sizes.format(s.path("storageBytesRead").asLong())
              });
    }
    JsonNode t = r.path("total");
    rows.add(
        new String[] {
          "total",
          Long.toString(t.path("entries").asLong()),
          Sizes.format(t.path("bytes").asLong()),
          Sizes.format(t.path("capacity").asLong()),
          hitRatio(t.path("hits").asLong(), t.path("misses").asLong()),
          Long.toString(t.path("evictions").asLong()),
          Sizes.format(t.path("storageBytesRead").asLong())
        });
    Tables.print(out, rows);
  }

  @Command(
      name = "nodes",
      mixinStandardHelpOptions = true,
      description =
          "The cluster's live nodes: location, capacity, use, hit ratio, up-time, version (the"
              + " node answering is marked *). A single node lists itself.")
  static final class Nodes extends ClientCommand {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    void run(QuiverClient client, PrintWriter out) throws Exception {
      JsonNode nodes = client.nodes();
      List<ClusterNodes.Node> members = ClusterNodes.of(nodes);
      List<ClusterNodes.Outcome> stats =
          ClusterNodes.onEach(
              members, n -> ClusterNodes.action(client, n, Actions.STATS, Empty.INSTANCE, r -> {}));
      long now = System.currentTimeMillis();
      com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
      root.put("cluster", ClusterNodes.cluster(nodes));
      var list = root.putArray("nodes");
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"node", "location", "capacity", "used", "hit ratio", "up", "version"});
      for (ClusterNodes.Outcome o : stats) {
        JsonNode info = o.node().info();
        var n = list.addObject();
        n.put("id", o.node().id());
        n.put("location", info.path("location").asText());
        n.put("self", info.path("self").asBoolean());
        n.put("capacity", info.path("capacity").asLong());
        n.put("version", info.path("version").asText());
        long up = Math.max(0, (now - info.path("startedMillis").asLong()) / 1000);
        n.put("uptimeSeconds", up);
        String used;
        String ratio;
        if (o.error() != null) {
          n.put("error", o.error().status().code() + ": " + o.error().status().description());
          used = "unreachable";
          ratio = "";
        } else {
          JsonNode s = o.result();
          n.put("used", s.path("bytes").asLong());
          n.put("hits", s.path("hits").asLong());
          n.put("misses", s.path("misses").asLong());
          n.put("storageBytesRead", s.path("storageBytesRead").asLong());
          used = Sizes.format(s.path("bytes").asLong());
          ratio = hitRatio(s.path("hits").asLong(), s.path("misses").asLong());
        }
        rows.add(
            new String[] {
              o.node().id() + (info.path("self").asBoolean() ? " *" : ""),
              info.path("location").asText(),
              Sizes.format(info.path("capacity").asLong()),
              used,
              ratio,
              upTime(up),
              info.path("version").asText()
            });
      }
      if (json) {
        printJson(out, root);
        return;
      }
      if (ClusterNodes.cluster(nodes) != null) {
        out.println("Cluster " + ClusterNodes.cluster(nodes) + ": " + members.size() + " nodes");
      } else {
        out.println("Single node (not in a cluster)");
      }
      Tables.print(out, rows);
    }
  }

  @Command(
      name = "scan",
      mixinStandardHelpOptions = true,
      description =
          "Read a table or namespace path through the cache; prints rows read and the first rows.",
      footer = {
        "",
        "A filter is JSON (docs/FILTERS.md), for example:",
        "  --filter '{\"op\": \">=\", \"column\": \"o_date\", \"value\": \"2024-01-01\"}'",
        "  --filter '{\"op\": \"and\", \"args\": [{\"op\": \"in\", \"column\": \"o_status\","
            + " \"values\": [\"F\", \"O\"]}, {\"op\": \"is_not_null\", \"column\": \"o_total\"}]}'",
      })
  static final class Scan extends ClientCommand {
    @Parameters(
        index = "0",
        paramLabel = "TABLE_OR_PATH",
        description = "Table name (sales.orders) or namespace path (/sales/orders)")
    String target;

    @Option(names = "--columns", split = ",", description = "Columns to read (default: all).")
    List<String> columns;

    @Option(names = "--show", description = "Rows to print (default: ${DEFAULT-VALUE}).")
    int show = 10;

    @Option(
        names = "--filter",
        paramLabel = "JSON",
        converter = FilterConverter.class,
        description =
            "Only rows for which this filter is true, e.g. '{\"op\": \"<\", \"column\": \"a\","
                + " \"value\": 10}' (see docs/FILTERS.md).")
    Filter filter;

    @Option(
        names = "--prune-only",
        description =
            "With --filter: skip only the row groups/stripes whose statistics rule out a match and"
                + " send every row of the others (the filter is not applied to rows).")
    boolean pruneOnly;

    @Override
    void validate() {
      if (pruneOnly && filter == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--prune-only needs --filter");
      }
    }

    @Override
    void run(QuiverClient client, PrintWriter out) {
      ScanCommand command = QuiverClient.command(target, columns);
      if (filter != null) {
        command = command.withFilter(filter);
        if (pruneOnly) {
          command = command.pruneOnly();
        }
      }
      List<String> printed = new ArrayList<>();
      long start = System.nanoTime();
      FlightInfo info = client.info(command);
      QuiverClient.ScanSummary summary =
          client.read(
              info,
              (VectorSchemaRoot batch) -> {
                for (int i = 0;
                    i < batch.getRowCount() && show > 0 && printed.size() <= show;
                    i++) {
                  if (printed.isEmpty()) {
                    printed.add(
                        String.join(
                            "\t",
                            batch.getSchema().getFields().stream().map(f -> f.getName()).toList()));
                  }
                  List<String> cells = new ArrayList<>();
                  for (var v : batch.getFieldVectors()) {
                    cells.add(display(v, i));
                  }
                  printed.add(String.join("\t", cells));
                }
              });
      double seconds = (System.nanoTime() - start) / 1e9;
      printed.forEach(out::println);
      if (filter != null) {
        out.printf(
            "filter (%s): %d endpoints planned, %d rows in the row groups/stripes kept%n",
            pruneOnly ? "prune only" : "exact", info.getEndpoints().size(), info.getRecords());
      }
      out.printf(
          "%d rows, %d batches, %s in %.2f s (%.0f rows/s)%n",
          summary.rows(),
          summary.batches(),
          Sizes.format(summary.bytes()),
          seconds,
          summary.rows() / Math.max(seconds, 1e-9));
    }
  }

  /** Parses {@code --filter}: JSON in the form of {@link FilterJson}. */
  static final class FilterConverter implements CommandLine.ITypeConverter<Filter> {
    // As the server reads commands: decimals exact, duplicate keys and trailing text refused.
    private static final ObjectMapper FILTER_JSON =
        JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    @Override
    public Filter convert(String value) {
      JsonNode json;
      try {
        json = FILTER_JSON.readTree(value);
      } catch (JsonProcessingException e) {
        throw new CommandLine.TypeConversionException(
            "not JSON ("
                + e.getOriginalMessage()
                + "); expected e.g. {\"op\": \"=\", \"column\": \"a\", \"value\": 1}");
      }
      try {
        return FilterJson.parse(json);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** A cell as a person reads it: dates as dates, nulls as null. */
  static String display(org.apache.arrow.vector.FieldVector vector, int row) {
    if (vector.isNull(row)) {
      return "null";
    }
    if (vector instanceof org.apache.arrow.vector.DateDayVector dates) {
      return java.time.LocalDate.ofEpochDay(dates.get(row)).toString();
    }
    return String.valueOf(vector.getObject(row));
  }

  @Command(
      name = "health",
      mixinStandardHelpOptions = true,
      description = "Check that a node answers.")
  static final class Health extends ClientCommand {
    @Override
    void run(QuiverClient client, PrintWriter out) {
      out.println(client.action(Actions.HEALTH, Empty.INSTANCE).path("status").asText());
    }
  }

  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new QuiverCli());
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new QuiverCli()).execute(args));
  }
}
