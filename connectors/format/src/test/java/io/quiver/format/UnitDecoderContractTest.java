package io.quiver.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.storage.FileEntry;
import io.quiver.storage.Location;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import io.quiver.storage.local.LocalStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract of {@link UnitDecoder} that every decoder runs (Java Parquet, native Parquet, ORC):
 * slices and column order, argument checks at the SPI boundary, ownership when a decode fails
 * halfway (memory, corrupt data, storage), with nothing left allocated.
 *
 * <p>Subclasses give the decoder, its format and a file of that format with at least two units.
 */
public abstract class UnitDecoderContractTest {
  @TempDir protected Path dir;

  protected abstract UnitDecoder decoder();

  protected abstract FileFormat format();

  /**
   * Writes a file with {@code rows} rows in at least two units, with at least three top-level
   * columns the decoder supports, compressed so that damaged bytes are detected.
   */
  protected abstract Path writeFile(Path dir, String name, int rows) throws Exception;

  /** The corrupt-file exception type of the format. */
  protected abstract Class<? extends CorruptFileException> corruptType();

  private static StorageInput open(Path file) throws IOException {
    LocalStorage storage = new LocalStorage();
    return storage.open(storage.stat(Location.ofLocalPath(file)));
  }

  private static List<String> names(FileMetadata metadata) {
    List<String> names = new ArrayList<>();
    for (Field f : metadata.schema().getFields()) {
      names.add(f.getName());
    }
    return names;
  }

  private static void closeAll(Map<String, List<FieldVector>> columns) {
    columns.values().forEach(slices -> slices.forEach(FieldVector::close));
  }

  @Test
  void slicesFollowBatchRowsAndTheRequestedOrder() throws Exception {
    Path file = writeFile(dir, "s", 3_000);
    try (StorageInput input = open(file);
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = format().readMetadata(input);
      assertTrue(metadata.unitCount() >= 2, "the file has several units");
      List<String> all = names(metadata);
      List<String> reversed = List.of(all.get(2), all.get(0), all.get(1));
      long rows = metadata.unitRows(1);
      for (int batchRows : new int[] {8, 64, (int) (rows + 8 - rows % 8)}) {
        Map<String, List<FieldVector>> got =
            decoder().decode(input, metadata, 1, reversed, allocator, batchRows);
        try {
          assertEquals(reversed, List.copyOf(got.keySet()), "the requested order");
          List<Integer> boundaries = null;
          for (List<FieldVector> slices : got.values()) {
            List<Integer> sizes = slices.stream().map(FieldVector::getValueCount).toList();
            for (int i = 0; i < sizes.size() - 1; i++) {
              assertEquals(batchRows, sizes.get(i), "every slice but the last is full");
            }
            assertTrue(sizes.get(sizes.size() - 1) <= batchRows);
            assertEquals(rows, sizes.stream().mapToLong(Integer::longValue).sum());
            if (boundaries != null) {
              assertEquals(boundaries, sizes, "every column is sliced at the same rows");
            }
            boundaries = sizes;
          }
        } finally {
          closeAll(got);
        }
      }
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }

  @Test
  void invalidRequestsAreRefusedBeforeAnythingIsAllocated() throws Exception {
    Path file = writeFile(dir, "r", 1_000);
    try (StorageInput input = open(file);
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = format().readMetadata(input);
      String a = names(metadata).get(0);
      record Bad(int unit, List<String> columns, int batchRows, String says) {}
      for (Bad bad :
          List.of(
              new Bad(0, List.of(a, "no_such_column"), 64, "Unknown column 'no_such_column'"),
              new Bad(0, List.of(a, a), 64, "requested twice"),
              new Bad(0, List.of(), 64, "No columns requested"),
              new Bad(-1, List.of(a), 64, "does not exist"),
              new Bad(metadata.unitCount(), List.of(a), 64, "does not exist"),
              new Bad(0, List.of(a), 0, "batchRows"),
              new Bad(0, List.of(a), 12, "batchRows"))) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () ->
                    decoder()
                        .decode(
                            input, metadata, bad.unit(), bad.columns(), allocator, bad.batchRows()),
                bad.toString());
        assertTrue(e.getMessage().contains(bad.says()), bad + ": " + e.getMessage());
        assertEquals(0, allocator.getPeakMemoryAllocation(), bad + " allocated");
      }
    }
  }

  @Test
  void runningOutOfMemoryHalfwayLeavesNothingAllocated() throws Exception {
    Path file = writeFile(dir, "m", 3_000);
    try (StorageInput input = open(file);
        BufferAllocator root = new RootAllocator()) {
      FileMetadata metadata = format().readMetadata(input);
      List<String> all = names(metadata);
      long needed;
      try (BufferAllocator measure = root.newChildAllocator("measure", 0, Long.MAX_VALUE)) {
        closeAll(decoder().decode(input, metadata, 0, all, measure, 64));
        needed = measure.getPeakMemoryAllocation();
      }
      try (BufferAllocator tight = root.newChildAllocator("tight", 0, needed / 3)) {
        assertThrows(
            OutOfMemoryException.class, () -> decoder().decode(input, metadata, 0, all, tight, 64));
        assertEquals(0, tight.getAllocatedMemory(), "everything allocated was closed");
      }
    }
  }

  @Test
  void damagedUnitsFailAsCorruptWithoutLeaksAndTheRestStillDecode() throws Exception {
    Path good = writeFile(dir, "good", 3_000);
    long length = Files.size(good);
    byte[] bytes = Files.readAllBytes(good);
    // Garbage over a stretch in the first half of the file: inside the units' data, before the
    // footer or tail that says where they are.
    for (int i = 0; i < 256; i++) {
      bytes[(int) (length / 4) + i] = (byte) (i * 37 + 11);
    }
    Path bad = Files.write(dir.resolve("bad." + format().name()), bytes);
    try (StorageInput input = open(bad);
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = format().readMetadata(input);
      int failed = 0;
      for (int unit = 0; unit < metadata.unitCount(); unit++) {
        try {
          closeAll(decoder().decode(input, metadata, unit, names(metadata), allocator, 64));
        } catch (CorruptFileException e) {
          assertTrue(corruptType().isInstance(e), e.toString());
          assertTrue(e.getMessage().contains("bad." + format().name()), e.getMessage());
          failed++;
        }
        assertEquals(0, allocator.getAllocatedMemory(), "unit " + unit);
      }
      assertTrue(failed >= 1, "the damage was noticed");
      assertTrue(failed < metadata.unitCount(), "the other units still decode");
    }
  }

  @Test
  void storageFailuresPropagateUnchangedWithoutLeaks() throws Exception {
    Path file = writeFile(dir, "v", 1_000);
    try (StorageInput real = open(file);
        BufferAllocator allocator = new RootAllocator()) {
      FileMetadata metadata = format().readMetadata(real);
      VersionChangedException changed =
          new VersionChangedException(
              real.entry().location(), real.entry().version(), new ObjectVersion("newer"));
      StorageInput failing =
          new StorageInput() {
            @Override
            public FileEntry entry() {
              return real.entry();
            }

            @Override
            public void readFully(long position, byte[] buffer, int offset, int length)
                throws IOException {
              throw changed;
            }

            @Override
            public void close() {}
          };
      assertSame(
          changed,
          assertThrows(
              VersionChangedException.class,
              () -> decoder().decode(failing, metadata, 0, names(metadata), allocator, 64)));
      assertEquals(0, allocator.getAllocatedMemory());
    }
  }
}
