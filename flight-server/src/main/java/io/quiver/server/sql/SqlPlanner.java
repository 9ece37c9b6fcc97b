package io.quiver.server.sql;

import io.quiver.protocol.Filter;
import io.quiver.sql.CatalogSchema;
import io.quiver.sql.FilterTranslator;
import io.quiver.sql.QuiverTable;
import io.quiver.sql.SqlDialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgramBuilder;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.RelRoot;
import org.apache.calcite.rel.core.TableScan;
import org.apache.calcite.rel.logical.LogicalFilter;
import org.apache.calcite.rel.logical.LogicalProject;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlWithItem;
import org.apache.calcite.sql.dialect.PostgresqlSqlDialect;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.tools.FrameworkConfig;
import org.apache.calcite.tools.Frameworks;
import org.apache.calcite.tools.Planner;
import org.apache.calcite.tools.RelConversionException;
import org.apache.calcite.tools.ValidationException;

/**
 * The front end of the Flight SQL endpoint: Calcite parses and validates a query against the
 * catalog (so errors name the line and column, and the dialect is the one the Calcite JDBC driver
 * speaks — see {@link SqlDialect}), plans it to find what each table scan needs — the columns the
 * query uses and the filters Calcite pushed down to the scan — and rewrites the query for the
 * executor (DuckDB), each table replaced by a Quiver scan of only those columns, pruned and
 * filtered by the server.
 *
 * <p>The query DuckDB runs keeps every predicate the user wrote; the scans only remove rows the
 * query would discard, so a filter pushed down is an optimization, never a change of meaning.
 *
 * <p>Thread-safe: every call plans with its own Calcite planner.
 */
public final class SqlPlanner {
  /** Prefix of the names under which a query's scans are registered in DuckDB. */
  static final String SCAN_PREFIX = "__quiver_scan_";

  private final TableScans tables;

  public SqlPlanner(TableScans tables) {
    SqlDialect.init();
    this.tables = tables;
  }

  /**
   * One table a query reads.
   *
   * @param table the catalog's table name
   * @param view the name the scan has in the executor's query
   * @param columns the columns read (at least one)
   * @param filter rows to keep (implied by the query), or null for all
   * @param reused whether the query reads the table more than once (the executor must then keep its
   *     rows rather than stream them once)
   * @param tableSchema the table's schema when the query was planned
   */
  public record TableRead(
      String table,
      String view,
      List<String> columns,
      Filter filter,
      boolean reused,
      org.apache.arrow.vector.types.pojo.Schema tableSchema) {}

  /**
   * A planned query.
   *
   * @param sql what the user wrote
   * @param executorSql the query for DuckDB, over the scans' views
   * @param reads the tables it reads
   * @param parameters the types of its {@code ?} parameters, in order
   */
  public record PlannedQuery(
      String sql, String executorSql, List<TableRead> reads, List<RelDataType> parameters) {}

  /**
   * @throws IllegalArgumentException for a syntax or validation error, with its line and column
   * @throws io.quiver.catalog.NoSuchTableException never: an unknown table is a validation error
   */
  public PlannedQuery plan(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new IllegalArgumentException("Empty SQL query");
    }
    CalciteSchema root =
        CalciteSchema.createRootSchema(
            false,
            false,
            "",
            new CatalogSchema(tables::tableNames, name -> new QuiverTable(name, schemaOf(name))));
    SchemaPlus rootPlus = root.plus();
    FrameworkConfig config =
        Frameworks.newConfigBuilder()
            .parserConfig(SqlDialect.parserConfig())
            .defaultSchema(rootPlus)
            .typeSystem(SqlDialect.TYPE_SYSTEM)
            .operatorTable(SqlDialect.operatorTable())
            // Folds constant expressions (date '1994-01-01' + interval '1' year) into literals,
            // which filters can be pushed down with.
            .executor(org.apache.calcite.rex.RexUtil.EXECUTOR)
            .sqlToRelConverterConfig(
                SqlToRelConverter.config().withTrimUnusedFields(true).withExpand(false))
            .build();
    Planner planner = Frameworks.getPlanner(config);
    try {
      SqlNode parsed = planner.parse(sql);
      if (!parsed.getKind().belongsTo(SqlKind.QUERY)) {
        throw new IllegalArgumentException(
            "Only queries are supported (SELECT, WITH, VALUES, set operations), not "
                + parsed.getKind());
      }
      SqlNode validated = planner.validate(parsed);
      RelRoot rel = planner.rel(validated);
      List<RelDataType> parameters = parameterTypes(validated, rel.rel);
      RelNode optimized = pushDown(trim(rel.project()));
      Map<String, TableRead> reads = collectReads(optimized);
      // Rewrite a fresh parse of the text: the validated tree carries Calcite's expansions.
      SqlNode original = SqlParser.create(sql, SqlDialect.parserConfig()).parseQuery();
      rewriteTables(original, reads, new HashSet<>());
      String executorSql =
          original.toSqlString(c -> c.withDialect(PostgresqlSqlDialect.DEFAULT)).getSql();
      return new PlannedQuery(sql, executorSql, List.copyOf(reads.values()), parameters);
    } catch (SqlParseException e) {
      SqlParserPos pos = e.getPos();
      throw new IllegalArgumentException(
          "SQL syntax error at line "
              + pos.getLineNum()
              + ", column "
              + pos.getColumnNum()
              + ": "
              + firstLine(e.getMessage()),
          e);
    } catch (ValidationException e) {
      throw new IllegalArgumentException(validationMessage(e), e);
    } catch (CalciteContextException e) {
      throw new IllegalArgumentException(contextMessage(e), e);
    } catch (RelConversionException e) {
      throw new IllegalArgumentException("Cannot plan the query: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw e;
    } finally {
      planner.close();
    }
  }

  /** The types Calcite inferred for the {@code ?} parameters (VARCHAR where a plan dropped one). */
  private static List<RelDataType> parameterTypes(SqlNode validated, RelNode rel) {
    int[] count = {0};
    validated.accept(
        new org.apache.calcite.sql.util.SqlBasicVisitor<Void>() {
          @Override
          public Void visit(org.apache.calcite.sql.SqlDynamicParam param) {
            count[0] = Math.max(count[0], param.getIndex() + 1);
            return null;
          }
        });
    RelDataType[] types = new RelDataType[count[0]];
    new org.apache.calcite.rel.RelVisitor() {
      @Override
      public void visit(RelNode node, int ordinal, RelNode parent) {
        node.accept(
            new org.apache.calcite.rex.RexShuttle() {
              @Override
              public RexNode visitDynamicParam(org.apache.calcite.rex.RexDynamicParam param) {
                if (param.getIndex() < types.length) {
                  types[param.getIndex()] = param.getType();
                }
                return param;
              }
            });
        super.visit(node, ordinal, parent);
      }
    }.go(rel);
    List<RelDataType> out = new ArrayList<>();
    for (RelDataType t : types) {
      out.add(
          t != null
              ? t
              : rel.getCluster()
                  .getTypeFactory()
                  .createSqlType(org.apache.calcite.sql.type.SqlTypeName.VARCHAR));
    }
    return out;
  }

  /**
   * Whether {@code query} still fits the catalog: every table it reads exists with the schema it
   * was planned with (the scans are planned at execution anyway, against the files as they are).
   */
  public boolean isCurrent(PlannedQuery query) {
    try {
      for (TableRead read : query.reads()) {
        if (!tables.schema(read.table()).equals(read.tableSchema())) {
          return false;
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // replanning reports the problem properly
    }
  }

  private org.apache.arrow.vector.types.pojo.Schema schemaOf(String table) {
    try {
      return tables.schema(table);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static String validationMessage(ValidationException e) {
    Throwable t = e;
    while (t != null) {
      if (t instanceof CalciteContextException c) {
        return contextMessage(c);
      }
      t = t.getCause();
    }
    return "Invalid query: " + firstLine(e.getMessage());
  }

  private static String contextMessage(CalciteContextException c) {
    String cause = c.getCause() != null ? c.getCause().getMessage() : c.getMessage();
    return "SQL error at line "
        + c.getPosLine()
        + ", column "
        + c.getPosColumn()
        + ": "
        + firstLine(cause);
  }

  /**
   * Puts a projection of only the fields each operator uses above every scan (Calcite's field
   * trimmer), so that a scan's consumer says which columns it reads.
   */
  private static RelNode trim(RelNode rel) {
    org.apache.calcite.tools.RelBuilder builder =
        org.apache.calcite.rel.core.RelFactories.LOGICAL_BUILDER.create(rel.getCluster(), null);
    return new org.apache.calcite.sql2rel.RelFieldTrimmer(null, builder).trim(rel);
  }

  /** Moves filters as close to the scans as Calcite can prove correct. */
  private static RelNode pushDown(RelNode rel) {
    HepProgramBuilder program = new HepProgramBuilder();
    program.addRuleCollection(
        List.of(
            CoreRules.FILTER_INTO_JOIN,
            CoreRules.JOIN_CONDITION_PUSH,
            CoreRules.FILTER_PROJECT_TRANSPOSE,
            CoreRules.FILTER_AGGREGATE_TRANSPOSE,
            CoreRules.FILTER_SET_OP_TRANSPOSE,
            CoreRules.FILTER_MERGE,
            CoreRules.FILTER_REDUCE_EXPRESSIONS,
            CoreRules.PROJECT_MERGE,
            CoreRules.PROJECT_REMOVE));
    HepPlanner hep = new HepPlanner(program.build());
    hep.setRoot(rel);
    return hep.findBestExp();
  }

  /** Per table (by lower-case name): the columns and filters its scans need. */
  private static Map<String, TableRead> collectReads(RelNode plan) {
    Map<String, List<ScanNeeds>> byTable = new LinkedHashMap<>();
    visit(plan, null, null, byTable);
    Map<String, TableRead> reads = new LinkedHashMap<>();
    int n = 0;
    for (Map.Entry<String, List<ScanNeeds>> e : byTable.entrySet()) {
      List<ScanNeeds> scans = e.getValue();
      QuiverTable table = scans.get(0).table;
      List<Field> fields = table.arrowSchema().getFields();
      BitSet used = new BitSet();
      scans.forEach(s -> used.or(s.columns));
      if (used.isEmpty()) {
        used.set(0); // COUNT(*): the rows of any one column
      }
      List<String> columns = new ArrayList<>();
      used.stream().forEach(i -> columns.add(fields.get(i).getName()));
      boolean reused = scans.size() > 1;
      Filter filter = reused ? null : scans.get(0).filter;
      reads.put(
          e.getKey(),
          new TableRead(
              table.name(), SCAN_PREFIX + n++, columns, filter, reused, table.arrowSchema()));
    }
    return reads;
  }

  private record ScanNeeds(QuiverTable table, BitSet columns, Filter filter) {}

  private static void visit(
      RelNode node, RelNode parent, RelNode grandparent, Map<String, List<ScanNeeds>> out) {
    if (node instanceof TableScan scan) {
      QuiverTable table = scan.getTable().unwrap(QuiverTable.class);
      if (table != null) {
        out.computeIfAbsent(table.name().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(needs(scan, table, parent, grandparent));
      }
      return;
    }
    for (RelNode input : node.getInputs()) {
      visit(input, node, parent, out);
    }
  }

  /**
   * What one scan needs: the columns its consumers reference (a Project above it, and a Filter
   * between), or all of them; and the filter directly above it, as far as it translates.
   */
  private static ScanNeeds needs(
      TableScan scan, QuiverTable table, RelNode parent, RelNode grandparent) {
    int width = scan.getRowType().getFieldCount();
    BitSet all = new BitSet();
    all.set(0, width);
    Filter filter = null;
    BitSet used = all;
    if (parent instanceof LogicalFilter f) {
      List<RexNode> conjuncts = new ArrayList<>(RelOptUtil.conjunctions(f.getCondition()));
      filter =
          new FilterTranslator(table.arrowSchema().getFields(), scan.getCluster().getRexBuilder())
              .translateConjuncts(conjuncts);
      if (grandparent instanceof LogicalProject p) {
        used = RelOptUtil.InputFinder.bits(p.getProjects(), null).toBitSet();
        used.or(RelOptUtil.InputFinder.bits(f.getCondition()).toBitSet());
      }
    } else if (parent instanceof LogicalProject p) {
      used = RelOptUtil.InputFinder.bits(p.getProjects(), null).toBitSet();
      if (grandparent instanceof LogicalFilter f) {
        // Filter over a projection of the scan: the condition in terms of the scan's columns.
        RexNode condition = RelOptUtil.pushPastProject(f.getCondition(), p);
        List<RexNode> conjuncts = new ArrayList<>(RelOptUtil.conjunctions(condition));
        filter =
            new FilterTranslator(table.arrowSchema().getFields(), scan.getCluster().getRexBuilder())
                .translateConjuncts(conjuncts);
      }
    }
    return new ScanNeeds(table, used, filter);
  }

  /**
   * Replaces, in place, every table named in a FROM clause by its scan's view, aliased with the
   * table's last name segment so that references such as {@code orders.price} still resolve.
   */
  private void rewriteTables(SqlNode node, Map<String, TableRead> reads, Set<String> cteNames) {
    if (node == null) {
      return;
    }
    if (node instanceof SqlSelect select) {
      if (select.getFrom() != null) {
        select.setFrom(rewriteFrom(select.getFrom(), reads, cteNames));
      }
      for (SqlNode operand : select.getOperandList()) {
        if (operand != select.getFrom()) {
          rewriteTables(operand, reads, cteNames);
        }
      }
      return;
    }
    if (node instanceof SqlWithItem item) {
      cteNames.add(item.name.getSimple().toLowerCase(Locale.ROOT));
    }
    if (node instanceof SqlNodeList list) {
      for (SqlNode item : list) {
        rewriteTables(item, reads, cteNames);
      }
      return;
    }
    if (node instanceof SqlCall call) {
      for (SqlNode operand : call.getOperandList()) {
        rewriteTables(operand, reads, cteNames);
      }
    }
  }

  private SqlNode rewriteFrom(SqlNode from, Map<String, TableRead> reads, Set<String> cteNames) {
    if (from instanceof SqlIdentifier id) {
      TableRead read = readOf(id, reads, cteNames);
      if (read == null) {
        return from;
      }
      return SqlStdOperatorTable.AS.createCall(
          SqlParserPos.ZERO,
          new SqlIdentifier(read.view(), SqlParserPos.ZERO),
          new SqlIdentifier(id.names.get(id.names.size() - 1), SqlParserPos.ZERO));
    }
    if (from instanceof SqlJoin join) {
      join.setLeft(rewriteFrom(join.getLeft(), reads, cteNames));
      join.setRight(rewriteFrom(join.getRight(), reads, cteNames));
      rewriteTables(join.getCondition(), reads, cteNames);
      return join;
    }
    if (from instanceof SqlBasicCall call && call.getKind() == SqlKind.AS) {
      SqlNode target = call.operand(0);
      if (target instanceof SqlIdentifier id) {
        TableRead read = readOf(id, reads, cteNames);
        if (read != null) {
          call.setOperand(0, new SqlIdentifier(read.view(), SqlParserPos.ZERO));
        }
      } else {
        rewriteTables(target, reads, cteNames);
      }
      return call;
    }
    rewriteTables(from, reads, cteNames);
    return from;
  }

  private TableRead readOf(SqlIdentifier id, Map<String, TableRead> reads, Set<String> cteNames) {
    String dotted = String.join(".", id.names).toLowerCase(Locale.ROOT);
    if (id.names.size() == 1 && cteNames.contains(dotted)) {
      return null;
    }
    TableRead read = reads.get(dotted);
    if (read == null) {
      // A table Calcite's plan no longer scans (a filter folded to FALSE, a LIMIT 0): DuckDB still
      // binds its columns, and will not read it either.
      for (String name : tables.tableNames()) {
        if (name.toLowerCase(Locale.ROOT).equals(dotted)) {
          org.apache.arrow.vector.types.pojo.Schema schema = schemaOf(name);
          List<String> columns = schema.getFields().stream().map(Field::getName).toList();
          read = new TableRead(name, SCAN_PREFIX + reads.size(), columns, null, false, schema);
          reads.put(dotted, read);
          break;
        }
      }
    }
    return read;
  }
}
