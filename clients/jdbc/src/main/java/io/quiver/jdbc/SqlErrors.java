package io.quiver.jdbc;

import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.sql.parser.SqlParseException;

/**
 * What went wrong with a statement, for people: the message without the statement echoed back or
 * the parser's list of expected tokens, and the position (1-based line and column) when the failure
 * has one (syntax and validation errors). Stateless.
 */
public final class SqlErrors {
  private SqlErrors() {}

  /**
   * @param message one line saying what is wrong
   * @param line the line of the statement at fault, or 0 if unknown
   * @param column the column at fault, or 0 if unknown
   */
  public record Described(String message, int line, int column) {
    public boolean hasPosition() {
      return line > 0;
    }
  }

  public static Described describe(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SqlParseException p) {
        String m = firstLine(p.getMessage());
        return new Described(m, p.getPos().getLineNum(), p.getPos().getColumnNum());
      }
      if (t instanceof CalciteContextException c) {
        String m = c.getCause() != null ? c.getCause().getMessage() : c.getMessage();
        return new Described(firstLine(m), c.getPosLine(), c.getPosColumn());
      }
      if (t instanceof ScanException || t instanceof FlightRuntimeException) {
        return new Described(firstLine(t.getMessage()), 0, 0);
      }
    }
    String m = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    // Avatica prefixes: Error while executing SQL "...": <cause>
    int quoteEnd = m.startsWith("Error while executing SQL \"") ? m.indexOf("\": ") : -1;
    if (quoteEnd > 0) {
      m = m.substring(quoteEnd + 3);
    }
    return new Described(firstLine(m.strip()), 0, 0);
  }

  private static String firstLine(String m) {
    if (m == null) {
      return "unknown error";
    }
    String s = m.strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl).strip();
  }
}
