package io.quiver.format.parquet;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

/**
 * Mapping details not covered by the oracle comparisons (those check every supported type against
 * Arrow C++): nullability, precision above 38, and the refusal messages.
 */
class ParquetSchemasTest {

  @Test
  void nullabilityFollowsRepetitionAndWideDecimalsUse256Bits() {
    MessageType parquet =
        Types.buildMessage()
            .required(INT64)
            .named("a")
            .optional(BINARY)
            .as(LogicalTypeAnnotation.decimalType(2, 50))
            .named("b")
            .named("m");
    assertEquals(
        new Schema(
            java.util.List.of(
                new Field("a", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                new Field("b", FieldType.nullable(new ArrowType.Decimal(50, 2, 256)), null))),
        ParquetSchemas.toArrow(parquet));
  }

  @Test
  void float16IsArrowsHalfFloat() {
    assertEquals(
        new Schema(
            java.util.List.of(
                new Field(
                    "half",
                    FieldType.nullable(
                        new ArrowType.FloatingPoint(
                            org.apache.arrow.vector.types.FloatingPointPrecision.HALF)),
                    null))),
        ParquetSchemas.toArrow(
            Types.buildMessage()
                .optional(FIXED_LEN_BYTE_ARRAY)
                .length(2)
                .as(LogicalTypeAnnotation.float16Type())
                .named("half")
                .named("m")));
  }

  @Test
  void refusedTypesNameColumnAndType() {
    assertRefused(
        Types.buildMessage()
            .optional(FIXED_LEN_BYTE_ARRAY)
            .length(12)
            .as(LogicalTypeAnnotation.intervalType())
            .named("span")
            .named("m"),
        "Column 'span' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL, which Quiver cannot decode yet");
    assertRefused(
        MessageTypeParser.parseMessageType(
            "message m { optional group attrs (MAP) { repeated group key_value {"
                + " optional binary key (STRING); optional int32 value; } } }"),
        "Column 'attrs' has type MAP key not REQUIRED at attrs.key_value.key,"
            + " which Quiver cannot decode yet");
    assertRefused(
        MessageTypeParser.parseMessageType(
            "message m { optional group s { optional group l (LIST) { repeated group list {"
                + " optional fixed_len_byte_array(12) element (INTERVAL); } } } }"),
        "Column 's' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL at s.l.list.element,"
            + " which Quiver cannot decode yet");
    assertRefused(
        MessageTypeParser.parseMessageType(
            "message m { optional group l (LIST) { optional int32 element; } }"),
        "Column 'l' has type LIST whose field 'element' is not repeated,"
            + " which Quiver cannot decode yet");
    assertRefused(
        MessageTypeParser.parseMessageType(
            "message m { repeated group l (LIST) {" + " repeated int32 element; } }"),
        "Column 'l' has type repeated LIST, which Quiver cannot decode yet");
  }

  @Test
  void nestedTypesFollowArrowCpp() {
    // Shapes Arrow C++ gives the same schemas (checked against it in NestedDecodeTest); here the
    // levels behind them.
    MessageType parquet =
        MessageTypeParser.parseMessageType(
            "message m { optional group a (LIST) { repeated group list {"
                + " optional group element { required int32 x; repeated int64 y; } } } }");
    ParquetSchemas.FieldNode list = ParquetSchemas.toNode(parquet.getType("a"));
    assertEquals(ParquetSchemas.FieldNode.Kind.LIST, list.kind);
    assertEquals(
        "a: List<element: Struct<x: Int(32, true) not null,"
            + " y: List<y: Int(64, true) not null> not null>>",
        list.field.toString());
    ParquetSchemas.FieldNode element = list.children.get(0);
    assertEquals(1, element.rep);
    assertEquals(2, element.slotDef);
    assertEquals(3, element.validDef);
    ParquetSchemas.FieldNode y = element.children.get(1).children.get(0);
    assertEquals(2, y.rep);
    assertEquals(4, y.slotDef);
    assertEquals(4, y.validDef);
  }

  private static void assertRefused(MessageType parquet, String message) {
    UnsupportedParquetSchemaException e =
        assertThrows(
            UnsupportedParquetSchemaException.class, () -> ParquetSchemas.toArrow(parquet));
    assertEquals(message, e.getMessage());
  }
}
