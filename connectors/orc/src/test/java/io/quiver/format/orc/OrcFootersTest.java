package io.quiver.format.orc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.format.FileFormat;
import io.quiver.format.FormatRegistry;
import io.quiver.storage.ObjectVersion;
import io.quiver.storage.StorageInput;
import io.quiver.storage.VersionChangedException;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.ParquetTestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcFile;
import org.apache.orc.OrcProto;
import org.apache.orc.Reader;
import org.apache.orc.StripeInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading and validating ORC tails through storage. */
class OrcFootersTest {
  @TempDir Path dir;

  private Path write(String name, int rows) throws Exception {
    return OrcTestFiles.writeAllTypesWithOrcCore(
        dir, name, rows, CompressionKind.ZLIB, 64 * 1024, 11);
  }

  @Test
  void readsStripesAndSchemaFromTheTailOnly() throws Exception {
    Path file = write("a.orc", 4_000);
    try (CountingStorageInput input = new CountingStorageInput(DecodedOrc.open(file))) {
      OrcMetadata metadata = OrcFooters.read(input);

      // The same stripes orc-core's own file reader reports.
      try (Reader reference =
          OrcFile.createReader(
              new org.apache.hadoop.fs.Path(file.toUri()),
              OrcFile.readerOptions(new Configuration(false)))) {
        List<StripeInformation> stripes = reference.getStripes();
        assertEquals(stripes.size(), metadata.unitCount());
        for (int s = 0; s < stripes.size(); s++) {
          assertEquals(stripes.get(s).getOffset(), metadata.stripes().get(s).offset());
          assertEquals(stripes.get(s).getLength(), metadata.stripes().get(s).length());
          assertEquals(stripes.get(s).getNumberOfRows(), metadata.unitRows(s));
        }
        assertEquals(reference.getSchema(), metadata.orcSchema());
      }
      assertEquals(4_000, metadata.rowCount());
      assertEquals("orc", metadata.format());
      assertEquals(
          OrcTestFiles.allTypesSchema().getFieldNames().size(),
          metadata.schema().getFields().size());

      // Only the tail was read: orc-core's first read is the last 16 KiB (which may reach back
      // into the last stripe), a second one only if the tail is longer.
      OrcMetadata.Stripe last = metadata.stripes().get(metadata.unitCount() - 1);
      long dataEnd = last.offset() + last.length();
      long firstTailByte = Math.min(dataEnd, Files.size(file) - 16 * 1024);
      assertTrue(input.reads().size() <= 2, "reads: " + input.reads());
      for (CountingStorageInput.Range r : input.reads()) {
        assertTrue(r.position() >= firstTailByte, "read " + r + " is before " + firstTailByte);
      }

      // Size estimates from the stripe statistics.
      long strings = metadata.columnBytes(0, "c_string");
      long ints = metadata.columnBytes(0, "c_int");
      assertTrue(ints >= 4 * metadata.unitRows(0) * 8 / 10, "int bytes " + ints);
      assertTrue(strings > 0, "string bytes " + strings);
      assertTrue(metadata.heapBytes() > 0);
      assertThrows(IllegalArgumentException.class, () -> metadata.unitRows(metadata.unitCount()));
    }
  }

  @Test
  void notOrcTruncatedAndTooShortFilesAreCorrupt() throws Exception {
    Path good = write("good.orc", 1_000);
    long length = Files.size(good);
    Path garbage = ParquetTestFiles.garbageFile(dir, "garbage.orc", 10_000, false, 5);
    Path truncated = ParquetTestFiles.truncatedCopy(good, dir, "truncated.orc", length - 7);
    Path headOnly = ParquetTestFiles.truncatedCopy(good, dir, "head.orc", 3);
    Path parquet = ParquetTestFiles.garbageFile(dir, "x.parquet", 4_000, true, 9);
    for (Path bad : List.of(garbage, truncated, headOnly, parquet)) {
      try (StorageInput input = DecodedOrc.open(bad)) {
        CorruptOrcException e =
            assertThrows(CorruptOrcException.class, () -> OrcFooters.read(input), bad.toString());
        assertTrue(
            e.getMessage().contains(bad.getFileName().toString()),
            "message names the file: " + e.getMessage());
      }
    }
  }

  @Test
  void aUnionColumnRefusesOnlyItselfByName() throws Exception {
    Path file = OrcTestFiles.writeUnionFile(dir, "union.orc");
    try (StorageInput input = DecodedOrc.open(file);
        org.apache.arrow.memory.BufferAllocator allocator =
            new org.apache.arrow.memory.RootAllocator()) {
      // The footer reads; the schema lists the column as Arrow C++ types it (a sparse union), and
      // the column is refused when asked for.
      OrcMetadata metadata = OrcFooters.read(input);
      assertEquals(
          List.of("id", "u"),
          metadata.schema().getFields().stream()
              .map(org.apache.arrow.vector.types.pojo.Field::getName)
              .toList());
      assertEquals(
          io.quiver.testing.ArrowOracle.readOrc(file).schema().findField("u"),
          metadata.schema().findField("u"));
      String reason = metadata.unsupportedColumns().get("u");
      assertTrue(reason.contains("'u'") && reason.contains("uniontype<int,string>"), reason);
      assertEquals(List.of("u"), List.copyOf(metadata.unsupportedColumns().keySet()));
      UnsupportedOrcSchemaException e =
          assertThrows(
              UnsupportedOrcSchemaException.class,
              () -> StripeDecoder.decode(input, metadata, 0, List.of("id", "u"), allocator, 1024));
      assertEquals("u", e.column());
      assertEquals(reason, e.getMessage());
      assertEquals(0, allocator.getAllocatedMemory());
      // The other column decodes as Arrow C++ reads it.
      io.quiver.testing.ArrowAssertions.assertSameTableDeep(
          io.quiver.testing.ArrowOracle.readOrc(file, List.of("id")),
          DecodedOrc.decode(input, metadata, List.of("id"), 1024));
    }
  }

  @Test
  void storageFailuresPropagateUnchanged() throws Exception {
    Path file = write("v.orc", 100);
    try (CountingStorageInput input = new CountingStorageInput(DecodedOrc.open(file))) {
      VersionChangedException changed =
          new VersionChangedException(
              input.entry().location(), input.entry().version(), new ObjectVersion("other"));
      input.failWith(changed);
      assertSame(
          changed, assertThrows(VersionChangedException.class, () -> OrcFooters.read(input)));
    }
  }

  /** A copy of {@code file} whose postscript is replaced by {@code edit} of it. */
  private Path withPostScript(
      Path file, String name, java.util.function.UnaryOperator<OrcProto.PostScript.Builder> edit)
      throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    int psLength = bytes[bytes.length - 1] & 0xff;
    OrcProto.PostScript ps =
        OrcProto.PostScript.parseFrom(
            java.util.Arrays.copyOfRange(bytes, bytes.length - 1 - psLength, bytes.length - 1));
    byte[] edited = edit.apply(ps.toBuilder()).build().toByteArray();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(bytes, 0, bytes.length - 1 - psLength);
    out.write(edited);
    out.write(edited.length);
    return Files.write(dir.resolve(name), out.toByteArray());
  }

  @Test
  void postScriptSizesAreCheckedBeforeOrcCoreAllocatesByThem() throws Exception {
    Path good = write("p.orc", 200);
    // The unchanged rewrite still reads: the edit itself does no harm.
    try (StorageInput input = DecodedOrc.open(withPostScript(good, "same.orc", b -> b))) {
      assertEquals(200, OrcFooters.read(input).rowCount());
    }
    Path hugeBlock = withPostScript(good, "block.orc", b -> b.setCompressionBlockSize(1L << 40));
    Path hugeFooter = withPostScript(good, "footer.orc", b -> b.setFooterLength(-2L));
    Path hugeMetadata = withPostScript(good, "meta.orc", b -> b.setMetadataLength(1L << 31));
    for (Path bad : List.of(hugeBlock, hugeFooter, hugeMetadata)) {
      try (StorageInput input = DecodedOrc.open(bad)) {
        CorruptOrcException e =
            assertThrows(CorruptOrcException.class, () -> OrcFooters.read(input));
        assertTrue(e.getMessage().contains(bad.getFileName().toString()), e.getMessage());
      }
    }
    try (StorageInput input = DecodedOrc.open(hugeBlock)) {
      String m = assertThrows(CorruptOrcException.class, () -> OrcFooters.read(input)).getMessage();
      assertTrue(m.contains("compression block size is 1099511627776"), m);
    }
    try (StorageInput input = DecodedOrc.open(hugeFooter)) {
      String m = assertThrows(CorruptOrcException.class, () -> OrcFooters.read(input)).getMessage();
      assertTrue(m.contains("a section of 18446744073709551614 bytes"), m);
    }
  }

  @Test
  void formatIsFoundWithServiceLoader() throws Exception {
    FormatRegistry registry = new FormatRegistry(ServiceLoader.load(FileFormat.class), List.of());
    FileFormat orc = registry.format("orc");
    assertEquals(orc, registry.formatOf("part-0.ORC").orElseThrow());
    Path file = write("s.orc", 100);
    try (StorageInput input = DecodedOrc.open(file)) {
      assertEquals(100, orc.readMetadata(input).rowCount());
    }
  }

  @Test
  void aFileOfBareValuesIsUnsupportedNotCorrupt() throws Exception {
    Path file = dir.resolve("bare.orc");
    org.apache.orc.TypeDescription bare = org.apache.orc.TypeDescription.createLong();
    try (org.apache.orc.Writer writer =
        OrcFile.createWriter(
            new org.apache.hadoop.fs.Path(file.toUri()),
            OrcFile.writerOptions(new Configuration()).setSchema(bare))) {
      org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch batch = bare.createRowBatch();
      batch.size = 3;
      ((org.apache.hadoop.hive.ql.exec.vector.LongColumnVector) batch.cols[0]).vector[1] = 7;
      writer.addRowBatch(batch);
    }
    try (StorageInput input = DecodedOrc.open(file)) {
      io.quiver.format.UnsupportedFileException e =
          assertThrows(
              io.quiver.format.UnsupportedFileException.class, () -> OrcFooters.read(input));
      assertTrue(e.getMessage().contains("bare.orc has a bigint at its root"), e.getMessage());
    }
  }

  @Test
  void encryptedColumnsAreUnsupportedNotAStorageFailure() throws Exception {
    Path file = dir.resolve("secret.orc");
    org.apache.orc.TypeDescription schema =
        org.apache.orc.TypeDescription.fromString("struct<id:bigint,ssn:string>");
    org.apache.orc.InMemoryKeystore keys =
        new org.apache.orc.InMemoryKeystore()
            .addKey("pii", org.apache.orc.EncryptionAlgorithm.AES_CTR_128, new byte[16]);
    try (org.apache.orc.Writer writer =
        OrcFile.createWriter(
            new org.apache.hadoop.fs.Path(file.toUri()),
            OrcFile.writerOptions(new Configuration())
                .setSchema(schema)
                .setKeyProvider(keys)
                .encrypt("pii:ssn"))) {
      org.apache.hadoop.hive.ql.exec.vector.VectorizedRowBatch batch = schema.createRowBatch();
      batch.size = 2;
      ((org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector) batch.cols[1])
          .setVal(0, "123-45-6789".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ((org.apache.hadoop.hive.ql.exec.vector.BytesColumnVector) batch.cols[1])
          .setVal(1, "987-65-4321".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      writer.addRowBatch(batch);
    }
    try (StorageInput input = DecodedOrc.open(file)) {
      io.quiver.format.UnsupportedFileException e =
          assertThrows(
              io.quiver.format.UnsupportedFileException.class, () -> OrcFooters.read(input));
      assertTrue(e.getMessage().contains("secret.orc has encrypted columns"), e.getMessage());
    }
  }
}
