package io.quiver.sql;

import io.quiver.protocol.Filter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.TimeString;
import org.apache.calcite.util.TimestampString;

/**
 * Translates Calcite row expressions over a Quiver table into scan-command {@link Filter}s that the
 * server evaluates with the same meaning (see {@code docs/FILTERS.md}): comparisons of a column
 * with a literal of a matching type, {@code IN}/ranges ({@code SEARCH}), {@code IS [NOT] NULL},
 * {@code AND}/{@code OR}/{@code NOT}. Anything else (functions, column-to-column comparisons, casts
 * that change meaning, literals of another type) is not translated and stays with the SQL engine.
 *
 * <p>Thread-safe (immutable).
 */
public final class FilterTranslator {
  private final List<Field> fields;
  private final RexBuilder rexBuilder;

  /**
   * @param fields the table's columns, in the order the expressions' input references use
   */
  public FilterTranslator(List<Field> fields, RexBuilder rexBuilder) {
    this.fields = List.copyOf(fields);
    this.rexBuilder = rexBuilder;
  }

  /** The filter {@code node} means, or null if it cannot be translated exactly. */
  public Filter translate(RexNode node) {
    try {
      return visit(RexUtil.expandSearch(rexBuilder, null, node));
    } catch (Untranslatable e) {
      return null;
    }
  }

  /**
   * Splits {@code conjuncts} into those translated (returned, combined with AND, or null if none)
   * and those left (kept in {@code conjuncts}).
   */
  public Filter translateConjuncts(List<RexNode> conjuncts) {
    List<Filter> done = new ArrayList<>();
    for (var it = conjuncts.iterator(); it.hasNext(); ) {
      Filter f = translate(it.next());
      if (f != null) {
        done.add(f);
        it.remove();
      }
    }
    if (done.isEmpty()) {
      return null;
    }
    return done.size() == 1 ? done.get(0) : new Filter.And(done);
  }

  private static final class Untranslatable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Untranslatable() {
      super(null, null, false, false);
    }
  }

  private Filter visit(RexNode node) {
    if (node instanceof RexInputRef ref
        && ref.getType().getSqlTypeName() == SqlTypeName.BOOLEAN
        && ref.getIndex() < fields.size()
        && fields.get(ref.getIndex()).getType() instanceof ArrowType.Bool) {
      // A boolean column as a condition: TRUE where it is true, NULL where null.
      return new Filter.Compare(fields.get(ref.getIndex()).getName(), Filter.CompareOp.EQ, true);
    }
    if (!(node instanceof RexCall call)) {
      throw new Untranslatable();
    }
    SqlKind kind = call.getKind();
    switch (kind) {
      case AND:
      case OR:
        {
          List<Filter> operands = new ArrayList<>();
          for (RexNode o : call.getOperands()) {
            operands.add(visit(o));
          }
          return kind == SqlKind.AND ? new Filter.And(operands) : new Filter.Or(operands);
        }
      case NOT:
        return new Filter.Not(visit(call.getOperands().get(0)));
      case IS_NULL:
        return new Filter.IsNull(column(call.getOperands().get(0)).getName());
      case IS_NOT_NULL:
        return new Filter.IsNotNull(column(call.getOperands().get(0)).getName());
      case EQUALS:
      case NOT_EQUALS:
      case LESS_THAN:
      case LESS_THAN_OR_EQUAL:
      case GREATER_THAN:
      case GREATER_THAN_OR_EQUAL:
        return comparison(call);
      default:
        throw new Untranslatable();
    }
  }

  private Filter comparison(RexCall call) {
    RexNode left = call.getOperands().get(0);
    RexNode right = call.getOperands().get(1);
    Filter.CompareOp op = op(call.getKind());
    if (stripCast(left) instanceof RexLiteral && !(stripCast(right) instanceof RexLiteral)) {
      RexNode t = left;
      left = right;
      right = t;
      op = flip(op);
    }
    Field field = column(left);
    if (!(right instanceof RexLiteral literal) || literal.isNull()) {
      throw new Untranslatable();
    }
    return new Filter.Compare(field.getName(), op, literal(field, literal));
  }

  private static Filter.CompareOp op(SqlKind kind) {
    return switch (kind) {
      case EQUALS -> Filter.CompareOp.EQ;
      case NOT_EQUALS -> Filter.CompareOp.NE;
      case LESS_THAN -> Filter.CompareOp.LT;
      case LESS_THAN_OR_EQUAL -> Filter.CompareOp.LE;
      case GREATER_THAN -> Filter.CompareOp.GT;
      default -> Filter.CompareOp.GE;
    };
  }

  private static Filter.CompareOp flip(Filter.CompareOp op) {
    return switch (op) {
      case LT -> Filter.CompareOp.GT;
      case LE -> Filter.CompareOp.GE;
      case GT -> Filter.CompareOp.LT;
      case GE -> Filter.CompareOp.LE;
      default -> op;
    };
  }

  private static RexNode stripCast(RexNode node) {
    return node.getKind() == SqlKind.CAST ? ((RexCall) node).getOperands().get(0) : node;
  }

  /**
   * The column a (possibly cast) input reference names. A cast is looked through only between
   * numeric types, where comparing the uncast value with the literal means the same.
   */
  private Field column(RexNode node) {
    if (node.getKind() == SqlKind.CAST) {
      RexNode inner = ((RexCall) node).getOperands().get(0);
      if (SqlTypeFamily.NUMERIC.contains(node.getType())
          && SqlTypeFamily.NUMERIC.contains(inner.getType())) {
        node = inner;
      } else {
        throw new Untranslatable();
      }
    }
    if (!(node instanceof RexInputRef ref) || ref.getIndex() >= fields.size()) {
      throw new Untranslatable();
    }
    return fields.get(ref.getIndex());
  }

  /** A literal the server can compare with the column, or Untranslatable. */
  private static Object literal(Field field, RexLiteral literal) {
    ArrowType t = field.getType();
    SqlTypeName type = literal.getTypeName();
    if (t instanceof ArrowType.Int
        || t instanceof ArrowType.Decimal
        || t instanceof ArrowType.FloatingPoint) {
      if (t instanceof ArrowType.Int i && i.getBitWidth() == 64 && !i.getIsSigned()) {
        throw new Untranslatable();
      }
      if (t instanceof ArrowType.Decimal d && d.getBitWidth() != 128) {
        throw new Untranslatable();
      }
      if (t instanceof ArrowType.FloatingPoint f
          && f.getPrecision() == FloatingPointPrecision.HALF) {
        throw new Untranslatable();
      }
      if (!SqlTypeName.NUMERIC_TYPES.contains(type)) {
        throw new Untranslatable();
      }
      BigDecimal v = literal.getValueAs(BigDecimal.class);
      if (v == null) {
        throw new Untranslatable();
      }
      if (type == SqlTypeName.DOUBLE || type == SqlTypeName.REAL || type == SqlTypeName.FLOAT) {
        double d = v.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new Untranslatable();
        }
      }
      return v;
    }
    if (t instanceof ArrowType.Utf8 || t instanceof ArrowType.LargeUtf8) {
      if (type != SqlTypeName.CHAR && type != SqlTypeName.VARCHAR) {
        throw new Untranslatable();
      }
      return literal.getValueAs(String.class);
    }
    if (t instanceof ArrowType.Bool) {
      if (type != SqlTypeName.BOOLEAN) {
        throw new Untranslatable();
      }
      return literal.getValueAs(Boolean.class);
    }
    if (t instanceof ArrowType.Date) {
      if (type != SqlTypeName.DATE) {
        throw new Untranslatable();
      }
      return literal.getValueAs(DateString.class).toString();
    }
    if (t instanceof ArrowType.Time) {
      if (type != SqlTypeName.TIME) {
        throw new Untranslatable();
      }
      return literal.getValueAs(TimeString.class).toString();
    }
    if (t instanceof ArrowType.Timestamp ts) {
      // A zone-less column compares with TIMESTAMP literals; a zoned (UTC-instant) column with
      // TIMESTAMP WITH LOCAL TIME ZONE literals, which Calcite holds in UTC.
      SqlTypeName expected =
          ts.getTimezone() == null
              ? SqlTypeName.TIMESTAMP
              : SqlTypeName.TIMESTAMP_WITH_LOCAL_TIME_ZONE;
      if (type != expected) {
        throw new Untranslatable();
      }
      String s = literal.getValueAs(TimestampString.class).toString().replace(' ', 'T');
      return ts.getTimezone() == null ? s : s + "Z";
    }
    throw new Untranslatable();
  }
}
