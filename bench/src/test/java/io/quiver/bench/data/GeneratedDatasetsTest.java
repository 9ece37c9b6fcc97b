package io.quiver.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedDatasetsTest {
  @TempDir Path tmp;

  @Test
  void scaleFactorsGiveTpchRowCountsAndFileCounts() {
    DatasetSpec quick = DatasetSpec.ofScaleFactor(0.1, CompressionCodecName.SNAPPY, false);
    assertEquals(600_122, quick.rows());
    assertEquals(4, quick.files());
    DatasetSpec sf1 = DatasetSpec.ofScaleFactor(1, CompressionCodecName.ZSTD, true);
    assertEquals(6_001_215, sf1.rows());
    assertEquals(8, sf1.files());
    assertEquals(DatasetSpec.DEFAULT_ROW_GROUP_SIZE, sf1.rowGroupSizeBytes());
    assertEquals(40, DatasetSpec.ofScaleFactor(5, CompressionCodecName.ZSTD, false).files());
    assertEquals("lineitem-r6001215-f8-zstd-sorted-rg64m-s1", sf1.key());
  }

  @Test
  void everyParameterThatChangesTheBytesChangesTheKey() {
    DatasetSpec base = new DatasetSpec(1000, 2, CompressionCodecName.SNAPPY, false, 1 << 20, 1);
    assertNotEquals(base.key(), new DatasetSpec(1001, 2, base.codec(), false, 1 << 20, 1).key());
    assertNotEquals(base.key(), new DatasetSpec(1000, 3, base.codec(), false, 1 << 20, 1).key());
    assertNotEquals(
        base.key(), new DatasetSpec(1000, 2, CompressionCodecName.ZSTD, false, 1 << 20, 1).key());
    assertNotEquals(base.key(), new DatasetSpec(1000, 2, base.codec(), true, 1 << 20, 1).key());
    assertNotEquals(base.key(), new DatasetSpec(1000, 2, base.codec(), false, 2 << 20, 1).key());
    assertNotEquals(base.key(), new DatasetSpec(1000, 2, base.codec(), false, 1 << 20, 2).key());
  }

  @Test
  void invalidParametersFailAtOnce() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new DatasetSpec(-1, 2, CompressionCodecName.SNAPPY, false, 1 << 20, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new DatasetSpec(10, 0, CompressionCodecName.SNAPPY, false, 1 << 20, 1));
  }

  @Test
  void generatesOnceAndReusesUntilTheMarkerIsGone() throws Exception {
    GeneratedDatasets datasets = new GeneratedDatasets(tmp);
    DatasetSpec spec = new DatasetSpec(5_000, 2, CompressionCodecName.ZSTD, true, 1 << 20, 3);
    assertFalse(datasets.isGenerated(spec));
    AtomicInteger calls = new AtomicInteger();
    List<Path> files = datasets.ensure(spec, (done, total) -> calls.incrementAndGet());
    assertEquals(2, files.size());
    assertTrue(datasets.isGenerated(spec));
    assertTrue(calls.get() > 0);
    FileTime written = Files.getLastModifiedTime(files.get(0));
    Files.setLastModifiedTime(files.get(0), FileTime.fromMillis(written.toMillis() - 60_000));
    FileTime aged = Files.getLastModifiedTime(files.get(0));

    calls.set(0);
    assertEquals(files, datasets.ensure(spec, (done, total) -> calls.incrementAndGet()));
    assertEquals(0, calls.get(), "reused data must not be regenerated");
    assertEquals(aged, Files.getLastModifiedTime(files.get(0)));

    // An interrupted generation leaves no marker: the next call generates again.
    Files.delete(datasets.directory(spec).resolve(GeneratedDatasets.MARKER));
    datasets.ensure(spec, (done, total) -> calls.incrementAndGet());
    assertTrue(calls.get() > 0);
  }
}
