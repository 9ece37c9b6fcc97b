package io.quiver.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive side of {@code quiver sql}: JLine line editing and a history file; a statement
 * runs when a line ends with {@code ;}. Ctrl-C drops the statement being typed, Ctrl-D or {@code
 * \q} leaves. Not thread-safe.
 */
final class SqlShell {
  static final String HELP =
      String.join(
          "\n",
          "End a statement with ';' to run it. Commands:",
          "  \\dt          list tables",
          "  \\d NAME      columns of table NAME (e.g. \\d sales.orders)",
          "  \\q           quit (or Ctrl-D)",
          "Identifiers keep their case and match case-insensitively; \"double quotes\" quote them.",
          "EXPLAIN PLAN FOR <query> shows the columns and filters pushed into each scan.");

  private final StatementRunner runner;
  private final Path history;

  SqlShell(StatementRunner runner, Path history) {
    this.runner = runner;
    this.history = history;
  }

  void run() throws IOException {
    // dumb(true): piped input gets a plain terminal without JLine warning about it.
    try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
      run(terminal);
    }
  }

  /** Reads statements from {@code terminal} until end of input or {@code \q}. */
  void run(Terminal terminal) {
    DefaultParser parser = new DefaultParser();
    parser.setEofOnUnclosedQuote(false);
    parser.setEscapeChars(null);
    LineReader reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("quiver")
            .parser(parser)
            .variable(LineReader.HISTORY_FILE, history)
            .build();
    PrintWriter out = runner.out();
    out.println("Quiver SQL. End statements with ';'. \\? for help, \\q to quit.");
    out.flush();
    StringBuilder statement = new StringBuilder();
    while (true) {
      String line;
      try {
        line = reader.readLine(statement.length() == 0 ? "quiver> " : "     -> ");
      } catch (UserInterruptException e) {
        statement.setLength(0);
        continue;
      } catch (EndOfFileException e) {
        break;
      }
      String trimmed = line.strip();
      if (statement.length() == 0 && trimmed.startsWith("\\")) {
        if (!command(trimmed)) {
          break;
        }
        continue;
      }
      if (statement.length() == 0
          && (trimmed.equalsIgnoreCase("quit") || trimmed.equalsIgnoreCase("exit"))) {
        break;
      }
      if (trimmed.isEmpty() && statement.length() == 0) {
        continue;
      }
      statement.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        runner.run(statement.toString());
        statement.setLength(0);
      }
    }
    try {
      reader.getHistory().save();
    } catch (IOException e) {
      runner.err().println("quiver: could not save history to " + history + ": " + e.getMessage());
    }
    runner.err().flush();
  }

  /** Runs a backslash command; false to leave the shell. */
  private boolean command(String line) {
    PrintWriter out = runner.out();
    String[] words = line.split("\\s+", 2);
    switch (words[0]) {
      case "\\q":
        return false;
      case "\\?":
      case "\\h":
        out.println(HELP);
        break;
      case "\\dt":
        listTables();
        break;
      case "\\d":
        if (words.length < 2) {
          listTables();
        } else {
          describe(words[1].strip());
        }
        break;
      default:
        runner.err().println("Unknown command " + words[0] + " (\\? for help)");
    }
    out.flush();
    runner.err().flush();
    return true;
  }

  private void listTables() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"table", "type"});
    try (ResultSet rs = runner.connection().getMetaData().getTables(null, null, "%", null)) {
      while (rs.next()) {
        String schema = rs.getString("TABLE_SCHEM");
        if ("metadata".equals(schema)) {
          continue;
        }
        String name = rs.getString("TABLE_NAME");
        rows.add(new String[] {schema == null ? name : schema + "." + name, rs.getString(4)});
      }
    } catch (SQLException e) {
      runner.printError("", e);
      return;
    }
    Tables.print(runner.out(), rows);
  }

  private void describe(String table) {
    int dot = table.lastIndexOf('.');
    String schema = dot < 0 ? null : table.substring(0, dot);
    String name = dot < 0 ? table : table.substring(dot + 1);
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"column", "type", "nullable"});
    try {
      DatabaseMetaData md = runner.connection().getMetaData();
      try (ResultSet rs = md.getColumns(null, schema, name, "%")) {
        while (rs.next()) {
          rows.add(
              new String[] {
                rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"), rs.getString("IS_NULLABLE")
              });
        }
      }
    } catch (SQLException e) {
      runner.printError("", e);
      return;
    }
    if (rows.size() == 1) {
      runner.err().println("No table " + table + " (\\dt lists them)");
      return;
    }
    Tables.print(runner.out(), rows);
  }
}
