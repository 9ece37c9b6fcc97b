package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.orc.CompressionKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Storage access, argument checks and failure paths of {@link StripeDecoder}. */
class StripeDecoderTest {
  @TempDir Path dir;

  private Path write(String name, CompressionKind codec) throws Exception {
    return OrcTestFiles.writeAllTypesWithOrcCore(dir, name, 4_000, codec, 64 * 1024, 5);
  }

  private static List<String> allColumns(OrcMetadata metadata) {
    return metadata.orcSchema().getFieldNames();
  }

  private static void closeAll(Map<String, List<FieldVector>> columns) {
    columns.values().forEach(slices -> slices.forEach(FieldVector::close));
  }

  @Test
  void projectionReadsOnlyItsStripeAndFewerBytes() throws Exception {
    Path file = write("p.orc", CompressionKind.NONE);
    try (CountingStorageInput input = new CountingStorageInput(DecodedOrc.open(file));
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      int stripe = 1;
      OrcMetadata.Stripe info = metadata.stripes().get(stripe);

      input.clear();
      closeAll(
          StripeDecoder.decode(input, metadata, stripe, allColumns(metadata), allocator, 1024));
      long all = input.bytesRead();
      assertRangesInside(input, info);

      input.clear();
      closeAll(StripeDecoder.decode(input, metadata, stripe, List.of("c_int"), allocator, 1024));
      long one = input.bytesRead();
      assertRangesInside(input, info);

      assertTrue(all <= info.length(), "full read " + all + " within the stripe " + info);
      assertTrue(one * 5 < all, "one column read " + one + " bytes, all columns " + all);
    }
  }

  /**
   * Every read lies inside the stripe (no tail or other stripe is read again) and no byte is read
   * twice (the stripe check's reads serve orc-core's).
   */
  private static void assertRangesInside(CountingStorageInput input, OrcMetadata.Stripe stripe) {
    List<CountingStorageInput.Range> reads = new java.util.ArrayList<>(input.reads());
    reads.sort(java.util.Comparator.comparingLong(CountingStorageInput.Range::position));
    for (int i = 1; i < reads.size(); i++) {
      assertTrue(
          reads.get(i).position() >= reads.get(i - 1).end(),
          "reads " + reads.get(i - 1) + " and " + reads.get(i) + " overlap");
    }
    for (CountingStorageInput.Range r : input.reads()) {
      assertTrue(
          r.position() >= stripe.offset() && r.end() <= stripe.offset() + stripe.length(),
          "read " + r + " outside " + stripe);
    }
  }

  @Test
  void damagedStripeIsCorruptNamingFileStripeAndColumnWithoutLeaks() throws Exception {
    Path good = write("good.orc", CompressionKind.ZLIB);
    OrcMetadata.Stripe target;
    try (StorageInput input = DecodedOrc.open(good)) {
      target = OrcFooters.read(input).stripes().get(1);
    }
    // Overwrite the middle of stripe 1's data: its tail stays valid.
    Path bad =
        ParquetTestFiles.corruptedCopy(
            good, dir, "bad.orc", target.offset() + target.length() / 2, 64);
    try (StorageInput input = DecodedOrc.open(bad);
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      CorruptOrcException e =
          assertThrows(
              CorruptOrcException.class,
              () -> StripeDecoder.decode(input, metadata, 1, allColumns(metadata), allocator, 512));
      assertTrue(e.getMessage().contains("bad.orc"), e.getMessage());
      assertTrue(e.getMessage().contains("stripe 1"), e.getMessage());
      assertTrue(e.getMessage().contains("column '"), e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
      // The other stripes still decode and match Arrow C++ reading the intact file.
      Map<String, List<FieldVector>> stripe0 =
          StripeDecoder.decode(input, metadata, 0, List.of("c_string"), allocator, 512);
      closeAll(stripe0);
    }
  }

  @Test
  void storageFailureMidDecodePropagatesUnchangedWithoutLeaks() throws Exception {
    Path file = write("v.orc", CompressionKind.SNAPPY);
    try (CountingStorageInput input = new CountingStorageInput(DecodedOrc.open(file));
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      VersionChangedException changed =
          new VersionChangedException(
              input.entry().location(), input.entry().version(), new ObjectVersion("newer"));
      input.failWith(changed);
      assertSame(
          changed,
          assertThrows(
              VersionChangedException.class,
              () ->
                  StripeDecoder.decode(input, metadata, 0, allColumns(metadata), allocator, 1024)));
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void cancelledReaderThreadFailsWithTheStorageExceptionWithoutLeaks() throws Exception {
    Path file = write("c.orc", CompressionKind.ZSTD);
    try (CountingStorageInput input = new CountingStorageInput(DecodedOrc.open(file));
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      input.interruptAtRead(2);
      try {
        assertThrows(
            java.nio.channels.ClosedByInterruptException.class,
            () -> StripeDecoder.decode(input, metadata, 1, allColumns(metadata), allocator, 256));
      } finally {
        assertTrue(Thread.interrupted(), "the thread was interrupted");
      }
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void allocatorLimitFailsCleanly() throws Exception {
    Path file = write("m.orc", CompressionKind.NONE);
    try (StorageInput input = DecodedOrc.open(file);
        BufferAllocator root = new RootAllocator();
        BufferAllocator small = root.newChildAllocator("small", 0, 64 * 1024)) {
      OrcMetadata metadata = OrcFooters.read(input);
      assertThrows(
          OutOfMemoryException.class,
          () -> StripeDecoder.decode(input, metadata, 0, allColumns(metadata), small, 512));
      assertEquals(0, small.getAllocatedMemory());
    }
  }

  @Test
  void badArgumentsAreRefused() throws Exception {
    Path file = write("a.orc", CompressionKind.NONE);
    Path other = write("b.orc", CompressionKind.NONE);
    try (StorageInput input = DecodedOrc.open(file);
        StorageInput otherInput = DecodedOrc.open(other);
        BufferAllocator allocator = new RootAllocator()) {
      OrcMetadata metadata = OrcFooters.read(input);
      List<String> one = List.of("c_int");
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(input, metadata, 0, List.of("nope"), allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(input, metadata, 0, List.of("c_int", "c_int"), allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(input, metadata, metadata.unitCount(), one, allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(input, metadata, 0, one, allocator, 12));
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(input, metadata, 0, List.of(), allocator, 8));
      assertThrows(
          IllegalArgumentException.class,
          () -> StripeDecoder.decode(otherInput, metadata, 0, one, allocator, 8));
    }
  }

  @Test
  void emptyFileHasNoStripes() throws Exception {
    Path file =
        OrcTestFiles.writeAllTypesWithOrcCore(dir, "e.orc", 0, CompressionKind.NONE, 1 << 20, 1);
    try (StorageInput input = DecodedOrc.open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      assertEquals(0, metadata.unitCount());
      assertEquals(0, metadata.rowCount());
      assertEquals(0, ArrowOracle.readOrc(file).rowCount());
    }
  }

  @Test
  void constantAndAllNullColumnsMatchArrowCpp() throws Exception {
    // Each of these columns arrives as a repeating orc-core vector.
    Path file = write("r.orc", CompressionKind.ZSTD);
    List<String> columns = List.of("c_const", "c_all_null", "c_no_null");
    try (StorageInput input = DecodedOrc.open(file)) {
      OrcMetadata metadata = OrcFooters.read(input);
      ArrowAssertions.assertSameTable(
          ArrowOracle.readOrc(file, columns), DecodedOrc.decode(input, metadata, columns, 1000));
    }
  }
}
