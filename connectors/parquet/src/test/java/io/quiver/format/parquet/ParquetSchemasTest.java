package io.quiver.format.parquet;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
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
  void refusedTypesNameColumnAndType() {
    assertRefused(
        Types.buildMessage()
            .optional(FIXED_LEN_BYTE_ARRAY)
            .length(2)
            .as(LogicalTypeAnnotation.float16Type())
            .named("half")
            .named("m"),
        "Column 'half' has type FIXED_LEN_BYTE_ARRAY(2) FLOAT16, which Quiver cannot decode yet");
    assertRefused(
        Types.buildMessage()
            .optional(FIXED_LEN_BYTE_ARRAY)
            .length(12)
            .as(LogicalTypeAnnotation.intervalType())
            .named("span")
            .named("m"),
        "Column 'span' has type FIXED_LEN_BYTE_ARRAY(12) INTERVAL, which Quiver cannot decode yet");
    assertRefused(
        Types.buildMessage()
            .optionalMap()
            .key(BINARY)
            .as(LogicalTypeAnnotation.stringType())
            .requiredValue(INT32)
            .named("attrs")
            .named("m"),
        "Column 'attrs' has type MAP, which Quiver cannot decode yet");
  }

  private static void assertRefused(MessageType parquet, String message) {
    UnsupportedParquetSchemaException e =
        assertThrows(
            UnsupportedParquetSchemaException.class, () -> ParquetSchemas.toArrow(parquet));
    assertEquals(message, e.getMessage());
  }
}
