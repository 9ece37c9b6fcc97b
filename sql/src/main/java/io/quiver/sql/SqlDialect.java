package io.quiver.sql;

import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.rel.type.RelDataTypeSystem;
import org.apache.calcite.rel.type.RelDataTypeSystemImpl;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * The lexical rules and type system both of Quiver's SQL paths use (the Calcite JDBC driver and the
 * Flight SQL endpoint), so that one query means the same on both.
 *
 * <ul>
 *   <li>Identifiers keep their case, quoted or not, and match case-insensitively: {@code select
 *       flag from sales.orders} finds the column {@code flag} of table {@code sales.orders} as the
 *       catalog spells them (Calcite's default would upper-case unquoted names). Double quotes
 *       quote identifiers ({@code "order"}); strings use single quotes.
 *   <li>Decimals up to 38 digits (Arrow's and Parquet's {@code decimal128}); Calcite's default is
 *       19.
 *   <li>Lenient conformance: {@code LIMIT}, {@code !=}, {@code GROUP BY} aliases and ordinals.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class SqlDialect {
  private SqlDialect() {}

  static {
    // Calcite reads string literals in ISO-8859-1 unless told otherwise, so '中文' would fail to
    // parse. Calcite reads these once, when its first class needs them: callers run init() first.
    setIfAbsent("calcite.default.charset", "UTF-8");
    setIfAbsent("calcite.default.nationalcharset", "UTF-8");
    setIfAbsent("calcite.default.collation.name", "UTF-8$en_US");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * Makes string literals UTF-8 (unless the JVM was started with other {@code calcite.default.*}
   * settings). Call before any other Calcite class is used in this JVM; later calls change nothing.
   */
  public static void init() {
    // The static initializer does the work.
  }

  /**
   * Function libraries on top of standard SQL: PostgreSQL's (string functions such as {@code
   * repeat}, {@code lpad}, {@code split_part}, {@code string_agg}, date functions such as {@code
   * date_trunc}), whose meaning the Flight SQL executor (DuckDB) shares.
   */
  public static final String LIBRARIES = "standard,postgresql";

  /** The operator table of {@link #LIBRARIES}. */
  public static org.apache.calcite.sql.SqlOperatorTable operatorTable() {
    return org.apache.calcite.sql.fun.SqlLibraryOperatorTableFactory.INSTANCE.getOperatorTable(
        org.apache.calcite.sql.fun.SqlLibrary.STANDARD,
        org.apache.calcite.sql.fun.SqlLibrary.POSTGRESQL);
  }

  /** Decimal128's largest precision. */
  public static final int MAX_DECIMAL_PRECISION = 38;

  public static final RelDataTypeSystem TYPE_SYSTEM =
      new RelDataTypeSystemImpl() {
        @Override
        public int getMaxPrecision(SqlTypeName typeName) {
          switch (typeName) {
            case DECIMAL:
              return MAX_DECIMAL_PRECISION;
            case TIME:
            case TIMESTAMP:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
              return 9; // nanoseconds, as Arrow's
            default:
              return super.getMaxPrecision(typeName);
          }
        }

        @Override
        public int getMaxScale(SqlTypeName typeName) {
          return typeName == SqlTypeName.DECIMAL
              ? MAX_DECIMAL_PRECISION
              : super.getMaxScale(typeName);
        }
      };

  public static SqlParser.Config parserConfig() {
    return SqlParser.config()
        .withQuoting(Quoting.DOUBLE_QUOTE)
        .withUnquotedCasing(Casing.UNCHANGED)
        .withQuotedCasing(Casing.UNCHANGED)
        .withCaseSensitive(false)
        .withConformance(SqlConformanceEnum.LENIENT);
  }

  /**
   * Connection properties for a Calcite JDBC connection with these rules ({@code lex}-free
   * settings, so each one is explicit).
   */
  public static java.util.Properties connectionProperties() {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("quoting", Quoting.DOUBLE_QUOTE.name());
    p.setProperty("unquotedCasing", Casing.UNCHANGED.name());
    p.setProperty("quotedCasing", Casing.UNCHANGED.name());
    p.setProperty("caseSensitive", "false");
    p.setProperty("conformance", SqlConformanceEnum.LENIENT.name());
    p.setProperty("typeSystem", SqlDialect.class.getName() + "#TYPE_SYSTEM");
    p.setProperty("fun", LIBRARIES);
    return p;
  }
}
