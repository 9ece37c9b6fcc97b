package io.quiver.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link Filter}, version {@value #VERSION} (documented in {@code
 * docs/FILTERS.md}):
 *
 * <pre>
 * {"op": "=", "column": "a", "value": 1}          also "&lt;&gt;", "&lt;", "&lt;=", "&gt;", "&gt;="
 * {"op": "in", "column": "a", "values": [1, 2]}
 * {"op": "between", "column": "a", "low": 1, "high": 9}
 * {"op": "is_null", "column": "a"}                also "is_not_null"
 * {"op": "and", "args": [ … ]}                    also "or"
 * {"op": "not", "arg": { … }}
 * </pre>
 *
 * Literals are JSON numbers, strings or booleans; dates and timestamps are ISO-8601 strings.
 * Numbers with a fraction or exponent are read as exact decimals. Thread-safe (stateless).
 */
public final class FilterJson {
  /** The filter encoding's version; a command names it in {@code filter_version}. */
  public static final int VERSION = 1;

  /** Deeper filters are refused (a hostile client must not overflow the server's stack). */
  public static final int MAX_DEPTH = 64;

  /** Filters with more nodes are refused. */
  public static final int MAX_NODES = 10_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private FilterJson() {}

  public static ObjectNode toJson(Filter filter) {
    ObjectNode node = NODES.objectNode();
    if (filter instanceof Filter.Compare c) {
      node.put("op", c.op().symbol());
      node.put("column", c.column());
      node.set("value", literal(c.value()));
    } else if (filter instanceof Filter.In in) {
      node.put("op", "in");
      node.put("column", in.column());
      ArrayNode values = node.putArray("values");
      in.values().forEach(v -> values.add(literal(v)));
    } else if (filter instanceof Filter.Between b) {
      node.put("op", "between");
      node.put("column", b.column());
      node.set("low", literal(b.low()));
      node.set("high", literal(b.high()));
    } else if (filter instanceof Filter.IsNull n) {
      node.put("op", "is_null");
      node.put("column", n.column());
    } else if (filter instanceof Filter.IsNotNull n) {
      node.put("op", "is_not_null");
      node.put("column", n.column());
    } else if (filter instanceof Filter.And a) {
      node.put("op", "and");
      ArrayNode args = node.putArray("args");
      a.operands().forEach(f -> args.add(toJson(f)));
    } else if (filter instanceof Filter.Or o) {
      node.put("op", "or");
      ArrayNode args = node.putArray("args");
      o.operands().forEach(f -> args.add(toJson(f)));
    } else {
      node.put("op", "not");
      node.set("arg", toJson(((Filter.Not) filter).operand()));
    }
    return node;
  }

  /**
   * @throws IllegalArgumentException saying what is wrong (unknown operator, missing field, a
   *     literal that is not a number, string or boolean, too deep or too large)
   */
  public static Filter parse(JsonNode node) {
    int[] budget = {MAX_NODES};
    return parse(node, 1, budget);
  }

  private static Filter parse(JsonNode node, int depth, int[] budget) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("Filter nested deeper than " + MAX_DEPTH + " levels");
    }
    if (--budget[0] < 0) {
      throw new IllegalArgumentException("Filter has more than " + MAX_NODES + " nodes");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "A filter must be a JSON object such as {\"op\": \"=\", \"column\": \"a\", \"value\": 1},"
              + " got "
              + abbreviate(node));
    }
    JsonNode opNode = node.get("op");
    if (opNode == null || !opNode.isTextual()) {
      throw new IllegalArgumentException("A filter needs an \"op\": " + abbreviate(node));
    }
    String op = opNode.textValue();
    switch (op.toLowerCase(java.util.Locale.ROOT)) {
      case "in":
        {
          JsonNode values = node.get("values");
          if (values == null || !values.isArray() || values.isEmpty()) {
            throw new IllegalArgumentException("\"in\" needs a non-empty \"values\" array");
          }
          List<Object> list = new ArrayList<>();
          for (JsonNode v : values) {
            if (--budget[0] < 0) {
              throw new IllegalArgumentException("Filter has more than " + MAX_NODES + " nodes");
            }
            list.add(literal(v, "in"));
          }
          return new Filter.In(column(node, op), list);
        }
      case "between":
        return new Filter.Between(
            column(node, op),
            literal(required(node, "low", op), op),
            literal(required(node, "high", op), op));
      case "is_null":
        return new Filter.IsNull(column(node, op));
      case "is_not_null":
        return new Filter.IsNotNull(column(node, op));
      case "and":
      case "or":
        {
          JsonNode args = node.get("args");
          if (args == null || !args.isArray() || args.isEmpty()) {
            throw new IllegalArgumentException("\"" + op + "\" needs a non-empty \"args\" array");
          }
          List<Filter> operands = new ArrayList<>();
          for (JsonNode a : args) {
            operands.add(parse(a, depth + 1, budget));
          }
          return op.equalsIgnoreCase("and") ? new Filter.And(operands) : new Filter.Or(operands);
        }
      case "not":
        return new Filter.Not(parse(required(node, "arg", op), depth + 1, budget));
      default:
        Filter.CompareOp compare;
        try {
          compare = Filter.CompareOp.ofSymbol(op);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Unknown filter operator '"
                  + op
                  + "' (known: =, <>, <, <=, >, >=, in, between, is_null, is_not_null, and, or,"
                  + " not)");
        }
        return new Filter.Compare(
            column(node, op), compare, literal(required(node, "value", op), op));
    }
  }

  private static String column(JsonNode node, String op) {
    JsonNode c = node.get("column");
    if (c == null || !c.isTextual() || c.textValue().isEmpty()) {
      throw new IllegalArgumentException("\"" + op + "\" needs a \"column\" name");
    }
    return c.textValue();
  }

  private static JsonNode required(JsonNode node, String field, String op) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw new IllegalArgumentException("\"" + op + "\" needs \"" + field + "\"");
    }
    return v;
  }

  private static Object literal(JsonNode v, String op) {
    if (v.isNull()) {
      throw new IllegalArgumentException(
          "\"" + op + "\" has a null literal: a comparison with NULL is never true; use is_null");
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? (Object) v.longValue() : new BigDecimal(v.bigIntegerValue());
    }
    if (v.isNumber()) {
      return v.decimalValue();
    }
    throw new IllegalArgumentException(
        "\"" + op + "\": a literal must be a number, string or boolean, got " + abbreviate(v));
  }

  private static JsonNode literal(Object v) {
    if (v instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (v instanceof BigDecimal d) {
      return NODES.numberNode(d);
    }
    if (v instanceof Double d) {
      return NODES.numberNode(d);
    }
    if (v instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    return NODES.textNode((String) v);
  }

  private static String abbreviate(JsonNode node) {
    String s = String.valueOf(node);
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
