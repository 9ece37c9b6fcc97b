package io.quiver.format.parquet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quiver.format.parquet.CountingStorageInput.Range;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageInputFileTest {
  private static final int SIZE = 100_000;
  @TempDir static Path dir;
  static Path file;
  static byte[] content;

  @BeforeAll
  static void writeFile() throws IOException {
    content = new byte[SIZE];
    new Random(1).nextBytes(content);
    file = Files.write(dir.resolve("bytes"), content);
  }

  @Test
  void smallReadsAreBufferedAndLargeReadsGoStraightThrough() throws IOException {
    try (CountingStorageInput input = new CountingStorageInput(DecodedFile.open(file))) {
      StorageInputFile inputFile = new StorageInputFile(input);
      assertEquals(SIZE, inputFile.getLength());
      try (SeekableInputStream stream = inputFile.newStream()) {
        for (int i = 0; i < 20_000; i++) {
          assertEquals(content[i] & 0xFF, stream.read());
        }
        assertEquals(3, input.reads().size(), "8 KiB buffer fills: " + input.reads());
        input.clear();

        byte[] big = new byte[50_000];
        stream.seek(30_000);
        stream.readFully(big);
        assertArrayEquals(Arrays.copyOfRange(content, 30_000, 80_000), big);
        assertEquals(List.of(new Range(30_000, 50_000)), input.reads());
        assertEquals(80_000, stream.getPos());
        input.clear();

        ByteBuffer direct = ByteBuffer.allocateDirect(15_000);
        stream.seek(1_000);
        stream.readFully(direct);
        direct.flip();
        byte[] copy = new byte[15_000];
        direct.get(copy);
        assertArrayEquals(Arrays.copyOfRange(content, 1_000, 16_000), copy);
        assertEquals(List.of(new Range(1_000, 15_000)), input.reads());
        input.clear();

        ByteBuffer heap = ByteBuffer.allocate(20_000);
        stream.seek(SIZE - 10_000);
        assertEquals(10_000, stream.read(heap));
        assertEquals(-1, stream.read(heap));
        assertEquals(-1, stream.read());
        assertEquals(List.of(new Range(SIZE - 10_000, 10_000)), input.reads());
      }
      // Closing the stream leaves the borrowed input open.
      assertEquals(content[5], input.read(5, 1)[0]);
    }
  }

  @Test
  void readsPastTheEndFail() throws IOException {
    try (CountingStorageInput input = new CountingStorageInput(DecodedFile.open(file));
        SeekableInputStream stream = new StorageInputFile(input).newStream()) {
      assertThrows(EOFException.class, () -> stream.seek(SIZE + 1));
      stream.seek(SIZE - 10);
      assertThrows(EOFException.class, () -> stream.readFully(new byte[11]));
      assertThrows(EOFException.class, () -> stream.readFully(ByteBuffer.allocate(11)));
      assertEquals(List.of(), input.reads(), "nothing read for impossible reads");
      byte[] tail = new byte[20];
      assertEquals(10, stream.read(tail, 0, 20));
      assertArrayEquals(Arrays.copyOfRange(content, SIZE - 10, SIZE), Arrays.copyOf(tail, 10));
    }
  }
}
