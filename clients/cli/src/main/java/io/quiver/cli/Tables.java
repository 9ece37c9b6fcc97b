package io.quiver.cli;

import java.io.PrintWriter;
import java.util.List;

/** Prints rows as aligned columns; the first row is the header. */
final class Tables {
  private Tables() {}

  static void print(PrintWriter out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] widths = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        line.append(i == cols - 1 ? r[i] : String.format("%-" + (widths[i] + 2) + "s", r[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
