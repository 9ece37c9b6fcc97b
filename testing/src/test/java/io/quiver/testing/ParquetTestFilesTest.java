package io.quiver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writers produce what they promise, as seen by the Arrow C++ oracle. */
class ParquetTestFilesTest {
  @TempDir Path dir;

  @Test
  void parquetHadoopFileHasEveryKindWithNullsAndIsDeterministic() throws IOException {
    Path a =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "a.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            500,
            1 << 20,
            42);
    Path b =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "b.parquet",
            CompressionCodecName.SNAPPY,
            true,
            WriterVersion.PARQUET_1_0,
            500,
            1 << 20,
            42);
    Table t = ArrowOracle.readParquet(a);
    ArrowAssertions.assertSameTable(t, ArrowOracle.readParquet(b));
    assertEquals(500, t.rowCount());
    assertEquals(ParquetTestFiles.allTypesSchema().getFieldCount(), t.schema().getFields().size());
    for (Field f : t.schema().getFields()) {
      long nulls = t.column(f.getName()).stream().filter(Objects::isNull).count();
      if (f.getName().equals("i64_allnull_opt")) {
        assertEquals(500, nulls);
      } else if (f.getName().endsWith("_opt")) {
        assertTrue(f.isNullable());
        assertTrue(nulls > 10 && nulls < 100, f.getName() + " nulls: " + nulls);
      } else {
        assertTrue(!f.isNullable() && nulls == 0, f.getName());
      }
    }
    assertTrue(t.column("str_req").contains(""), "empty strings");
    assertTrue(t.column("str_req").stream().anyMatch(s -> ((String) s).contains("😀")), "UTF-8");
  }

  @Test
  void arrowCppWriterRoundTrips() throws IOException {
    Path file = ParquetTestFiles.writeAllTypesWithArrowCpp(dir, "arrow.parquet", 300, 128, 1);
    Table t = ArrowOracle.readParquet(file);
    assertEquals(300, t.rowCount());
    assertEquals(ParquetTestFiles.arrowAllTypesSchema().getFields(), t.schema().getFields());
  }

  @Test
  void unsupportedTypesFileIsReadableByArrowCpp() throws IOException {
    Path file = ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(dir, "nested.parquet");
    Table t = ArrowOracle.readParquet(file, List.of("id", "tags"));
    assertEquals(List.of(0L, 1L, 2L), t.column("id"));
    assertEquals(List.of("t1"), t.column("tags").get(1));
    assertNull(Table.normalize(null));
  }
}
