package io.quiver.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SQL workload: a query written once, run as the same text by every SQL contender (Quiver's
 * Flight SQL endpoint and DuckDB), with the table named by {@value #TABLE} replaced by the name the
 * contender's table has.
 *
 * @param name workload name in results, e.g. {@code q1}
 * @param template the SQL text with {@value #TABLE} where the table's name goes
 * @param ordered whether the query's ORDER BY fixes the order of its rows (then the order is part
 *     of the answer); otherwise rows are compared as a multiset
 * @param zoneFilter the range of one column outside which no row can match, as a reader with
 *     min/max statistics (DuckDB's zone maps) would use it to skip row groups; null when the query
 *     gives a reader nothing to skip with
 * @param description what the query is, for the report
 */
public record SqlQuery(
    String name, String template, boolean ordered, ZoneFilter zoneFilter, String description) {

  /** The placeholder for the table's name in {@link #template()}. */
  public static final String TABLE = "${table}";

  private static final Pattern COLUMN = Pattern.compile("\\bl_[a-z]+\\b");

  public SqlQuery {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    if (!template.contains(TABLE)) {
      throw new IllegalArgumentException("query " + name + " names no " + TABLE);
    }
  }

  /**
   * A closed range of one column's values in Parquet's physical representation (days since the
   * epoch for a DATE, the value for an INT64), both ends inclusive.
   */
  public record ZoneFilter(String column, long min, long max) {
    public ZoneFilter {
      Objects.requireNonNull(column, "column");
      if (min > max) {
        throw new IllegalArgumentException("empty range " + min + ".." + max + " of " + column);
      }
    }

    /**
     * Whether a row group whose {@link #column()} lies in {@code [groupMin, groupMax]} may match.
     */
    public boolean mayMatch(long groupMin, long groupMax) {
      return groupMax >= min && groupMin <= max;
    }
  }

  /** The query over {@code table} (a dotted catalog name such as {@code bench.loopback}). */
  public String sql(String table) {
    return template.replace(TABLE, table);
  }

  /**
   * The columns of {@code all} the query mentions, in {@code all}'s order: what a reader has to
   * fetch. Every lineitem column name starts with {@code l_}, so mentions are found lexically.
   */
  public List<String> columns(List<String> all) {
    List<String> mentioned = new ArrayList<>();
    Matcher m = COLUMN.matcher(template);
    while (m.find()) {
      mentioned.add(m.group());
    }
    List<String> out = new ArrayList<>();
    for (String c : all) {
      if (mentioned.contains(c)) {
        out.add(c);
      }
    }
    for (String c : mentioned) {
      if (!all.contains(c)) {
        throw new IllegalArgumentException("query " + name + " names unknown column " + c);
      }
    }
    return out;
  }
}
