package io.quiver.format.parquet;

import static io.quiver.testing.ArrowAssertions.assertSameTableDeep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nested slices are independent, well-formed vectors: their offsets and child counts are right,
 * they travel through Arrow IPC the way the Flight server's ChunkStreamer sends them ({@code
 * getFieldBuffers} over {@code getChildrenFromFields}, recursively) and stay valid when other
 * slices are closed.
 */
class NestedSliceTest {
  private static final int ROWS = 1000;
  private static final int BATCH_ROWS = 136;

  @TempDir static Path dir;
  static Path file;

  @BeforeAll
  static void writeFile() throws IOException {
    file =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "nested.parquet",
            CompressionCodecName.ZSTD,
            true,
            WriterVersion.PARQUET_2_0,
            ROWS,
            64 << 20,
            21);
  }

  @Test
  void slicesSurviveIpcAndClosingTheirNeighbours() throws IOException {
    Table expected = ArrowOracle.readParquet(file);
    try (StorageInput input = DecodedFile.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      ParquetMetadata footer = ParquetFooters.read(input);
      assertEquals(1, footer.getBlocks().size());
      Schema schema = ParquetSchemas.toArrow(footer.getFileMetaData().getSchema());
      List<String> names = schema.getFields().stream().map(Field::getName).toList();
      Map<String, List<FieldVector>> columns =
          RowGroupDecoder.decode(input, footer, 0, names, allocator, BATCH_ROWS);
      try {
        int slices = columns.get(names.get(0)).size();
        assertEquals((ROWS + BATCH_ROWS - 1) / BATCH_ROWS, slices);
        for (List<FieldVector> column : columns.values()) {
          for (FieldVector slice : column) {
            assertWellFormed(slice);
          }
        }

        // Through IPC, as ChunkStreamer sends them.
        Table.Builder viaIpc = Table.builder(schema);
        for (int s = 0; s < slices; s++) {
          List<FieldVector> batch = new ArrayList<>();
          for (String name : names) {
            batch.add(columns.get(name).get(s));
          }
          try (BufferAllocator reading = allocator.newChildAllocator("read", 0, Long.MAX_VALUE);
              ArrowStreamReader reader =
                  new ArrowStreamReader(
                      new ByteArrayInputStream(toIpc(schema, batch, allocator)), reading)) {
            while (reader.loadNextBatch()) {
              for (FieldVector v : reader.getVectorSchemaRoot().getFieldVectors()) {
                assertWellFormed(v);
              }
              viaIpc.append(reader.getVectorSchemaRoot());
            }
          }
        }
        assertSameTableDeep(expected, viaIpc.build());

        // Closing the first slice of every column frees its memory and leaves the rest intact.
        long before = allocator.getAllocatedMemory();
        for (List<FieldVector> column : columns.values()) {
          column.remove(0).close();
        }
        assertTrue(allocator.getAllocatedMemory() < before);
        Table.Builder rest = Table.builder(schema);
        for (String name : names) {
          for (FieldVector slice : columns.get(name)) {
            rest.append(name, slice);
          }
        }
        Table remaining = rest.build();
        assertEquals(ROWS - BATCH_ROWS, remaining.rowCount());
        for (String name : names) {
          assertEquals(
              expected.column(name).subList(BATCH_ROWS, ROWS), remaining.column(name), name);
        }
      } finally {
        columns.values().forEach(slices -> slices.forEach(FieldVector::close));
      }
    }
  }

  /**
   * Checks the layout IPC consumers rely on: offsets start at 0, never decrease and end at the
   * child's value count (lists, maps) or within the data buffer (strings, binaries); struct fields
   * have the struct's value count. (Arrow Java's own ValueVectorUtility.validate rejects every
   * MapVector as of 18.3, so it cannot be used here.)
   */
  private static void assertWellFormed(FieldVector vector) {
    int count = vector.getValueCount();
    String name = vector.getField().toString();
    if (vector instanceof ListVector list) {
      int previous = list.getOffsetBuffer().getInt(0);
      assertEquals(0, previous, "first offset of " + name);
      for (int i = 1; i <= count; i++) {
        int offset = list.getOffsetBuffer().getInt(4L * i);
        assertTrue(offset >= previous, "offsets of " + name + " decrease at " + i);
        previous = offset;
      }
      assertEquals(list.getDataVector().getValueCount(), previous, "elements of " + name);
    } else if (vector instanceof StructVector struct) {
      for (FieldVector child : struct.getChildrenFromFields()) {
        assertEquals(count, child.getValueCount(), "fields of " + name);
      }
    } else if (vector instanceof BaseVariableWidthVector variable) {
      int previous = variable.getOffsetBuffer().getInt(0);
      assertEquals(0, previous, "first offset of " + name);
      for (int i = 1; i <= count; i++) {
        int offset = variable.getOffsetBuffer().getInt(4L * i);
        assertTrue(offset >= previous, "offsets of " + name + " decrease at " + i);
        previous = offset;
      }
      assertTrue(previous <= variable.getDataBuffer().capacity(), "data of " + name);
    }
    assertTrue(vector.getValueCapacity() >= count || count == 0, "capacity of " + name);
    for (FieldVector child : vector.getChildrenFromFields()) {
      assertWellFormed(child);
    }
  }

  /** One IPC stream with one batch made of {@code vectors}' buffers, as the Flight server does. */
  private static byte[] toIpc(Schema schema, List<FieldVector> vectors, BufferAllocator allocator)
      throws IOException {
    List<ArrowFieldNode> nodes = new ArrayList<>();
    List<ArrowBuf> buffers = new ArrayList<>();
    for (FieldVector v : vectors) {
      collect(v, nodes, buffers);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowRecordBatch batch =
            new ArrowRecordBatch(vectors.get(0).getValueCount(), nodes, buffers);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, out)) {
      new VectorLoader(root).load(batch);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return out.toByteArray();
  }

  private static void collect(FieldVector v, List<ArrowFieldNode> nodes, List<ArrowBuf> buffers) {
    nodes.add(new ArrowFieldNode(v.getValueCount(), v.getNullCount()));
    buffers.addAll(v.getFieldBuffers());
    for (FieldVector child : v.getChildrenFromFields()) {
      collect(child, nodes, buffers);
    }
  }
}
