package io.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quiver.protocol.Filter;
import java.math.BigDecimal;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Expressions;
import org.apache.spark.sql.connector.expressions.LiteralValue;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** Which Spark predicates become scan filters, and into what (no Spark session needed). */
class PredicateTranslationTest {
  private static Field field(String name, ArrowType type) {
    return new Field(name, FieldType.nullable(type), null);
  }

  private static final Schema SCHEMA =
      new Schema(
          List.of(
              field("i", new ArrowType.Int(32, true)),
              field("u32", new ArrowType.Int(32, false)),
              field("u64", new ArrowType.Int(64, false)),
              field("f", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
              field("s", ArrowType.Utf8.INSTANCE),
              field("bin", ArrowType.Binary.INSTANCE),
              field("dec", new ArrowType.Decimal(12, 2, 128)),
              field("d", new ArrowType.Date(DateUnit.DAY)),
              field("ts", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
              field("ntz", new ArrowType.Timestamp(TimeUnit.MILLISECOND, null)),
              field("ns", new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC")),
              new Field(
                  "st",
                  FieldType.nullable(ArrowType.Struct.INSTANCE),
                  List.of(field("a", new ArrowType.Int(32, true))))));

  private final PredicateTranslation translation = new PredicateTranslation(SCHEMA);

  private static Expression col(String... names) {
    return Expressions.column(String.join(".", names));
  }

  private static Expression lit(Object v, DataType t) {
    return new LiteralValue<>(v, t);
  }

  private static Predicate p(String name, Expression... args) {
    return new Predicate(name, args);
  }

  private Filter t(Predicate p) {
    return translation.translate(p);
  }

  @Test
  void comparisonsInNullChecksAndLogic() {
    assertEquals(Filter.eq("i", 5L), t(p("=", col("i"), lit(5, DataTypes.IntegerType))));
    // Literal first: the operator turns around.
    assertEquals(Filter.gt("i", 5L), t(p("<", lit(5, DataTypes.IntegerType), col("i"))));
    assertEquals(
        Filter.in("i", 1L, 2L),
        t(p("IN", col("i"), lit(1, DataTypes.IntegerType), lit(2, DataTypes.IntegerType))));
    assertEquals(Filter.isNull("bin"), t(p("IS_NULL", col("bin"))));
    assertEquals(Filter.isNotNull("st"), t(p("IS_NOT_NULL", col("st"))));
    Predicate eq = p("=", col("u32"), lit(7L, DataTypes.LongType));
    Predicate lt = p("<", col("s"), lit(UTF8String.fromString("é"), DataTypes.StringType));
    assertEquals(
        Filter.or(Filter.not(Filter.eq("u32", 7L)), Filter.lt("s", "é")),
        t(p("OR", p("NOT", eq), lt)));
    assertEquals(Filter.and(Filter.eq("u32", 7L), Filter.lt("s", "é")), t(p("AND", eq, lt)));
  }

  @Test
  void nullSafeEquality() {
    assertEquals(Filter.isNull("i"), t(p("<=>", col("i"), lit(null, DataTypes.IntegerType))));
    // NOT (i <=> 3) keeps nulls: the translation must be FALSE, not NULL, for them.
    assertEquals(
        Filter.and(Filter.isNotNull("i"), Filter.eq("i", 3L)),
        t(p("<=>", col("i"), lit(3, DataTypes.IntegerType))));
  }

  @Test
  void literalsInTheServersForms() {
    assertEquals(
        Filter.le("dec", new BigDecimal("100.25")),
        t(p("<=", col("dec"), lit(Decimal.apply("100.25"), DataTypes.createDecimalType(12, 2)))));
    assertEquals(
        Filter.ge("d", "2024-02-29"), t(p(">=", col("d"), lit(19_782, DataTypes.DateType))));
    // 2024-01-15T06:30:00.000001Z
    long micros = 1_705_300_200_000_001L;
    assertEquals(
        Filter.gt("ts", "2024-01-15T06:30:00.000001Z"),
        t(p(">", col("ts"), lit(micros, DataTypes.TimestampType))));
    assertEquals(
        Filter.gt("ntz", "2024-01-15T06:30:00.000001"),
        t(p(">", col("ntz"), lit(micros, DataTypes.TimestampNTZType))));
    assertEquals(Filter.gt("f", 0.5), t(p(">", col("f"), lit(0.5f, DataTypes.FloatType))));
  }

  @Test
  void whatStaysWithSpark() {
    // Types the server compares differently or not at all.
    assertNull(t(p("=", col("bin"), lit(new byte[] {1}, DataTypes.BinaryType))));
    assertNull(t(p("=", col("u64"), lit(Decimal.apply(1), DataTypes.createDecimalType(20, 0)))));
    assertNull(t(p("<", col("ns"), lit(0L, DataTypes.TimestampType))));
    // Nested fields, functions, literal types that are not the column's.
    assertNull(t(p("=", col("st", "a"), lit(1, DataTypes.IntegerType))));
    assertNull(
        t(p("STARTS_WITH", col("s"), lit(UTF8String.fromString("a"), DataTypes.StringType))));
    assertNull(t(p("=", col("i"), lit(1L, DataTypes.LongType))));
    // Literals the filter refuses or cannot write.
    assertNull(t(p("=", col("f"), lit(Float.NaN, DataTypes.FloatType))));
    assertNull(t(p("<", col("d"), lit(-800_000, DataTypes.DateType))));
    assertNull(t(p("=", col("i"), lit(null, DataTypes.IntegerType))));
    // A part that stays makes the whole OR, AND or NOT stay.
    Predicate ok = p("=", col("i"), lit(1, DataTypes.IntegerType));
    Predicate no = p("=", col("bin"), lit(new byte[] {1}, DataTypes.BinaryType));
    assertNull(t(p("OR", ok, no)));
    assertNull(t(p("AND", ok, no)));
    assertNull(t(p("NOT", no)));
    assertNull(t(p("ALWAYS_TRUE")));
  }
}
