package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.StorageInput;
import io.quiver.testing.OrcTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcFile;
import org.apache.orc.OrcProto;
import org.apache.orc.Reader;
import org.apache.orc.StripeInformation;
import org.apache.orc.TypeDescription;
import org.apache.orc.impl.RecordReaderImpl;
import org.apache.orc.impl.StreamName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged stripes that orc-core would turn into a runaway loop or a huge allocation are refused by
 * {@link StripeCheck} with an error naming the column and stream; the rest of the file still reads.
 */
class StripeCheckTest {
  // A hang in orc-core takes minutes; a checked stripe fails in milliseconds.
  private static final Duration NO_HANG = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** Where one stream of stripe 0 lies in the file, from the stripe footer orc-core reads. */
  private record StreamAt(long offset, long length, OrcProto.ColumnEncoding encoding) {}

  private static StreamAt stream(Path file, String column, OrcProto.Stream.Kind kind)
      throws Exception {
    try (Reader reader =
            OrcFile.createReader(
                new org.apache.hadoop.fs.Path(file.toUri()),
                OrcFile.readerOptions(new Configuration(false)));
        RecordReaderImpl rows = (RecordReaderImpl) reader.rows()) {
      StripeInformation stripe = reader.getStripes().get(0);
      OrcProto.StripeFooter footer = rows.readStripeFooter(stripe);
      TypeDescription type = reader.getSchema().findSubtype(column);
      long offset = stripe.getOffset() + stripe.getIndexLength();
      for (OrcProto.Stream s : footer.getStreamsList()) {
        if (StreamName.getArea(s.getKind()) != StreamName.Area.DATA) {
          continue;
        }
        if (s.getColumn() == type.getId() && s.getKind() == kind) {
          return new StreamAt(offset, s.getLength(), footer.getColumns(type.getId()));
        }
        offset += s.getLength();
      }
      throw new AssertionError("no " + kind + " stream for " + column);
    }
  }

  private Path patched(Path source, String name, long at, int... bytes) throws Exception {
    byte[] file = Files.readAllBytes(source);
    for (int i = 0; i < bytes.length; i++) {
      file[(int) at + i] = (byte) bytes[i];
    }
    return Files.write(dir.resolve(name), file);
  }

  /**
   * {@code length} bytes of RLE v2 short-repeat runs, each of ten copies of a large value (bytes
   * 0x7f 0xff...: at least 2^15 for the shortest runs, 2^31 - 1 for runs of 4 bytes or more).
   */
  private static int[] hugeShortRepeats(long length) {
    int[] bytes = new int[(int) length];
    int at = 0;
    while (at < bytes.length) {
      int left = bytes.length - at;
      int width = Math.min(8, left - 1);
      if (left - 1 - width == 1) {
        width--; // never leave a single byte behind
      }
      assertTrue(width >= 1, "room for a run at " + at + " of " + length);
      bytes[at++] = ((width - 1) << 3) | (10 - 3);
      for (int i = 0; i < width; i++) {
        bytes[at++] = i == width - 4 ? 0x7f : i > width - 4 ? 0xff : 0;
      }
      if (width < 4) {
        bytes[at - width] = 0x7f;
      }
    }
    return bytes;
  }

  private static CorruptOrcException decodeFails(Path file, List<String> columns) {
    return assertTimeoutPreemptively(
        NO_HANG,
        () -> {
          try (StorageInput input = DecodedOrc.open(file);
              BufferAllocator allocator = new RootAllocator()) {
            OrcMetadata metadata = OrcFooters.read(input);
            CorruptOrcException e =
                assertThrows(
                    CorruptOrcException.class,
                    () -> StripeDecoder.decode(input, metadata, 0, columns, allocator, 1024));
            assertEquals(0, allocator.getAllocatedMemory());
            return e;
          }
        });
  }

  private static void decodes(Path file, List<String> columns) throws Exception {
    try (StorageInput input = DecodedOrc.open(file);
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      Map<String, List<FieldVector>> result =
          StripeDecoder.decode(input, metadata, 0, columns, allocator, 1024);
      assertEquals(
          metadata.stripes().get(0).rows(),
          result.get(columns.get(0)).stream().mapToInt(FieldVector::getValueCount).sum());
      result.values().forEach(slices -> slices.forEach(FieldVector::close));
    }
  }

  @Test
  void integerRunReachingPastItsStreamIsCorruptNotALoop() throws Exception {
    Path good =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "good.orc", 300, CompressionKind.NONE, 1 << 20, 3);
    StreamAt data = stream(good, "c_long", OrcProto.Stream.Kind.DATA);
    assertEquals(OrcProto.ColumnEncoding.Kind.DIRECT_V2, data.encoding().getKind());
    assertTrue(data.length() < 4096, "the stream is shorter than the run will claim");
    // First run: direct, 64-bit values, 512 of them (4 KiB), more than the stream holds.
    Path bad = patched(good, "bad.orc", data.offset(), 0b01_11111_1, 0xff);

    CorruptOrcException e = decodeFails(bad, List.of("c_int", "c_long"));
    String m = e.getMessage();
    assertTrue(m.contains("bad.orc") && m.contains("stripe 0"), m);
    assertTrue(m.contains("column 'c_long' stream DATA"), m);
    assertTrue(m.contains("needs 4096 bytes"), m);
    // Other columns of the same stripe still decode.
    decodes(bad, List.of("c_int", "c_string"));
  }

  @Test
  void stringLengthsBeyondTheBatchBudgetAreRefusedBeforeAllocating() throws Exception {
    Path good =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "good.orc", 300, CompressionKind.NONE, 1 << 20, 3);
    StreamAt lengths = stream(good, "c_binary", OrcProto.Stream.Kind.LENGTH);
    // The stream rewritten as well-formed short-repeat runs of ten huge lengths each.
    Path bad = patched(good, "bad.orc", lengths.offset(), hugeShortRepeats(lengths.length()));

    String m = decodeFails(bad, List.of("c_binary")).getMessage();
    assertTrue(m.contains("column 'c_binary' stream LENGTH"), m);
    assertTrue(m.contains(StripeCheck.MAX_BATCH_BYTES_PROPERTY), m);
    decodes(bad, List.of("c_long"));
  }

  @Test
  void compressedChunkLongerThanTheBlockSizeIsCorrupt() throws Exception {
    Path good =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "good.orc", 300, CompressionKind.ZLIB, 1 << 20, 3);
    StreamAt data = stream(good, "c_double", OrcProto.Stream.Kind.DATA);
    int claimed = (256 << 10) + 1; // the writer's block size is 256 KiB
    Path bad =
        patched(
            good,
            "bad.orc",
            data.offset(),
            (claimed << 1) & 0xff,
            (claimed >> 7) & 0xff,
            (claimed >> 15) & 0xff);

    String m = decodeFails(bad, List.of("c_double")).getMessage();
    assertTrue(m.contains("column 'c_double' stream DATA") && m.contains("claims " + claimed), m);
    decodes(bad, List.of("c_long"));
  }

  @Test
  void budgetIsConfigurableUpwardOnly() {
    assertEquals(StripeCheck.DEFAULT_MAX_BATCH_BYTES, StripeCheck.maxBatchBytes(null));
    assertEquals(StripeCheck.DEFAULT_MAX_BATCH_BYTES, StripeCheck.maxBatchBytes("1024"));
    assertEquals(1L << 30, StripeCheck.maxBatchBytes(" 1073741824 "));
    assertEquals(Integer.MAX_VALUE, StripeCheck.maxBatchBytes("99999999999"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StripeCheck.maxBatchBytes("lots"));
    assertTrue(e.getMessage().contains(StripeCheck.MAX_BATCH_BYTES_PROPERTY), e.getMessage());
  }
}
