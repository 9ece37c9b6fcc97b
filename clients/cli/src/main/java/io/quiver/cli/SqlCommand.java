package io.quiver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code quiver sql}: SQL on a node through the Quiver JDBC driver ({@code jdbc:quiver://}), as an
 * interactive shell with line editing and history ({@link SqlShell}), or one statement with {@code
 * -e}.
 */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = {
      "Run SQL on a node through the Quiver JDBC driver: an interactive shell (line editing,"
          + " history; end statements with ';'), or one statement with -e.",
      "Unquoted names keep their case: select flag, count(*) from sales.orders group by flag"
    })
final class SqlCommand implements Callable<Integer> {

  @Mixin QuiverCli.ServerOption server = new QuiverCli.ServerOption();
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-e", "--execute"},
      paramLabel = "SQL",
      description = "Run this statement, print its result and exit (exit code 1 if it fails).")
  String execute;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      converter = ResultFormat.Converter.class,
      description =
          "table, csv or json (default: table). With csv and json the timing line goes to stderr.")
  ResultFormat format = ResultFormat.TABLE;

  @Option(
      names = "--option",
      paramLabel = "KEY=VALUE",
      description = "Driver option, e.g. parallelism=8 or metadataTtl=1s (repeatable).")
  Map<String, String> options = new LinkedHashMap<>();

  @Option(
      names = "--history",
      paramLabel = "FILE",
      description = "History file of the shell (default: ~/.quiver_sql_history).")
  Path history;

  String url() {
    StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
    options.forEach(
        (k, v) ->
            query.add(
                URLEncoder.encode(k, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return "jdbc:quiver://" + server.server + query;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Connection connection;
    try {
      connection = DriverManager.getConnection(url(), server.jdbcCredentials());
    } catch (SQLException e) {
      err.println("quiver: " + e.getMessage());
      err.flush();
      return 1;
    }
    try (connection) {
      StatementRunner runner = new StatementRunner(connection, format, out, err);
      if (execute != null) {
        boolean ok = runner.run(execute);
        out.flush();
        err.flush();
        return ok ? 0 : 1;
      }
      Path file =
          history != null
              ? history
              : Path.of(System.getProperty("user.home"), ".quiver_sql_history");
      new SqlShell(runner, file).run();
      return 0;
    } catch (SQLException e) {
      // Closing the connection failed (it reports leaked memory or readers that did not stop).
      err.println("quiver: " + e.getMessage());
      err.flush();
      return 1;
    }
  }

  /** How results are printed. */
  enum ResultFormat {
    TABLE,
    CSV,
    JSON;

    static final class Converter implements CommandLine.ITypeConverter<ResultFormat> {
      @Override
      public ResultFormat convert(String value) {
        try {
          return ResultFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.TypeConversionException(
              "expected table, csv or json, got '" + value + "'");
        }
      }
    }
  }
}
